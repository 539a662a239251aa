//! Scenario `counter` from the tutorials: 20 threads, half add 1 and half subtract 1, under a Lock.
//!
//! The tutorial's `if lock.acquire(): ... lock.release()` form and its `with lock:` form are both
//! shown: `acquire()`/`release()` and the `lock()` guard.

use std::sync::atomic::{AtomicI64, Ordering};
use std::thread;

use pythreading::threading::Lock;

// Module-level, as in the tutorial: `counter = 0` and `lock = threading.Lock()`.
static LOCK: Lock = Lock::new();
// Read and written separately: the lock makes each update whole.
static COUNTER: AtomicI64 = AtomicI64::new(0);

/// Runs the scenario.
pub(crate) fn run() {
    let (lock, counter) = (&LOCK, &COUNTER);
    counter.store(0, Ordering::Relaxed); // the demo may run more than once in a process
    let threads: Vec<_> = (0..20)
        .map(|i| {
            thread::spawn(move || {
                if i % 2 == 1 {
                    lock.acquire(); // `if lock.acquire():`
                    let v = counter.load(Ordering::Relaxed) + 1;
                    counter.store(v, Ordering::Relaxed);
                    print!("  {v}  ");
                    lock.release().expect("held by this thread");
                } else {
                    let _guard = lock.lock(); // `with lock:`
                    let v = counter.load(Ordering::Relaxed) - 1;
                    counter.store(v, Ordering::Relaxed);
                    print!("  {v}  ");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("a counting thread panicked");
    }
    println!();
    let end = counter.load(Ordering::Relaxed);
    println!("10 threads added 1 and 10 subtracted 1 under a Lock: counter = {end}");
    assert_eq!(end, 0);
}

#[allow(dead_code)]
fn main() {
    run();
}
