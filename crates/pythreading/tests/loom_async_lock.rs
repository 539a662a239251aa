//! loom models of the lock's task face: mutual exclusion between a thread and a task, the
//! waker registration against a racing release, and the wake-up a dropped woken task must
//! pass on.
//! Run: `RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom cargo test --release -p pythreading --test loom_async_lock`.
#![cfg(loom)]

mod loom_common;

use std::pin::pin;
use std::task::{Context, Waker};

use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::thread;
use pythreading::threading::Lock;

use loom_common::{block_on, model};

fn unprotected_increment(n: &AtomicUsize) {
    let v = n.load(Ordering::Relaxed);
    n.store(v + 1, Ordering::Relaxed);
}

// C-06 across kinds: a thread and a task never hold the lock together, and the task's wake-up
// is never lost (a lost one is a loom deadlock).
#[test]
fn a_thread_and_a_task_exclude_each_other() {
    model(|| {
        let lock = Arc::new(Lock::new());
        let n = Arc::new(AtomicUsize::new(0));
        let (l, m) = (Arc::clone(&lock), Arc::clone(&n));
        let thread = thread::spawn(move || {
            let _g = l.lock();
            unprotected_increment(&m);
        });
        block_on(async {
            let _g = lock.lock_async().await;
            unprotected_increment(&n);
        });
        thread.join().unwrap();
        assert_eq!(n.load(Ordering::Relaxed), 2);
        assert!(!lock.locked());
        assert_eq!(lock.n_waiting_tasks(), 0);
    });
}

// A task queued on a held lock is dropped while the holder releases: whether the release woke
// it or not, another task waiting for the lock still gets it (the wake-up is passed on).
#[test]
fn a_dropped_task_does_not_strand_the_next_waiter() {
    model(|| {
        let lock = Arc::new(Lock::new());
        lock.acquire();
        let l = Arc::clone(&lock);
        let waiter = thread::spawn(move || {
            block_on(l.acquire_async());
            l.release().unwrap();
        });
        let mut cx = Context::from_waker(Waker::noop());
        {
            let mut dropped = pin!(lock.acquire_async());
            let got = dropped.as_mut().poll(&mut cx).is_ready();
            assert!(!got, "the lock is held by this thread");
            lock.release().unwrap();
        }
        waiter.join().unwrap();
        assert_eq!(lock.n_waiting_tasks(), 0);
    });
}
