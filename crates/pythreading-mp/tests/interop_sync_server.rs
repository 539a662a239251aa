//! The Rust client's SyncManager proxies against CPython's own `SyncManager` server: Queue,
//! JoinableQueue, Event, Lock, RLock, dict (keys through the `#PROXY` iterator) and list.
// MP-M15; spec §6.4, §8

mod common;

use std::io::BufReader;
use std::process::Stdio;
use std::time::Duration;

use pythreading_mp::managers::{Manager, RemoteGetTimeoutError};

/// A generous bound for every wait on the CPython side.
const LIMIT: Duration = Duration::from_secs(60);

fn against(version: &str) {
    let Some(mut py) = common::python(version) else {
        return;
    };
    py.arg(common::script("sync_server.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = common::Guard::spawn(&mut py);
    let stdout = BufReader::new(child.child().stdout.take().unwrap());
    let (_stdout, line) = common::read_line_timeout(stdout, LIMIT, "CPython SyncManager server");
    let line = line.expect("the server exited before announcing its port");
    let port: u16 = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .parse()
        .unwrap();
    let m = Manager::connect(("127.0.0.1", port), "hello world").unwrap();

    let q = m.new_queue::<String>(1).unwrap();
    q.put("a".into()).unwrap();
    assert!(q.is_full().unwrap());
    assert!(q.try_put("b".into()).unwrap_err().is_full());
    assert_eq!(q.get().unwrap(), "a");
    assert!(matches!(
        q.get_timeout(Duration::from_millis(50)),
        Err(RemoteGetTimeoutError::Timeout)
    ));
    let jq = m.new_joinable_queue::<i64>(0).unwrap();
    jq.put(1).unwrap();
    jq.get().unwrap();
    jq.task_done().unwrap();
    jq.join().unwrap();

    let e = m.event().unwrap();
    assert!(!e.wait_timeout(Duration::from_millis(20)).unwrap());
    e.set().unwrap();
    assert!(e.is_set().unwrap());

    let l = m.lock().unwrap();
    assert!(l.try_acquire().unwrap());
    assert!(!l.try_acquire().unwrap());
    l.release().unwrap();
    let r = m.rlock().unwrap();
    r.acquire().unwrap();
    r.acquire().unwrap();
    r.release().unwrap();
    r.release().unwrap();
    assert!(r.release().is_err());

    let d = m.dict::<String, i64>().unwrap();
    d.insert("x".into(), 1).unwrap();
    d.insert("y".into(), 2).unwrap();
    assert_eq!(d.keys().unwrap(), vec!["x".to_string(), "y".to_string()]);
    assert_eq!(d.get("y".into()).unwrap(), Some(2));
    assert_eq!(d.remove("x".into()).unwrap(), Some(1));
    assert_eq!(d.len().unwrap(), 1);

    let list = m.list::<i64>().unwrap();
    for i in [3, 1, 2] {
        list.push(i).unwrap();
    }
    list.sort().unwrap();
    assert_eq!(list.to_vec().unwrap(), vec![1, 2, 3]);
    assert_eq!(list.get(-1).unwrap(), Some(3));
    assert_eq!(list.get(10).unwrap(), None);

    // Closing its stdin stops the server.
    drop(child.child().stdin.take());
    assert!(
        child
            .wait_timeout(LIMIT, "CPython SyncManager server")
            .success()
    );
}

#[test]
fn rust_client_cpython_311_sync_manager() {
    against("3.11");
}

#[test]
fn rust_client_cpython_313_sync_manager() {
    against("3.13");
}
