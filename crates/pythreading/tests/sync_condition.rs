//! `Condition`: checklist group E (and D-12, R-01, R-02). Plain `std::thread` threads.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use pythreading::threading::{Condition, ConditionLock, Lock, RLock};

mod timing;
use timing::wait_for;

const T: Duration = Duration::from_millis(100);

#[test]
fn send_sync() {
    fn check<T: Send + Sync>() {}
    check::<Condition>();
    check::<ConditionLock>();
}

// E-01, D-12
#[test]
fn default_lock_is_reentrant() {
    let cond = Condition::new();
    assert!(matches!(cond.inner_lock(), ConditionLock::RLock(_)));
    cond.acquire();
    cond.acquire();
    cond.release().unwrap();
    cond.release().unwrap();
    assert!(cond.release().is_err());
    let _a = cond.lock();
    let _b = cond.lock();
    assert!(cond.locked());
}

// E-02
#[test]
fn uses_the_lock_it_is_given() {
    let lock = Arc::new(Lock::new());
    let cond = Condition::with_lock(Arc::clone(&lock));
    cond.acquire();
    assert!(!lock.try_acquire());
    cond.release().unwrap();
    assert!(lock.try_acquire());
    assert!(!cond.try_acquire());
    lock.release().unwrap();
    {
        let _g = cond.lock();
        assert!(lock.locked());
    }
    assert!(!lock.locked());
}

/// Starts `n` threads that each wait once on `cond`, recording the phase they see on wake-up.
fn start_waiters(
    cond: &Arc<Condition>,
    phase: &Arc<AtomicUsize>,
    woken: &Arc<Mutex<Vec<(usize, bool)>>>,
    n: usize,
) -> Vec<thread::JoinHandle<()>> {
    (0..n)
        .map(|_| {
            let (c, p, w) = (Arc::clone(cond), Arc::clone(phase), Arc::clone(woken));
            thread::spawn(move || {
                let mut g = c.lock();
                let notified = c.wait_timeout(&mut g, Duration::from_secs(30));
                w.lock().unwrap().push((p.load(Ordering::SeqCst), notified));
                drop(g);
            })
        })
        .collect()
}

fn check_notify(cond: &Arc<Condition>) {
    let phase = Arc::new(AtomicUsize::new(0));
    let woken = Arc::new(Mutex::new(Vec::new()));
    let mut handles = start_waiters(cond, &phase, &woken, 5);
    wait_for(|| cond.n_waiting() == 5);

    // E-05, E-06: notify(3) wakes exactly 3, and they see the phase set before the release.
    {
        let _g = cond.lock();
        assert_eq!(cond.notify(3), 3);
        phase.store(1, Ordering::SeqCst);
    }
    wait_for(|| woken.lock().unwrap().len() == 3);
    assert_eq!(cond.n_waiting(), 2, "the other 2 stay blocked");
    assert_eq!(woken.lock().unwrap().len(), 3, "the other 2 stay blocked");
    assert!(woken.lock().unwrap().iter().all(|&(p, ok)| p == 1 && ok));

    // E-07: notify(5) with 2 still in their first wait and 3 new ones wakes all 5.
    handles.extend(start_waiters(cond, &phase, &woken, 3));
    wait_for(|| cond.n_waiting() == 5);
    {
        let _g = cond.lock();
        assert_eq!(cond.notify(5), 5);
        phase.store(2, Ordering::SeqCst);
    }
    wait_for(|| woken.lock().unwrap().len() == 8);

    // notify_all wakes everyone left.
    handles.extend(start_waiters(cond, &phase, &woken, 4));
    wait_for(|| cond.n_waiting() == 4);
    {
        let _g = cond.lock();
        assert_eq!(cond.notify_all(), 4);
        phase.store(3, Ordering::SeqCst);
    }
    for h in handles {
        h.join().unwrap();
    }
    let woken = woken.lock().unwrap();
    assert_eq!(woken.len(), 12);
    assert!(
        woken.iter().all(|&(_, ok)| ok),
        "every woken waiter got true"
    );
    assert_eq!(woken.iter().filter(|&&(p, _)| p == 2).count(), 5);
    assert_eq!(woken.iter().filter(|&&(p, _)| p == 3).count(), 4);
    assert_eq!(cond.n_waiting(), 0);
}

// E-05, E-06, E-07, E-08, R-01
#[test]
fn notify_wakes_exactly_n_twice_over() {
    let cond = Arc::new(Condition::new());
    check_notify(&cond);
    check_notify(&cond); // E-08: sound after a full round
    let cond = Arc::new(Condition::with_lock(Lock::new()));
    check_notify(&cond);
}

// E-09, R-02
#[test]
fn no_spurious_wakeups() {
    let cond = Arc::new(Condition::new());
    let handles: Vec<_> = (0..5)
        .map(|_| {
            let c = Arc::clone(&cond);
            thread::spawn(move || {
                let mut g = c.lock();
                let start = Instant::now();
                let notified = c.wait_timeout(&mut g, T);
                (notified, start.elapsed())
            })
        })
        .collect();
    for h in handles {
        let (notified, elapsed) = h.join().unwrap();
        assert!(!notified);
        assert!(elapsed >= T.mul_f64(0.6) && elapsed < T * 10, "{elapsed:?}");
    }
}

// E-10
#[test]
fn wait_for_rechecks_after_each_notify() {
    let cond = Arc::new(Condition::new());
    let state = Arc::new(AtomicUsize::new(0));
    let (c, s) = (Arc::clone(&cond), Arc::clone(&state));
    let h = thread::spawn(move || {
        let mut g = c.lock();
        let ok = c.wait_for(&mut g, || s.load(Ordering::SeqCst) == 4);
        (ok, s.load(Ordering::SeqCst))
    });
    for _ in 0..4 {
        // The waiter is back in its wait (observed, not slept on) before each notify.
        wait_for(|| cond.n_waiting() == 1);
        let _g = cond.lock();
        state.fetch_add(1, Ordering::SeqCst);
        cond.notify(1);
    }
    assert_eq!(h.join().unwrap(), (true, 4));
}

// E-11
#[test]
fn wait_for_timeout_is_one_total_deadline() {
    let cond = Arc::new(Condition::new());
    let c = Arc::clone(&cond);
    let h = thread::spawn(move || {
        let mut g = c.lock();
        let start = Instant::now();
        let ok = c.wait_for_timeout(&mut g, T, || false);
        (ok, start.elapsed())
    });
    // Three notifies, each once the waiter is parked again (or it has already timed out).
    for _ in 0..3 {
        wait_for(|| cond.n_waiting() == 1 || h.is_finished());
        let _g = cond.lock();
        cond.notify(1);
    }
    let (ok, elapsed) = h.join().unwrap();
    assert!(!ok);
    assert!(elapsed >= T.mul_f64(0.6) && elapsed < T * 10, "{elapsed:?}");
}

// E-12, E-13
#[test]
fn already_true_predicate_and_zero_timeout_do_not_wait() {
    let cond = Condition::new();
    let mut g = cond.lock();
    let start = Instant::now();
    assert!(cond.wait_for_timeout(&mut g, Duration::from_secs(30), || true));
    assert!(!cond.wait_timeout(&mut g, Duration::ZERO));
    assert!(start.elapsed() < Duration::from_secs(1));
    assert!(cond.locked(), "the lock is held again after a poll");
}

// E-14
#[test]
fn wait_restores_the_rlock_depth() {
    let rlock = Arc::new(RLock::new());
    let cond = Arc::new(Condition::with_lock(Arc::clone(&rlock)));
    let c = Arc::clone(&cond);
    let r = Arc::clone(&rlock);
    let h = thread::spawn(move || {
        let mut g = c.lock();
        let _g2 = c.lock();
        let _g3 = c.lock();
        assert_eq!(r.recursion_count(), 3);
        let notified = c.wait_timeout(&mut g, Duration::from_secs(30));
        (notified, r.recursion_count())
    });
    wait_for(|| cond.n_waiting() == 1);
    // While it waits, the RLock is completely free.
    assert!(rlock.try_acquire());
    cond.notify(1);
    rlock.release().unwrap();
    assert_eq!(h.join().unwrap(), (true, 3));
    assert!(!rlock.locked());
    // Timed out waits restore the depth too.
    let _a = cond.lock();
    let mut b = cond.lock();
    assert!(!cond.wait_timeout(&mut b, Duration::from_millis(5)));
    assert_eq!(rlock.recursion_count(), 2);
}

// E-15, R-01
#[test]
fn fifo_wake_order_and_unbanked_notify() {
    let cond = Arc::new(Condition::new());
    // A notify with nobody waiting is lost.
    assert_eq!(cond.notify(3), 0);
    let order = Arc::new(Mutex::new(Vec::new()));
    let mut handles = Vec::new();
    for i in 0..5 {
        let (c, o) = (Arc::clone(&cond), Arc::clone(&order));
        handles.push(thread::spawn(move || {
            let mut g = c.lock();
            assert!(c.wait_timeout(&mut g, Duration::from_secs(30)));
            o.lock().unwrap().push(i);
        }));
        wait_for(|| cond.n_waiting() == i + 1);
    }
    for i in 0..5 {
        cond.notify(1);
        wait_for(|| order.lock().unwrap().len() == i + 1);
    }
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(*order.lock().unwrap(), [0, 1, 2, 3, 4]);
}

// E-04, E-18: notify without the lock is allowed (Rust's Condvar rule), and still wakes.
#[test]
fn notify_without_the_lock_wakes() {
    let cond = Arc::new(Condition::with_lock(Lock::new()));
    let c = Arc::clone(&cond);
    let h = thread::spawn(move || {
        let mut g = c.lock();
        c.wait_timeout(&mut g, Duration::from_secs(30))
    });
    wait_for(|| cond.n_waiting() == 1);
    assert_eq!(cond.notify_all(), 1);
    assert!(h.join().unwrap());
}

// E-17
#[test]
fn debug_shows_lock_and_waiters() {
    let cond = Condition::with_lock(Lock::new());
    let repr = format!("{cond:?}");
    assert!(
        repr.starts_with("<Condition(<unlocked ") && repr.ends_with(", 0)>"),
        "{repr}"
    );
}

#[test]
#[should_panic(expected = "another Condition's guard")]
fn waiting_with_a_foreign_guard_panics() {
    let a = Condition::new();
    let b = Condition::new();
    let mut g = b.lock();
    let _ = a.wait_timeout(&mut g, Duration::ZERO);
}

// A-04 and the timeout convention: Duration::MAX waits forever without panicking and returns
// promptly once notified.
#[test]
fn duration_max_waits_until_notified() {
    let cond = Arc::new(Condition::new());
    let c = Arc::clone(&cond);
    let h = thread::spawn(move || {
        let mut g = c.lock();
        let start = Instant::now();
        (c.wait_timeout(&mut g, Duration::MAX), start.elapsed())
    });
    wait_for(|| cond.n_waiting() == 1);
    cond.notify_one();
    let (notified, elapsed) = h.join().unwrap();
    assert!(notified);
    assert!(elapsed < Duration::from_secs(10));
    let mut g = cond.lock();
    assert!(cond.wait_for_timeout(&mut g, Duration::MAX, || true));
}

// E-05, E-15, R-01: `notify(n)` wakes at most n, and the oldest n: with four waiters queued in
// a known order, `notify(2)` releases exactly the first two; the last two stay parked.
#[test]
fn notify_n_wakes_the_oldest_n() {
    let cond = Arc::new(Condition::new());
    let order = Arc::new(Mutex::new(Vec::new()));
    let mut handles = Vec::new();
    for i in 0..4 {
        let (c, o) = (Arc::clone(&cond), Arc::clone(&order));
        handles.push(thread::spawn(move || {
            let mut g = c.lock();
            assert!(c.wait_timeout(&mut g, Duration::from_secs(30)));
            o.lock().unwrap().push(i);
        }));
        wait_for(|| cond.n_waiting() == i + 1);
    }
    assert_eq!(cond.notify(2), 2);
    wait_for(|| order.lock().unwrap().len() == 2);
    assert_eq!(cond.n_waiting(), 2, "at most n are woken");
    let mut first = order.lock().unwrap().clone();
    first.sort();
    assert_eq!(first, [0, 1]);
    assert_eq!(
        cond.notify(usize::MAX),
        2,
        "notify(n) with n > waiters wakes them all"
    );
    for h in handles {
        h.join().unwrap();
    }
    let mut all = order.lock().unwrap().clone();
    all[..2].sort();
    all[2..].sort();
    assert_eq!(all, [0, 1, 2, 3], "the first two woken were the oldest two");
}

// The timeout convention on the Condition's own lock and on `wait_for_timeout`: ZERO polls,
// MAX waits (never panicking) until the lock is free or the predicate holds., E-13.
#[test]
fn acquire_and_wait_for_with_zero_and_max() {
    let cond = Arc::new(Condition::new());
    let g = cond.lock();
    let c = Arc::clone(&cond);
    let (polled, elapsed) = thread::spawn(move || {
        let start = Instant::now();
        (c.acquire_timeout(Duration::ZERO), start.elapsed())
    })
    .join()
    .unwrap();
    assert!(!polled);
    assert!(elapsed < Duration::from_millis(500));
    let c = Arc::clone(&cond);
    let h = timing::spawn_parked(move || {
        let got = c.acquire_timeout(Duration::MAX);
        c.release().unwrap();
        got
    });
    drop(g);
    assert!(h.join().unwrap());

    // wait_for_timeout(ZERO) with a false predicate: false at once, lock still held.
    let mut g = cond.lock();
    let start = Instant::now();
    assert!(!cond.wait_for_timeout(&mut g, Duration::ZERO, || false));
    assert!(start.elapsed() < Duration::from_millis(500));
    assert!(cond.locked());
    drop(g);

    // wait_for_timeout(MAX) returns true once another thread makes the predicate true.
    let flag = Arc::new(AtomicUsize::new(0));
    let (c, f) = (Arc::clone(&cond), Arc::clone(&flag));
    let h = thread::spawn(move || {
        let mut g = c.lock();
        c.wait_for_timeout(&mut g, Duration::MAX, || f.load(Ordering::SeqCst) == 1)
    });
    wait_for(|| cond.n_waiting() == 1);
    {
        let _g = cond.lock();
        flag.store(1, Ordering::SeqCst);
        cond.notify_all();
    }
    assert!(h.join().unwrap());
}
