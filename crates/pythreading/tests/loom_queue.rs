//! loom models of the queue core: every interleaving of the real code (the queue parks through
//! the crate's std-or-loom facade).
//!
//! Run: `RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom cargo test --release -p pythreading --test loom_queue`.
//! Only untimed operations appear here: loom's timed waits never time out.
//!
//! `Queue`, `LifoQueue` and `PriorityQueue` share one core (`core.rs`) with different stores;
//! `SimpleQueue` has its own two locks: each has models.
#![cfg(loom)]

use loom::sync::Arc;
use loom::thread;
use pythreading::queue::{GetError, LifoQueue, PriorityQueue, PutError, Queue, SimpleQueue};

fn model(f: impl Fn() + Sync + Send + 'static) {
    model_bounded(3, f);
}

fn model_bounded(preemptions: usize, f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(preemptions);
    builder.check(f);
}

// P-04, P-05, R-06: a bounded(1) hand-off: the second put waits for the first get, and the
// items arrive in order.
#[test]
fn bounded_put_get_hand_off() {
    model(|| {
        let q = Arc::new(Queue::bounded(1));
        let producer = {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                q.put(1).unwrap();
                q.put(2).unwrap();
            })
        };
        assert_eq!(q.get(), Ok(1));
        assert_eq!(q.get(), Ok(2));
        producer.join().unwrap();
        assert!(q.is_empty());
    });
}

// P-08: join returns exactly when the worker has marked the item done.
#[test]
fn task_done_releases_join() {
    model(|| {
        let q = Arc::new(Queue::unbounded());
        q.put(7).unwrap();
        let worker = {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                assert_eq!(q.get(), Ok(7));
                q.task_done().unwrap();
            })
        };
        q.join();
        assert_eq!(q.unfinished_tasks(), 0);
        worker.join().unwrap();
    });
}

// P-25, P-32: a getter parked on an empty queue is released by shutdown.
#[test]
fn shutdown_releases_a_blocked_getter() {
    model(|| {
        let q = Arc::new(Queue::<u8>::bounded(1));
        let getter = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.get())
        };
        q.shutdown();
        assert_eq!(getter.join().unwrap(), Err(GetError::ShutDown));
    });
}

// P-27, P-32: a putter parked on a full queue is released by shutdown and gets its item back;
// the queued item can still be taken.
#[test]
fn shutdown_releases_a_blocked_putter() {
    model(|| {
        let q = Arc::new(Queue::bounded(1));
        q.put(1).unwrap();
        let putter = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.put(2))
        };
        q.shutdown();
        assert_eq!(putter.join().unwrap(), Err(PutError::ShutDown(2)));
        assert_eq!(q.get(), Ok(1));
        assert_eq!(q.get(), Err(GetError::ShutDown));
    });
}

// P-24, P-28: an immediate shutdown discards the items, counts them done and releases a joiner.
#[test]
fn immediate_shutdown_releases_a_joiner() {
    model(|| {
        let q = Arc::new(Queue::unbounded());
        q.put(1).unwrap();
        let joiner = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.join())
        };
        q.shutdown_immediate();
        joiner.join().unwrap();
        assert_eq!(q.unfinished_tasks(), 0);
        assert_eq!(q.get(), Err(GetError::ShutDown));
    });
}

// P-35: SimpleQueue hands items over in order, the getter parking when it runs ahead.
#[test]
fn simple_queue_hand_off() {
    model(|| {
        let q = Arc::new(SimpleQueue::new());
        let producer = {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                q.put(1);
                q.put(2);
            })
        };
        assert_eq!(q.get(), 1);
        assert_eq!(q.get(), 2);
        producer.join().unwrap();
    });
}

// P-04 with two parked putters: each get wakes one of them (notify_one is never lost).
#[test]
fn two_blocked_putters_are_each_woken() {
    // Three threads through the bounded `Queue`'s ring, whose lock-free paths have many more
    // steps than a locked core's: with three preemptions this model ran past 2 CPU minutes
    // unfinished; two keep it in the CI budget (`loom_queue_ring.rs` models the ring's parking
    // paths in detail).
    model_bounded(2, || {
        let q = Arc::new(Queue::bounded(1));
        q.put(0).unwrap();
        let putters: Vec<_> = [1, 2]
            .into_iter()
            .map(|v| {
                let q = Arc::clone(&q);
                thread::spawn(move || q.put(v).unwrap())
            })
            .collect();
        let sum: i32 = (0..3).map(|_| q.get().unwrap()).sum();
        assert_eq!(sum, 3);
        for p in putters {
            p.join().unwrap();
        }
    });
}

// P-36: SimpleQueue's two locks: two getters (one may park on the tail, one may refill the head
// from it) and a producer; each item is delivered exactly once.
#[test]
fn simple_queue_two_getters() {
    model(|| {
        let q = Arc::new(SimpleQueue::new());
        let getter = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.get())
        };
        let producer = {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                q.put(1);
                q.put(2);
            })
        };
        let mine = q.get();
        let theirs = getter.join().unwrap();
        producer.join().unwrap();
        assert_eq!(mine + theirs, 3);
        assert!(q.is_empty());
    });
}

// The LIFO store: a bounded(1) hand-off, newest first, where the second put
// parks until the get.
#[test]
fn lifo_bounded_hand_off() {
    model(|| {
        let q = Arc::new(LifoQueue::bounded(1));
        let producer = {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                q.put(1).unwrap();
                q.put(2).unwrap();
            })
        };
        assert_eq!(q.get(), Ok(1));
        assert_eq!(q.get(), Ok(2));
        producer.join().unwrap();
    });
}

// The priority store, P-27: shutdown releases a putter parked on a full queue;
// the queued item still drains, then gets fail.
#[test]
fn priority_shutdown_releases_a_blocked_putter() {
    model(|| {
        let q = Arc::new(PriorityQueue::bounded(1));
        q.put(5).unwrap();
        let putter = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.put(1))
        };
        q.shutdown();
        assert_eq!(putter.join().unwrap(), Err(PutError::ShutDown(1)));
        assert_eq!(q.get(), Ok(5));
        assert_eq!(q.get(), Err(GetError::ShutDown));
    });
}

// A getter parked on an empty LifoQueue is woken by a put.
#[test]
fn lifo_getter_woken_by_put() {
    model(|| {
        let q = Arc::new(LifoQueue::unbounded());
        let getter = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.get())
        };
        q.put(3).unwrap();
        assert_eq!(getter.join().unwrap(), Ok(3));
    });
}

// Two getters and a putter parked on a full bounded(1) queue: whichever getter frees the slot
// wakes the putter, and every item arrives once.
#[test]
fn queue_two_getters_and_a_parked_putter() {
    model(|| {
        let q = Arc::new(Queue::bounded(1));
        q.put(1).unwrap();
        let putter = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.put(2).unwrap())
        };
        let getter = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.get().unwrap())
        };
        let mine = q.get().unwrap();
        let theirs = getter.join().unwrap();
        putter.join().unwrap();
        assert_eq!(mine + theirs, 3);
        assert!(q.is_empty());
    });
}
