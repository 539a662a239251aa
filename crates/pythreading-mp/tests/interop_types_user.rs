//! Rust types served to Python (`BaseManager.register` for Rust): the `shared_counter` and
//! `kv_cache` examples' types, used by unmodified CPython 3.11, 3.12 and 3.13 clients that
//! register the typeids without callables (`python/user_types_client.py`): construction with
//! and without arguments, positional and keyword arguments, exceptions raised by Rust methods
//! (`ValueError`, `KeyError` with its key), bad arguments as `TypeError`, names that are not
//! exposed, and four connections incrementing one counter with no update lost.
// MP-M01, MP-M02, MP-M03, MP-M04, MP-M10; spec §4 (`create` returns the exposed list)

mod common;

#[path = "../examples/shared_counter.rs"]
mod shared_counter;

#[path = "../examples/kv_cache.rs"]
mod kv_cache;

use pythreading_mp::managers::{Manager, ServerBuilder};

fn user_types_client(version: &str) {
    let Some(py) = common::python(version) else {
        return;
    };
    let server = ServerBuilder::new("hello world")
        .register(shared_counter::counter_type())
        .register(kv_cache::cache_type())
        .bind("127.0.0.1:0")
        .unwrap()
        .spawn()
        .unwrap();
    let port = server.address().port();
    let stdout = common::run_client(
        py,
        "user_types_client.py",
        port,
        120,
        "user types client ok",
    );
    common::assert_ran_on(&stdout, version);
    let m = Manager::connect(server.address(), "hello world").unwrap();
    common::assert_all_released(&m);
}

#[test]
fn cpython_311_uses_rust_types() {
    user_types_client("3.11");
}

#[test]
fn cpython_312_uses_rust_types() {
    user_types_client("3.12");
}

#[test]
fn cpython_313_uses_rust_types() {
    user_types_client("3.13");
}
