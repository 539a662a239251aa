//! Scenario `producer-consumer-8` from the tutorials: the same 100 items as `producer-consumer`,
//! but made by 4 producers and taken by 4 consumers (25 each) through one `Queue::bounded(48)`.
//!
//! What it shows, measured in this run: the 2-thread version and the 8-thread version side by
//! side, and the speed-up (the tutorial reports "a lot faster"; with sleeps standing for work, it
//! approaches 4×, since four threads sleep at once on each side).

use std::sync::Arc;
// `std::thread::spawn` is enough here: these threads need no name, no place in
// `threading::enumerate()` and no excepthook report. The README says when to prefer
// `threading::spawn`.
use std::thread;
use std::time::{Duration, Instant};

use pythreading::queue::Queue;

const ITEMS: usize = 100;
/// The tutorial sleeps `random()` seconds; scaled down so the scenario ends in about a second.
const MAX_SLEEP: Duration = Duration::from_millis(12);

/// A random duration in `[0, max)`: the tutorial's `random()`, scaled. Seeded, so every run
/// sleeps the same amounts.
fn sleep_time(rng: &mut fastrand::Rng, max: Duration) -> Duration {
    max.mul_f64(rng.f64())
}

/// `pairs` producers and `pairs` consumers move `ITEMS` items; returns the wall time.
fn produce_and_consume(pairs: usize) -> Duration {
    let q = Arc::new(Queue::bounded(48));
    let per_thread = ITEMS / pairs;
    let start = Instant::now();
    let mut threads = Vec::new();
    for k in 0..pairs {
        let producer_q = Arc::clone(&q);
        threads.push(thread::spawn(move || {
            let mut rng = fastrand::Rng::with_seed(0x1000 + k as u64);
            for _ in 0..per_thread {
                thread::sleep(sleep_time(&mut rng, MAX_SLEEP));
                producer_q.put("xxx").expect("the queue is not shut down");
            }
        }));
        let consumer_q = Arc::clone(&q);
        threads.push(thread::spawn(move || {
            let mut rng = fastrand::Rng::with_seed(0x2000 + k as u64);
            for _ in 0..per_thread {
                thread::sleep(sleep_time(&mut rng, MAX_SLEEP));
                consumer_q.get().expect("the queue is not shut down");
            }
        }));
    }
    for t in threads {
        t.join().expect("worker");
    }
    assert!(q.is_empty());
    start.elapsed()
}

/// Runs the scenario.
pub(crate) fn run() {
    let two = produce_and_consume(1);
    println!("1 producer  + 1 consumer : {ITEMS} items in {two:.2?}");
    let eight = produce_and_consume(4);
    println!("4 producers + 4 consumers: {ITEMS} items in {eight:.2?}");
    println!(
        "speed-up of 8 threads over 2, measured: {:.2}x",
        two.as_secs_f64() / eight.as_secs_f64()
    );
}

#[allow(dead_code)]
fn main() {
    run();
}
