//! Stress of the async faces, item by item: 4 producers × 4 consumers move 1,000,000 items per
//! producer through each kind of queue, with threads on one side and tokio tasks on the other
//! (threads put, tasks `get_async`; and tasks `put_async`, threads get). Every item is checked
//! off in a bitmap (none lost, none twice), and for the first-in, first-out kinds every consumer
//! must see each producer's items in the order that producer put them. P-31, P-36, R-06.
//!
//! Consumers record what they took locally; the checks run once everything is done. Every wait
//! is bounded: a hang fails with a message instead of blocking the suite.
//!
//! Run in release: `cargo test --release -p pythreading --test stress_queue_async`.
#![cfg(not(loom))] // tokio is not built in loom builds

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

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

type Fut<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One kind of queue, seen through both faces.
trait Kind: Send + Sync + 'static {
    fn put(&self, v: u64);
    fn put_async(&self, v: u64) -> Fut<'_, ()>;
    /// `None` once closed (shut down and drained, or the sentinel).
    fn get(&self) -> Option<u64>;
    fn get_async(&self) -> Fut<'_, Option<u64>>;
    /// Called once every producer is done.
    fn close(&self);
}

macro_rules! kind {
    ($t:ty) => {
        impl Kind for $t {
            fn put(&self, v: u64) {
                <$t>::put(self, v).expect("open while producing");
            }
            fn put_async(&self, v: u64) -> Fut<'_, ()> {
                Box::pin(async move {
                    <$t>::put_async(self, v)
                        .await
                        .expect("open while producing")
                })
            }
            fn get(&self) -> Option<u64> {
                <$t>::get(self).ok()
            }
            fn get_async(&self) -> Fut<'_, Option<u64>> {
                Box::pin(async move { <$t>::get_async(self).await.ok() })
            }
            fn close(&self) {
                self.shutdown();
            }
        }
    };
}
kind!(Queue<u64>);
kind!(LifoQueue<u64>);
kind!(PriorityQueue<u64>);

impl Kind for SimpleQueue<u64> {
    fn put(&self, v: u64) {
        SimpleQueue::put(self, v);
    }
    fn put_async(&self, v: u64) -> Fut<'_, ()> {
        // A `SimpleQueue` put never waits: there is no async face to it.
        SimpleQueue::put(self, v);
        Box::pin(async {})
    }
    fn get(&self) -> Option<u64> {
        Some(SimpleQueue::get(self)).filter(|&v| v != SENTINEL)
    }
    fn get_async(&self) -> Fut<'_, Option<u64>> {
        Box::pin(async move { Some(SimpleQueue::get_async(self).await).filter(|&v| v != SENTINEL) })
    }
    fn close(&self) {
        for _ in 0..CONSUMERS {
            SimpleQueue::put(self, SENTINEL);
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .expect("a tokio runtime")
}

fn join_bounded<T: Send + 'static>(handle: thread::JoinHandle<T>, deadline: Instant) -> T {
    while !handle.is_finished() {
        assert!(
            Instant::now() < deadline,
            "a thread did not finish within {BOUND:?}"
        );
        thread::sleep(Duration::from_millis(5));
    }
    handle.join().expect("the thread panicked")
}

/// Checks every consumer's record: each item once, and (for FIFO kinds) each producer's items
/// in order within each consumer.
fn check(records: Vec<Vec<u64>>, fifo: bool) {
    let mut seen = vec![false; (PRODUCERS * PER_PRODUCER) as usize];
    for record in &records {
        let mut last = [None::<u64>; PRODUCERS as usize];
        for &v in record {
            let (p, seq) = (v >> 32, v & 0xffff_ffff);
            assert!(p < PRODUCERS && seq < PER_PRODUCER, "a foreign item {v:#x}");
            let at = (p * PER_PRODUCER + seq) as usize;
            assert!(!seen[at], "item {v:#x} arrived twice");
            seen[at] = true;
            if fifo {
                if let Some(prev) = last[p as usize] {
                    assert!(
                        seq > prev,
                        "producer {p}: item {seq} after {prev} (not FIFO)"
                    );
                }
                last[p as usize] = Some(seq);
            }
        }
    }
    let lost = seen.iter().filter(|&&s| !s).count();
    assert_eq!(lost, 0, "{lost} items were lost");
}

/// Threads put, tasks take with `get_async`.
fn threads_to_tasks<Q: Kind>(q: Q, fifo: bool) {
    let deadline = Instant::now() + BOUND;
    let q = Arc::new(q);
    let rt = runtime();
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|_| {
            let q = Arc::clone(&q);
            rt.spawn(async move {
                let mut got = Vec::new();
                while let Some(v) = q.get_async().await {
                    got.push(v);
                }
                got
            })
        })
        .collect();
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let q = Arc::clone(&q);
            thread::spawn(move || (0..PER_PRODUCER).for_each(|seq| q.put(item(p, seq))))
        })
        .collect();
    for p in producers {
        join_bounded(p, deadline);
    }
    q.close();
    let records = rt.block_on(async {
        let mut records = Vec::new();
        for c in consumers {
            let left = deadline.saturating_duration_since(Instant::now());
            records.push(
                tokio::time::timeout(left, c)
                    .await
                    .expect("a consumer task did not finish in time")
                    .expect("a consumer task panicked"),
            );
        }
        records
    });
    check(records, fifo);
}

/// Tasks put with `put_async`, threads take.
fn tasks_to_threads<Q: Kind>(q: Q, fifo: bool) {
    let deadline = Instant::now() + BOUND;
    let q = Arc::new(q);
    let rt = runtime();
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|_| {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                let mut got = Vec::new();
                while let Some(v) = q.get() {
                    got.push(v);
                }
                got
            })
        })
        .collect();
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let q = Arc::clone(&q);
            rt.spawn(async move {
                for seq in 0..PER_PRODUCER {
                    q.put_async(item(p, seq)).await;
                }
            })
        })
        .collect();
    rt.block_on(async {
        for p in producers {
            let left = deadline.saturating_duration_since(Instant::now());
            tokio::time::timeout(left, p)
                .await
                .expect("a producer task did not finish in time")
                .expect("a producer task panicked");
        }
    });
    q.close();
    let records = consumers
        .into_iter()
        .map(|c| join_bounded(c, deadline))
        .collect();
    check(records, fifo);
}

#[test]
fn fifo_ring_1024_threads_to_tasks() {
    threads_to_tasks(Queue::bounded(1024), true);
}

#[test]
fn fifo_ring_4_tasks_to_threads() {
    tasks_to_threads(Queue::bounded(4), true);
}

#[test]
fn fifo_unbounded_threads_to_tasks() {
    threads_to_tasks(Queue::unbounded(), true);
}

#[test]
fn lifo_bounded_64_both_ways() {
    threads_to_tasks(LifoQueue::bounded(64), false);
    tasks_to_threads(LifoQueue::bounded(64), false);
}

#[test]
fn priority_bounded_64_both_ways() {
    threads_to_tasks(PriorityQueue::bounded(64), false);
    tasks_to_threads(PriorityQueue::bounded(64), false);
}

#[test]
fn simple_threads_to_tasks() {
    threads_to_tasks(SimpleQueue::new(), true);
}
