//! One workout of the Rust client's proxies for `Value`, `Array`, `Namespace`, `Semaphore`,
//! `BoundedSemaphore`, `Condition` and `Barrier`, run against our server
//! (`managers_types_sync.rs`) and against CPython's own `SyncManager` server
//! (`interop_types_server.rs`): the expectations are CPython's.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use pythreading_mp::managers::{Manager, RemoteCell, RemoteCondition};

/// Waiters blocked at once on one Condition or Barrier (each a thread with its own connection).
pub(crate) const WAITERS: usize = 4;

/// Waits for a state other connections produce; fails with `what` after 10 s.
fn poll(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        thread::sleep(Duration::from_millis(10));
    }
}

fn join_all(handles: Vec<thread::JoinHandle<()>>) {
    for h in handles {
        h.join().expect("a waiter thread panicked");
    }
}

pub(crate) fn value(m: &Manager) {
    let v = m.value("i", 7i64).unwrap();
    assert_eq!(v.get().unwrap(), 7);
    v.set(8).unwrap();
    assert_eq!(v.get().unwrap(), 8);
    let s = m.value("u", String::from("a")).unwrap();
    s.set("bc".into()).unwrap();
    assert_eq!(s.get().unwrap(), "bc");
}

pub(crate) fn array(m: &Manager) {
    let a = m.array("i", &[1i64, 2, 3]).unwrap();
    assert_eq!(a.len().unwrap(), 3);
    assert_eq!(a.get(-1).unwrap(), Some(3));
    assert_eq!(a.get(3).unwrap(), None);
    a.set(1, 20).unwrap();
    assert_eq!(a.to_vec().unwrap(), [1, 20, 3]);
    let e = a.set(0, 1 << 40).unwrap_err();
    assert!(e.as_exception().unwrap().is_builtin("OverflowError"), "{e}");
    assert!(
        a.set(5, 1)
            .unwrap_err()
            .as_exception()
            .unwrap()
            .is_builtin("IndexError")
    );
    let d = m.array("d", &[0.5f64, 2.0]).unwrap();
    assert_eq!(d.to_vec().unwrap(), [0.5, 2.0]);
    let f = m.array("f", &[0.1f64]).unwrap();
    assert_eq!(f.get(0).unwrap(), Some(f64::from(0.1f32)));
    let big = m.array("Q", &[u64::MAX]).unwrap();
    assert_eq!(big.to_vec().unwrap(), [u64::MAX]);
    let u = m.array("u", &['h', 'é']).unwrap();
    assert_eq!(u.to_vec().unwrap(), ['h', 'é']);
    assert!(
        m.array("z", &[1i64]).is_err(),
        "a bad typecode fails in create"
    );
    assert!(m.array::<i64>("b", &[]).unwrap().is_empty().unwrap());
}

pub(crate) fn namespace(m: &Manager) {
    let ns = m.namespace().unwrap();
    assert_eq!(ns.get::<i64>("x").unwrap(), None);
    ns.set("x", &vec![1, 2]).unwrap();
    assert_eq!(ns.get::<Vec<i64>>("x").unwrap(), Some(vec![1, 2]));
    ns.set("x", &String::from("now a str")).unwrap();
    assert_eq!(ns.get::<String>("x").unwrap().as_deref(), Some("now a str"));
    assert!(ns.remove("x").unwrap());
    assert!(!ns.remove("x").unwrap());
    assert_eq!(ns.get::<String>("x").unwrap(), None);
}

pub(crate) fn semaphores(m: &Manager) {
    let s = m.semaphore(2).unwrap();
    s.acquire().unwrap();
    assert!(s.try_acquire().unwrap());
    assert!(!s.try_acquire().unwrap());
    let t0 = Instant::now();
    assert!(!s.acquire_timeout(Duration::from_millis(200)).unwrap());
    let elapsed = t0.elapsed();
    assert!(
        elapsed >= Duration::from_millis(120) && elapsed < Duration::from_secs(2),
        "{elapsed:?}"
    );
    s.release().unwrap();
    assert!(s.acquire_timeout(Duration::from_secs(5)).unwrap());

    // Four connections blocked in acquire, each freed by one release from another connection.
    let zero = Arc::new(m.semaphore(0).unwrap());
    let handles: Vec<_> = (0..WAITERS)
        .map(|_| {
            let z = Arc::clone(&zero);
            thread::spawn(move || assert!(z.acquire_timeout(Duration::from_secs(10)).unwrap()))
        })
        .collect();
    for _ in 0..WAITERS {
        zero.release().unwrap();
    }
    join_all(handles);
    assert!(!zero.try_acquire().unwrap());

    let b = m.bounded_semaphore(1).unwrap();
    assert!(b.try_acquire().unwrap());
    b.release().unwrap();
    let e = b.release().unwrap_err();
    assert!(e.as_exception().unwrap().is_builtin("ValueError"), "{e}");
}

/// `waiting` counts the waiters that hold the lock and are about to wait: once it reaches
/// `n` with the lock in our hands, all of them are waiting.
fn all_waiting(c: &RemoteCondition, waiting: &RemoteCell<i64>, n: i64) -> bool {
    c.acquire().unwrap();
    let k = waiting.get().unwrap();
    c.release().unwrap();
    k == n
}

pub(crate) fn condition(m: &Manager) {
    let c = Arc::new(m.condition().unwrap());
    assert!(
        c.wait_timeout(Duration::from_millis(10)).is_err(),
        "not held"
    );
    assert!(c.notify(1).is_err(), "not held");
    c.acquire().unwrap();
    assert!(!c.wait_timeout(Duration::from_millis(50)).unwrap());
    c.notify_all().unwrap();
    c.release().unwrap();

    // notify(1) wakes exactly one of the blocked connections; the others time out.
    let waiting = Arc::new(m.value("i", 0i64).unwrap());
    let results = Arc::new(Mutex::new(Vec::new()));
    let handles: Vec<_> = (0..WAITERS)
        .map(|_| {
            let (c, w, r) = (Arc::clone(&c), Arc::clone(&waiting), Arc::clone(&results));
            thread::spawn(move || {
                c.acquire().unwrap();
                w.set(w.get().unwrap() + 1).unwrap();
                let notified = c.wait_timeout(Duration::from_secs(3)).unwrap();
                r.lock().unwrap().push(notified);
                c.release().unwrap();
            })
        })
        .collect();
    poll("every waiter to block", || {
        all_waiting(&c, &waiting, WAITERS as i64)
    });
    c.acquire().unwrap();
    c.notify(1).unwrap();
    c.release().unwrap();
    join_all(handles);
    let mut r = results.lock().unwrap().clone();
    r.sort();
    assert_eq!(r, [false, false, false, true]);

    // notify_all wakes all of them; wait_for's predicate runs on the client.
    waiting.set(0).unwrap();
    let go = Arc::new(m.value("b", false).unwrap());
    let handles: Vec<_> = (0..WAITERS)
        .map(|_| {
            let (c, w, go) = (Arc::clone(&c), Arc::clone(&waiting), Arc::clone(&go));
            thread::spawn(move || {
                c.acquire().unwrap();
                w.set(w.get().unwrap() + 1).unwrap();
                let ok = c
                    .wait_for_timeout(Duration::from_secs(10), || go.get().unwrap())
                    .unwrap();
                assert!(ok, "wait_for timed out");
                c.release().unwrap();
            })
        })
        .collect();
    poll("every waiter to block", || {
        all_waiting(&c, &waiting, WAITERS as i64)
    });
    c.acquire().unwrap();
    go.set(true).unwrap();
    c.notify_all().unwrap();
    c.release().unwrap();
    join_all(handles);
}

pub(crate) fn barrier(m: &Manager) {
    let b = Arc::new(m.barrier(WAITERS).unwrap());
    assert_eq!(b.parties().unwrap(), WAITERS);
    for _round in 0..2 {
        let indices = Arc::new(Mutex::new(Vec::new()));
        let handles: Vec<_> = (0..WAITERS - 1)
            .map(|_| {
                let (b, i) = (Arc::clone(&b), Arc::clone(&indices));
                thread::spawn(move || {
                    let index = b.wait_timeout(Duration::from_secs(10)).unwrap();
                    i.lock().unwrap().push(index);
                })
            })
            .collect();
        poll("the waiters to reach the barrier", || {
            b.n_waiting().unwrap() == WAITERS - 1
        });
        indices.lock().unwrap().push(b.wait().unwrap());
        join_all(handles);
        let mut i = indices.lock().unwrap().clone();
        i.sort();
        assert_eq!(i, (0..WAITERS).collect::<Vec<_>>());
    }
    // abort() frees every blocked connection with Broken; reset() mends the barrier.
    let handles: Vec<_> = (0..WAITERS - 1)
        .map(|_| {
            let b = Arc::clone(&b);
            thread::spawn(move || {
                assert!(
                    b.wait_timeout(Duration::from_secs(10))
                        .unwrap_err()
                        .is_broken()
                );
            })
        })
        .collect();
    poll("the waiters to reach the barrier", || {
        b.n_waiting().unwrap() == WAITERS - 1
    });
    b.abort().unwrap();
    join_all(handles);
    assert!(b.is_broken().unwrap());
    assert!(b.wait().unwrap_err().is_broken());
    b.reset().unwrap();
    assert!(!b.is_broken().unwrap());
    assert!(
        b.wait_timeout(Duration::from_millis(20))
            .unwrap_err()
            .is_broken()
    );
}

/// Every type, in turn.
pub(crate) fn all(m: &Manager) {
    value(m);
    array(m);
    namespace(m);
    semaphores(m);
    condition(m);
    barrier(m);
}
