//! `Event`: checklist group H (and R-03). Plain `std::thread` threads.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use pythreading::threading::Event;

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
    thread::sleep(Duration::from_millis(50));
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
    let start = Instant::now();
    assert!(!ev.wait_timeout(Duration::ZERO));
    assert!(start.elapsed() < Duration::from_millis(50));
    let start = Instant::now();
    assert!(!ev.wait_timeout(Duration::from_millis(100)));
    let elapsed = start.elapsed();
    assert!(elapsed >= Duration::from_millis(60) && elapsed < Duration::from_secs(1));
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
        let started = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..5)
            .map(|_| {
                let (e, s) = (Arc::clone(&ev), Arc::clone(&started));
                thread::spawn(move || {
                    s.fetch_add(1, Ordering::SeqCst);
                    let start = Instant::now();
                    (e.wait_timeout(Duration::from_secs(30)), start.elapsed())
                })
            })
            .collect();
        while started.load(Ordering::SeqCst) < 5 {
            thread::yield_now();
        }
        thread::sleep(Duration::from_millis(50)); // let them park
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
