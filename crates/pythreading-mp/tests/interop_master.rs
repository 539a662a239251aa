//! CPython `task_master.py` (`manager.start()` server) ← a Rust worker (the `pythreading worker`
//! loop), for each CPython version present; and a wrong key refused by a CPython server.
// MP-M07, MP-M10, MP-M11; spec §6.3

mod common;

use std::io::BufReader;
use std::process::{ChildStdout, Stdio};
use std::time::Duration;

use pythreading_mp::managers::{Manager, RemoteGetTimeoutError};

/// Reads the master's stdout up to the first line starting with `prefix` (each line within 60 s).
fn until(mut out: BufReader<ChildStdout>, prefix: &str) -> (BufReader<ChildStdout>, String) {
    loop {
        let (o, line) = common::read_line_timeout(out, LIMIT, "CPython master");
        out = o;
        let line = line.unwrap_or_else(|| panic!("master exited before printing {prefix:?}"));
        if line.starts_with(prefix) {
            return (out, line);
        }
    }
}

/// A generous bound for every wait on the CPython side.
const LIMIT: Duration = Duration::from_secs(60);

fn rust_worker_against_cpython_master(version: &str) {
    let Some(mut py) = common::python(version) else {
        return;
    };
    py.arg(common::script("task_master.py"))
        .env("MASTER_PORT", "0")
        .env("N_TASKS", "10")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = common::Guard::spawn(&mut py);
    let stdout = BufReader::new(child.child().stdout.take().unwrap());
    let (stdout, line) = until(stdout, "listening on ");
    let port: u16 = line["listening on ".len()..].trim().parse().unwrap();
    // Start once every task is in (the CLI worker waits a second instead).
    let (stdout, _) = until(stdout, "Try get results");
    let m = Manager::connect(("127.0.0.1", port), "hello world").unwrap();
    let task = m.queue::<i64>("get_task_queue").unwrap();
    let result = m.queue::<String>("get_result_queue").unwrap();
    let mut done = 0;
    // Ten tasks; after the tenth result the master shuts its server down at once.
    while done < 10 {
        match task.get_timeout(Duration::from_secs(5)) {
            Ok(n) => {
                result.put(format!("{n} * {n} = {}", n * n)).unwrap();
                done += 1;
            }
            Err(RemoteGetTimeoutError::Timeout) => break,
            Err(e) => {
                let err = child.child().stderr.take().unwrap();
                drop(child);
                panic!("{e}\n{}", common::read_to_end_timeout(err, LIMIT, "stderr"));
            }
        }
    }
    assert_eq!(done, 10);
    let rest = common::read_to_end_timeout(stdout, LIMIT, "CPython master stdout");
    let err = child.child().stderr.take().unwrap();
    let err = common::read_to_end_timeout(err, LIMIT, "CPython master stderr");
    let status = child.wait_timeout(LIMIT, "CPython master");
    assert!(status.success(), "{rest}\n{err}");
    assert_eq!(rest.matches("Result: ").count(), 10, "{rest}");
    assert!(rest.contains("master exit."));
    // The master shut its server down: our proxies' decrefs fail silently on drop.
    drop((task, result));
}

#[test]
fn rust_worker_cpython_311_master() {
    rust_worker_against_cpython_master("3.11");
}

#[test]
fn rust_worker_cpython_313_master() {
    rust_worker_against_cpython_master("3.13");
}

// MP-M11: our typed error against a CPython server with another key.
#[test]
fn wrong_key_against_cpython_server() {
    let Some(mut py) = common::python("3.11") else {
        return;
    };
    py.arg(common::script("task_master.py"))
        .env("MASTER_PORT", "0")
        .env("N_TASKS", "0")
        .env("SHUTDOWN_DELAY", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = common::Guard::spawn(&mut py);
    let stdout = BufReader::new(child.child().stdout.take().unwrap());
    let (_stdout, line) = until(stdout, "listening on ");
    let port: u16 = line["listening on ".len()..].trim().parse().unwrap();
    let err = Manager::connect(("127.0.0.1", port), "wrong key").unwrap_err();
    assert_eq!(
        err.as_authentication().map(ToString::to_string).as_deref(),
        Some("digest sent was rejected")
    );
    // And the right key works against the same CPython 3.11 (legacy handshake) server.
    Manager::connect(("127.0.0.1", port), "hello world").unwrap();
    child.wait_timeout(LIMIT, "CPython master");
}

#[test]
fn rust_worker_cpython_312_master() {
    rust_worker_against_cpython_master("3.12");
}
