//! Stress: many threads, many operations, nothing lost or duplicated. Runs in debug and release.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

use pythreading::threading::{Condition, Lock, RLock};

/// A read-then-write increment: only the lock keeps it from losing updates.
fn unprotected_increment(n: &AtomicUsize) {
    let v = n.load(Ordering::Relaxed);
    n.store(v + 1, Ordering::Relaxed);
}

// C-06: 8 threads × 100,000 lock-protected increments lose nothing.
#[test]
fn lock_protected_increments_lose_nothing() {
    const THREADS: usize = 8;
    const EACH: usize = 100_000;
    let lock = Arc::new(Lock::new());
    let n = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..THREADS)
        .map(|i| {
            let (l, n) = (Arc::clone(&lock), Arc::clone(&n));
            thread::spawn(move || {
                for k in 0..EACH {
                    // Mix the Python verbs and the guard.
                    if (i + k) % 2 == 0 {
                        l.acquire();
                        unprotected_increment(&n);
                        l.release().unwrap();
                    } else {
                        let _g = l.lock();
                        unprotected_increment(&n);
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(n.load(Ordering::Relaxed), THREADS * EACH);
    assert!(!lock.locked());
}

// D-03: the same with an RLock taken twice per increment.
#[test]
fn rlock_protected_increments_lose_nothing() {
    const THREADS: usize = 4;
    const EACH: usize = 25_000;
    let lock = Arc::new(RLock::new());
    let n = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let (l, n) = (Arc::clone(&lock), Arc::clone(&n));
            thread::spawn(move || {
                for _ in 0..EACH {
                    let _a = l.lock();
                    let _b = l.lock();
                    unprotected_increment(&n);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(n.load(Ordering::Relaxed), THREADS * EACH);
}

// E-05, E-10, R-01: a Condition-based bounded buffer hands 1,000,000 items from 2 producers to
// 2 consumers; every item arrives exactly once.
#[test]
fn condition_handoff_of_a_million_items() {
    const ITEMS: usize = 1_000_000;
    const PRODUCERS: usize = 2;
    const CONSUMERS: usize = 2;
    const CAPACITY: usize = 256;
    const BATCH: usize = 8;

    // Two conditions over one shared lock, as Python's `queue.Queue` does.
    let lock = Arc::new(Lock::new());
    let not_empty = Arc::new(Condition::with_lock(Arc::clone(&lock)));
    let not_full = Arc::new(Condition::with_lock(Arc::clone(&lock)));
    // The data the lock protects (the inner mutex is never contended: the Lock is held).
    let buffer = Arc::new(Mutex::new(VecDeque::with_capacity(CAPACITY)));
    let done = Arc::new(AtomicUsize::new(0));

    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let (ne, nf, buf) = (
                Arc::clone(&not_empty),
                Arc::clone(&not_full),
                Arc::clone(&buffer),
            );
            thread::spawn(move || {
                let mut next = p * (ITEMS / PRODUCERS);
                let end = next + ITEMS / PRODUCERS;
                while next < end {
                    let mut g = nf.lock();
                    nf.wait_for(&mut g, || buf.lock().unwrap().len() < CAPACITY);
                    let mut b = buf.lock().unwrap();
                    let room = (CAPACITY - b.len()).min(BATCH).min(end - next);
                    b.extend(next..next + room);
                    next += room;
                    drop(b);
                    ne.notify(1);
                }
            })
        })
        .collect();
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|_| {
            let (ne, nf, buf, d) = (
                Arc::clone(&not_empty),
                Arc::clone(&not_full),
                Arc::clone(&buffer),
                Arc::clone(&done),
            );
            thread::spawn(move || {
                let mut got = Vec::new();
                loop {
                    let mut g = ne.lock();
                    ne.wait_for(&mut g, || {
                        !buf.lock().unwrap().is_empty() || d.load(Ordering::SeqCst) == 1
                    });
                    let mut b = buf.lock().unwrap();
                    if b.is_empty() {
                        return got; // producers finished and the buffer is drained
                    }
                    let take = b.len().min(BATCH);
                    got.extend(b.drain(..take));
                    drop(b);
                    nf.notify(1);
                }
            })
        })
        .collect();
    for p in producers {
        p.join().unwrap();
    }
    {
        let _g = not_empty.lock();
        done.store(1, Ordering::SeqCst);
        not_empty.notify_all();
    }
    let mut seen = vec![0u8; ITEMS];
    let mut total = 0;
    for c in consumers {
        for item in c.join().unwrap() {
            seen[item] += 1;
            total += 1;
        }
    }
    assert_eq!(total, ITEMS, "nothing lost or duplicated in count");
    assert!(seen.iter().all(|&s| s == 1), "every item exactly once");
    assert!(!lock.locked());
}
