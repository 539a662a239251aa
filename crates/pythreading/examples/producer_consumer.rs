//! Scenario `producer-consumer` from the tutorials: one producer and one consumer thread share a
//! `Queue::bounded(48)` (Python's `Queue(48)`); each makes or takes 100 items, sleeping a random
//! time for each (the tutorial's `sleep(random())`, scaled from up to 1 s down to up to 16 ms).
//!
//! What it shows: the two threads overlap, so the run takes about as long as the slower thread,
//! not the sum of both; the queue buffers the difference.

use std::sync::Arc;
// `std::thread` is enough here: these threads need no place in `threading::enumerate()` and no
// excepthook report. The README says when to prefer `threading::spawn`. They are named, so that
// the tracks of `demo producer-consumer --trace` say which thread is which.
use std::thread;
use std::time::{Duration, Instant};

use pythreading::queue::Queue;

const ITEMS: usize = 100;
/// The tutorial sleeps `random()` seconds; scaled down so the scenario ends in about a second.
const MAX_SLEEP: Duration = Duration::from_millis(16);

/// A random duration in `[0, max)`: the tutorial's `random()`, scaled. Seeded, so every run
/// sleeps the same amounts.
fn sleep_time(rng: &mut fastrand::Rng, max: Duration) -> Duration {
    max.mul_f64(rng.f64())
}

/// Runs the scenario.
pub(crate) fn run() {
    let q = Arc::new(Queue::bounded(48));
    let start = Instant::now();
    println!("all start, queue capacity {:?}", q.capacity());
    let producer = {
        let q = Arc::clone(&q);
        thread::Builder::new()
            .name("producer".into())
            .spawn(move || {
                let mut rng = fastrand::Rng::with_seed(0x5eed_1234);
                let mut slept = Duration::ZERO;
                for i in 0..ITEMS {
                    let d = sleep_time(&mut rng, MAX_SLEEP);
                    thread::sleep(d);
                    slept += d;
                    q.put("xxx").expect("the queue is not shut down");
                    if i % 20 == 19 {
                        println!("  producer: {} items made, size now {}", i + 1, q.len());
                    }
                }
                slept
            })
            .expect("spawn the producer")
    };
    let consumer = {
        let q = Arc::clone(&q);
        thread::Builder::new()
            .name("consumer".into())
            .spawn(move || {
                let mut rng = fastrand::Rng::with_seed(0xc0ff_ee42);
                let mut slept = Duration::ZERO;
                for i in 0..ITEMS {
                    let d = sleep_time(&mut rng, MAX_SLEEP);
                    thread::sleep(d);
                    slept += d;
                    q.get().expect("the queue is not shut down");
                    if i % 20 == 19 {
                        println!("  consumer: {} items taken, size now {}", i + 1, q.len());
                    }
                }
                slept
            })
            .expect("spawn the consumer")
    };
    let made = producer.join().expect("producer");
    let taken = consumer.join().expect("consumer");
    let elapsed = start.elapsed();
    println!(
        "all end after {elapsed:.2?}: producer slept {made:.2?}, consumer slept {taken:.2?} \
         (one after the other: {:.2?})",
        made + taken
    );
    println!(
        "the threads overlapped: {:.0}% of the sequential time; queue empty at the end: {}",
        100.0 * elapsed.as_secs_f64() / (made + taken).as_secs_f64(),
        q.is_empty()
    );
}

#[allow(dead_code)]
fn main() {
    run();
}
