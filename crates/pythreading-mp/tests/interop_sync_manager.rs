//! A CPython `SyncManager(address, authkey).connect()` client using the Rust server's Queue,
//! JoinableQueue, Event, Lock, RLock, dict and list (iteration through `#PROXY` included).
// MP-M04, MP-M05, MP-M15, MP-M16, MP-M17, MP-Q01, MP-Q02, MP-Q03, MP-Q04, MP-Q06, MP-Q10,
// MP-S01, MP-S02, MP-S03, MP-S08; spec §6.4

mod common;

use pythreading_mp::managers::{Manager, ServerBuilder};

fn sync_client(version: &str) {
    let Some(py) = common::python(version) else {
        return;
    };
    let server = ServerBuilder::new("hello world")
        .sync_manager()
        .bind("127.0.0.1:0")
        .unwrap()
        .spawn()
        .unwrap();
    let port = server.address().port();
    common::run_client(py, "sync_client.py", port, 60, "sync client ok");
    // Every proxy the client made was released (iterators included).
    let m = Manager::connect(server.address(), "hello world").unwrap();
    common::assert_all_released(&m);
}

#[test]
fn cpython_311_sync_manager_client() {
    sync_client("3.11");
}

#[test]
fn cpython_312_sync_manager_client() {
    sync_client("3.12");
}

// Also `Queue.shutdown()` (3.13): `queue.ShutDown` reaches Python.
#[test]
fn cpython_313_sync_manager_client() {
    sync_client("3.13");
}
