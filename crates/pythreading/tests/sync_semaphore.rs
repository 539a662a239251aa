//! `Semaphore` and `BoundedSemaphore`: checklist groups F and G. Plain `std::thread` threads.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use pythreading::threading::{BoundedReleaseError, BoundedSemaphore, Semaphore};

mod timing;
use timing::wait_for;

/// Waits until `count` reaches `expected` and every thread of `tids` is parked (or done), so no
/// more can be admitted without a release, then checks the count is exactly `expected`.
fn settles_at(count: &AtomicUsize, expected: usize, tids: &[u32]) {
    wait_for(|| count.load(Ordering::SeqCst) >= expected && timing::all_parked_or_gone(tids));
    assert_eq!(count.load(Ordering::SeqCst), expected);
}

#[test]
fn send_sync() {
    fn check<T: Send + Sync>() {}
    check::<Semaphore>();
    check::<BoundedSemaphore>();
    check::<BoundedReleaseError>();
}

// F-02
#[test]
fn default_value_is_one() {
    let sem = Arc::new(Semaphore::default());
    sem.acquire();
    let s = Arc::clone(&sem);
    let got = Arc::new(AtomicUsize::new(0));
    let g = Arc::clone(&got);
    let h = timing::spawn_parked(move || {
        s.acquire();
        g.store(1, Ordering::SeqCst);
    });
    assert_eq!(got.load(Ordering::SeqCst), 0);
    sem.release(1);
    h.join().unwrap();
    assert_eq!(got.load(Ordering::SeqCst), 1);
    assert_eq!(BoundedSemaphore::default().value(), 1);
}

// F-03
#[test]
fn acquire_two_release_two_and_destroy() {
    let sem = Semaphore::new(2);
    sem.acquire();
    sem.acquire();
    sem.release(1);
    sem.release(1);
    assert_eq!(sem.value(), 2);
    let held = Semaphore::new(1);
    held.acquire();
    drop(held);
}

/// F-04 / F-05: value 7, main holds one, 10 threads acquire twice each.
fn contended_phases(multi: bool) {
    let sem = Arc::new(Semaphore::new(7));
    sem.acquire();
    let acquired = Arc::new(AtomicUsize::new(0));
    let (handles, tids): (Vec<_>, Vec<_>) = (0..10)
        .map(|_| {
            let (s, a) = (Arc::clone(&sem), Arc::clone(&acquired));
            timing::spawn_with_tid(move || {
                for _ in 0..2 {
                    s.acquire();
                    a.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .unzip();
    settles_at(&acquired, 6, &tids);
    if multi {
        sem.release(7);
    } else {
        for _ in 0..7 {
            sem.release(1);
        }
    }
    settles_at(&acquired, 13, &tids);
    if multi {
        sem.release(6);
    } else {
        for _ in 0..6 {
            sem.release(1);
        }
    }
    settles_at(&acquired, 19, &tids);
    assert!(!sem.try_acquire());
    sem.release(1);
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(acquired.load(Ordering::SeqCst), 20);
}

// F-04, F-15, R-04
#[test]
fn contended_counts_per_phase_are_exact() {
    contended_phases(false);
}

// F-05
#[test]
fn release_n_wakes_n() {
    contended_phases(true);
}

// F-06
#[test]
fn try_acquire_counts() {
    let sem = Semaphore::new(2);
    assert!(sem.try_acquire());
    assert!(sem.try_acquire());
    assert!(!sem.try_acquire());
    sem.release(1);
    assert!(sem.try_acquire());
}

// F-07
#[test]
fn try_acquire_contended_exactly_three_succeed() {
    let sem = Arc::new(Semaphore::new(4));
    sem.acquire();
    let results = Arc::new(Mutex::new(Vec::new()));
    let handles: Vec<_> = (0..5)
        .map(|_| {
            let (s, r) = (Arc::clone(&sem), Arc::clone(&results));
            thread::spawn(move || {
                let a = s.try_acquire();
                let b = s.try_acquire();
                r.lock().unwrap().extend([a, b]);
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let mut results = results.lock().unwrap().clone();
    results.sort();
    assert_eq!(results, [vec![false; 7], vec![true; 3]].concat());
}

// F-09, F-14, A-01
#[test]
fn timed_acquire() {
    let sem = Semaphore::new(2);
    assert!(sem.acquire_timeout(Duration::from_millis(5)));
    assert!(sem.acquire_timeout(Duration::from_millis(5)));
    assert!(!sem.acquire_timeout(Duration::from_millis(5)));
    // A poll does not wait: far less than the 100 ms timed wait below may take (10·T).
    let start = Instant::now();
    assert!(!sem.acquire_timeout(Duration::ZERO), "zero is a poll");
    assert!(start.elapsed() < Duration::from_secs(1), "a poll waited");
    sem.release(1);
    assert!(sem.acquire_timeout(Duration::from_millis(5)));
    let start = Instant::now();
    assert!(!sem.acquire_timeout(Duration::from_millis(100)));
    timing::assert_timeout(start.elapsed(), Duration::from_millis(100));
    sem.release(1);
    assert!(sem.acquire_timeout(Duration::MAX));
}

// F-10
#[test]
fn permits_nest_and_release_on_panic() {
    let sem = Semaphore::new(2);
    {
        let _a = sem.permit();
        let _b = sem.permit();
        assert_eq!(sem.value(), 0);
    }
    assert_eq!(sem.value(), 2);
    let result = catch_unwind(AssertUnwindSafe(|| {
        let _p = sem.permit();
        panic!("body raised");
    }));
    assert!(result.is_err());
    assert_eq!(sem.value(), 2);
    sem.permit().forget();
    assert_eq!(sem.value(), 1);
    assert!(sem.try_permit().is_some());
    assert!(sem.permit_timeout(Duration::ZERO).is_some());
}

// F-11, F-13
#[test]
fn unbounded_release_grows_and_zero_is_nothing() {
    let sem = Semaphore::new(1);
    sem.release(1);
    assert_eq!(sem.value(), 2);
    sem.release(0);
    assert_eq!(sem.value(), 2);
    sem.release(usize::MAX);
    assert_eq!(sem.value(), usize::MAX, "saturates instead of overflowing");
}

// F-12
#[test]
fn debug_tracks_the_value() {
    let sem = Semaphore::new(3);
    assert!(format!("{sem:?}").ends_with(": value=3>"));
    sem.acquire();
    assert!(format!("{sem:?}").ends_with(": value=2>"));
    sem.release(2);
    let repr = format!("{sem:?}");
    assert!(
        repr.starts_with("<pythreading::threading::Semaphore at 0x")
            && repr.ends_with(": value=4>")
    );
}

// F-15 (our order is FIFO): waiters are served oldest first.
#[test]
fn waiters_are_served_in_arrival_order() {
    let sem = Arc::new(Semaphore::new(0));
    let order = Arc::new(Mutex::new(Vec::new()));
    let mut handles = Vec::new();
    for i in 0..4 {
        let (s, o) = (Arc::clone(&sem), Arc::clone(&order));
        // each waiter is parked before the next arrives (observed, not slept on).
        handles.push(timing::spawn_parked(move || {
            s.acquire();
            o.lock().unwrap().push(i);
        }));
    }
    for i in 0..4 {
        sem.release(1);
        wait_for(|| order.lock().unwrap().len() == i + 1);
    }
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(*order.lock().unwrap(), [0, 1, 2, 3]);
}

// F-16
#[test]
fn bounded_limiter_never_lets_more_than_three_in() {
    let sem = Arc::new(BoundedSemaphore::new(3));
    let inside = Arc::new(AtomicUsize::new(0));
    let max = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..10)
        .map(|_| {
            let (s, i, m) = (Arc::clone(&sem), Arc::clone(&inside), Arc::clone(&max));
            thread::spawn(move || {
                let _p = s.permit();
                let now = i.fetch_add(1, Ordering::SeqCst) + 1;
                m.fetch_max(now, Ordering::SeqCst);
                thread::sleep(Duration::from_millis(5));
                i.fetch_sub(1, Ordering::SeqCst);
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let max = max.load(Ordering::SeqCst);
    assert!((1..=3).contains(&max), "{max}");
    assert_eq!(sem.value(), 3);
}

// G-01
#[test]
fn bounded_over_release_is_an_error() {
    let sem = BoundedSemaphore::new(1);
    let err = sem.release(1).unwrap_err();
    assert_eq!(err.to_string(), "semaphore released too many times");
    sem.acquire();
    sem.release(1).unwrap();
    assert!(sem.release(1).is_err());
    assert_eq!(sem.value(), 1);
}

// G-02
#[test]
fn bounded_limit_released_by_other_threads() {
    for limit in 1..10 {
        let sem = Arc::new(BoundedSemaphore::new(limit));
        let takers: Vec<_> = (0..limit)
            .map(|_| {
                let s = Arc::clone(&sem);
                thread::spawn(move || s.acquire())
            })
            .collect();
        for h in takers {
            h.join().unwrap();
        }
        let givers: Vec<_> = (0..limit)
            .map(|_| {
                let s = Arc::clone(&sem);
                thread::spawn(move || s.release(1))
            })
            .collect();
        for h in givers {
            h.join().unwrap().unwrap();
        }
        assert!(sem.release(1).is_err());
    }
}

// G-03
#[test]
fn bounded_debug() {
    let sem = BoundedSemaphore::new(3);
    assert!(format!("{sem:?}").ends_with(": value=3/3>"));
    sem.acquire();
    assert!(format!("{sem:?}").ends_with(": value=2/3>"));
}

// G-04
#[test]
fn bounded_release_is_all_or_nothing() {
    let sem = BoundedSemaphore::new(3);
    sem.acquire();
    sem.acquire();
    let err = sem.release(3).unwrap_err();
    assert_eq!(err.count(), 3);
    assert_eq!(sem.value(), 1, "unchanged");
    sem.release(2).unwrap();
    assert_eq!(sem.value(), 3);
    assert!(sem.release(usize::MAX).is_err());
}

// G-05: the base behaviours hold for the bounded one too (F-04 style phases, F-06, F-09, F-10).
#[test]
fn bounded_base_behaviours() {
    let sem = Arc::new(BoundedSemaphore::new(2));
    assert!(sem.try_acquire());
    assert!(sem.try_acquire());
    assert!(!sem.try_acquire());
    assert!(!sem.acquire_timeout(Duration::from_millis(5)));
    let s = Arc::clone(&sem);
    let h = timing::spawn_parked(move || {
        s.acquire();
        s.release(1).unwrap();
    });
    sem.release(1).unwrap();
    h.join().unwrap();
    sem.release(1).unwrap();
    {
        let _a = sem.permit();
        let _b = sem.try_permit().expect("one left");
        assert!(sem.permit_timeout(Duration::ZERO).is_none());
    }
    assert_eq!(sem.value(), 2);
    sem.permit().forget();
    assert_eq!(sem.value(), 1);
}

// A refused try_permit / permit_timeout must not release anything.
#[test]
fn refused_permits_release_nothing() {
    let sem = Semaphore::new(1);
    let held = sem.permit();
    assert!(sem.try_permit().is_none());
    assert!(sem.permit_timeout(Duration::from_millis(1)).is_none());
    assert_eq!(sem.value(), 0);
    drop(held);
    let bounded = BoundedSemaphore::new(1);
    bounded.acquire();
    assert!(bounded.try_permit().is_none());
    assert!(bounded.permit_timeout(Duration::ZERO).is_none());
    assert_eq!(bounded.value(), 0);
}

// F-09, F-14, G-05: ZERO polls and MAX waits (without panicking) for every timed acquire of
// both semaphores, guard form included.
#[test]
fn zero_polls_and_max_waits_for_both_semaphores() {
    let sem = Arc::new(Semaphore::new(0));
    let start = Instant::now();
    assert!(sem.permit_timeout(Duration::ZERO).is_none());
    assert!(!sem.acquire_timeout(Duration::ZERO));
    assert!(start.elapsed() < Duration::from_millis(500));
    let s = Arc::clone(&sem);
    let h = timing::spawn_parked(move || {
        let p = s.permit_timeout(Duration::MAX).is_some();
        p && s.acquire_timeout(Duration::MAX)
    });
    sem.release(2);
    assert!(h.join().unwrap());
    assert_eq!(
        sem.value(),
        1,
        "the permit gave its unit back; the acquire kept one"
    );

    let bounded = Arc::new(BoundedSemaphore::new(1));
    bounded.acquire();
    let start = Instant::now();
    assert!(!bounded.acquire_timeout(Duration::ZERO));
    assert!(start.elapsed() < Duration::from_millis(500));
    let b = Arc::clone(&bounded);
    let h = timing::spawn_parked(move || {
        let ok = b.acquire_timeout(Duration::MAX);
        b.release(1).unwrap();
        ok && b.permit_timeout(Duration::MAX).is_some()
    });
    bounded.release(1).unwrap();
    assert!(h.join().unwrap());
    assert_eq!(bounded.value(), 1);
}

// G-01, G-02: an over-release of a BoundedSemaphore is an error that changes nothing — not the
// value, and no blocked acquirer is let through by it.
#[test]
fn bounded_over_release_wakes_nobody() {
    let sem = Arc::new(BoundedSemaphore::new(2));
    sem.acquire();
    sem.acquire();
    let got = Arc::new(AtomicUsize::new(0));
    let (s, g) = (Arc::clone(&sem), Arc::clone(&got));
    let (h, tid) = timing::spawn_with_tid(move || {
        s.acquire();
        g.store(1, Ordering::SeqCst);
    });
    timing::wait_parked(tid);
    let err = sem.release(3).unwrap_err();
    assert_eq!(err.count(), 3);
    // Had the refused release woken it, the waiter would run (state R) and take a unit; it
    // stays parked, and wait_parked does not return before a woken waiter is back asleep.
    timing::wait_parked(tid);
    assert_eq!(
        got.load(Ordering::SeqCst),
        0,
        "the refused release let nobody in"
    );
    assert_eq!(sem.value(), 0);
    sem.release(1).unwrap();
    h.join().unwrap();
    assert_eq!(got.load(Ordering::SeqCst), 1);
    sem.release(2).unwrap();
    assert_eq!(sem.release(1).unwrap_err().count(), 1);
    assert_eq!(sem.value(), 2);
}
