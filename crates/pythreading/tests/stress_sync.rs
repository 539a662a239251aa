//! Stress: many threads, many operations, nothing lost or duplicated. Runs in debug and release.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use pythreading::threading::{Barrier, Condition, Event, Lock, RLock, Semaphore};

mod timing;

/// A generous bound on each test (and each ping-pong wait): a lost wake-up fails, never hangs.
const LIMIT: Duration = Duration::from_secs(120);

/// A read-then-write increment: only the lock keeps it from losing updates.
fn unprotected_increment(n: &AtomicUsize) {
    let v = n.load(Ordering::Relaxed);
    n.store(v + 1, Ordering::Relaxed);
}

// C-06: 8 threads × 100,000 lock-protected increments lose nothing.
#[test]
fn lock_protected_increments_lose_nothing() {
    timing::within(LIMIT, "lock_protected_increments_lose_nothing", || {
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
    });
}

// D-03: the same with an RLock taken twice per increment.
#[test]
fn rlock_protected_increments_lose_nothing() {
    timing::within(LIMIT, "rlock_protected_increments_lose_nothing", || {
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
    });
}

// E-05, E-10, R-01: a Condition-based bounded buffer hands 1,000,000 items from 2 producers to
// 2 consumers; every item arrives exactly once.
#[test]
fn condition_handoff_of_a_million_items() {
    timing::within(LIMIT, "condition_handoff_of_a_million_items", || {
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
    });
}

// F-16, R-04: 8 threads × 10,000 permits of a Semaphore(3): never more than 3 inside, none lost.
#[test]
fn semaphore_never_over_admits() {
    timing::within(LIMIT, "semaphore_never_over_admits", || {
        let sem = Arc::new(Semaphore::new(3));
        let inside = Arc::new(AtomicUsize::new(0));
        let max = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let (s, i, m) = (Arc::clone(&sem), Arc::clone(&inside), Arc::clone(&max));
                thread::spawn(move || {
                    for _ in 0..10_000 {
                        let _p = s.permit();
                        let now = i.fetch_add(1, Ordering::SeqCst) + 1;
                        m.fetch_max(now, Ordering::SeqCst);
                        i.fetch_sub(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert!(max.load(Ordering::SeqCst) <= 3);
        assert_eq!(sem.value(), 3);
    });
}

// H-02, H-05: 20,000 Event ping-pong round trips: no wake-up is ever lost.
#[test]
fn event_ping_pong_loses_no_wakeup() {
    let ping = Arc::new(Event::new());
    let pong = Arc::new(Event::new());
    let (pi, po) = (Arc::clone(&ping), Arc::clone(&pong));
    let other = thread::spawn(move || {
        for i in 0..20_000 {
            assert!(pi.wait_timeout(LIMIT), "round {i}: ping lost");
            pi.clear();
            po.set();
        }
    });
    for i in 0..20_000 {
        ping.set();
        assert!(pong.wait_timeout(LIMIT), "round {i}: pong lost");
        pong.clear();
    }
    other.join().unwrap();
}

// I-03: 4 threads × 2,000 barrier cycles, with distinct indices every cycle.
#[test]
fn barrier_many_cycles() {
    timing::within(LIMIT, "barrier_many_cycles", || {
        const PARTIES: usize = 4;
        const CYCLES: usize = 2_000;
        let barrier = Arc::new(Barrier::new(PARTIES).unwrap());
        let sums = Arc::new(Mutex::new(vec![0usize; CYCLES]));
        let handles: Vec<_> = (0..PARTIES)
            .map(|_| {
                let (b, s) = (Arc::clone(&barrier), Arc::clone(&sums));
                thread::spawn(move || {
                    for c in 0..CYCLES {
                        let i = b.wait().unwrap().index();
                        s.lock().unwrap()[c] += 1 << (8 * i);
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        // Each cycle saw each index 0..4 exactly once.
        assert!(sums.lock().unwrap().iter().all(|&s| s == 0x0101_0101));
    });
}
