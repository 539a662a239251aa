//! Rust client ↔ Rust server: named queues, refcounts, errors, shutdown.
// MP-M04, MP-M06, MP-M08, MP-M10, MP-M11, MP-M13, MP-M14, MP-Q03, MP-Q04, MP-X07

use std::time::{Duration, Instant};

use pythreading_mp::managers::{Manager, ManagerError, RemoteGetTimeoutError, ServerBuilder};

fn server() -> pythreading_mp::managers::RunningServer {
    ServerBuilder::new("hello world")
        .queue("get_task_queue")
        .queue("get_result_queue")
        .sync_manager()
        .bind("127.0.0.1:0")
        .unwrap()
        .spawn()
        .unwrap()
}

#[test]
fn tasks_and_results_round_trip() {
    let server = server();
    let m = Manager::connect(server.address(), "hello world").unwrap();
    let tasks = m.queue::<i64>("get_task_queue").unwrap();
    let results = m.queue::<String>("get_result_queue").unwrap();
    for n in 0..10 {
        tasks.put(n).unwrap();
    }
    assert_eq!(tasks.len().unwrap(), 10);
    let worker = {
        let addr = server.address();
        std::thread::spawn(move || {
            let m = Manager::connect(addr, "hello world").unwrap();
            let tasks = m.queue::<i64>("get_task_queue").unwrap();
            let results = m.queue::<String>("get_result_queue").unwrap();
            while let Ok(n) = tasks.get_timeout(Duration::from_millis(200)) {
                results.put(format!("{n} * {n} = {}", n * n)).unwrap();
            }
        })
    };
    let mut got: Vec<String> = (0..10)
        .map(|_| results.get_timeout(Duration::from_secs(5)).unwrap())
        .collect();
    got.sort();
    let mut want: Vec<String> = (0..10).map(|n| format!("{n} * {n} = {}", n * n)).collect();
    want.sort();
    assert_eq!(got, want, "every task's result, once");
    worker.join().unwrap();
}

#[test]
fn empty_arrives_as_a_typed_error_after_the_timeout() {
    let server = server();
    let m = Manager::connect(server.address(), "hello world").unwrap();
    let q = m.queue::<i64>("get_task_queue").unwrap();
    let t0 = Instant::now();
    let err = q.get_timeout(Duration::from_millis(100)).unwrap_err();
    assert!(matches!(err, RemoteGetTimeoutError::Timeout));
    assert!(t0.elapsed() >= Duration::from_millis(60));
}

#[test]
fn refcounts_follow_cpython() {
    let server = server();
    let m = Manager::connect(server.address(), "hello world").unwrap();
    assert_eq!(m.number_of_objects().unwrap(), 0);
    let a = m.queue::<i64>("get_task_queue").unwrap();
    let b = m.queue::<i64>("get_task_queue").unwrap();
    // The same named queue: one ident, refcount 2.
    assert_eq!(a.ident(), b.ident());
    assert_eq!(m.number_of_objects().unwrap(), 1);
    assert!(m.debug_info().unwrap().contains("refcount=2"));
    drop(a);
    assert_eq!(m.number_of_objects().unwrap(), 1);
    drop(b);
    assert_eq!(m.number_of_objects().unwrap(), 0);
}

#[test]
fn unknown_typeid_is_a_remote_error() {
    let server = server();
    let m = Manager::connect(server.address(), "hello world").unwrap();
    match m.queue::<i64>("nope") {
        Err(ManagerError::Remote(tb)) => assert!(tb.contains("KeyError"), "{tb}"),
        other => panic!("{other:?}"),
    }
    // MP-M06: a typeid registered without a callable (`Iterator`, for `#PROXY` results only)
    // cannot be created: CPython's ValueError comes back as a traceback.
    match m.queue::<i64>("Iterator") {
        Err(ManagerError::Remote(tb)) => assert!(tb.contains("Without callable"), "{tb}"),
        other => panic!("{other:?}"),
    }
}

// MP-M14: a server restarted on the address of a stopped one binds it and serves.
#[test]
fn a_server_restarts_on_the_same_address() {
    let first = server();
    let addr = first.address();
    Manager::connect(addr, "hello world")
        .unwrap()
        .shutdown()
        .unwrap();
    first.join().unwrap();
    let t0 = Instant::now();
    let second = loop {
        match ServerBuilder::new("hello world").queue("q").bind(addr) {
            Ok(s) => break s.spawn().unwrap(),
            // CPython's test retries on EADDRINUSE too.
            Err(_) if t0.elapsed() < Duration::from_secs(5) => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => panic!("{e}"),
        }
    };
    let m = Manager::connect(addr, "hello world").unwrap();
    let q = m.queue::<i64>("q").unwrap();
    q.put(7).unwrap();
    assert_eq!(q.get().unwrap(), 7);
    drop(q);
    drop(second);
}

#[test]
fn wrong_key_is_refused_with_a_typed_error() {
    let server = server();
    let err = Manager::connect(server.address(), "wrong key").unwrap_err();
    let auth = err.as_authentication().expect("an authentication error");
    assert_eq!(auth.to_string(), "digest sent was rejected");
}

#[test]
fn client_shutdown_stops_the_server() {
    let server = server();
    let m = Manager::connect(server.address(), "hello world").unwrap();
    m.shutdown().unwrap();
    server.join().unwrap();
    assert!(Manager::connect(m.address(), "hello world").is_err());
}

#[test]
fn a_blocking_get_blocks_only_its_caller() {
    // C-14 analogue: two connections; one blocks in get, the other keeps working.
    let server = server();
    let addr = server.address();
    let blocked = std::thread::spawn(move || {
        let m = Manager::connect(addr, "hello world").unwrap();
        let q = m.queue::<i64>("get_result_queue").unwrap();
        q.get_timeout(Duration::from_secs(5)).unwrap()
    });
    let m = Manager::connect(addr, "hello world").unwrap();
    let q = m.queue::<i64>("get_task_queue").unwrap();
    let t0 = Instant::now();
    for i in 0..20 {
        q.put(i).unwrap();
        assert_eq!(q.get().unwrap(), i);
    }
    assert!(t0.elapsed() < Duration::from_secs(4));
    m.queue::<i64>("get_result_queue").unwrap().put(42).unwrap();
    assert_eq!(blocked.join().unwrap(), 42);
}

#[test]
fn public_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Manager>();
    check::<pythreading_mp::managers::RemoteQueue<i64>>();
    check::<pythreading_mp::managers::RemoteDict<String, i64>>();
    check::<pythreading_mp::managers::RemoteList<i64>>();
    check::<pythreading_mp::managers::RemoteEvent>();
    check::<pythreading_mp::managers::RemoteLock>();
    check::<pythreading_mp::managers::ManagerError>();
    check::<pythreading_mp::managers::RunningServer>();
}

// One persistent connection per thread for method calls (as CPython's proxies keep one per
// thread): ten more calls open no new connection; another thread opens exactly one of its own.
#[test]
fn method_calls_share_one_connection_per_thread() {
    let events = std::sync::Arc::new(std::sync::Mutex::new(0usize));
    let log = std::sync::Arc::clone(&events);
    let server = ServerBuilder::new("hello world")
        .queue("q")
        .on_connection(move |e| {
            if e.to_string().ends_with("authenticated") {
                *log.lock().unwrap() += 1;
            }
        })
        .bind("127.0.0.1:0")
        .unwrap()
        .spawn()
        .unwrap();
    let count = || *events.lock().unwrap();
    let m = Manager::connect(server.address(), "hello world").unwrap();
    let q = m.queue::<i64>("q").unwrap();
    q.put(0).unwrap();
    let before = count();
    for i in 0..10 {
        q.put(i).unwrap();
        assert_eq!(q.get().unwrap(), if i == 0 { 0 } else { i - 1 });
    }
    assert_eq!(count(), before, "calls on one thread reuse its connection");
    std::thread::scope(|s| {
        s.spawn(|| {
            for i in 0..3 {
                q.put(100 + i).unwrap();
            }
        });
    });
    assert_eq!(count(), before + 1, "another thread opens one connection");
    assert_eq!(q.len().unwrap(), 4);
    assert_eq!(count(), before + 1);
}
