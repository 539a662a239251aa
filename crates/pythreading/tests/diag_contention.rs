//! No false deadlock reports (issue 10): 8 threads contending hard on 2 locks taken in one
//! consistent order for 2 s, with `find_deadlocks()` polled throughout; a thread waiting on a
//! `Condition` (with the lock released) is not a deadlock. No checklist id: CPython has no
//! deadlock detector.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use pythreading::diagnostics::Kind;
use pythreading::threading::{self, Condition, Lock};

#[test]
fn eight_threads_two_locks_consistent_order_is_never_a_deadlock() {
    let a = Arc::new(Lock::named("first"));
    let b = Arc::new(Lock::named("second"));
    let stop = Arc::new(AtomicBool::new(false));
    let ops = Arc::new(AtomicU64::new(0));
    // Each lock guards a counter that is only touched under it: the invariant checked at the end.
    let under_a = Arc::new(AtomicU64::new(0));
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let (a, b, stop, ops, under_a) = (
                Arc::clone(&a),
                Arc::clone(&b),
                Arc::clone(&stop),
                Arc::clone(&ops),
                Arc::clone(&under_a),
            );
            threading::Builder::new()
                .name(format!("contender-{i}"))
                .spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        let _ga = a.lock();
                        let v = under_a.load(Ordering::Relaxed);
                        let _gb = b.lock();
                        under_a.store(v + 1, Ordering::Relaxed);
                        ops.fetch_add(1, Ordering::Relaxed);
                    }
                })
                .unwrap()
        })
        .collect();
    let start = Instant::now();
    let mut polls = 0u64;
    let mut saw_waiters = false;
    while start.elapsed() < Duration::from_secs(2) {
        let cycles = threading::find_deadlocks();
        assert!(
            cycles.is_empty(),
            "false deadlock report after {polls} polls: {cycles:?}"
        );
        if !saw_waiters {
            saw_waiters = threading::dump().threads().iter().any(|t| {
                t.waiting()
                    .is_some_and(|w| w.resource().kind() == Kind::Lock)
            });
        }
        polls += 1;
    }
    stop.store(true, Ordering::Relaxed);
    for h in handles {
        h.join_timeout(Duration::from_secs(10)).unwrap();
    }
    let ops = ops.load(Ordering::Relaxed);
    assert_eq!(
        under_a.load(Ordering::Relaxed),
        ops,
        "lost updates under the lock"
    );
    assert!(ops > 0 && polls > 0);
    assert!(
        saw_waiters,
        "the stress never made a thread park: it tested nothing"
    );
    eprintln!("{ops} lock pairs, {polls} polls, no false report");
}

#[test]
fn a_condition_waiter_is_not_a_deadlock() {
    let cond = Arc::new(Condition::with_lock(Lock::named("cond-lock")));
    let c = Arc::clone(&cond);
    let waiter = threading::Builder::new()
        .name("cond-waiter")
        .spawn(move || {
            let mut g = c.lock();
            c.wait(&mut g);
        })
        .unwrap();
    // Handshake: the dump shows the waiter parked on the condition.
    let start = Instant::now();
    while !threading::dump().threads().iter().any(|t| {
        t.name() == "cond-waiter"
            && t.waiting()
                .is_some_and(|w| w.resource().kind() == Kind::Condition)
    }) {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "waiter never parked"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    // Holding the condition's lock while the waiter waits to be notified is no cycle.
    let g = cond.lock();
    for _ in 0..50 {
        assert!(threading::find_deadlocks().is_empty());
        std::thread::sleep(Duration::from_millis(2));
    }
    cond.notify_all();
    drop(g);
    waiter.join_timeout(Duration::from_secs(10)).unwrap();
    assert!(!waiter.thread().is_alive());
}
