//! Stress: 4 producers × 4 consumers move 1,000,000 items through a bounded(64) queue, for each
//! kind; every item must arrive exactly once (checked item by item with a bitmap), and the FIFO
//! kinds (`Queue`, `SimpleQueue`) hand each consumer one producer's items in put order.
//! P-31, P-36, R-06.
//!
//! Consumers record what they got locally (a push per item) and report once. The `Queue`-like kinds end with `shutdown()` (consumers drain and stop); the
//! `SimpleQueue`, which has no shutdown, ends with one sentinel per consumer.

use std::sync::Arc;
use std::thread;

use pythreading::queue::{LifoQueue, PriorityQueue, Queue, SimpleQueue};

const PRODUCERS: u64 = 4;
const CONSUMERS: usize = 4;
const ITEMS: u64 = 1_000_000;
const SENTINEL: u64 = u64::MAX;

mod exactly_once;

/// Runs the workload; `put`/`get` adapt a queue kind, `close` ends the run; `fifo` checks the
/// per-producer order.
fn stress<Q: Send + Sync + 'static>(
    queue: Q,
    put: fn(&Q, u64),
    get: fn(&Q) -> Option<u64>,
    close: fn(&Q),
    fifo: bool,
) {
    let queue = Arc::new(queue);
    let per = ITEMS / PRODUCERS;
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|_| {
            let q = Arc::clone(&queue);
            thread::spawn(move || {
                let mut got = Vec::with_capacity(ITEMS as usize / CONSUMERS);
                while let Some(v) = get(&q) {
                    got.push(v);
                }
                got
            })
        })
        .collect();
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let q = Arc::clone(&queue);
            thread::spawn(move || {
                for v in p * per..(p + 1) * per {
                    put(&q, v);
                }
            })
        })
        .collect();
    for t in producers {
        t.join().unwrap();
    }
    close(&queue);
    let received: Vec<Vec<u64>> = consumers.into_iter().map(|t| t.join().unwrap()).collect();
    exactly_once::check(&received, ITEMS, |v| (v / per) as usize, fifo);
}

#[test]
fn fifo_4p_4c_bounded_64() {
    stress(
        Queue::bounded(64),
        |q, v| q.put(v).unwrap(),
        |q| q.get().ok(),
        Queue::shutdown,
        true,
    );
}

#[test]
fn lifo_4p_4c_bounded_64() {
    stress(
        LifoQueue::bounded(64),
        |q, v| q.put(v).unwrap(),
        |q| q.get().ok(),
        LifoQueue::shutdown,
        false,
    );
}

#[test]
fn priority_4p_4c_bounded_64() {
    stress(
        PriorityQueue::bounded(64),
        |q, v| q.put(v).unwrap(),
        |q| q.get().ok(),
        PriorityQueue::shutdown,
        false,
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
        true,
    );
}
