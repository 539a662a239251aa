//! Scenario `semaphore` from the tutorials: 20 threads, a `Semaphore(5)`: at most 5 inside at once.
//!
//! Each thread counts itself in and out of the guarded section; the maximum seen is measured,
//! not assumed.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
// `std::thread::spawn` is enough here: these threads need no name, no place in
// `threading::enumerate()` and no excepthook report. The README says when to prefer
// `threading::spawn`.
use std::thread;
use std::time::{Duration, Instant};

use pythreading::threading::Semaphore;

/// Runs the scenario.
pub(crate) fn run() {
    let semaphore = Arc::new(Semaphore::new(5));
    let inside = Arc::new(AtomicUsize::new(0));
    let max_inside = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let threads: Vec<_> = (0..20)
        .map(|i| {
            let (sem, inside, max) = (
                Arc::clone(&semaphore),
                Arc::clone(&inside),
                Arc::clone(&max_inside),
            );
            thread::spawn(move || {
                let _permit = sem.permit(); // `with semaphore:`
                let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                max.fetch_max(now, Ordering::SeqCst);
                println!("  Thread-{} got the semaphore ({now} inside)", i + 1);
                thread::sleep(Duration::from_millis(50));
                inside.fetch_sub(1, Ordering::SeqCst);
            })
        })
        .collect();
    for t in threads {
        t.join().expect("thread panicked");
    }
    let max = max_inside.load(Ordering::SeqCst);
    println!(
        "20 threads through Semaphore(5): at most {max} inside at once, {:.2} s (4 waves of 50 ms)",
        start.elapsed().as_secs_f64()
    );
    assert!(max <= 5);
}

#[allow(dead_code)]
fn main() {
    run();
}
