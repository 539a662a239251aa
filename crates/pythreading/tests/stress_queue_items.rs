//! Stress, item by item: 4 producers × 4 consumers move 1,000,000 items per producer through
//! each kind of queue (the bounded `Queue` on its lock-free ring at two capacities, the unbounded
//! `Queue`, `LifoQueue`, `PriorityQueue`, `SimpleQueue`). Every item is checked off in a bitmap
//! (none lost, none twice), and for the first-in, first-out kinds every consumer must see each
//! producer's items in the order that producer put them. P-31, P-36, R-06.
//!
//! Each consumer records what it took locally; the checks run once the threads are done, so
//! they cost nothing while the queue is under load. Every join is bounded: a hang fails with a
//! message instead of blocking the suite.
//!
//! Run in release: `cargo test --release -p pythreading --test stress_queue_items`.

use std::sync::Arc;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use pythreading::queue::{LifoQueue, PriorityQueue, Queue, SimpleQueue};

const PRODUCERS: u64 = 4;
const CONSUMERS: usize = 4;
const PER_PRODUCER: u64 = 1_000_000;
const SENTINEL: u64 = u64::MAX;
/// Far beyond what the run needs even on a loaded 2-core machine.
const BOUND: Duration = Duration::from_secs(300);

/// An item: the producer in the high half, its sequence number in the low half.
fn item(producer: u64, seq: u64) -> u64 {
    producer << 32 | seq
}

fn stress<Q: Send + Sync + 'static>(
    queue: Q,
    fifo: bool,
    put: fn(&Q, u64),
    get: fn(&Q) -> Option<u64>,
    close: fn(&Q),
) {
    let queue = Arc::new(queue);
    let (done_tx, done_rx) = mpsc::channel();
    for _ in 0..CONSUMERS {
        let q = Arc::clone(&queue);
        let done = done_tx.clone();
        thread::spawn(move || {
            let mut taken = Vec::with_capacity((PER_PRODUCER * PRODUCERS) as usize / CONSUMERS);
            while let Some(v) = get(&q) {
                taken.push(v);
            }
            done.send(taken).unwrap();
        });
    }
    let (prod_tx, prod_rx) = mpsc::channel();
    for p in 0..PRODUCERS {
        let q = Arc::clone(&queue);
        let done = prod_tx.clone();
        thread::spawn(move || {
            for seq in 0..PER_PRODUCER {
                put(&q, item(p, seq));
            }
            done.send(()).unwrap();
        });
    }
    for _ in 0..PRODUCERS {
        prod_rx
            .recv_timeout(BOUND)
            .expect("a producer did not finish within the bound");
    }
    close(&queue);

    let mut seen = vec![0u64; (PRODUCERS * PER_PRODUCER).div_ceil(64) as usize];
    let mut total = 0u64;
    for _ in 0..CONSUMERS {
        let taken = done_rx
            .recv_timeout(BOUND)
            .expect("a consumer did not finish within the bound");
        let mut last = [None::<u64>; PRODUCERS as usize];
        for v in taken {
            let (p, seq) = (v >> 32, v & 0xffff_ffff);
            assert!(
                p < PRODUCERS && seq < PER_PRODUCER,
                "an item never put: {v:#x}"
            );
            let bit = p * PER_PRODUCER + seq;
            let (word, mask) = ((bit / 64) as usize, 1u64 << (bit % 64));
            assert_eq!(
                seen[word] & mask,
                0,
                "producer {p}'s item {seq} arrived twice"
            );
            seen[word] |= mask;
            total += 1;
            if fifo {
                let prev = last[p as usize].replace(seq);
                assert!(
                    prev.is_none_or(|prev| prev < seq),
                    "producer {p}'s item {seq} arrived after its item {prev:?}"
                );
            }
        }
    }
    assert_eq!(total, PRODUCERS * PER_PRODUCER, "items lost");
}

fn put_queue(q: &Queue<u64>, v: u64) {
    q.put(v).unwrap();
}
fn get_queue(q: &Queue<u64>) -> Option<u64> {
    q.get().ok()
}
fn close_queue(q: &Queue<u64>) {
    q.shutdown();
}

#[test]
fn fifo_ring_1024() {
    stress(
        Queue::bounded(1024),
        true,
        put_queue,
        get_queue,
        close_queue,
    );
}

#[test]
fn fifo_ring_4_wraps_constantly() {
    stress(Queue::bounded(4), true, put_queue, get_queue, close_queue);
}

#[test]
fn fifo_unbounded() {
    stress(Queue::unbounded(), true, put_queue, get_queue, close_queue);
}

#[test]
fn lifo_bounded_1024() {
    stress(
        LifoQueue::bounded(1024),
        false,
        |q, v| q.put(v).unwrap(),
        |q| q.get().ok(),
        |q| q.shutdown(),
    );
}

#[test]
fn priority_bounded_1024() {
    stress(
        PriorityQueue::bounded(1024),
        false,
        |q, v| q.put(v).unwrap(),
        |q| q.get().ok(),
        |q| q.shutdown(),
    );
}

#[test]
fn simple() {
    stress(
        SimpleQueue::new(),
        true,
        |q, v| q.put(v),
        |q| match q.get() {
            SENTINEL => None,
            v => Some(v),
        },
        |q| (0..CONSUMERS).for_each(|_| q.put(SENTINEL)),
    );
}
