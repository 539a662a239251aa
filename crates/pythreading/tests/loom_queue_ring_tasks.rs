//! loom models of `task_done` / `join` on the bounded `Queue`'s ring, where a put touches no
//! counter: unfinished tasks are the puts derived from `tail` minus a count of tasks done
//! (`src/queue/ring.rs`, `ring_queue.rs`).
//!
//! Run: `RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom cargo test --release -p pythreading --test loom_queue_ring_tasks`.
//! Only untimed operations appear here: loom's timed waits never time out.
#![cfg(loom)]

use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::thread;
use pythreading::queue::Queue;

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(2);
    builder.max_branches = 20_000;
    builder.check(f);
}

// P-08: `join` racing a producer and a worker returns only once every item put before it was
// marked done, and then sees the worker's work.
#[test]
fn join_waits_for_every_task_put_before_it() {
    model(|| {
        let q = Arc::new(Queue::bounded(2));
        let processed = Arc::new(AtomicUsize::new(0));
        let producer = {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                q.put(1).unwrap();
                q.put(2).unwrap();
            })
        };
        let worker = {
            let (q, processed) = (Arc::clone(&q), Arc::clone(&processed));
            thread::spawn(move || {
                for _ in 0..2 {
                    q.get().unwrap();
                    processed.fetch_add(1, Ordering::Relaxed);
                    q.task_done().unwrap();
                }
            })
        };
        producer.join().unwrap();
        q.join();
        assert_eq!(q.unfinished_tasks(), 0);
        assert_eq!(
            processed.load(Ordering::Relaxed),
            2,
            "join returned before the work"
        );
        worker.join().unwrap();
    });
}

// P-09: a `task_done` racing the put of the only item either counts that item or fails with
// `TaskDoneError`, never leaving the count wrong either way.
#[test]
fn task_done_racing_a_put_counts_it_or_refuses() {
    model(|| {
        let q = Arc::new(Queue::bounded(1));
        let producer = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.put(5).unwrap())
        };
        let accepted = q.task_done().is_ok();
        producer.join().unwrap();
        assert_eq!(q.unfinished_tasks(), if accepted { 0 } else { 1 });
        assert_eq!(q.try_get(), Ok(5));
        assert_eq!(q.task_done().is_ok(), !accepted);
        assert_eq!(q.unfinished_tasks(), 0);
        assert!(q.task_done().is_err());
    });
}

// Shutdown(immediate) racing a `task_done`: the drained item counts as done once, so the
// count ends at zero and a `join` returns.
#[test]
fn immediate_shutdown_and_task_done_settle_at_zero() {
    model(|| {
        let q = Arc::new(Queue::bounded(2));
        q.put(1).unwrap();
        q.put(2).unwrap();
        let worker = {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                if q.try_get().is_ok() {
                    q.task_done().unwrap();
                }
            })
        };
        q.shutdown_immediate();
        worker.join().unwrap();
        assert_eq!(q.unfinished_tasks(), 0);
        q.join();
    });
}
