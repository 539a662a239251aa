//! Scenario `low-level` from the tutorials: Python's `_thread` module (`thread` in Python 2).
//!
//! 1. `start_new_thread(print_time, ("Thread-1", 2))` and `("Thread-2", 4)`: two raw threads
//!    print the time five times each, and Thread-2 ends itself early with `_thread.exit()`
//!    (the tutorials' delays of 2 s and 4 s are scaled to 20 ms and 40 ms).
//! 2. Ten raw threads add 1 to a global under `allocate_lock()`: each sees a different value.
//!
//! `_thread` has no `join`: the tutorials keep the main thread alive with `while True: pass`;
//! here the main thread polls `low_level::count()` (`_thread._count()`), the number of raw
//! threads still running.
//!
//! `cargo run -p pythreading --example low_level` or `pythreading demo low-level`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use pythreading::threading::low_level;

/// Waits until no raw thread started here is running (at most `bound`).
fn wait_for_raw_threads(bound: Duration) {
    let start = Instant::now();
    while low_level::count() > 0 {
        assert!(
            start.elapsed() < bound,
            "raw threads still running after {bound:?}"
        );
        thread::sleep(Duration::from_millis(2));
    }
}

/// The tutorials' `print_time(threadName, delay)`: five lines, but the thread with the shorter
/// delay ends itself after two.
fn print_time(name: &'static str, delay: Duration, start: Instant) {
    for count in 1..=5 {
        thread::sleep(delay);
        println!("  {name}: {:>4} ms", start.elapsed().as_millis());
        if delay == Duration::from_millis(20) && count == 2 {
            println!("  {name}: _thread.exit() after 2 lines");
            low_level::exit(); // ends this thread quietly, as `thread.exit()` does
        }
    }
}

/// Runs the scenario.
pub(crate) fn run() {
    println!("1. start_new_thread and exit:");
    let start = Instant::now();
    for (name, delay) in [("Thread-1", 40), ("Thread-2", 20)] {
        low_level::start_new_thread(move || print_time(name, Duration::from_millis(delay), start))
            .expect("start_new_thread");
    }
    wait_for_raw_threads(Duration::from_secs(10));

    println!("2. ten raw threads increment a global under allocate_lock():");
    let global_value = Arc::new(AtomicU64::new(0));
    let lock = Arc::new(low_level::allocate_lock());
    for i in 0..10 {
        let (global_value, lock) = (Arc::clone(&global_value), Arc::clone(&lock));
        low_level::start_new_thread(move || {
            lock.acquire();
            let local_copy = global_value.load(Ordering::Relaxed);
            println!("  Thread-{i} with value {local_copy}");
            global_value.store(local_copy + 1, Ordering::Relaxed);
            lock.release().expect("held by this thread");
        })
        .expect("start_new_thread");
    }
    wait_for_raw_threads(Duration::from_secs(10));
    let end = global_value.load(Ordering::Relaxed);
    println!("  global_value = {end}: every increment counted, each thread saw its own value");
    assert_eq!(end, 10);
}

#[allow(dead_code)]
fn main() {
    run();
}
