//! `TaskFuture`: states, results, exceptions, cancel, callbacks, `.await` (Q-01 … ).

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::{Duration, Instant};

use pythreading::futures::{
    ResultTimeoutError, TaskError, TaskFuture, TaskPanic, ThreadPoolExecutor,
};

mod futures_common;
mod timing;
use futures_common::Gate;

/// A 1-worker pool whose worker is stuck in `running` until the gate opens.
fn busy_pool() -> (ThreadPoolExecutor, TaskFuture<()>, Gate) {
    let pool = ThreadPoolExecutor::new(1).unwrap();
    let gate = Gate::default();
    let (tx, rx) = mpsc::channel();
    let g = gate.clone();
    let running = pool
        .submit(move || {
            tx.send(()).unwrap();
            g.wait();
        })
        .unwrap();
    rx.recv().unwrap();
    (pool, running, gate)
}

//
#[test]
fn cancel_and_predicates_by_state() {
    let (pool, running, gate) = busy_pool();
    let pending = pool.submit(|| 1).unwrap();
    assert!(!pending.is_running() && !pending.is_done() && !pending.is_cancelled());
    assert!(running.is_running() && !running.is_done());

    assert!(!running.cancel(), "a running task cannot be cancelled");
    assert!(running.is_running());

    assert!(pending.cancel());
    assert!(pending.is_cancelled() && pending.is_done() && !pending.is_running());
    assert!(pending.cancel(), "cancelling again still says cancelled");

    gate.open();
    running.result().unwrap();
    assert!(!running.cancel(), "a finished task cannot be cancelled");
    assert!(running.is_done() && !running.is_cancelled());

    let failed = pool.submit(|| -> i32 { panic!("x") }).unwrap();
    let _ = failed.exception();
    assert!(!failed.cancel());
}

//
#[test]
fn result_with_zero_timeout_by_state() {
    let (pool, running, gate) = busy_pool();
    let pending = pool.submit(|| 0).unwrap();
    assert!(matches!(
        running.result_timeout(Duration::ZERO),
        Err(ResultTimeoutError::Timeout)
    ));
    assert!(matches!(
        pending.result_timeout(Duration::ZERO),
        Err(ResultTimeoutError::Timeout)
    ));
    let cancelled = pool.submit(|| 0).unwrap();
    cancelled.cancel();
    assert!(matches!(
        cancelled.result_timeout(Duration::ZERO),
        Err(ResultTimeoutError::Task(TaskError::Cancelled))
    ));
    gate.open();
    let failed = pool.submit(|| -> i32 { panic!("OSError") }).unwrap();
    let ok = pool.submit(|| 42).unwrap();
    ok.result().unwrap();
    let _ = failed.exception();
    match failed.result_timeout(Duration::ZERO) {
        Err(ResultTimeoutError::Task(TaskError::Panicked(p))) => assert_eq!(p.message(), "OSError"),
        other => panic!("{other:?}"),
    }
    assert_eq!(ok.result_timeout(Duration::ZERO).unwrap(), 42);
    assert_eq!(pending.result_timeout(Duration::MAX).unwrap(), 0);
}

// Q-05, A-10 (`result(timeout=5)` with the value set later; elapsed within 0.6·T … 10·T)
#[test]
fn result_waits_for_a_value_set_later() {
    let pool = ThreadPoolExecutor::new(1).unwrap();
    let t = Duration::from_millis(150);
    let start = Instant::now();
    let f = pool
        .submit(move || {
            thread::sleep(t);
            42
        })
        .unwrap();
    assert_eq!(f.result_timeout(Duration::from_secs(5)).unwrap(), 42);
    let elapsed = start.elapsed();
    assert!(elapsed >= t.mul_f64(0.6) && elapsed < t * 10, "{elapsed:?}");
}

//
#[test]
fn result_reports_a_cancel_that_happens_while_waiting() {
    let (pool, _running, gate) = busy_pool();
    let pending = pool.submit(|| 1).unwrap();
    let p2 = pending.clone();
    // The waiter is parked in result() before the cancel (observed, not slept on).
    let waiter = timing::spawn_parked(move || p2.result());
    assert!(pending.cancel());
    assert!(matches!(waiter.join().unwrap(), Err(TaskError::Cancelled)));
    gate.open();
}

//
#[test]
fn exception_by_state() {
    let (pool, running, gate) = busy_pool();
    assert!(running.exception_timeout(Duration::ZERO).is_err());
    let cancelled = pool.submit(|| ()).unwrap();
    cancelled.cancel();
    assert!(matches!(
        cancelled.exception_timeout(Duration::ZERO),
        Ok(Some(TaskError::Cancelled))
    ));
    // A waiting exception() wakes when the state becomes FINISHED.
    let late = pool.submit(|| -> () { panic!("late") }).unwrap();
    let l2 = late.clone();
    let waiter = timing::spawn_parked(move || l2.exception());
    gate.open();
    match waiter.join().unwrap() {
        Some(TaskError::Panicked(p)) => assert_eq!(p.message(), "late"),
        other => panic!("{other:?}"),
    }
    assert!(running.exception().is_none());
    let ok = pool.submit(|| 1).unwrap();
    assert!(
        ok.exception_timeout(Duration::from_secs(5))
            .unwrap()
            .is_none()
    );
}

// Q-58, S-01 (and the panic reaches result(): no lost panic)
#[test]
fn a_panicking_task_keeps_its_panic_and_the_worker_survives() {
    let pool = ThreadPoolExecutor::new(1).unwrap();
    let f = pool
        .submit(|| -> u8 { std::panic::panic_any(7_u32) })
        .unwrap();
    let Err(TaskError::Panicked(p)) = f.result() else {
        panic!("expected a panic")
    };
    assert_eq!(p.message(), "Box<dyn Any>");
    assert_eq!(p.take_payload().unwrap().downcast_ref::<u32>(), Some(&7));
    assert_eq!(pool.submit(|| 5).unwrap().result().unwrap(), 5);
    assert_eq!(pool.worker_count(), 1, "the worker was not lost");
}

#[test]
fn take_result_moves_the_value_out_once() {
    struct NotClone(u8);
    let pool = ThreadPoolExecutor::new(1).unwrap();
    let f = pool.submit(|| NotClone(3)).unwrap();
    let g = f.clone();
    assert_eq!(f.take_result().unwrap().0, 3);
    assert!(matches!(g.take_result(), Err(TaskError::Taken)));
    assert!(g.exception().is_none(), "a taken value was a success");
}

//
#[test]
fn callback_runs_once_for_result_panic_and_cancel() {
    let (pool, _running, gate) = busy_pool();
    let calls = Arc::new(AtomicUsize::new(0));
    let ok = pool.submit(|| 1).unwrap();
    let bad = pool.submit(|| -> i32 { panic!("no") }).unwrap();
    let cancelled = pool.submit(|| 3).unwrap();
    for f in [&ok, &bad, &cancelled] {
        let c = calls.clone();
        f.add_done_callback(move |f| {
            assert!(f.is_done());
            c.fetch_add(1, Ordering::SeqCst);
        });
    }
    cancelled.cancel();
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    gate.open();
    drop(pool);
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

//
#[test]
fn callback_on_a_done_future_runs_at_once_on_the_calling_thread() {
    let pool = ThreadPoolExecutor::new(1).unwrap();
    let ok = pool.submit(|| 1).unwrap();
    ok.result().unwrap();
    let bad = pool.submit(|| -> i32 { panic!("x") }).unwrap();
    let _ = bad.exception();
    let (_p, _r, gate) = busy_pool();
    let cancelled = _p.submit(|| 1).unwrap();
    cancelled.cancel();
    for f in [ok, bad, cancelled] {
        let here = thread::current().id();
        let ran = Arc::new(Mutex::new(None));
        let r = ran.clone();
        f.add_done_callback(move |_| *r.lock().unwrap() = Some(thread::current().id()));
        assert_eq!(*ran.lock().unwrap(), Some(here));
    }
    gate.open();
}

//
#[test]
fn callbacks_run_in_order_and_a_panicking_one_does_not_stop_the_others() {
    let (pool, _running, gate) = busy_pool();
    let f = pool.submit(|| 1).unwrap();
    let order = Arc::new(Mutex::new(Vec::new()));
    for i in 0..4 {
        let o = order.clone();
        f.add_done_callback(move |_| {
            o.lock().unwrap().push(i);
            if i == 1 {
                panic!("callback {i} fails");
            }
        });
    }
    gate.open();
    drop(pool);
    assert_eq!(*order.lock().unwrap(), vec![0, 1, 2, 3]);
    // Same for the immediate call on a done future.
    let o = order.clone();
    f.add_done_callback(|_| panic!("immediate failure"));
    f.add_done_callback(move |_| o.lock().unwrap().push(9));
    assert_eq!(order.lock().unwrap().last(), Some(&9));
}

//
#[test]
fn debug_shows_the_state() {
    let (pool, running, gate) = busy_pool();
    let pending = pool.submit(|| 1).unwrap();
    let cancelled = pool.submit(|| 1).unwrap();
    cancelled.cancel();
    assert!(format!("{pending:?}").contains("state: pending"));
    assert!(format!("{running:?}").contains("state: running"));
    assert!(format!("{cancelled:?}").contains("state: cancelled"));
    gate.open();
    pending.result().unwrap();
    assert!(format!("{pending:?}").contains("state: finished returned"));
    let bad = pool.submit(|| -> () { panic!("e") }).unwrap();
    let _ = bad.exception();
    assert!(format!("{bad:?}").contains("state: finished panicked"));
}

#[test]
// Hashing is by identity (the address of the shared state), which interior mutability never changes.
#[allow(clippy::mutable_key_type)]
fn clones_are_the_same_future_and_hash_by_identity() {
    let pool = ThreadPoolExecutor::new(1).unwrap();
    let a = pool.submit(|| 1).unwrap();
    let b = pool.submit(|| 1).unwrap();
    assert_eq!(a, a.clone());
    assert_ne!(a, b);
    let set: std::collections::HashSet<_> = [a.clone(), a, b].into_iter().collect();
    assert_eq!(set.len(), 2);
}

/// A minimal executor for one future: poll, park until woken, repeat.
fn block_on<F: Future>(fut: F) -> F::Output {
    struct Unparker(thread::Thread);
    impl Wake for Unparker {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unparker(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut fut = pin!(fut);
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        thread::park();
    }
}

#[test]
fn a_task_future_can_be_awaited() {
    let pool = ThreadPoolExecutor::new(2).unwrap();
    let a = pool
        .submit(|| {
            thread::sleep(Duration::from_millis(50));
            20
        })
        .unwrap();
    let b = pool.submit(|| 22).unwrap();
    let sum = block_on(async move { a.await.unwrap() + b.await.unwrap() });
    assert_eq!(sum, 42);
    let bad = pool.submit(|| -> i32 { panic!("async boom") }).unwrap();
    assert!(matches!(block_on(bad), Err(TaskError::Panicked(_))));
    let (p, _r, gate) = busy_pool();
    let c = p.submit(|| 1).unwrap();
    let c2 = c.clone();
    // Cancels once this thread is parked in block_on (observed, not slept on).
    let me = timing::thread_id();
    let canceller = thread::spawn(move || {
        timing::wait_parked(me);
        c2.cancel()
    });
    assert!(matches!(block_on(c), Err(TaskError::Cancelled)));
    assert!(canceller.join().unwrap());
    gate.open();
}

#[test]
fn public_types_are_send_and_sync() {
    fn both<T: Send + Sync>() {}
    both::<TaskFuture<Vec<u8>>>();
    both::<TaskError>();
    both::<TaskPanic>();
    both::<ThreadPoolExecutor>();
    both::<pythreading::futures::SubmitError<fn()>>();
    both::<pythreading::futures::AsCompleted<u8>>();
    both::<pythreading::futures::Map<u8>>();
    both::<pythreading::futures::MapTimeout<u8>>();
    both::<pythreading::futures::AsCompletedTimeoutIter<u8>>();
    both::<pythreading::futures::DoneAndNotDone<u8>>();
    both::<pythreading::futures::ThreadPoolExecutorBuilder>();
    both::<pythreading::futures::Shutdown>();
    both::<pythreading::futures::ReturnWhen>();
    fn error<E: std::error::Error + Send + Sync + 'static>() {}
    error::<TaskError>();
    error::<ResultTimeoutError>();
    error::<pythreading::futures::AsCompletedTimeout>();
    error::<pythreading::futures::SubmitError<fn()>>();
    error::<pythreading::futures::BuildError>();
    error::<pythreading::futures::BrokenPool>();
    error::<pythreading::futures::WaitTimeoutError>();
    error::<TaskPanic>();
}

// callbacks run in registration order and a panicking one does not stop the others,
// whoever completes the future: `cancel()` on the caller's thread, `shutdown(cancel_futures)`
// draining the queue, or the worker (with a value or a panic).
#[test]
fn callbacks_keep_registration_order_whoever_completes_the_future() {
    fn register(f: &TaskFuture<i32>) -> Arc<Mutex<Vec<usize>>> {
        let log = Arc::new(Mutex::new(Vec::new()));
        for i in 0..5 {
            let l = log.clone();
            f.add_done_callback(move |_| {
                l.lock().unwrap().push(i);
                if i % 2 == 0 {
                    panic!("callback {i} raises");
                }
            });
        }
        log
    }
    let all = [0, 1, 2, 3, 4];

    let (pool, running, gate) = busy_pool();
    let cancelled = pool.submit(|| 3).unwrap();
    let drained = pool.submit(|| 4).unwrap();
    let (log_c, log_d) = (register(&cancelled), register(&drained));
    assert!(cancelled.cancel());
    assert_eq!(*log_c.lock().unwrap(), all);
    assert!(log_d.lock().unwrap().is_empty(), "still queued");
    // Opens once this thread is parked in the shutdown (observed, not slept on).
    let me = timing::thread_id();
    let opener = thread::spawn(move || {
        timing::wait_parked(me);
        gate.open();
    });
    pool.shutdown_with(pythreading::futures::Shutdown::wait().cancel_futures());
    opener.join().unwrap();
    assert!(drained.is_cancelled());
    assert_eq!(*log_d.lock().unwrap(), all);
    running.result().unwrap();

    let pool = ThreadPoolExecutor::new(1).unwrap();
    let hold = Gate::default();
    let h = hold.clone();
    let value = pool
        .submit(move || {
            h.wait();
            1
        })
        .unwrap();
    let h = hold.clone();
    let panics = pool
        .submit(move || -> i32 {
            h.wait();
            panic!("task raises")
        })
        .unwrap();
    let (log_v, log_p) = (register(&value), register(&panics));
    hold.open();
    drop(pool);
    assert_eq!(*log_v.lock().unwrap(), all);
    assert_eq!(*log_p.lock().unwrap(), all);
    assert_eq!(value.result().unwrap(), 1);
    assert!(matches!(panics.result(), Err(TaskError::Panicked(_))));
}

// `Duration::ZERO` polls and `Duration::MAX` waits forever (no overflow panic) for every timed
// read of a future: result_timeout, take_result_timeout, exception_timeout.
#[test]
fn zero_polls_and_max_waits_for_timed_reads() {
    let (pool, running, gate) = busy_pool();
    let value = pool.submit(|| 5).unwrap();
    let panics = pool.submit(|| -> i32 { panic!("late") }).unwrap();
    let start = Instant::now();
    assert!(matches!(
        value.take_result_timeout(Duration::ZERO),
        Err(ResultTimeoutError::Timeout)
    ));
    assert!(panics.exception_timeout(Duration::ZERO).is_err());
    assert!(matches!(
        running.result_timeout(Duration::ZERO),
        Err(ResultTimeoutError::Timeout)
    ));
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "ZERO must not block"
    );

    // Opens once this thread is parked in the MAX wait (observed, not slept on).
    let me = timing::thread_id();
    let opener = thread::spawn(move || {
        timing::wait_parked(me);
        gate.open();
    });
    running.result_timeout(Duration::MAX).unwrap();
    assert_eq!(value.take_result_timeout(Duration::MAX).unwrap(), 5);
    match panics.exception_timeout(Duration::MAX) {
        Ok(Some(TaskError::Panicked(p))) => assert_eq!(p.message(), "late"),
        other => panic!("{other:?}"),
    }
    opener.join().unwrap();
    // Done futures answer ZERO at once.
    assert!(matches!(
        value.take_result_timeout(Duration::ZERO),
        Err(ResultTimeoutError::Task(TaskError::Taken))
    ));
    assert!(running.exception_timeout(Duration::ZERO).unwrap().is_none());
}

/// Runs the named test of this binary in a child process (with `PYTHREADING_FUTURES_CHILD`
/// set) and returns its stderr, so a test can check what the library reports there.
fn child_stderr(test: &str) -> String {
    let out = futures_common::output_within_60s(
        std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", test, "--nocapture", "--test-threads=1"])
            .env("PYTHREADING_FUTURES_CHILD", "1"),
    );
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "child failed: {err}");
    err
}

// a raising callback is reported ("exception calling callback for <future>" and its
// message; Python logs it on the 'concurrent.futures' logger), both when the worker runs the
// callbacks and when a done future runs one at once; the next callback still runs.
#[test]
fn a_panicking_callback_is_reported_on_stderr() {
    if std::env::var_os("PYTHREADING_FUTURES_CHILD").is_some() {
        let (pool, _running, gate) = busy_pool();
        let f = pool.submit(|| 1).unwrap();
        let after = Arc::new(AtomicUsize::new(0));
        f.add_done_callback(|_| panic!("raised by the worker's callback"));
        let a = after.clone();
        f.add_done_callback(move |_| {
            a.fetch_add(1, Ordering::SeqCst);
        });
        gate.open();
        drop(pool);
        f.add_done_callback(|_| panic!("raised by an immediate callback"));
        let a = after.clone();
        f.add_done_callback(move |_| {
            a.fetch_add(1, Ordering::SeqCst);
        });
        assert_eq!(after.load(Ordering::SeqCst), 2);
        return;
    }
    let err = child_stderr("a_panicking_callback_is_reported_on_stderr");
    for msg in [
        "raised by the worker's callback",
        "raised by an immediate callback",
    ] {
        assert!(
            err.lines().any(
                |l| l.starts_with("exception calling callback for TaskFuture")
                    && l.contains("state: finished returned")
                    && l.ends_with(msg)
            ),
            "{msg:?} not reported in:\n{err}"
        );
    }
}
