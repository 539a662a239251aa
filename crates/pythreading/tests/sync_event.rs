//! `Event`: checklist group H (and R-03). Plain `std::thread` threads.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use pythreading::threading::Event;

mod timing;

#[test]
fn send_sync() {
    fn check<T: Send + Sync>() {}
    check::<Event>();
}

// H-01
#[test]
fn set_and_clear_are_idempotent() {
    let ev = Event::new();
    assert!(!ev.is_set());
    ev.set();
    assert!(ev.is_set());
    ev.set();
    assert!(ev.is_set());
    ev.clear();
    assert!(!ev.is_set());
    ev.clear();
    assert!(!ev.is_set());
}

fn five_waiters_released_by_set(ev: &Arc<Event>) {
    let done = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..5)
        .map(|_| {
            let (e, d) = (Arc::clone(ev), Arc::clone(&done));
            thread::spawn(move || {
                let first = e.wait_timeout(Duration::from_secs(30));
                d.fetch_add(1, Ordering::SeqCst);
                let second = e.wait_timeout(Duration::from_secs(30));
                (first, second)
            })
        })
        .collect();
    // All five parked (observable state, not a sleep), and none returned.
    timing::wait_for(|| ev.n_waiting() == 5);
    assert_eq!(
        done.load(Ordering::SeqCst),
        0,
        "nobody returns before set()"
    );
    ev.set();
    for h in handles {
        assert_eq!(h.join().unwrap(), (true, true));
    }
}

// H-02, H-03
#[test]
fn waiters_released_by_set_and_reuse() {
    let ev = Arc::new(Event::new());
    five_waiters_released_by_set(&ev);
    ev.clear();
    five_waiters_released_by_set(&ev);
}

// H-04, H-08, A-01
#[test]
fn timeouts() {
    let ev = Event::new();
    // A poll does not wait: far less than the 100 ms timed wait below may take (10·T is the
    // CPython convention's upper bound, generous on a loaded machine).
    let start = Instant::now();
    assert!(!ev.wait_timeout(Duration::ZERO));
    assert!(start.elapsed() < Duration::from_secs(1), "a poll waited");
    let start = Instant::now();
    assert!(!ev.wait_timeout(Duration::from_millis(100)));
    timing::assert_timeout(start.elapsed(), Duration::from_millis(100));
    ev.set();
    assert!(ev.wait_timeout(Duration::ZERO));
    assert!(ev.wait_timeout(Duration::from_millis(100)));
    assert!(ev.wait_timeout(Duration::MAX));
    ev.wait(); // returns at once when set
}

// H-05, R-03, A-04
#[test]
fn set_then_clear_still_releases_every_waiter() {
    for _ in 0..5 {
        let ev = Arc::new(Event::new());
        let handles: Vec<_> = (0..5)
            .map(|_| {
                let e = Arc::clone(&ev);
                thread::spawn(move || {
                    let start = Instant::now();
                    (e.wait_timeout(Duration::from_secs(30)), start.elapsed())
                })
            })
            .collect();
        // every waiter is parked (observed, not slept on).
        timing::wait_for(|| ev.n_waiting() == 5);
        ev.set();
        ev.clear();
        for h in handles {
            let (ok, elapsed) = h.join().unwrap();
            assert!(ok, "a waiter released by set() returns true");
            assert!(
                elapsed < Duration::from_secs(10),
                "promptly, not after the timeout"
            );
        }
    }
}

// H-06
#[test]
fn debug_shows_set_or_unset() {
    let ev = Event::new();
    let repr = format!("{ev:?}");
    assert!(repr.starts_with("<pythreading::threading::Event at 0x") && repr.ends_with(": unset>"));
    ev.set();
    assert!(format!("{ev:?}").ends_with(": set>"));
}

// H-05, R-03: set-then-clear releases every kind of waiter — untimed `wait()`, a
// `Duration::MAX` wait and a finite one — and none of them waits its timeout out.
#[test]
fn set_then_clear_releases_untimed_and_max_waiters() {
    let ev = Arc::new(Event::new());
    let handles: Vec<_> = (0..6)
        .map(|i| {
            let e = Arc::clone(&ev);
            thread::spawn(move || match i % 3 {
                0 => {
                    e.wait();
                    true
                }
                1 => e.wait_timeout(Duration::MAX),
                _ => e.wait_timeout(Duration::from_secs(30)),
            })
        })
        .collect();
    let start = Instant::now();
    while ev.n_waiting() < 6 {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "waiters never parked"
        );
        thread::sleep(Duration::from_millis(1));
    }
    ev.set();
    ev.clear();
    for h in handles {
        assert!(h.join().unwrap());
    }
    assert!(start.elapsed() < Duration::from_secs(10));
    assert!(!ev.is_set());
    assert_eq!(ev.n_waiting(), 0);
    // After the clear, a new poll and a short wait see the flag down.
    assert!(!ev.wait_timeout(Duration::ZERO));
}

// H-04, A-04: timeouts that fit in an `Instant` but are absurdly long (not `Duration::MAX`
// itself) behave as "forever" too: no panic, released by `set()`.
#[test]
fn huge_finite_timeouts_do_not_panic() {
    for timeout in [
        Duration::from_secs(1 << 62),
        Duration::MAX - Duration::from_nanos(1),
        Duration::from_secs(u64::MAX / 2),
    ] {
        let ev = Arc::new(Event::new());
        let e = Arc::clone(&ev);
        let h = thread::spawn(move || e.wait_timeout(timeout));
        let start = Instant::now();
        while ev.n_waiting() < 1 {
            assert!(start.elapsed() < Duration::from_secs(10), "never parked");
            thread::sleep(Duration::from_millis(1));
        }
        ev.set();
        assert!(h.join().unwrap());
    }
}
