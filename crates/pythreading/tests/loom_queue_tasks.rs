//! loom models of `task_done` / `join` on the `Queue`s whose puts touch no task counter: the
//! bounded ring (puts derived from `tail`, `src/queue/ring.rs`, `ring_queue.rs`) and the
//! unbounded two-lock list (`list_queue.rs`). Unfinished tasks are puts minus a count of tasks
//! done. Each model runs on both.
//!
//! Run: `RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom cargo test --release -p pythreading --test loom_queue_tasks`.
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
fn join_waits_for_every_task_put_before_it(make: fn() -> Queue<u32>) {
    model(move || {
        let q = Arc::new(make());
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
fn task_done_racing_a_put_counts_it_or_refuses(make: fn() -> Queue<u32>) {
    model(move || {
        let q = Arc::new(make());
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
fn immediate_shutdown_and_task_done_settle_at_zero(make: fn() -> Queue<u32>) {
    model(move || {
        let q = Arc::new(make());
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

fn ring() -> Queue<u32> {
    Queue::bounded(2)
}

fn list() -> Queue<u32> {
    Queue::unbounded()
}

#[test]
fn ring_join_waits_for_every_task_put_before_it() {
    join_waits_for_every_task_put_before_it(ring);
}

#[test]
fn list_join_waits_for_every_task_put_before_it() {
    join_waits_for_every_task_put_before_it(list);
}

#[test]
fn ring_task_done_racing_a_put_counts_it_or_refuses() {
    task_done_racing_a_put_counts_it_or_refuses(ring);
}

#[test]
fn list_task_done_racing_a_put_counts_it_or_refuses() {
    task_done_racing_a_put_counts_it_or_refuses(list);
}

#[test]
fn ring_immediate_shutdown_and_task_done_settle_at_zero() {
    immediate_shutdown_and_task_done_settle_at_zero(ring);
}

#[test]
fn list_immediate_shutdown_and_task_done_settle_at_zero() {
    immediate_shutdown_and_task_done_settle_at_zero(list);
}
