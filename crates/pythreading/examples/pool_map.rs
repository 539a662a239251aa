//! Scenario `pool-map`: fetch-like tasks through a pool of 5 workers.
//!
//! Ten "downloads" that each sleep 100–140 ms go through `executor.map` on a pool of 5: they run
//! in two batches, so the total is about two downloads' time, not the sum of ten. The results come
//! back in input order even though they finish in another order.

use std::thread;
use std::time::{Duration, Instant};

use pythreading::futures::ThreadPoolExecutor;

/// Pretends to fetch a page: sleeps, then returns its "size".
fn fetch(url: String, millis: u64) -> (String, usize, Duration) {
    let start = Instant::now();
    thread::sleep(Duration::from_millis(millis));
    let size = url.len() * 10 + millis as usize * 37;
    (url, size, start.elapsed())
}

/// Runs the scenario.
pub(crate) fn run() {
    let delays = [140u64, 100, 120, 110, 130, 100, 140, 120, 110, 100];
    let jobs: Vec<(String, u64)> = delays
        .iter()
        .enumerate()
        .map(|(i, &ms)| (format!("https://example.com/page/{i}"), ms))
        .collect();
    let sum: u64 = delays.iter().sum();

    let pool = ThreadPoolExecutor::new(5).expect("5 workers");
    let start = Instant::now();
    let results = pool
        .map(|(url, ms)| fetch(url, ms), jobs)
        .expect("the pool is open");
    for (i, r) in results.enumerate() {
        let (url, size, took) = r.expect("fetch does not panic");
        println!(
            "result {i}: {url} ({size} bytes, took {} ms, ready at {} ms)",
            took.as_millis(),
            start.elapsed().as_millis()
        );
    }
    let total = start.elapsed();
    println!(
        "10 fetches on 5 workers: {} ms in total; one after another they would take {sum} ms",
        total.as_millis()
    );
    println!(
        "worker threads used: {} (of at most {})",
        pool.worker_count(),
        pool.max_workers()
    );
}

#[allow(dead_code)]
fn main() {
    run();
}
