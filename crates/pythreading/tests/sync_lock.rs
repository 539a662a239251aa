//! `Lock`: checklist group C (CPython's `lock_tests.LockTests` and `test_threading`).
//! Threads here are plain `std::thread::spawn` threads, as CPython's `Bunch` uses raw
//! `_thread` threads.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use pythreading::threading::{Lock, LockGuard, ReleaseError};

mod timing;
use timing::{assert_timeout, wait_for};

const T: Duration = Duration::from_millis(100);

#[test]
fn send_sync() {
    fn check<T: Send + Sync>() {}
    check::<Lock>();
    check::<LockGuard<'_>>();
    check::<ReleaseError>();
}

// C-04, C-17
#[test]
fn acquire_release_and_destroy_while_held() {
    let lock = Lock::new();
    assert!(!lock.locked());
    lock.acquire();
    assert!(lock.locked());
    lock.release().unwrap();
    assert!(!lock.locked());
    {
        let held = Lock::new();
        held.acquire();
    } // dropping a held lock is fine
}

// C-03
#[test]
fn debug_has_pythons_repr_shape() {
    let lock = Lock::new();
    let repr = format!("{lock:?}");
    assert!(
        repr.starts_with("<unlocked ") && repr.contains(" object at 0x"),
        "{repr}"
    );
    lock.acquire();
    assert!(format!("{lock:?}").starts_with("<locked "));
}

// C-05
#[test]
fn try_acquire_uncontended_and_contended() {
    let lock = Arc::new(Lock::new());
    assert!(lock.try_acquire());
    let l = Arc::clone(&lock);
    let got = thread::spawn(move || l.try_acquire()).join().unwrap();
    assert!(!got);
    lock.release().unwrap();
}

// C-06
#[test]
fn five_blocked_acquirers_all_finish_after_one_release() {
    let lock = Arc::new(Lock::new());
    let done = Arc::new(AtomicUsize::new(0));
    lock.acquire();
    let handles: Vec<_> = (0..5)
        .map(|_| {
            let (l, d) = (Arc::clone(&lock), Arc::clone(&done));
            thread::spawn(move || {
                l.acquire();
                l.release().unwrap();
                d.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();
    thread::sleep(Duration::from_millis(50)); // let them block
    assert_eq!(done.load(Ordering::SeqCst), 0);
    lock.release().unwrap();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(done.load(Ordering::SeqCst), 5);
    assert!(!lock.locked());
}

// C-07, S-03 (the guard is the `with` block; unwinding releases it)
#[test]
fn guard_releases_and_panic_propagates() {
    let lock = Lock::new();
    {
        let _g = lock.lock();
        assert!(lock.locked());
    }
    assert!(!lock.locked());
    let result = catch_unwind(AssertUnwindSafe(|| {
        let _g = lock.lock();
        panic!("body raised");
    }));
    assert!(result.is_err(), "the panic is not swallowed");
    assert!(!lock.locked(), "the guard released during unwinding");
}

// C-10, C-11
#[test]
fn generous_and_infinite_timeouts_on_a_free_lock_return_at_once() {
    let lock = Lock::new();
    let start = Instant::now();
    assert!(lock.acquire_timeout(Duration::from_secs(5)));
    assert!(start.elapsed() < Duration::from_secs(1));
    lock.release().unwrap();
    assert!(lock.acquire_timeout(Duration::MAX));
    lock.release().unwrap();
    assert!(lock.acquire_timeout(Duration::ZERO));
}

// C-10 (MAX waits until released, without panicking)
#[test]
fn duration_max_waits_until_released() {
    let lock = Arc::new(Lock::new());
    lock.acquire();
    let l = Arc::clone(&lock);
    let h = thread::spawn(move || l.acquire_timeout(Duration::MAX));
    thread::sleep(Duration::from_millis(20));
    lock.release().unwrap();
    assert!(h.join().unwrap());
}

// C-12, A-01
#[test]
fn contended_timeout_expires() {
    let lock = Arc::new(Lock::new());
    lock.acquire();
    let l = Arc::clone(&lock);
    let (got, elapsed) = thread::spawn(move || {
        let start = Instant::now();
        (l.acquire_timeout(T), start.elapsed())
    })
    .join()
    .unwrap();
    assert!(!got);
    assert_timeout(elapsed, T);
    // A zero timeout is a poll.
    let start = Instant::now();
    assert!(!lock.acquire_timeout(Duration::ZERO));
    assert!(start.elapsed() < Duration::from_millis(50));
}

// C-13
#[test]
fn not_reentrant_second_acquire_waits_for_another_thread() {
    let lock = Arc::new(Lock::new());
    let phase = Arc::new(AtomicUsize::new(0));
    let (l, p) = (Arc::clone(&lock), Arc::clone(&phase));
    let h = thread::spawn(move || {
        l.acquire();
        p.store(1, Ordering::SeqCst);
        l.acquire(); // blocks: not reentrant
        p.store(2, Ordering::SeqCst);
        l.release().unwrap();
    });
    wait_for(|| phase.load(Ordering::SeqCst) == 1);
    thread::sleep(Duration::from_millis(30));
    assert_eq!(phase.load(Ordering::SeqCst), 1);
    lock.release().unwrap(); // another thread releases
    h.join().unwrap();
    assert_eq!(phase.load(Ordering::SeqCst), 2);
}

// C-14
#[test]
fn released_by_another_thread_then_reacquired() {
    let lock = Arc::new(Lock::new());
    lock.acquire();
    let l = Arc::clone(&lock);
    thread::spawn(move || l.release().unwrap()).join().unwrap();
    assert!(!lock.locked());
    lock.acquire();
    lock.release().unwrap();
}

// C-15
#[test]
fn consistent_after_a_timed_out_acquire() {
    let lock = Arc::new(Lock::new());
    lock.acquire();
    let l = Arc::clone(&lock);
    assert!(
        !thread::spawn(move || l.acquire_timeout(Duration::from_millis(10)))
            .join()
            .unwrap()
    );
    lock.release().unwrap();
    assert!(!lock.locked());
    assert!(lock.try_acquire());
}

// C-16
#[test]
fn releasing_an_unlocked_lock_is_an_error() {
    let lock = Lock::new();
    let err = lock.release().unwrap_err();
    assert_eq!(err, ReleaseError::Unlocked);
    assert!(err.is_runtime_error());
    assert_eq!(err.to_string(), "release unlocked lock");
    lock.acquire();
    lock.release().unwrap();
    assert!(lock.release().is_err());
}

// C-18: the lock keeps no per-thread state; many foreign threads leave it as it was.
#[test]
fn many_foreign_threads_leave_it_unlocked() {
    let lock = Arc::new(Lock::new());
    let handles: Vec<_> = (0..15)
        .map(|_| {
            let l = Arc::clone(&lock);
            thread::spawn(move || {
                let _g = l.lock();
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert!(!lock.locked());
    assert_eq!(Arc::strong_count(&lock), 1);
}

// C-13, guards: try_lock / lock_timeout
#[test]
fn guard_variants() {
    let lock = Lock::new();
    let g = lock.try_lock().expect("free");
    assert!(lock.try_lock().is_none());
    assert!(lock.lock_timeout(Duration::from_millis(5)).is_none());
    assert!(std::ptr::eq(g.lock_ref(), &lock));
    drop(g);
    assert!(lock.lock_timeout(Duration::from_millis(5)).is_some());
}

// Module-level locks, as in the tutorials (`lock = threading.Lock()` at the top of a module).
#[test]
#[cfg(not(loom))] // loom's types are not `const`
fn primitives_can_be_statics() {
    use pythreading::threading::{BoundedSemaphore, Event, RLock, Semaphore};
    static LOCK: Lock = Lock::new();
    static RLOCK: RLock = RLock::new();
    static EVENT: Event = Event::new();
    static SEM: Semaphore = Semaphore::new(1);
    static BSEM: BoundedSemaphore = BoundedSemaphore::new(1);
    let _a = LOCK.lock();
    let _b = RLOCK.lock();
    EVENT.set();
    assert!(SEM.try_acquire());
    assert!(BSEM.try_acquire());
    assert!(LOCK.locked() && RLOCK.locked() && EVENT.is_set());
}

// C-10, C-11, C-12 for the guard form: `lock_timeout(ZERO)` polls, `lock_timeout(MAX)` waits
// (without panicking) until the holder releases, then holds the lock.
#[test]
fn lock_timeout_zero_polls_and_max_waits() {
    let lock = Arc::new(Lock::new());
    let held = lock.lock();
    let l = Arc::clone(&lock);
    let (polled, elapsed) = thread::spawn(move || {
        let start = Instant::now();
        (l.lock_timeout(Duration::ZERO).is_some(), start.elapsed())
    })
    .join()
    .unwrap();
    assert!(!polled);
    assert!(elapsed < Duration::from_millis(500));
    let released = Arc::new(AtomicUsize::new(0));
    let (l, r) = (Arc::clone(&lock), Arc::clone(&released));
    let h = thread::spawn(move || {
        let g = l.lock_timeout(Duration::MAX).expect("MAX never times out");
        assert!(g.lock_ref().locked());
        r.load(Ordering::SeqCst)
    });
    thread::sleep(Duration::from_millis(30));
    released.store(1, Ordering::SeqCst);
    drop(held);
    assert_eq!(h.join().unwrap(), 1, "returned only after the release");
    assert!(!lock.locked());
    assert!(lock.lock_timeout(Duration::ZERO).is_some());
}

// S-01: the primitives' failures are typed values with Python's messages (lowercase
// `Display`), `std::error::Error + Send + Sync`, and distinguishable variants.
#[test]
fn primitive_errors_are_typed() {
    use pythreading::threading::{
        Barrier, BarrierBuildError, BoundedSemaphore, BrokenBarrierError, RLock,
    };
    fn is_error<E: std::error::Error + Send + Sync + 'static>(e: &E) -> String {
        let s = e.to_string();
        assert!(s.chars().next().unwrap().is_lowercase(), "{s}");
        s
    }
    let unlocked = Lock::new().release().unwrap_err();
    assert_eq!(unlocked, ReleaseError::Unlocked);
    assert_eq!(is_error(&unlocked), "release unlocked lock");
    let rlock = Arc::new(RLock::new());
    assert_eq!(rlock.release(), Err(ReleaseError::Unlocked));
    rlock.acquire();
    let r = Arc::clone(&rlock);
    let not_owner = thread::spawn(move || r.release())
        .join()
        .unwrap()
        .unwrap_err();
    assert_eq!(not_owner, ReleaseError::NotOwner);
    assert_eq!(rlock.recursion_count(), 1);
    assert_ne!(unlocked, not_owner);
    assert_eq!(is_error(&not_owner), "cannot release un-acquired lock");
    assert!(unlocked.is_runtime_error() && not_owner.is_runtime_error());
    let over = BoundedSemaphore::new(1).release(2).unwrap_err();
    assert_eq!(is_error(&over), "semaphore released too many times");
    assert_eq!(over.count(), 2);
    let build = Barrier::new(0).unwrap_err();
    assert_eq!(build, BarrierBuildError);
    is_error(&build);
    let broken = BrokenBarrierError;
    assert!(broken.is_runtime_error());
    is_error(&broken);
}
