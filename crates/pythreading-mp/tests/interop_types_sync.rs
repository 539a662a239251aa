//! CPython `SyncManager(address, authkey).connect()` clients (3.11, 3.12, 3.13) using the Rust
//! server's `Value`, `Array`, `Namespace`, `Semaphore`, `BoundedSemaphore`, `Condition` and
//! `Barrier`, several threads (one connection each) blocked on one Condition and one Barrier at
//! once; `Pool` is refused with an error that names what is missing (`python/types_client.py`,
//! which passes against CPython's own server too).
// MP-M04, MP-M15, MP-M18, MP-S05, MP-S06, MP-S07, MP-S08; spec §4 (`create` errors as
// `#TRACEBACK`), §6.4

mod common;

use pythreading_mp::managers::{Manager, ServerBuilder, ServerConfig};

fn types_client(version: &str) {
    types_client_with(version, ServerConfig::default());
}

fn types_client_with(version: &str, config: ServerConfig) {
    let Some(mut py) = common::python(version) else {
        return;
    };
    let server = ServerBuilder::new("hello world")
        .sync_manager()
        .config(config)
        .bind("127.0.0.1:0")
        .unwrap()
        .spawn()
        .unwrap();
    py.env("SERVER", "pythreading");
    let port = server.address().port();
    let stdout = common::run_client(py, "types_client.py", port, 120, "types client ok");
    common::assert_ran_on(&stdout, version);
    // Every proxy the client made was released.
    let m = Manager::connect(server.address(), "hello world").unwrap();
    common::assert_all_released(&m);
}

#[test]
fn cpython_311_uses_every_sync_manager_type() {
    types_client("3.11");
}

#[test]
fn cpython_312_uses_every_sync_manager_type() {
    types_client("3.12");
}

#[test]
fn cpython_313_uses_every_sync_manager_type() {
    types_client("3.13");
}

// Plain-data mode refuses values naming globals outside its allow-list: every value these
// types carry (arrays as `array.array`, slices) is on it, so the same client passes.
#[test]
fn cpython_311_uses_every_sync_manager_type_in_plain_data_mode() {
    types_client_with("3.11", ServerConfig::default().with_plain_data(true));
}

// More reliable than CPython: a Condition waiter killed (SIGKILL) while it waits leaves the
// queue, so the next `notify(1)` wakes a live waiter. On CPython's server the dead waiter's
// thread takes the notification and then keeps the lock (the same script hangs there).
#[test]
fn cpython_311_a_killed_condition_waiter_swallows_no_notification() {
    killed_client("3.11", "dead_waiter.py", "live waiter woken");
}

#[test]
fn cpython_313_a_killed_condition_waiter_swallows_no_notification() {
    killed_client("3.13", "dead_waiter.py", "live waiter woken");
}

// More reliable than CPython: a Barrier party killed (SIGKILL) while it waits breaks the
// barrier, so the others learn of it (BrokenBarrierError). On CPython's server the dead party
// counts as arrived and the next waiter passes the barrier one party short (the same script
// prints 'dead party counted as arrived' there).
#[test]
fn cpython_311_a_killed_barrier_party_breaks_the_barrier() {
    killed_client("3.11", "dead_party.py", "dead party broke the barrier");
}

#[test]
fn cpython_313_a_killed_barrier_party_breaks_the_barrier() {
    killed_client("3.13", "dead_party.py", "dead party broke the barrier");
}

/// Runs a script that kills one of its own clients mid-wait (a forked child, SIGKILL) and
/// prints what the others saw.
fn killed_client(version: &str, script: &str, marker: &str) {
    let Some(mut py) = common::python(version) else {
        return;
    };
    let server = ServerBuilder::new("hello world")
        .sync_manager()
        .bind("127.0.0.1:0")
        .unwrap()
        .spawn()
        .unwrap();
    py.arg(common::script(script))
        .env("MANAGER_PORT", server.address().port().to_string());
    let out = common::run(py, 60);
    let (stdout, stderr) = common::text(&out);
    assert!(out.status.success(), "{script} failed:\n{stdout}\n{stderr}");
    assert!(stdout.starts_with(&format!("python {version}")), "{stdout}");
    assert!(stdout.contains(marker), "{stdout}\n{stderr}");
}
