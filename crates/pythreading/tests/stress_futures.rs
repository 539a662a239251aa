//! Stress: 1,000,000 tiny tasks on 4 workers; every result arrives exactly once.
//! Covers Q-27 (as_completed yields each once) and Q-58 (workers survive) at volume.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use pythreading::futures::{ThreadPoolExecutor, as_completed};

const TASKS: u64 = 1_000_000;
const BATCH: u64 = 50_000;

#[test]
fn a_million_tiny_tasks_each_result_exactly_once() {
    let pool = ThreadPoolExecutor::new(4).unwrap();
    let mut seen = vec![false; TASKS as usize];
    let callbacks = Arc::new(AtomicU64::new(0));
    let mut start = 0;
    while start < TASKS {
        let end = (start + BATCH).min(TASKS);
        let futures: Vec<_> = (start..end)
            .map(|i| pool.submit(move || i).unwrap())
            .collect();
        // One future per batch also counts through a done-callback.
        let c = callbacks.clone();
        futures[0].add_done_callback(move |_| {
            c.fetch_add(1, Ordering::Relaxed);
        });
        for f in futures {
            let i = f.take_result().unwrap() as usize;
            assert!(!seen[i], "result {i} arrived twice");
            seen[i] = true;
        }
        start = end;
    }
    assert!(seen.iter().all(|&s| s), "a result is missing");
    assert_eq!(callbacks.load(Ordering::Relaxed), TASKS / BATCH);
    assert!(pool.worker_count() <= 4);
}

#[test]
fn as_completed_over_many_futures_yields_each_once() {
    let pool = ThreadPoolExecutor::new(4).unwrap();
    let futures: Vec<_> = (0..20_000u64)
        .map(|i| pool.submit(move || i).unwrap())
        .collect();
    let mut seen = vec![false; futures.len()];
    let mut n = 0;
    for f in as_completed(&futures) {
        let i = f.result().unwrap() as usize;
        assert!(!seen[i]);
        seen[i] = true;
        n += 1;
    }
    assert_eq!(n, futures.len());
}
