//! loom models of `Barrier::wait_async`: a thread and a task as the two parties (the trip's
//! wake-up racing the task's registration), and a task's withdrawn arrival racing a thread's.
//! Run: `RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom cargo test --release -p pythreading --test loom_async_barrier`.
#![cfg(loom)]

mod loom_common;

use std::pin::pin;
use std::task::{Context, Poll, Waker};

use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::thread;
use pythreading::threading::{Barrier, Event};

use loom_common::{block_on, model};

#[test]
fn a_thread_and_a_task_meet() {
    model(|| {
        let barrier = Arc::new(Barrier::new(2).unwrap());
        let b = Arc::clone(&barrier);
        let thread = thread::spawn(move || b.wait().unwrap().index());
        let task = block_on(barrier.wait_async()).unwrap().index();
        assert_eq!(task + thread.join().unwrap(), 1);
        assert_eq!((barrier.n_waiting(), barrier.n_waiting_tasks()), (0, 0));
    });
}

// The task arrives and is dropped while the thread arrives. The task's arrival counts if its
// poll tripped the barrier, or if the thread's arrival tripped it first (the drop then leaves a
// passed barrier, possibly while the action still runs); otherwise it was withdrawn and the
// thread waits for a partner. So this thread then arrives again, racing the thread's
// completion: if the thread finishes first (it did not need the partner), that pending
// arrival is dropped too. Every outcome ends with exactly one trip, the thread released and
// the barrier whole and empty; a miscounted withdrawal deadlocks, breaks the barrier, trips it
// twice or leaves a waiter.
#[test]
fn a_withdrawn_arrival_races_a_thread() {
    model(|| {
        let trips = Arc::new(AtomicUsize::new(0));
        let barrier = {
            let trips = Arc::clone(&trips);
            Arc::new(
                Barrier::builder(2)
                    .action(move || {
                        trips.fetch_add(1, Ordering::SeqCst);
                    })
                    .build()
                    .unwrap(),
            )
        };
        let passed = Arc::new(Event::new());
        let (b, p) = (Arc::clone(&barrier), Arc::clone(&passed));
        let thread = thread::spawn(move || {
            b.wait().unwrap();
            p.set();
        });
        let tripped = {
            let mut wait = pin!(barrier.wait_async());
            wait.as_mut()
                .poll(&mut Context::from_waker(Waker::noop()))
                .is_ready()
        };
        if !tripped {
            let mut again = pin!(barrier.wait_async());
            let mut thread_passed = pin!(passed.wait_async());
            block_on(std::future::poll_fn(|cx| {
                if let Poll::Ready(r) = again.as_mut().poll(cx) {
                    r.unwrap();
                    return Poll::Ready(());
                }
                thread_passed.as_mut().poll(cx)
            }));
        }
        thread.join().unwrap();
        assert_eq!(trips.load(Ordering::SeqCst), 1);
        assert!(!barrier.is_broken());
        assert_eq!((barrier.n_waiting(), barrier.n_waiting_tasks()), (0, 0));
    });
}
