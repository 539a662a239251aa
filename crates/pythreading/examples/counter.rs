//! Scenario `counter` from the tutorials: 20 threads, half add 1 and half subtract 1, first
//! without a lock and then under a Lock.
//!
//! Unprotected, each thread reads the counter, pauses for a moment and writes back its result,
//! so threads overwrite each other's updates and the end value is rarely 0. Under the lock the
//! read-pause-write is whole and the end value is always 0. The tutorial's
//! `if lock.acquire(): ... lock.release()` form and its `with lock:` form are both shown:
//! `acquire()`/`release()` and the `lock()` guard.
//!
//! `cargo run -p pythreading --example counter` or `pythreading demo counter`.

use std::sync::atomic::{AtomicI64, Ordering};
// `std::thread::spawn` is enough here: these threads need no name, no place in
// `threading::enumerate()` and no excepthook report. The README says when to prefer
// `threading::spawn`.
use std::thread;
use std::time::Duration;

use pythreading::threading::Lock;

// Module-level, as in the tutorial: `counter = 0` and `lock = threading.Lock()`.
static LOCK: Lock = Lock::new();
// Read and written separately (each access is atomic, the read-modify-write is not): only the
// lock makes an update whole.
static COUNTER: AtomicI64 = AtomicI64::new(0);

/// One thread's update: read, pause (the work between reading and writing), write.
fn update(counter: &AtomicI64, delta: i64) -> i64 {
    let v = counter.load(Ordering::Relaxed) + delta;
    thread::sleep(Duration::from_millis(1));
    counter.store(v, Ordering::Relaxed);
    v
}

/// 20 threads, odd ones add 1 and even ones subtract 1; returns the end value.
fn count(locked: bool) -> i64 {
    let (lock, counter) = (&LOCK, &COUNTER);
    counter.store(0, Ordering::Relaxed); // the demo may run more than once in a process
    let threads: Vec<_> = (0..20)
        .map(|i| {
            thread::spawn(move || {
                let delta = if i % 2 == 1 { 1 } else { -1 };
                let v = if !locked {
                    update(counter, delta)
                } else if i % 2 == 1 {
                    lock.acquire(); // `if lock.acquire():`
                    let v = update(counter, delta);
                    lock.release().expect("held by this thread");
                    v
                } else {
                    let _guard = lock.lock(); // `with lock:`
                    update(counter, delta)
                };
                print!("  {v}  ");
            })
        })
        .collect();
    for t in threads {
        t.join().expect("a counting thread panicked");
    }
    println!();
    counter.load(Ordering::Relaxed)
}

/// Runs the scenario.
pub(crate) fn run() {
    let unprotected = count(false);
    let why = if unprotected == 0 {
        "0 this time by luck: the updates still raced"
    } else {
        "threads overwrote each other's updates"
    };
    println!(
        "without a lock: 10 threads added 1 and 10 subtracted 1: counter = {unprotected} ({why})"
    );
    let locked = count(true);
    println!("under a Lock:   10 threads added 1 and 10 subtracted 1: counter = {locked}");
    assert_eq!(locked, 0, "the lock must make every update whole");
}

#[allow(dead_code)]
fn main() {
    run();
}
