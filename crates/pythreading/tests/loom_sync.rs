//! loom models of the synchronization primitives: every interleaving (within the preemption
//! bound) of the real code, through the `crate::sync` facade.
//! Run: `RUSTFLAGS="--cfg loom" cargo test --release -p pythreading --test loom_sync`.
//!
//! Timed waits are not modelled (loom has no clock); `Duration::ZERO` polls are.
#![cfg(loom)]

use std::time::Duration;

use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::thread;
use pythreading::threading::{Barrier, Condition, Event, Lock, RLock, Semaphore};

/// The small models explore up to 3 preemptions.
fn model(f: impl Fn() + Sync + Send + 'static) {
    model_bounded(3, f);
}

/// The larger ones (three threads, or many lock round trips) stop at 2 to stay within seconds.
fn model_large(f: impl Fn() + Sync + Send + 'static) {
    model_bounded(2, f);
}

fn model_bounded(preemptions: usize, f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(preemptions);
    builder.check(f);
}

/// A read-then-write increment: only mutual exclusion keeps it from losing updates.
fn unprotected_increment(n: &AtomicUsize) {
    let v = n.load(Ordering::Relaxed);
    n.store(v + 1, Ordering::Relaxed);
}

// C-06, C-14: mutual exclusion, the contended (parking) path, release by another thread.
#[test]
fn lock_mutual_exclusion() {
    model_large(|| {
        let lock = Arc::new(Lock::new());
        let n = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let (l, n) = (Arc::clone(&lock), Arc::clone(&n));
                thread::spawn(move || {
                    l.acquire();
                    unprotected_increment(&n);
                    l.release().unwrap();
                })
            })
            .collect();
        {
            let _g = lock.lock();
            unprotected_increment(&n);
        }
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(n.load(Ordering::Relaxed), 3);
        assert!(!lock.locked());
    });
}

// C-14, C-05: a lock released by a thread other than its acquirer; try_acquire never blocks.
#[test]
fn lock_released_elsewhere() {
    model(|| {
        let lock = Arc::new(Lock::new());
        lock.acquire();
        let l = Arc::clone(&lock);
        let t = thread::spawn(move || {
            if !l.acquire_timeout(Duration::ZERO) {
                l.acquire();
            }
            l.release().unwrap();
        });
        lock.release().unwrap();
        t.join().unwrap();
        assert!(lock.try_acquire());
    });
}

// D-03, D-05: reentrancy and exclusion between owners.
#[test]
fn rlock_reentrant_exclusion() {
    model(|| {
        let lock = Arc::new(RLock::new());
        let n = Arc::new(AtomicUsize::new(0));
        let (l, n2) = (Arc::clone(&lock), Arc::clone(&n));
        let t = thread::spawn(move || {
            let _a = l.lock();
            let _b = l.lock();
            unprotected_increment(&n2);
        });
        lock.acquire();
        lock.acquire();
        unprotected_increment(&n);
        lock.release().unwrap();
        assert!(lock.is_owned());
        lock.release().unwrap();
        t.join().unwrap();
        assert_eq!(n.load(Ordering::Relaxed), 2);
        assert!(!lock.locked());
    });
}

// E-05, E-10, R-01: each notify(1) wakes one waiter; wait_for re-checks; nobody is lost.
#[test]
fn condition_notify_one_per_token_and_wait_for() {
    model_large(|| {
        let cond = Arc::new(Condition::new());
        let tokens = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let (c, t) = (Arc::clone(&cond), Arc::clone(&tokens));
                thread::spawn(move || {
                    let mut g = c.lock();
                    assert!(c.wait_for(&mut g, || t.load(Ordering::Relaxed) > 0));
                    t.fetch_sub(1, Ordering::Relaxed);
                })
            })
            .collect();
        for _ in 0..2 {
            let _g = cond.lock();
            tokens.fetch_add(1, Ordering::Relaxed);
            cond.notify(1);
        }
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(tokens.load(Ordering::Relaxed), 0);
    });
}

// E-05, E-07: notify(2) with a plain Lock underneath wakes both waiters.
#[test]
fn condition_notify_n_over_a_lock() {
    model_large(|| {
        let cond = Arc::new(Condition::with_lock(Lock::new()));
        let go = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let (c, g) = (Arc::clone(&cond), Arc::clone(&go));
                thread::spawn(move || {
                    let mut guard = c.lock();
                    c.wait_for(&mut guard, || g.load(Ordering::Relaxed) == 1);
                })
            })
            .collect();
        {
            let _g = cond.lock();
            go.store(1, Ordering::Relaxed);
            cond.notify(2);
        }
        for h in handles {
            h.join().unwrap();
        }
    });
}

// F-04, F-05: permits are exact; release(n) hands off to waiters.
#[test]
fn semaphore_permits_and_handoff() {
    model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let inside = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let (s, i) = (Arc::clone(&sem), Arc::clone(&inside));
                thread::spawn(move || {
                    s.acquire();
                    i.fetch_add(1, Ordering::Relaxed);
                })
            })
            .collect();
        sem.release(2);
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(inside.load(Ordering::Relaxed), 2);
        assert_eq!(sem.value(), 0);
        assert!(!sem.try_acquire());
    });
}

// H-05, R-03: set() then clear() at once still releases the waiter.
#[test]
fn event_set_then_clear_releases_waiters() {
    model(|| {
        let ev = Arc::new(Event::new());
        let e = Arc::clone(&ev);
        let t = thread::spawn(move || e.wait());
        // Only a waiter that is already blocked is promised the wake-up (as CPython's test
        // waits for its threads to block first).
        while ev.n_waiting() == 0 {
            thread::yield_now();
        }
        ev.set();
        ev.clear();
        t.join().unwrap();
        assert!(!ev.is_set());
    });
}

// I-03, I-04, I-05: distinct indices; the action runs once, before anyone leaves.
#[test]
fn barrier_two_parties_with_action() {
    model(|| {
        let ran = Arc::new(AtomicUsize::new(0));
        let r = Arc::clone(&ran);
        let barrier = Arc::new(
            Barrier::builder(2)
                .action(move || {
                    r.fetch_add(1, Ordering::Relaxed);
                })
                .build()
                .unwrap(),
        );
        let (b, r) = (Arc::clone(&barrier), Arc::clone(&ran));
        let t = thread::spawn(move || {
            let i = b.wait().unwrap().index();
            assert_eq!(r.load(Ordering::Relaxed), 1);
            i
        });
        let mine = barrier.wait().unwrap().index();
        assert_eq!(ran.load(Ordering::Relaxed), 1);
        let theirs = t.join().unwrap();
        assert_eq!(mine + theirs, 1);
        assert_eq!(barrier.n_waiting(), 0);
    });
}

// I-07: abort releases a waiter with BrokenBarrierError.
#[test]
fn barrier_abort_releases_waiter() {
    model(|| {
        let barrier = Arc::new(Barrier::new(2).unwrap());
        let b = Arc::clone(&barrier);
        let t = thread::spawn(move || b.wait().is_err());
        barrier.abort();
        assert!(t.join().unwrap());
        assert!(barrier.is_broken());
    });
}
