//! `pythreading serve` serves every SyncManager typeid of CPython 3.13 but `Pool` (refused with
//! an error naming what is missing) to unmodified CPython clients: `python/types_client.py`
//! (Value, Array, Namespace, Semaphore, BoundedSemaphore, Condition, Barrier) and
//! `python/sync_client.py` (Queue, JoinableQueue, Event, Lock, RLock, dict, list) against the
//! binary, on 3.11 and, where pyenv has them, 3.12 and 3.13.
// MP-M15, MP-S05, MP-S06, MP-S07, MP-S08

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use pythreading_mp::managers::Manager;

#[path = "../../pythreading-mp/tests/common/mod.rs"]
mod common;

use common::python;

fn serve_types(version: &str) {
    let Some(mut py) = python(version) else {
        return;
    };
    let mut serve = Command::new(env!("CARGO_BIN_EXE_pythreading"));
    serve
        .args([
            "serve",
            "--address",
            "127.0.0.1:0",
            "--authkey",
            "hello world",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = common::Guard::spawn(&mut serve);
    let mut out = BufReader::new(child.child().stdout.take().unwrap());
    let mut line = String::new();
    let port: u16 = loop {
        line.clear();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "serve exited before announcing"
        );
        if let Some(rest) = line.trim().strip_prefix("serving on ") {
            let addr = rest.split_whitespace().next().unwrap();
            break addr.rsplit(':').next().unwrap().parse().unwrap();
        }
    };
    // Keep reading serve's log so it never blocks on a full pipe.
    std::thread::spawn(move || for _ in out.lines() {});
    py.env("SERVER", "pythreading");
    let stdout = common::run_client(py, "types_client.py", port, 120, "types client ok");
    common::assert_ran_on(&stdout, version);
    let Some(mut py) = python(version) else {
        return;
    };
    py.env("SERVER", "pythreading");
    common::run_client(py, "sync_client.py", port, 120, "sync client ok");
    let m = Manager::connect(("127.0.0.1", port), "hello world").unwrap();
    common::assert_all_released(&m);
    m.shutdown().unwrap();
}

#[test]
fn serve_gives_cpython_311_every_sync_manager_type() {
    serve_types("3.11");
}

#[test]
fn serve_gives_cpython_312_every_sync_manager_type() {
    serve_types("3.12");
}

#[test]
fn serve_gives_cpython_313_every_sync_manager_type() {
    serve_types("3.13");
}
