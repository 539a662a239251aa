//! CPython `task_master.py` (`manager.start()` server) ← a Rust worker (the `pythreading worker`
//! loop), for each CPython version present; and a wrong key refused by a CPython server.
// MP-M07, MP-M10, MP-M11; spec §6.3

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::Stdio;
use std::time::Duration;

use pythreading_mp::managers::{Manager, RemoteGetTimeoutError};

fn rust_worker_against_cpython_master(version: &str) {
    let Some(mut py) = common::python(version) else {
        return;
    };
    py.arg(common::script("task_master.py"))
        .env("MASTER_PORT", "0")
        .env("N_TASKS", "10")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = py.spawn().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    let port: u16 = loop {
        line.clear();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "master exited early"
        );
        if let Some(p) = line.trim().strip_prefix("listening on ") {
            break p.parse().unwrap();
        }
    };
    // Start once every task is in (the CLI worker waits a second instead).
    loop {
        line.clear();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "master exited early"
        );
        if line.starts_with("Try get results") {
            break;
        }
    }
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
                let _ = child.kill();
                let mut err = String::new();
                child
                    .stderr
                    .take()
                    .unwrap()
                    .read_to_string(&mut err)
                    .unwrap();
                panic!("{e}\n{err}");
            }
        }
    }
    assert_eq!(done, 10);
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
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
    let mut child = py.spawn().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let port: u16 = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .parse()
        .unwrap();
    let err = Manager::connect(("127.0.0.1", port), "wrong key").unwrap_err();
    assert_eq!(
        err.as_authentication().map(ToString::to_string).as_deref(),
        Some("digest sent was rejected")
    );
    // And the right key works against the same CPython 3.11 (legacy handshake) server.
    Manager::connect(("127.0.0.1", port), "hello world").unwrap();
    let _ = child.wait();
}

#[test]
fn rust_worker_cpython_312_master() {
    rust_worker_against_cpython_master("3.12");
}
