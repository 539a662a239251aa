//! Scenario `as_completed`: results printed as they finish, not in submission order.
//!
//! Five tasks with different durations are submitted in one order; `as_completed` hands each
//! future back the moment it is done, so the fastest is printed first.

use std::thread;
use std::time::{Duration, Instant};

use pythreading::futures::{ThreadPoolExecutor, as_completed};

/// Runs the scenario.
pub(crate) fn run() {
    let pool = ThreadPoolExecutor::new(5).expect("5 workers");
    let start = Instant::now();
    let durations = [400u64, 100, 300, 50, 200];
    let futures: Vec<_> = durations
        .iter()
        .enumerate()
        .map(|(i, &ms)| {
            pool.submit(move || {
                thread::sleep(Duration::from_millis(ms));
                (i, ms)
            })
            .expect("the pool is open")
        })
        .collect();
    println!("submitted tasks 0..5 sleeping {durations:?} ms");
    for f in as_completed(&futures) {
        let (i, ms) = f.result().expect("the task does not panic");
        println!(
            "task {i} ({ms} ms) finished at {:>3} ms",
            start.elapsed().as_millis()
        );
    }
    println!(
        "all done after {} ms (the longest task), not {} ms (the sum)",
        start.elapsed().as_millis(),
        durations.iter().sum::<u64>()
    );
}

#[allow(dead_code)]
fn main() {
    run();
}
