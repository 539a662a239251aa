//! loom models of `Event::wait_async` and `Condition::wait_async`: a set or notify racing the
//! task's registration is never lost, and a dropped wait leaves no waiter behind.
//! Run: `RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom cargo test --release -p pythreading --test loom_async_event`.
#![cfg(loom)]

mod loom_common;

use std::pin::pin;
use std::task::{Context, Waker};

use loom::sync::Arc;
use loom::sync::atomic::{AtomicBool, Ordering};
use loom::thread;
use pythreading::threading::{Condition, Event, Lock};

use loom_common::{block_on, model};

#[test]
fn a_set_on_another_thread_releases_the_task() {
    model(|| {
        let event = Arc::new(Event::new());
        let e = Arc::clone(&event);
        let setter = thread::spawn(move || e.set());
        block_on(event.wait_async());
        setter.join().unwrap();
        assert_eq!(event.n_waiting(), 0);
    });
}

#[test]
fn a_dropped_wait_racing_a_set_leaves_no_waiter() {
    model(|| {
        let event = Arc::new(Event::new());
        let e = Arc::clone(&event);
        let setter = thread::spawn(move || e.set());
        let mut cx = Context::from_waker(Waker::noop());
        {
            let mut wait = pin!(event.wait_async());
            let _ = wait.as_mut().poll(&mut cx);
        }
        setter.join().unwrap();
        assert_eq!(event.n_waiting(), 0);
    });
}

// E-05 across kinds: the task queues before it releases the lock, so a notify made under the
// lock after the state change always reaches it.
#[test]
fn a_notify_under_the_lock_reaches_the_waiting_task() {
    model(|| {
        let cond = Arc::new(Condition::with_lock(Lock::new()));
        let ready = Arc::new(AtomicBool::new(false));
        let (c, r) = (Arc::clone(&cond), Arc::clone(&ready));
        let producer = thread::spawn(move || {
            let _g = c.lock();
            r.store(true, Ordering::Relaxed);
            c.notify(1);
        });
        block_on(async {
            let mut guard = cond.lock_async().await.unwrap();
            while !ready.load(Ordering::Relaxed) {
                guard = cond.wait_async(guard).await;
            }
            drop(guard);
        });
        producer.join().unwrap();
        assert_eq!(cond.n_waiting(), 0);
        assert!(!cond.locked());
    });
}
