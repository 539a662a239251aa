//! loom models of the semaphore's task face: the waker registration (a release racing a task's
//! first poll or its queueing) and the cancellation protocol (a release racing the drop of a
//! pending future: the permit is taken, passed on, or still counted, never lost).
//! Run: `RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom cargo test --release -p pythreading --test loom_async_semaphore`.
#![cfg(loom)]

mod loom_common;

use std::pin::pin;
use std::task::{Context, Waker};

use loom::sync::Arc;
use loom::thread;
use pythreading::threading::Semaphore;

use loom_common::{block_on, model};

// A release on another thread wakes a task whichever comes first (no lost wake-up: a lost one
// leaves block_on parked forever, which loom reports as a deadlock).
#[test]
fn a_task_gets_the_permit_a_thread_releases() {
    model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let s = Arc::clone(&sem);
        let releaser = thread::spawn(move || s.release(1));
        block_on(sem.acquire_async());
        releaser.join().unwrap();
        assert_eq!((sem.value(), sem.n_waiting()), (0, 0));
    });
}

// A pending future dropped while a release races it: the permit ends up taken by the future
// (it completed) or back in the count; the queue is empty either way.
#[test]
fn a_dropped_pending_acquire_loses_no_permit() {
    model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let s = Arc::clone(&sem);
        let releaser = thread::spawn(move || s.release(1));
        let mut cx = Context::from_waker(Waker::noop());
        let taken = {
            let mut fut = pin!(sem.acquire_async());
            fut.as_mut().poll(&mut cx).is_ready()
        };
        releaser.join().unwrap();
        assert_eq!(
            usize::from(taken) + sem.value(),
            1,
            "a permit was lost or made up"
        );
        assert_eq!(sem.n_waiting(), 0);
    });
}

// A thread blocked in `acquire` and a task share one queue: two releases serve both, whatever
// the order of arrival, and a task dropped after being handed a permit passes it to the
// thread.
#[test]
fn a_thread_and_a_task_share_the_queue() {
    model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let s = Arc::clone(&sem);
        let blocked = thread::spawn(move || s.acquire());
        let mut cx = Context::from_waker(Waker::noop());
        let taken = {
            let mut fut = pin!(sem.acquire_async());
            let ready = fut.as_mut().poll(&mut cx).is_ready();
            sem.release(1);
            ready || fut.as_mut().poll(&mut cx).is_ready()
        };
        // If the task did not keep the permit, its drop passed it on to the thread (or the
        // count); one more release covers the other party.
        if taken {
            sem.release(1);
        }
        blocked.join().unwrap();
        assert_eq!((sem.value(), sem.n_waiting()), (0, 0));
    });
}

// A task polled first with one waker and then with another (it moved to another worker, say)
// is woken through the newer one, even when the release races the waker's replacement.
#[test]
fn a_replaced_waker_gets_the_wake_up() {
    model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let mut fut = Box::pin(sem.acquire_async());
        let first = fut
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
            .is_ready();
        assert!(!first, "no permit yet");
        let s = Arc::clone(&sem);
        let releaser = thread::spawn(move || s.release(1));
        block_on(fut);
        releaser.join().unwrap();
        assert_eq!((sem.value(), sem.n_waiting()), (0, 0));
    });
}
