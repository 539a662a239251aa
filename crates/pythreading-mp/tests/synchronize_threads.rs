//! Process-shared primitives used from threads of the hosting process (the direct path):
//! MP-S01, MP-S02, MP-S03, MP-S05, MP-S06, MP-S07, MP-S08 semantics. The same objects across
//! real processes are in `synchronize_processes.rs`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use pythreading_mp::synchronize::{
    Barrier, BoundedSemaphore, Condition, Event, Lock, RLock, Semaphore, SharedError,
};

fn assert_timeout(elapsed: Duration, expected: Duration) {
    assert!(
        elapsed >= expected.mul_f64(0.6) && elapsed < expected * 10,
        "waited {elapsed:?} for a timeout of {expected:?}"
    );
}

const LONG: Duration = Duration::from_secs(30);

// MP-S01, MP-S03
#[test]
fn lock_basics() {
    let l = Lock::new().unwrap();
    l.acquire().unwrap();
    assert!(l.locked().unwrap());
    assert!(!l.try_acquire().unwrap());
    let t = Instant::now();
    assert!(!l.acquire_timeout(Duration::from_millis(200)).unwrap());
    assert_timeout(t.elapsed(), Duration::from_millis(200));
    l.release().unwrap();
    assert!(matches!(l.release(), Err(SharedError::NotHeld)));
    {
        let _g = l.lock().unwrap();
        assert!(l.locked().unwrap());
    }
    assert!(!l.locked().unwrap());
    // Not owned: another thread may release it.
    l.acquire().unwrap();
    let l2 = l.clone();
    std::thread::spawn(move || l2.release().unwrap())
        .join()
        .unwrap();
    assert!(!l.locked().unwrap());
}

// MP-S02
#[test]
fn rlock_counts_and_owner() {
    let r = RLock::new().unwrap();
    for _ in 0..3 {
        r.acquire().unwrap();
    }
    let r2 = r.clone();
    let other = std::thread::spawn(move || {
        (
            r2.try_acquire().unwrap(),
            matches!(r2.release(), Err(SharedError::NotOwner)),
        )
    })
    .join()
    .unwrap();
    assert_eq!(
        other,
        (false, true),
        "a non-owner can neither take nor release it"
    );
    r.release().unwrap();
    r.release().unwrap();
    assert!(r.locked().unwrap());
    r.release().unwrap();
    assert!(!r.locked().unwrap());
    assert!(matches!(r.release(), Err(SharedError::NotOwner)));
}

#[test]
fn lock_mutual_exclusion_under_contention() {
    let l = Lock::new().unwrap();
    let inside = Arc::new(AtomicU64::new(0));
    let total = Arc::new(AtomicU64::new(0));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (l, inside, total) = (l.clone(), Arc::clone(&inside), Arc::clone(&total));
            std::thread::spawn(move || {
                for _ in 0..500 {
                    let _g = l.lock().unwrap();
                    assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0, "two holders");
                    total.fetch_add(1, Ordering::Relaxed);
                    inside.fetch_sub(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(total.load(Ordering::Relaxed), 2000);
}

// MP-S05, MP-S06
#[test]
fn semaphores() {
    let s = Semaphore::new(2).unwrap();
    assert!(s.try_acquire().unwrap());
    assert!(s.try_acquire().unwrap());
    assert!(!s.try_acquire().unwrap());
    let t = Instant::now();
    assert!(!s.acquire_timeout(Duration::from_millis(200)).unwrap());
    assert_timeout(t.elapsed(), Duration::from_millis(200));
    for _ in 0..4 {
        s.release().unwrap();
    }
    assert_eq!(s.get_value().unwrap(), 4, "unbounded");
    let b = BoundedSemaphore::new(2).unwrap();
    b.acquire().unwrap();
    b.release().unwrap();
    assert!(matches!(b.release(), Err(SharedError::TooManyReleases)));
    assert_eq!(b.get_value().unwrap(), 2);
    // A waiter is woken by a release from another thread.
    let s = Semaphore::new(0).unwrap();
    let s2 = s.clone();
    let t = std::thread::spawn(move || s2.acquire_timeout(LONG).unwrap());
    std::thread::sleep(Duration::from_millis(20));
    s.release().unwrap();
    assert!(t.join().unwrap());
}

// MP-S08 (Event)
#[test]
fn event() {
    let e = Event::new().unwrap();
    assert!(!e.is_set().unwrap());
    let t = Instant::now();
    assert!(!e.wait_timeout(Duration::from_millis(200)).unwrap());
    assert_timeout(t.elapsed(), Duration::from_millis(200));
    let e2 = e.clone();
    let waiter = std::thread::spawn(move || e2.wait_timeout(LONG).unwrap());
    e.set().unwrap();
    assert!(waiter.join().unwrap());
    assert!(e.wait_timeout(Duration::ZERO).unwrap());
    e.clear().unwrap();
    assert!(!e.is_set().unwrap());
}

/// Starts `n` threads that each wait once on `c` and report `true`/`false` on `tx`; returns
/// after all of them are inside `wait` (each has let the lock go).
fn start_waiters(
    c: &Condition,
    n: usize,
    tx: &mpsc::Sender<bool>,
) -> Vec<std::thread::JoinHandle<()>> {
    let ready = Semaphore::new(0).unwrap();
    let hs = (0..n)
        .map(|_| {
            let (c, tx, ready) = (c.clone(), tx.clone(), ready.clone());
            std::thread::spawn(move || {
                c.acquire().unwrap();
                ready.release().unwrap();
                let r = c.wait_timeout(LONG).unwrap();
                c.release().unwrap();
                tx.send(r).unwrap();
            })
        })
        .collect();
    for _ in 0..n {
        assert!(ready.acquire_timeout(LONG).unwrap());
    }
    // Each waiter released `ready` while holding the lock; taking the lock here means it is
    // inside `wait` (which let the lock go).
    for _ in 0..n {
        c.acquire().unwrap();
        c.release().unwrap();
    }
    hs
}

fn woken(rx: &mpsc::Receiver<bool>, n: usize) {
    for _ in 0..n {
        assert!(rx.recv_timeout(LONG).expect("a waiter was not woken"));
    }
    assert!(
        rx.recv_timeout(Duration::from_millis(200)).is_err(),
        "more waiters woke than were notified"
    );
}

// MP-S07
#[test]
fn condition_notify_one_n_and_all() {
    let c = Condition::new().unwrap();
    let (tx, rx) = mpsc::channel();
    let hs = start_waiters(&c, 6, &tx);
    // The waiters are all in `wait` once their acquire/release pairs let us in, but a waiter
    // registers before releasing, so counting is exact.
    c.acquire().unwrap();
    assert_eq!(c.notify().unwrap(), 1);
    c.release().unwrap();
    woken(&rx, 1);
    c.acquire().unwrap();
    assert_eq!(c.notify_n(2).unwrap(), 2);
    c.release().unwrap();
    woken(&rx, 2);
    c.acquire().unwrap();
    assert_eq!(c.notify_all().unwrap(), 3);
    assert_eq!(c.notify_n(3).unwrap(), 0, "nobody left");
    c.release().unwrap();
    woken(&rx, 3);
    for h in hs {
        h.join().unwrap();
    }
    // Errors without the lock.
    assert!(matches!(c.notify(), Err(SharedError::NotOwner)));
    assert!(matches!(c.wait(), Err(SharedError::NotOwner)));
}

// MP-S07: a timed-out waiter leaves nothing behind.
#[test]
fn condition_timeout_leaves_no_stale_waiter() {
    let c = Condition::new().unwrap();
    c.acquire().unwrap();
    let t = Instant::now();
    assert!(!c.wait_timeout(Duration::from_millis(200)).unwrap());
    assert_timeout(t.elapsed(), Duration::from_millis(200));
    assert!(
        c.release().is_ok(),
        "the lock is held again after a timed-out wait"
    );
    c.acquire().unwrap();
    assert_eq!(c.notify_all().unwrap(), 0);
    c.release().unwrap();
}

// MP-S07: wait_for, and an RLock held twice is restored to its count after wait.
#[test]
fn condition_wait_for_and_rlock_depth() {
    let c = Condition::new().unwrap();
    let v = Arc::new(AtomicU64::new(0));
    let (c2, v2) = (c.clone(), Arc::clone(&v));
    let setter = std::thread::spawn(move || {
        for i in 1..=5 {
            std::thread::sleep(Duration::from_millis(10));
            c2.acquire().unwrap();
            v2.store(i, Ordering::SeqCst);
            c2.notify_all().unwrap();
            c2.release().unwrap();
        }
    });
    c.acquire().unwrap();
    c.acquire().unwrap();
    assert!(c.wait_for(|| v.load(Ordering::SeqCst) >= 5, LONG).unwrap());
    c.release().unwrap();
    c.release().unwrap();
    assert!(c.release().is_err(), "exactly two levels were restored");
    setter.join().unwrap();
    c.acquire().unwrap();
    let t = Instant::now();
    assert!(!c.wait_for(|| false, Duration::from_millis(200)).unwrap());
    assert_timeout(t.elapsed(), Duration::from_millis(200));
    c.release().unwrap();
}

#[test]
fn condition_over_plain_lock() {
    let c = Condition::with_lock(Lock::new().unwrap()).unwrap();
    c.acquire().unwrap();
    assert!(
        !c.acquire_timeout(Duration::from_millis(10)).unwrap(),
        "not reentrant"
    );
    assert!(!c.wait_timeout(Duration::from_millis(10)).unwrap());
    c.release().unwrap();
}

// MP-S08 (Barrier): indices, many passes, timeout, abort, reset, single party.
#[test]
fn barrier() {
    let b = Barrier::new(3).unwrap();
    assert_eq!(b.parties().unwrap(), 3);
    let threads: Vec<_> = (0..3)
        .map(|_| {
            let b = b.clone();
            std::thread::spawn(move || {
                let mut seen = Vec::new();
                for _ in 0..200 {
                    seen.push(b.wait_timeout(LONG).unwrap());
                }
                seen
            })
        })
        .collect();
    let all: Vec<Vec<u64>> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    for pass in 0..200 {
        let mut idx: Vec<u64> = all.iter().map(|s| s[pass]).collect();
        idx.sort();
        assert_eq!(idx, [0, 1, 2], "pass {pass}");
    }
    // A timed-out wait breaks it; reset repairs it.
    let t = Instant::now();
    assert!(matches!(
        b.wait_timeout(Duration::from_millis(200)),
        Err(SharedError::BrokenBarrier)
    ));
    assert_timeout(t.elapsed(), Duration::from_millis(200));
    assert!(b.broken().unwrap());
    assert!(matches!(b.wait(), Err(SharedError::BrokenBarrier)));
    b.reset().unwrap();
    assert!(!b.broken().unwrap());
    // abort wakes a waiter with the error.
    let b2 = b.clone();
    let w = std::thread::spawn(move || b2.wait_timeout(LONG));
    while b.n_waiting().unwrap() == 0 {
        std::thread::sleep(Duration::from_millis(2));
    }
    b.abort().unwrap();
    assert!(matches!(w.join().unwrap(), Err(SharedError::BrokenBarrier)));
    let single = Barrier::new(1).unwrap();
    assert_eq!(single.wait().unwrap(), 0);
}

#[test]
fn handles_survive_a_serde_round_trip_in_process() {
    let l = Lock::new().unwrap();
    let v = pythreading_mp::pickle::to_value(&l).unwrap();
    let back: Lock = pythreading_mp::pickle::from_value(&v).unwrap();
    back.acquire().unwrap();
    assert!(l.locked().unwrap(), "the same lock");
    l.release().unwrap();
}
