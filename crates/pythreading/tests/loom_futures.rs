//! loom models of the future's state machine and the pool's hand-offs: complete vs cancel,
//! callback registration vs completion, blocked readers and `wait` woken by completion.
//! Run: `RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom cargo test --release -p pythreading --test loom_futures`.
#![cfg(loom)]

use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering};

use pythreading::futures::{ReturnWhen, TaskError, ThreadPoolExecutor, wait};

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut b = loom::model::Builder::new();
    b.preemption_bound = Some(2);
    b.check(f);
}

// a cancel racing the worker: either the task ran and cancel said no, or it never
// ran and every reader sees Cancelled; the callback runs exactly once either way.
#[test]
fn complete_vs_cancel() {
    model(|| {
        let pool = ThreadPoolExecutor::new(1).unwrap();
        let ran = Arc::new(AtomicUsize::new(0));
        let calls = Arc::new(AtomicUsize::new(0));
        let r = ran.clone();
        let f = pool
            .submit(move || {
                r.fetch_add(1, Ordering::SeqCst);
                7
            })
            .unwrap();
        let c = calls.clone();
        f.add_done_callback(move |_| {
            c.fetch_add(1, Ordering::SeqCst);
        });
        let cancelled = f.cancel();
        drop(pool); // shutdown(wait=True)
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        if cancelled {
            assert_eq!(ran.load(Ordering::SeqCst), 0);
            assert!(matches!(f.result(), Err(TaskError::Cancelled)));
        } else {
            assert_eq!(ran.load(Ordering::SeqCst), 1);
            assert_eq!(f.result().unwrap(), 7);
        }
    });
}

// a callback registered from another thread while the task completes runs once.
#[test]
fn callback_registration_vs_completion() {
    model(|| {
        let pool = ThreadPoolExecutor::new(1).unwrap();
        let f = pool.submit(|| 1).unwrap();
        let calls = Arc::new(AtomicUsize::new(0));
        let (f2, c2) = (f.clone(), calls.clone());
        let t = loom::thread::spawn(move || {
            f2.add_done_callback(move |f| {
                assert!(f.is_done());
                c2.fetch_add(1, Ordering::SeqCst);
            });
        });
        t.join().unwrap();
        drop(pool);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(f.result().unwrap(), 1);
    });
}

// a reader blocked in result() is woken by the completion (no lost wake-up).
#[test]
fn blocked_reader_is_woken() {
    model(|| {
        let pool = ThreadPoolExecutor::new(1).unwrap();
        let f = pool.submit(|| 5).unwrap();
        let f2 = f.clone();
        let reader = loom::thread::spawn(move || f2.result().unwrap());
        assert_eq!(reader.join().unwrap(), 5);
        drop(pool);
    });
}

// a reader blocked in result() is woken by a cancel.
#[test]
fn blocked_reader_is_woken_by_cancel() {
    model(|| {
        let pool = ThreadPoolExecutor::new(1).unwrap();
        let f = pool.submit(|| 5).unwrap();
        let f2 = f.clone();
        let reader = loom::thread::spawn(move || f2.result());
        let cancelled = f.cancel();
        let r = reader.join().unwrap();
        assert_eq!(cancelled, r.is_err());
        drop(pool);
    });
}

// wait(ALL_COMPLETED) over two tasks returns with both done.
#[test]
fn wait_is_woken_by_completions() {
    model(|| {
        let pool = ThreadPoolExecutor::new(2).unwrap();
        let a = pool.submit(|| 1).unwrap();
        let b = pool.submit(|| 2).unwrap();
        let r = wait([&a, &b], ReturnWhen::AllCompleted);
        assert_eq!(r.done.len(), 2);
        assert!(r.not_done.is_empty());
        drop(pool);
    });
}

// wait(FIRST_COMPLETED) races a cancel acknowledged by the worker.
#[test]
fn wait_sees_a_cancel_once_the_pool_acknowledges_it() {
    model(|| {
        let pool = ThreadPoolExecutor::new(1).unwrap();
        let f = pool.submit(|| 1).unwrap();
        f.cancel();
        let r = wait([&f], ReturnWhen::FirstCompleted);
        assert_eq!(r.done.len(), 1);
        drop(pool);
    });
}

// a worker starts a task by taking its callable, `cancel` by taking it first (the
// claim in pool_job.rs). Whatever the interleaving: the task runs at most once, a successful
// cancel means it never ran, and a task another thread saw running is never cancelled.
#[test]
fn cancel_vs_start_claims_the_callable_once() {
    model(|| {
        let pool = ThreadPoolExecutor::new(1).unwrap();
        let ran = Arc::new(AtomicUsize::new(0));
        let r = ran.clone();
        let f = pool
            .submit(move || {
                r.fetch_add(1, Ordering::SeqCst);
                7
            })
            .unwrap();
        let f2 = f.clone();
        let reader = loom::thread::spawn(move || f2.is_running());
        let cancelled = f.cancel();
        let seen_running = reader.join().unwrap();
        drop(pool); // shutdown(wait=True)
        assert!(f.is_done());
        if cancelled {
            assert!(!seen_running, "a task seen running was cancelled");
            assert_eq!(ran.load(Ordering::SeqCst), 0);
            assert!(matches!(f.result(), Err(TaskError::Cancelled)));
        } else {
            assert_eq!(ran.load(Ordering::SeqCst), 1);
            assert_eq!(f.result().unwrap(), 7);
        }
    });
}
