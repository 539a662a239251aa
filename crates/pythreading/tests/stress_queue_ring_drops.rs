//! Stress for the bounded `Queue`'s ring with heap items that count their drops: the ring moves
//! items through raw slots (`src/queue/ring.rs`, the crate's one `unsafe` module), so these
//! tests check what a slot mistake would break first: every item is dropped exactly once, whether
//! a consumer took it, `shutdown_immediate` drained it, a refused put handed it back, or the
//! queue was dropped with it inside. P-28, P-29, P-31, R-06.
//!
//! Every wait is bounded and fails with a message.
//!
//! Run in release: `cargo test --release -p pythreading --test stress_queue_ring_drops`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use pythreading::queue::{PutError, Queue};

const PRODUCERS: u64 = 4;
const CONSUMERS: usize = 4;
/// Enough for millions of laps of a 4-slot ring in release; a tenth in debug builds.
const PER_PRODUCER: u64 = if cfg!(debug_assertions) {
    25_000
} else {
    250_000
};
/// Far beyond what the run needs even on a loaded 2-core machine.
const BOUND: Duration = Duration::from_secs(300);

/// A heap item that counts its drops and carries its value twice (a torn or stale slot read
/// would show as a mismatch).
struct Item {
    value: Box<u64>,
    check: u64,
    drops: Arc<AtomicUsize>,
}

impl Item {
    fn new(value: u64, drops: &Arc<AtomicUsize>) -> Self {
        Item {
            value: Box::new(value),
            check: !value,
            drops: Arc::clone(drops),
        }
    }

    fn value(&self) -> u64 {
        assert_eq!(
            *self.value, !self.check,
            "an item was corrupted in the ring"
        );
        *self.value
    }
}

impl Drop for Item {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::Relaxed);
    }
}

// R-06, P-31: 4 producers × 4 consumers through a 4-slot ring (a new lap every four items):
// every item arrives once (count and sum), intact, each producer's in order, and each is
// dropped exactly once.
#[test]
fn heap_items_through_a_small_ring_arrive_and_drop_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    let q = Arc::new(Queue::<Item>::bounded(4));
    let sum = Arc::new(AtomicU64::new(0));
    let (done_tx, done_rx) = mpsc::channel();
    for _ in 0..CONSUMERS {
        let (q, sum, done) = (Arc::clone(&q), Arc::clone(&sum), done_tx.clone());
        thread::spawn(move || {
            let mut count = 0u64;
            let mut last = [None::<u64>; PRODUCERS as usize];
            for item in &*q {
                let v = item.value();
                let (p, seq) = ((v >> 32) as usize, v & 0xffff_ffff);
                let prev = last[p].replace(seq);
                assert!(
                    prev.is_none_or(|prev| prev < seq),
                    "producer {p}'s item {seq} arrived after its item {prev:?}"
                );
                sum.fetch_add(v, Ordering::Relaxed);
                count += 1;
            }
            done.send(count).unwrap();
        });
    }
    let (prod_tx, prod_rx) = mpsc::channel();
    for p in 0..PRODUCERS {
        let (q, drops, done) = (Arc::clone(&q), Arc::clone(&drops), prod_tx.clone());
        thread::spawn(move || {
            for seq in 0..PER_PRODUCER {
                assert!(q.put(Item::new(p << 32 | seq, &drops)).is_ok());
            }
            done.send(()).unwrap();
        });
    }
    for _ in 0..PRODUCERS {
        prod_rx
            .recv_timeout(BOUND)
            .expect("a producer did not finish within the bound");
    }
    q.shutdown();
    let mut count = 0;
    for _ in 0..CONSUMERS {
        count += done_rx
            .recv_timeout(BOUND)
            .expect("a consumer did not finish within the bound");
    }
    let expected_sum: u64 = (0..PRODUCERS)
        .map(|p| PER_PRODUCER * (p << 32) + PER_PRODUCER * (PER_PRODUCER - 1) / 2)
        .sum();
    assert_eq!(count, PRODUCERS * PER_PRODUCER, "items lost or duplicated");
    assert_eq!(
        sum.load(Ordering::Relaxed),
        expected_sum,
        "wrong items arrived"
    );
    assert_eq!(
        drops.load(Ordering::Relaxed) as u64,
        PRODUCERS * PER_PRODUCER,
        "an item was dropped twice or never"
    );
}

// P-28, P-29: `shutdown_immediate` in the middle of the traffic. Every item created ends in
// exactly one place — taken by a consumer, handed back to its producer by a refused put, or
// drained by the shutdown — and each is dropped exactly once; a queue dropped with items left
// in its ring drops those too.
#[test]
fn immediate_shutdown_mid_traffic_accounts_for_every_item() {
    let drops = Arc::new(AtomicUsize::new(0));
    let q = Arc::new(Queue::<Item>::bounded(8));
    let taken = Arc::new(AtomicUsize::new(0));
    let (cons_tx, cons_rx) = mpsc::channel();
    for _ in 0..CONSUMERS {
        let (q, taken, done) = (Arc::clone(&q), Arc::clone(&taken), cons_tx.clone());
        thread::spawn(move || {
            let mut count = 0usize;
            while let Ok(item) = q.get() {
                let _ = item.value();
                count += 1;
                taken.fetch_add(1, Ordering::Relaxed);
            }
            done.send(count).unwrap();
        });
    }
    let (prod_tx, prod_rx) = mpsc::channel();
    for p in 0..PRODUCERS {
        let (q, drops, done) = (Arc::clone(&q), Arc::clone(&drops), prod_tx.clone());
        thread::spawn(move || {
            let (mut put, mut refused) = (0usize, 0usize);
            for seq in 0..PER_PRODUCER {
                match q.put(Item::new(p << 32 | seq, &drops)) {
                    Ok(()) => put += 1,
                    Err(PutError::ShutDown(item)) => {
                        assert_eq!(
                            item.value(),
                            p << 32 | seq,
                            "a refused put handed back another item"
                        );
                        refused += 1;
                    }
                }
            }
            done.send((put, refused)).unwrap();
        });
    }
    // Let the traffic run (a handshake, not a sleep): shut down once a tenth has been taken.
    let started = std::time::Instant::now();
    while taken.load(Ordering::Relaxed) < (PRODUCERS * PER_PRODUCER / 10) as usize {
        assert!(started.elapsed() < BOUND, "no traffic within the bound");
        thread::yield_now();
    }
    q.shutdown_immediate();
    let (mut put, mut refused) = (0, 0);
    for _ in 0..PRODUCERS {
        let (p, r) = prod_rx
            .recv_timeout(BOUND)
            .expect("a producer did not finish within the bound");
        put += p;
        refused += r;
    }
    let mut got = 0;
    for _ in 0..CONSUMERS {
        got += cons_rx
            .recv_timeout(BOUND)
            .expect("a consumer did not leave after shutdown_immediate");
    }
    assert_eq!(put + refused, (PRODUCERS * PER_PRODUCER) as usize);
    // A put after the shutdown is refused with its item, whatever the timing above.
    match q.put(Item::new(7, &drops)) {
        Err(PutError::ShutDown(item)) => assert_eq!(item.value(), 7),
        Ok(()) => panic!("a put after shutdown_immediate was accepted"),
    }
    refused += 1;
    assert_eq!(q.len(), 0, "shutdown_immediate left items behind");
    assert_eq!(
        q.unfinished_tasks(),
        got,
        "drained items count as done, taken ones do not"
    );
    // Every item that was put was taken or drained; every item was dropped once.
    assert_eq!(
        drops.load(Ordering::Relaxed),
        put + refused,
        "an item was dropped twice or never"
    );

    // And a queue dropped with items still in its ring (wrapped part-way) drops each once.
    let left = Queue::bounded(4);
    let before = drops.load(Ordering::Relaxed);
    for v in 0..3 {
        assert!(left.try_put(Item::new(v, &drops)).is_ok());
    }
    assert_eq!(left.try_get().map(|item| item.value()), Ok(0));
    // Fill it: positions 1 to 4, the last one wrapped back into the first slot.
    for v in 3..5 {
        assert!(left.try_put(Item::new(v, &drops)).is_ok());
    }
    assert_eq!(drops.load(Ordering::Relaxed), before + 1);
    drop(left);
    assert_eq!(
        drops.load(Ordering::Relaxed),
        before + 5,
        "items left in the ring leaked or dropped twice"
    );
}
