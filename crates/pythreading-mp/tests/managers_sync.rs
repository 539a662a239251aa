//! SyncManager types, Rust client ↔ Rust server: ownership, wake-ups across connections, errors.
// MP-M08, MP-M15, MP-M16, MP-M17, MP-Q02, MP-S01, MP-S02, MP-S08

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use pythreading_mp::managers::{Manager, RunningServer, ServerBuilder};

#[path = "../../pythreading/tests/timing/mod.rs"]
mod timing;

/// The tests of this file run one at a time, so that [`parked_on_objects`] counts one test's
/// server threads only.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner())
}

/// Waits until `n` of the server's connection threads are parked on an object (blocked in
/// `futex`, not reading the next request): the remote calls under test have reached the server
/// and wait there. Observed from `/proc`, not slept on.
fn parked_on_objects(n: usize) {
    timing::wait_for(|| {
        timing::threads_blocked_in("pythreading-manager-conn", timing::SYS_FUTEX) == n
    });
}

fn server() -> RunningServer {
    ServerBuilder::new("k")
        .sync_manager()
        .bind("127.0.0.1:0")
        .unwrap()
        .spawn()
        .unwrap()
}

#[test]
fn an_rlock_is_owned_by_the_connection_that_acquired_it() {
    let _serial = one_at_a_time();
    let server = server();
    let m = Manager::connect(server.address(), "k").unwrap();
    let r = std::sync::Arc::new(m.rlock().unwrap());
    r.acquire().unwrap();
    // Another thread has its own connection, hence its own server thread: not the owner.
    let r2 = std::sync::Arc::clone(&r);
    let other = thread::spawn(move || {
        let release = r2.release().unwrap_err();
        let try_acquire = r2.try_acquire().unwrap();
        (release.as_exception().map(|e| e.name.clone()), try_acquire)
    })
    .join()
    .unwrap();
    assert_eq!(other, (Some("RuntimeError".to_owned()), false));
    r.release().unwrap();
}

#[test]
fn a_lock_released_by_another_connection_wakes_the_waiter() {
    let _serial = one_at_a_time();
    // MP-M15: a child acquires, the parent releases.
    let server = server();
    let m = Manager::connect(server.address(), "k").unwrap();
    let lock = std::sync::Arc::new(m.lock().unwrap());
    lock.acquire().unwrap();
    let released = std::sync::Arc::new(AtomicBool::new(false));
    let (l2, r2) = (
        std::sync::Arc::clone(&lock),
        std::sync::Arc::clone(&released),
    );
    let waiter = thread::spawn(move || {
        l2.acquire().unwrap();
        r2.load(Ordering::SeqCst)
    });
    // The waiter's acquire is parked in the server before the other connection releases.
    parked_on_objects(1);
    released.store(true, Ordering::SeqCst);
    lock.release().unwrap();
    assert!(waiter.join().unwrap(), "acquired before the release");
    lock.release().unwrap();
    assert!(lock.release().is_err());
}

#[test]
fn an_event_set_elsewhere_wakes_a_remote_wait() {
    let _serial = one_at_a_time();
    let server = server();
    let m = Manager::connect(server.address(), "k").unwrap();
    let e = std::sync::Arc::new(m.event().unwrap());
    let e2 = std::sync::Arc::clone(&e);
    let waiter = thread::spawn(move || e2.wait_timeout(Duration::from_secs(10)).unwrap());
    parked_on_objects(1);
    e.set().unwrap();
    assert!(waiter.join().unwrap());
    e.clear().unwrap();
    let t0 = Instant::now();
    assert!(!e.wait_timeout(Duration::from_millis(100)).unwrap());
    assert!(t0.elapsed() >= Duration::from_millis(60));
}

#[test]
fn dict_and_list_follow_python() {
    let _serial = one_at_a_time();
    let server = server();
    let m = Manager::connect(server.address(), "k").unwrap();
    let d = m.dict::<String, Vec<i64>>().unwrap();
    assert!(d.is_empty().unwrap());
    d.insert("a".into(), vec![1, 2]).unwrap();
    d.insert("a".into(), vec![3]).unwrap();
    assert_eq!(d.len().unwrap(), 1);
    assert_eq!(d.get("a".into()).unwrap(), Some(vec![3]));
    assert_eq!(d.get("zz".into()).unwrap(), None);
    assert!(d.contains_key("a".into()).unwrap());
    assert_eq!(d.keys().unwrap(), vec!["a".to_string()]);
    d.clear().unwrap();
    assert!(d.is_empty().unwrap());

    let l = m.list::<String>().unwrap();
    assert_eq!(l.pop().unwrap(), None);
    l.push("b".into()).unwrap();
    l.push("a".into()).unwrap();
    l.sort().unwrap();
    assert_eq!(l.to_vec().unwrap(), vec!["a".to_string(), "b".to_string()]);
    l.set(-1, "c".into()).unwrap();
    assert_eq!(l.get(1).unwrap().as_deref(), Some("c"));
    assert!(
        l.set(5, "x".into())
            .unwrap_err()
            .as_exception()
            .unwrap()
            .is_builtin("IndexError")
    );
    // Iterators made by keys() are released: only the dict and the list remain.
    assert_eq!(m.number_of_objects().unwrap(), 2);
}

#[test]
fn a_bounded_queue_blocks_puts_until_a_get() {
    let _serial = one_at_a_time();
    let server = server();
    let m = Manager::connect(server.address(), "k").unwrap();
    let q = std::sync::Arc::new(m.new_queue::<i64>(1).unwrap());
    q.put(1).unwrap();
    let q2 = std::sync::Arc::clone(&q);
    let putter = thread::spawn(move || q2.put(2).unwrap());
    // The put is parked in the server on the full queue.
    parked_on_objects(1);
    assert_eq!(q.get().unwrap(), 1);
    putter.join().unwrap();
    assert_eq!(q.get().unwrap(), 2);
    let t0 = Instant::now();
    q.put(3).unwrap();
    assert!(
        q.put_timeout(4, Duration::from_millis(80))
            .unwrap_err()
            .is_timeout()
    );
    assert!(t0.elapsed() >= Duration::from_millis(50));
}

// MP-M08: when the server stops, clients blocked with no timeout (`get()`, `wait()`, `acquire()`,
// `join()`) see an error, and the server's connection threads blocked for them end too (none is
// left parked forever holding its objects).
#[test]
fn stopping_the_server_releases_threads_blocked_forever() {
    let _serial = one_at_a_time();
    let server = ServerBuilder::new("k")
        .sync_manager()
        .queue("named")
        .bind("127.0.0.1:0")
        .unwrap()
        .spawn()
        .unwrap();
    let handle = server.handle();
    let addr = server.address();
    let (ready, started) = mpsc::channel();
    let mut blocked = Vec::new();
    for kind in 0..5 {
        let ready = ready.clone();
        blocked.push(thread::spawn(move || {
            let m = Manager::connect(addr, "k").unwrap();
            match kind {
                0 => {
                    let q = m.new_queue::<i64>(0).unwrap();
                    ready.send(()).unwrap();
                    q.get().is_err()
                }
                1 => {
                    let q = m.queue::<i64>("named").unwrap();
                    ready.send(()).unwrap();
                    q.get().is_err()
                }
                2 => {
                    let e = m.event().unwrap();
                    ready.send(()).unwrap();
                    e.wait().is_err()
                }
                3 => {
                    // A Lock acquired twice by one connection: parked for good.
                    let l = m.lock().unwrap();
                    l.acquire().unwrap();
                    ready.send(()).unwrap();
                    l.acquire().is_err()
                }
                _ => {
                    // An item taken and never marked done: `join()` parks for good.
                    let q = m.new_joinable_queue::<i64>(0).unwrap();
                    q.put(1).unwrap();
                    q.get().unwrap();
                    ready.send(()).unwrap();
                    q.join().is_err()
                }
            }
        }));
    }
    for _ in 0..5 {
        started.recv_timeout(Duration::from_secs(10)).unwrap();
    }
    // The five calls reached the server and are parked there.
    parked_on_objects(5);
    assert!(handle.active_connections() >= 5);
    server.shutdown();
    for t in blocked {
        assert!(
            t.join().unwrap(),
            "the blocked call must fail once the server stops"
        );
    }
    let t0 = Instant::now();
    while handle.active_connections() > 0 && t0.elapsed() < Duration::from_secs(5) {
        thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(
        handle.active_connections(),
        0,
        "connection threads still blocked after stop"
    );
}
