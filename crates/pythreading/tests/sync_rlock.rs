//! `RLock`: checklist group D. Threads are plain `std::thread` threads.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use pythreading::threading::{RLock, ReleaseError};

mod timing;

#[test]
fn send_sync() {
    fn check<T: Send + Sync>() {}
    check::<RLock>();
}

// D-03, D-11
#[test]
fn owner_reenters_and_releases_as_often() {
    let r = RLock::new();
    r.acquire();
    assert!(
        r.try_acquire(),
        "the owner's non-blocking re-acquire succeeds"
    );
    assert!(r.acquire_timeout(Duration::ZERO));
    assert_eq!(r.recursion_count(), 3);
    r.release().unwrap();
    r.release().unwrap();
    assert!(r.locked());
    r.release().unwrap();
    assert!(!r.locked());
}

// D-04
#[test]
fn release_unacquired_is_an_error() {
    let r = RLock::new();
    assert_eq!(r.release(), Err(ReleaseError::Unlocked));
    r.acquire();
    r.acquire();
    r.release().unwrap();
    r.release().unwrap();
    let err = r.release().unwrap_err();
    assert!(err.is_runtime_error());
}

// D-05
#[test]
fn non_owner_release_is_an_error() {
    let r = Arc::new(RLock::new());
    r.acquire();
    let r2 = Arc::clone(&r);
    let err = thread::spawn(move || r2.release()).join().unwrap();
    assert_eq!(err, Err(ReleaseError::NotOwner));
    assert!(r.locked());
    r.release().unwrap();
}

// D-07
#[test]
fn recursion_count_sequence_and_foreign_view() {
    let r = Arc::new(RLock::new());
    assert_eq!(r.recursion_count(), 0);
    r.acquire();
    assert_eq!(r.recursion_count(), 1);
    r.acquire();
    r.acquire();
    assert_eq!(r.recursion_count(), 3);
    let r2 = Arc::clone(&r);
    assert_eq!(
        thread::spawn(move || r2.recursion_count()).join().unwrap(),
        0
    );
    r.release().unwrap();
    assert_eq!(r.recursion_count(), 2);
    r.release().unwrap();
    r.release().unwrap();
    assert_eq!(r.recursion_count(), 0);
}

// D-08
#[test]
fn is_owned_sequence() {
    let r = Arc::new(RLock::new());
    assert!(!r.is_owned());
    r.acquire();
    assert!(r.is_owned());
    r.acquire();
    assert!(r.is_owned());
    let r2 = Arc::clone(&r);
    assert!(!thread::spawn(move || r2.is_owned()).join().unwrap());
    r.release().unwrap();
    assert!(r.is_owned());
    r.release().unwrap();
    assert!(!r.is_owned());
}

// D-09
#[test]
fn locked_sequence_and_with_two_threads() {
    let r = Arc::new(RLock::new());
    assert!(!r.locked());
    r.acquire();
    assert!(r.locked());
    r.acquire();
    assert!(r.locked());
    r.release().unwrap();
    assert!(r.locked());
    r.release().unwrap();
    assert!(!r.locked());

    let r2 = Arc::clone(&r);
    let (before, after) = thread::spawn(move || {
        let before = r2.locked();
        r2.acquire();
        let after = r2.locked();
        std::mem::forget(r2); // keep holding it; the lock stays with the exited thread
        (before, after)
    })
    .join()
    .unwrap();
    assert!(!before && after);
    assert!(r.locked());
}

// D-02
#[test]
fn debug_shows_count_from_another_thread() {
    let r = Arc::new(RLock::new());
    assert!(format!("{r:?}").starts_with("<unlocked "));
    assert!(format!("{r:?}").contains("count=0"));
    r.acquire();
    r.acquire();
    let r2 = Arc::clone(&r);
    let repr = thread::spawn(move || format!("{r2:?}")).join().unwrap();
    assert!(
        repr.starts_with("<locked ") && repr.contains("count=2"),
        "{repr}"
    );
    r.release().unwrap();
    r.release().unwrap();
}

// D-10 (C-05, C-06, C-11, C-12 for RLock)
#[test]
fn lock_rules_apply_to_other_threads() {
    let r = Arc::new(RLock::new());
    r.acquire();
    let r2 = Arc::clone(&r);
    let (polled, timed, elapsed) = thread::spawn(move || {
        let polled = r2.try_acquire();
        let start = Instant::now();
        let timed = r2.acquire_timeout(Duration::from_millis(100));
        (polled, timed, start.elapsed())
    })
    .join()
    .unwrap();
    assert!(!polled && !timed);
    assert!(elapsed >= Duration::from_millis(60) && elapsed < Duration::from_secs(1));

    let done = Arc::new(AtomicUsize::new(0));
    // Each is parked in lock() (observed, not slept on).
    let handles: Vec<_> = (0..5)
        .map(|_| {
            let (r, d) = (Arc::clone(&r), Arc::clone(&done));
            timing::spawn_parked(move || {
                let _g = r.lock();
                d.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();
    assert_eq!(done.load(Ordering::SeqCst), 0);
    r.release().unwrap();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(done.load(Ordering::SeqCst), 5);
    assert!(r.acquire_timeout(Duration::MAX));
    assert!(r.acquire_timeout(Duration::from_secs(5)));
}

// D-03 with guards
#[test]
fn guards_nest() {
    let r = RLock::new();
    {
        let _a = r.lock();
        let _b = r.lock();
        assert_eq!(r.recursion_count(), 2);
    }
    assert!(!r.locked());
}

// D-05, D-10 (C-05, C-12 from a non-owner): while the owner holds the lock twice, another
// thread's poll fails at once, its `Duration::MAX` wait lasts until the *last* release, and its
// release attempt is refused without changing the owner's count.
#[test]
fn non_owner_polls_waits_forever_and_cannot_release() {
    let r = Arc::new(RLock::new());
    r.acquire();
    r.acquire();
    let r2 = Arc::clone(&r);
    let (polled, elapsed, released) = thread::spawn(move || {
        let start = Instant::now();
        (
            r2.acquire_timeout(Duration::ZERO),
            start.elapsed(),
            r2.release(),
        )
    })
    .join()
    .unwrap();
    assert!(!polled);
    assert!(elapsed < Duration::from_millis(500));
    assert_eq!(released, Err(ReleaseError::NotOwner));
    assert_eq!(
        r.recursion_count(),
        2,
        "the refused release changed nothing"
    );

    let stage = Arc::new(AtomicUsize::new(0));
    let (r2, s) = (Arc::clone(&r), Arc::clone(&stage));
    let (h, tid) = timing::spawn_with_tid(move || {
        assert!(r2.acquire_timeout(Duration::MAX));
        let seen = s.load(Ordering::SeqCst);
        assert!(r2.is_owned());
        r2.release().unwrap();
        seen
    });
    timing::wait_parked(tid);
    stage.store(1, Ordering::SeqCst);
    r.release().unwrap();
    // Still (or again) parked: one release of two leaves the lock held.
    timing::wait_parked(tid);
    assert!(!h.is_finished(), "one release of two leaves it held");
    stage.store(2, Ordering::SeqCst);
    r.release().unwrap();
    assert_eq!(h.join().unwrap(), 2);
    assert!(!r.locked());
}
