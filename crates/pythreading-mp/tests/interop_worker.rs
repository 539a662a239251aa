//! Rust server ← the tutorials' CPython `task_worker.py` (3.11, 3.12.1 and 3.13.0).
// MP-M10, MP-M11; spec §6.2, §2.3, §11.11

mod common;

use std::time::Duration;

use pythreading_mp::managers::{Manager, ServerBuilder};

fn worker_against_rust_server(version: &str) {
    let Some(mut py) = common::python(version) else {
        return;
    };
    let server = ServerBuilder::new("hello world")
        .queue("get_task_queue")
        .queue("get_result_queue")
        .bind("127.0.0.1:0")
        .unwrap()
        .spawn()
        .unwrap();
    let m = Manager::connect(server.address(), "hello world").unwrap();
    let tasks = m.queue::<i64>("get_task_queue").unwrap();
    let results = m.queue::<String>("get_result_queue").unwrap();
    let numbers = [0, 1, 255, 256, 7622, 10000, 65536, 123, 4, 99];
    for n in numbers {
        tasks.put(n).unwrap();
    }
    py.arg(common::script("task_worker.py"))
        .env("MANAGER_PORT", server.address().port().to_string())
        .env("N_LOOPS", "12")
        .env("GET_TIMEOUT", "0.2");
    let out = common::run(py, 60);
    let (stdout, stderr) = common::text(&out);
    assert!(out.status.success(), "worker failed:\n{stdout}\n{stderr}");
    let mut got: Vec<String> = (0..10)
        .map(|_| results.get_timeout(Duration::from_secs(5)).unwrap())
        .collect();
    got.sort();
    let mut want: Vec<String> = numbers
        .iter()
        .map(|n| format!("{n} * {n} = {}", n * n))
        .collect();
    want.sort();
    assert_eq!(got, want);
    // The two gets on an empty queue reached Python as queue.Empty.
    assert_eq!(
        stdout.matches("task queue is empty.").count(),
        2,
        "{stdout}"
    );
    assert!(stdout.contains("worker exit."));
    // The worker's proxies were decref'd at exit; only ours remain.
    drop((tasks, results));
    assert_eq!(m.number_of_objects().unwrap(), 0);
}

#[test]
fn cpython_311_worker() {
    worker_against_rust_server("3.11");
}

#[test]
fn cpython_312_worker() {
    worker_against_rust_server("3.12");
}

#[test]
fn cpython_313_worker() {
    worker_against_rust_server("3.13");
}

// A wrong key: CPython raises AuthenticationError('digest sent was rejected'); the server logs
// the refusal.
#[test]
fn cpython_wrong_key_is_refused() {
    let Some(mut py) = common::python("3.11") else {
        return;
    };
    let events = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = std::sync::Arc::clone(&events);
    let server = ServerBuilder::new("hello world")
        .queue("get_task_queue")
        .queue("get_result_queue")
        .on_connection(move |e| log.lock().unwrap().push(e.to_string()))
        .bind("127.0.0.1:0")
        .unwrap()
        .spawn()
        .unwrap();
    py.arg(common::script("task_worker.py"))
        .env("MANAGER_PORT", server.address().port().to_string())
        .env("AUTHKEY", "wrong key");
    let out = common::run(py, 60);
    let (_, stderr) = common::text(&out);
    assert!(!out.status.success());
    assert!(
        stderr.contains("AuthenticationError: digest sent was rejected"),
        "{stderr}"
    );
    let events = events.lock().unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.contains("refused") && e.contains("digest received was wrong")),
        "{events:?}"
    );
}
