//! Group P, `SimpleQueue` (P-33 … P-39).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use pythreading::queue::SimpleQueue;

mod exactly_once;
mod timing;

// P-33
#[test]
fn basic_use() {
    let q = SimpleQueue::new();
    assert!(q.is_empty());
    assert_eq!(q.len(), 0);
    q.put(1);
    q.put(2);
    q.put(3);
    q.put(4);
    assert_eq!(q.len(), 4);
    assert!(!q.is_empty());
    assert_eq!(q.get(), 1);
    assert_eq!(q.try_get(), Some(2));
    assert_eq!(q.get_timeout(Duration::ZERO), Some(3));
    assert_eq!(q.get_timeout(Duration::from_millis(100)), Some(4));
    assert!(q.is_empty());
    assert_eq!(q.try_get(), None);
    let start = Instant::now();
    assert_eq!(q.get_timeout(Duration::from_millis(1)), None); // `get(timeout=1e-3)`
    assert!(start.elapsed() >= Duration::from_millis(1)); // never early
}

// P-05 for SimpleQueue: a blocking get waits for a put from another thread.
#[test]
fn blocking_get_waits_for_a_put() {
    let q = Arc::new(SimpleQueue::new());
    let fired = Arc::new(AtomicBool::new(false));
    // Each trigger fires once this thread is parked in its get (observed, not slept on).
    let me = timing::thread_id();
    let trigger = {
        let (q, fired) = (Arc::clone(&q), Arc::clone(&fired));
        thread::spawn(move || {
            timing::wait_parked(me);
            fired.store(true, Ordering::SeqCst);
            q.put("x");
        })
    };
    assert_eq!(q.get(), "x");
    assert!(fired.load(Ordering::SeqCst));
    trigger.join().unwrap();
    // The timed variant with a timeout that must not expire.
    let trigger = {
        let q = Arc::clone(&q);
        thread::spawn(move || {
            timing::wait_parked(me);
            q.put("y");
        })
    };
    assert_eq!(q.get_timeout(Duration::from_secs(10)), Some("y"));
    trigger.join().unwrap();
}

// P-35, R-06
#[test]
fn one_producer_one_consumer_keeps_order() {
    let q = Arc::new(SimpleQueue::new());
    let producer = {
        let q = Arc::clone(&q);
        thread::spawn(move || (0..100).for_each(|i| q.put(i)))
    };
    let got: Vec<i32> = (0..100).map(|_| q.get()).collect();
    producer.join().unwrap();
    assert_eq!(got, (0..100).collect::<Vec<_>>());
}

/// P-36: 50 producers and 50 consumers move `n` items, each exactly once (a bitmap) and, per
/// consumer, each producer's items in put order, with the consumer style given.
fn many_threads(n: u64, style: fn(&SimpleQueue<u64>) -> u64) {
    const SENTINEL: u64 = u64::MAX;
    let q = Arc::new(SimpleQueue::new());
    let per = n / 50;
    let producers: Vec<_> = (0..50)
        .map(|p| {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                for i in 0..per {
                    q.put(p * per + i);
                }
            })
        })
        .collect();
    let consumers: Vec<_> = (0..50)
        .map(|_| {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                let mut got = Vec::new();
                loop {
                    let v = style(&q);
                    if v == SENTINEL {
                        return got;
                    }
                    got.push(v);
                }
            })
        })
        .collect();
    for t in producers {
        t.join().unwrap();
    }
    for _ in 0..50 {
        q.put(SENTINEL);
    }
    let received: Vec<Vec<u64>> = consumers.into_iter().map(|t| t.join().unwrap()).collect();
    exactly_once::check(&received, per * 50, |v| (v / per) as usize, true);
    assert!(q.is_empty());
}

#[test]
fn many_threads_blocking() {
    many_threads(10_000, |q| q.get());
}

#[test]
fn many_threads_nonblocking_polling() {
    many_threads(10_000, |q| {
        loop {
            match q.try_get() {
                Some(v) => return v,
                None => thread::sleep(Duration::from_micros(10)),
            }
        }
    });
}

// `get(timeout=1e-5)` in a busy retry loop (here 10 µs, which must expire when empty).
#[test]
fn many_threads_timed() {
    many_threads(1_000, |q| {
        loop {
            if let Some(v) = q.get_timeout(Duration::from_micros(10)) {
                return v;
            }
        }
    });
}

// P-37: once returned by `get`, an item is no longer referenced by the queue.
#[test]
fn holds_no_reference_after_get() {
    let q = SimpleQueue::new();
    let item = Arc::new(5);
    q.put(Arc::clone(&item));
    assert_eq!(Arc::strong_count(&item), 2);
    drop(q.get());
    assert_eq!(Arc::strong_count(&item), 1);
    // The same holds for a Queue.
    let q = pythreading::queue::Queue::unbounded();
    q.put(Arc::clone(&item)).unwrap();
    drop(q.get().unwrap());
    assert_eq!(Arc::strong_count(&item), 1);
}

// P-38: `put` never blocks (many thousands of items, no waiting).
#[test]
fn put_never_blocks() {
    let q = SimpleQueue::new();
    let start = Instant::now();
    for i in 0..100_000 {
        q.put(i);
    }
    assert_eq!(q.len(), 100_000);
    assert!(start.elapsed() < Duration::from_secs(5));
    assert_eq!(q.try_iter().count(), 100_000);
}

// P-39 / S-21: a put made from an item's destructor while the caller is using the queue keeps
// working and keeps the order (the queue never drops user values under its lock).
#[test]
fn put_from_a_destructor() {
    struct PutOnDrop(Arc<SimpleQueue<u32>>, u32);
    impl Drop for PutOnDrop {
        fn drop(&mut self) {
            self.0.put(self.1);
        }
    }
    let q = Arc::new(SimpleQueue::new());
    let side = SimpleQueue::new();
    for i in 0..10 {
        side.put(PutOnDrop(Arc::clone(&q), i));
        drop(side.get()); // the destructor puts i into q
    }
    assert_eq!(
        q.try_iter().collect::<Vec<_>>(),
        (0..10).collect::<Vec<_>>()
    );
}

// Duration::MAX waits forever without panicking (released by a put from a trigger thread, A-05);
// Duration::ZERO polls an empty queue and returns at once.
#[test]
fn get_timeout_max_waits_and_zero_polls() {
    let q = Arc::new(SimpleQueue::new());
    let fired = Arc::new(AtomicBool::new(false));
    let me = timing::thread_id();
    let trigger = {
        let (q, fired) = (Arc::clone(&q), Arc::clone(&fired));
        thread::spawn(move || {
            timing::wait_parked(me);
            fired.store(true, Ordering::SeqCst);
            q.put(42u8);
        })
    };
    assert_eq!(q.get_timeout(Duration::MAX), Some(42));
    assert!(fired.load(Ordering::SeqCst), "returned before the trigger");
    trigger.join().unwrap();
    let start = Instant::now();
    assert_eq!(q.get_timeout(Duration::ZERO), None);
    assert!(start.elapsed() < Duration::from_millis(500));
}

// The exactly-once check itself: losing 3 and 5 while duplicating 4 twice keeps count and sum,
// and must still fail; so must a consumer seeing one producer's items out of order.
#[test]
#[should_panic(expected = "item 4 arrived twice")]
fn exactly_once_check_catches_a_duplicate_that_keeps_the_sum() {
    exactly_once::check(&[vec![0, 1, 2, 4, 4, 4, 6, 7]], 8, |_| 0, false);
}

#[test]
#[should_panic(expected = "after its later item")]
fn exactly_once_check_catches_a_reordering() {
    exactly_once::check(&[vec![1, 0]], 2, |_| 0, true);
}
