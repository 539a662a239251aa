//! Stress: 4 producers × 4 consumers move 1,000,000 items through a bounded(64) queue, for each
//! kind; every item must arrive exactly once (checked by count and by sum). P-31, P-36, R-06.
//!
//! Consumers keep their count and sum locally and report once, so the check costs nothing per
//! item. The `Queue`-like kinds end with `shutdown()` (consumers drain and stop); the
//! `SimpleQueue`, which has no shutdown, ends with one sentinel per consumer.

use std::sync::Arc;
use std::thread;

use pythreading::queue::{LifoQueue, PriorityQueue, Queue, SimpleQueue};

const PRODUCERS: u64 = 4;
const CONSUMERS: usize = 4;
const ITEMS: u64 = 1_000_000;
const SENTINEL: u64 = u64::MAX;

/// Runs the workload; `put`/`get` adapt a queue kind, `close` ends the run.
fn stress<Q: Send + Sync + 'static>(
    queue: Q,
    put: fn(&Q, u64),
    get: fn(&Q) -> Option<u64>,
    close: fn(&Q),
) {
    let queue = Arc::new(queue);
    let per = ITEMS / PRODUCERS;
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|_| {
            let q = Arc::clone(&queue);
            thread::spawn(move || {
                let (mut count, mut sum) = (0u64, 0u64);
                while let Some(v) = get(&q) {
                    count += 1;
                    sum += v;
                }
                (count, sum)
            })
        })
        .collect();
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let q = Arc::clone(&queue);
            thread::spawn(move || {
                for v in p * per + 1..=(p + 1) * per {
                    put(&q, v);
                }
            })
        })
        .collect();
    for t in producers {
        t.join().unwrap();
    }
    close(&queue);
    let (mut count, mut sum) = (0, 0);
    for t in consumers {
        let (c, s) = t.join().unwrap();
        count += c;
        sum += s;
    }
    assert_eq!(count, ITEMS, "every item arrives exactly once (count)");
    assert_eq!(
        sum,
        ITEMS * (ITEMS + 1) / 2,
        "every item arrives exactly once (sum)"
    );
}

#[test]
fn fifo_4p_4c_bounded_64() {
    stress(
        Queue::bounded(64),
        |q, v| q.put(v).unwrap(),
        |q| q.get().ok(),
        Queue::shutdown,
    );
}

#[test]
fn lifo_4p_4c_bounded_64() {
    stress(
        LifoQueue::bounded(64),
        |q, v| q.put(v).unwrap(),
        |q| q.get().ok(),
        LifoQueue::shutdown,
    );
}

#[test]
fn priority_4p_4c_bounded_64() {
    stress(
        PriorityQueue::bounded(64),
        |q, v| q.put(v).unwrap(),
        |q| q.get().ok(),
        PriorityQueue::shutdown,
    );
}

/// `SimpleQueue` is unbounded; the same 4 × 4 × 1,000,000 run checks its exactly-once delivery.
#[test]
fn simple_4p_4c() {
    stress(
        SimpleQueue::new(),
        SimpleQueue::put,
        |q| Some(q.get()).filter(|&v| v != SENTINEL),
        |q| (0..CONSUMERS).for_each(|_| q.put(SENTINEL)),
    );
}
