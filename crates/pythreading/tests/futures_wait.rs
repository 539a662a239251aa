//! `futures::wait` and `futures::as_completed` (Q-18 … Q-31).

use std::sync::Arc;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use pythreading::futures::{
    ReturnWhen, Shutdown, TaskFuture, ThreadPoolExecutor, as_completed, as_completed_timeout, wait,
    wait_timeout,
};

mod futures_common;
mod timing;
use futures_common::Gate;

/// A generous bound on each test: the untimed `wait`/`as_completed` under test would otherwise
/// hang the run on a lost wake-up instead of failing.
const LIMIT: Duration = Duration::from_secs(60);

/// Submits a task that reports it started, then blocks until `gate` opens.
fn blocked(pool: &ThreadPoolExecutor, gate: &Gate) -> TaskFuture<i32> {
    let (tx, rx) = mpsc::channel();
    let g = gate.clone();
    let f = pool
        .submit(move || {
            tx.send(()).unwrap();
            g.wait();
            0
        })
        .unwrap();
    rx.recv().unwrap();
    f
}

fn finished(pool: &ThreadPoolExecutor, v: i32) -> TaskFuture<i32> {
    let f = pool.submit(move || v).unwrap();
    f.result().unwrap();
    f
}

fn failed(pool: &ThreadPoolExecutor) -> TaskFuture<i32> {
    let f = pool.submit(|| -> i32 { panic!("failed") }).unwrap();
    let _ = f.exception();
    f
}

/// A future cancelled and acknowledged by its pool (Python's CANCELLED_AND_NOTIFIED).
fn cancelled_notified() -> TaskFuture<i32> {
    let pool = ThreadPoolExecutor::new(1).unwrap();
    let gate = Gate::default();
    let _busy = blocked(&pool, &gate);
    let f = pool.submit(|| 1).unwrap();
    pool.shutdown_with(Shutdown::nowait().cancel_futures());
    gate.open();
    assert!(f.is_cancelled());
    f
}

//
#[test]
fn duplicates_are_collapsed() {
    timing::within(LIMIT, "duplicates_are_collapsed", || {
        let pool = ThreadPoolExecutor::new(1).unwrap();
        let f = finished(&pool, 1);
        let r = wait([&f, &f], ReturnWhen::AllCompleted);
        assert_eq!(r.done, vec![f]);
        assert!(r.not_done.is_empty());
    });
}

//
#[test]
fn first_completed_returns_when_one_completes_and_plain_cancel_is_not_done() {
    timing::within(
        LIMIT,
        "first_completed_returns_when_one_completes_and_plain_cancel_is_not_done",
        || {
            let pool = ThreadPoolExecutor::new(2).unwrap();
            let gate = Gate::default();
            let slow = blocked(&pool, &gate);
            let quick = pool
                .submit(|| {
                    thread::sleep(Duration::from_millis(50));
                    1
                })
                .unwrap();
            let start = Instant::now();
            let r = wait([&slow, &quick], ReturnWhen::FirstCompleted);
            assert!(start.elapsed() >= Duration::from_millis(30));
            assert_eq!(r.done, vec![quick]);
            assert_eq!(r.not_done, vec![slow.clone()]);

            // A cancel the pool has not acknowledged yet (both workers busy) does not count as done.
            let gate2 = Gate::default();
            let _other = blocked(&pool, &gate2);
            let queued = pool.submit(|| 2).unwrap();
            assert!(queued.cancel() && queued.is_done());
            let r = wait_timeout(
                [&queued],
                ReturnWhen::FirstCompleted,
                Duration::from_millis(20),
            );
            assert_eq!(r.not_done, vec![queued.clone()]);
            // Once a worker dequeues it, the cancellation is acknowledged.
            gate.open();
            let r = wait_timeout(
                [&queued],
                ReturnWhen::FirstCompleted,
                Duration::from_secs(5),
            );
            assert_eq!(r.done, vec![queued]);
            gate2.open();
        },
    );
}

//
#[test]
fn first_completed_with_some_already_completed_returns_at_once() {
    timing::within(
        LIMIT,
        "first_completed_with_some_already_completed_returns_at_once",
        || {
            let pool = ThreadPoolExecutor::new(2).unwrap();
            let gate = Gate::default();
            let running = blocked(&pool, &gate);
            let a = finished(&pool, 1);
            let c = cancelled_notified();
            let start = Instant::now();
            let r = wait([&a, &c, &running], ReturnWhen::FirstCompleted);
            assert!(start.elapsed() < Duration::from_secs(5));
            assert_eq!(r.done, vec![a, c]);
            assert_eq!(r.not_done, vec![running]);
            gate.open();
        },
    );
}

//
#[test]
fn first_exception_returns_when_a_task_fails() {
    timing::within(LIMIT, "first_exception_returns_when_a_task_fails", || {
        let pool = ThreadPoolExecutor::new(3).unwrap();
        let gate = Gate::default();
        let running = blocked(&pool, &gate);
        let ok = finished(&pool, 1);
        let bad = pool
            .submit(|| -> i32 {
                thread::sleep(Duration::from_millis(40));
                panic!("boom")
            })
            .unwrap();
        let r = wait([&ok, &bad, &running], ReturnWhen::FirstException);
        assert_eq!(r.done, vec![ok, bad]);
        assert_eq!(r.not_done, vec![running]);
        gate.open();
    });
}

//
#[test]
fn first_exception_with_cancelled_and_already_failed_futures() {
    timing::within(
        LIMIT,
        "first_exception_with_cancelled_and_already_failed_futures",
        || {
            let pool = ThreadPoolExecutor::new(2).unwrap();
            let gate = Gate::default();
            let blocked_f = blocked(&pool, &gate);
            let gate2 = Gate::default();
            let _other = blocked(&pool, &gate2);
            let success = finished(&ThreadPoolExecutor::new(1).unwrap(), 1);
            let notified = cancelled_notified();
            let plain = pool.submit(|| 5).unwrap();
            plain.cancel();
            let fail = failed(&ThreadPoolExecutor::new(1).unwrap());
            let start = Instant::now();
            let r = wait(
                [&success, &notified, &plain, &fail, &blocked_f],
                ReturnWhen::FirstException,
            );
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "already failed: at once"
            );
            assert_eq!(r.done, vec![success, notified, fail]);
            assert_eq!(r.not_done, vec![plain, blocked_f]);
            gate.open();
            gate2.open();
        },
    );
}

//
#[test]
fn all_completed_waits_for_everything_despite_failures() {
    timing::within(
        LIMIT,
        "all_completed_waits_for_everything_despite_failures",
        || {
            let pool = ThreadPoolExecutor::new(3).unwrap();
            let f1 = failed(&pool);
            let c = cancelled_notified();
            let slow = pool
                .submit(|| {
                    thread::sleep(Duration::from_millis(60));
                    3
                })
                .unwrap();
            let r = wait([&f1, &c, &slow], ReturnWhen::AllCompleted);
            assert_eq!(r.done.len(), 3);
            assert!(r.not_done.is_empty());
            assert_eq!(slow.result().unwrap(), 3);
        },
    );
}

//
#[test]
fn a_timeout_returns_what_is_done() {
    timing::within(LIMIT, "a_timeout_returns_what_is_done", || {
        let pool = ThreadPoolExecutor::new(2).unwrap();
        let gate = Gate::default();
        let stuck = blocked(&pool, &gate);
        let ok = finished(&pool, 1);
        let t = Duration::from_millis(50);
        let start = Instant::now();
        let r = wait_timeout([&ok, &stuck], ReturnWhen::AllCompleted, t);
        let elapsed = start.elapsed();
        assert!(elapsed >= t.mul_f64(0.6) && elapsed < t * 10, "{elapsed:?}");
        assert_eq!(r.done, vec![ok]);
        assert_eq!(r.not_done, vec![stuck]);
        gate.open();
    });
}

//
#[test]
fn many_futures_completing_together_lose_no_wake_up() {
    timing::within(
        LIMIT,
        "many_futures_completing_together_lose_no_wake_up",
        || {
            for _ in 0..20 {
                let pool = ThreadPoolExecutor::new(8).unwrap();
                let gate = Gate::default();
                let fs: Vec<_> = (0..100)
                    .map(|i| {
                        let g = gate.clone();
                        pool.submit(move || {
                            g.wait();
                            i
                        })
                        .unwrap()
                    })
                    .collect();
                let opener = {
                    let g = gate.clone();
                    thread::spawn(move || g.open())
                };
                let r = wait(&fs, ReturnWhen::AllCompleted);
                assert_eq!(r.done.len(), 100);
                opener.join().unwrap();
            }
        },
    );
}

#[test]
fn futures_from_different_executors_mix() {
    timing::within(LIMIT, "futures_from_different_executors_mix", || {
        let a = ThreadPoolExecutor::new(1).unwrap();
        let b = ThreadPoolExecutor::new(1).unwrap();
        let fs = vec![a.submit(|| 1).unwrap(), b.submit(|| 2).unwrap()];
        let r = wait(&fs, ReturnWhen::AllCompleted);
        assert_eq!(r.done.len(), 2);
        let mut got: Vec<i32> = as_completed(&fs).map(|f| f.result().unwrap()).collect();
        got.sort();
        assert_eq!(got, [1, 2]);
    });
}

//
#[test]
fn as_completed_yields_done_ones_first_then_in_completion_order() {
    timing::within(
        LIMIT,
        "as_completed_yields_done_ones_first_then_in_completion_order",
        || {
            let pool = ThreadPoolExecutor::new(3).unwrap();
            let early = finished(&pool, 0);
            let slow = pool
                .submit(|| {
                    thread::sleep(Duration::from_millis(120));
                    2
                })
                .unwrap();
            let quick = pool
                .submit(|| {
                    thread::sleep(Duration::from_millis(30));
                    1
                })
                .unwrap();
            let order: Vec<i32> = as_completed([slow, quick, early])
                .map(|f| f.result().unwrap())
                .collect();
            assert_eq!(order, [0, 1, 2]);
        },
    );
}

//
#[test]
fn as_completed_timeout_yields_the_done_ones_then_fails() {
    timing::within(
        LIMIT,
        "as_completed_timeout_yields_the_done_ones_then_fails",
        || {
            let pool = ThreadPoolExecutor::new(2).unwrap();
            let gate = Gate::default();
            let stuck = blocked(&pool, &gate);
            let ok = finished(&pool, 1);
            for t in [Duration::ZERO, Duration::from_millis(50)] {
                let mut it = as_completed_timeout([&stuck, &ok], t);
                assert_eq!(it.next().unwrap().unwrap(), ok);
                let err = it.next().unwrap().unwrap_err();
                assert_eq!(err.unfinished(), 1);
                assert!(it.next().is_none());
            }
            gate.open();
        },
    );
}

// Q-29, Q-26 (cancelled by shutdown(cancel_futures) counts as completed here)
#[test]
fn as_completed_timeout_message_counts_the_unfinished() {
    timing::within(
        LIMIT,
        "as_completed_timeout_message_counts_the_unfinished",
        || {
            let pool = ThreadPoolExecutor::new(1).unwrap();
            let done = finished(&pool, 1);
            let gate = Gate::default();
            let running = blocked(&pool, &gate);
            let pending = pool.submit(|| 2).unwrap();
            let notified = cancelled_notified();
            let start = Instant::now();
            let mut it =
                as_completed_timeout([&notified, &pending, &running, &done], Duration::ZERO);
            assert_eq!(it.next().unwrap().unwrap(), notified);
            assert_eq!(it.next().unwrap().unwrap(), done);
            let err = it.next().unwrap().unwrap_err();
            assert_eq!(err.to_string(), "2 (of 4) futures unfinished");
            assert_eq!((err.unfinished(), err.total()), (2, 4));
            assert!(start.elapsed() < Duration::from_secs(5));
            gate.open();
        },
    );
}

#[test]
fn as_completed_timeout_is_one_deadline_from_the_call() {
    timing::within(
        LIMIT,
        "as_completed_timeout_is_one_deadline_from_the_call",
        || {
            let pool = ThreadPoolExecutor::new(3).unwrap();
            let gate = Gate::default();
            let stuck = blocked(&pool, &gate);
            let a = pool
                .submit(|| {
                    thread::sleep(Duration::from_millis(20));
                    1
                })
                .unwrap();
            let b = pool
                .submit(|| {
                    thread::sleep(Duration::from_millis(40));
                    2
                })
                .unwrap();
            let t = Duration::from_millis(600);
            let start = Instant::now();
            let items: Vec<_> = as_completed_timeout([&a, &b, &stuck], t).collect();
            let elapsed = start.elapsed();
            assert_eq!(items.len(), 3, "a, b, then the timeout");
            assert!(items[..2].iter().all(Result::is_ok));
            assert_eq!(items[2].as_ref().unwrap_err().unfinished(), 1);
            // Measured from the call: the completions did not restart the clock.
            assert!(elapsed >= t.mul_f64(0.6) && elapsed < t * 10, "{elapsed:?}");
            gate.open();
        },
    );
}

//
#[test]
fn as_completed_yields_duplicates_once_and_takes_any_iterable() {
    timing::within(
        LIMIT,
        "as_completed_yields_duplicates_once_and_takes_any_iterable",
        || {
            let pool = ThreadPoolExecutor::new(1).unwrap();
            let f = finished(&pool, 1);
            assert_eq!(as_completed(std::iter::repeat_n(f.clone(), 3)).count(), 1);
            assert_eq!(as_completed([&f, &f]).count(), 1);
        },
    );
}

// Q-31, S-06
#[test]
fn as_completed_keeps_no_reference_to_yielded_futures() {
    timing::within(
        LIMIT,
        "as_completed_keeps_no_reference_to_yielded_futures",
        || {
            let pool = ThreadPoolExecutor::new(1).unwrap();
            let marker = Arc::new(());
            let m = marker.clone();
            let f = pool.submit(move || m).unwrap();
            let (tx, rx) = mpsc::channel();
            let other = pool
                .submit(move || {
                    tx.send(()).unwrap();
                    thread::sleep(Duration::from_millis(30));
                    Arc::new(())
                })
                .unwrap();
            f.result().unwrap();
            // The single worker has started `other`, so it no longer holds `f`'s task (a worker keeps
            // its task for a moment after publishing the result; that reference is not the iterator's).
            rx.recv().unwrap();
            let mut it = as_completed([f, other]);
            let first = it.next().unwrap();
            drop(first);
            assert_eq!(
                Arc::strong_count(&marker),
                1,
                "the iterator still holds the future"
            );
            assert!(it.next().is_some());
        },
    );
}

// Q-26 (deliberate difference): futures cancelled by shutdown(cancel_futures) are reported
// done, so as_completed without a timeout ends instead of waiting forever.
#[test]
fn futures_cancelled_by_shutdown_are_reported_done() {
    timing::within(
        LIMIT,
        "futures_cancelled_by_shutdown_are_reported_done",
        || {
            let pool = ThreadPoolExecutor::new(1).unwrap();
            let gate = Gate::default();
            let running = blocked(&pool, &gate);
            let queued: Vec<_> = (0..5).map(|i| pool.submit(move || i).unwrap()).collect();
            // The gate opens once this thread is parked in the call below (observed, not slept on).
            let opener = {
                let g = gate.clone();
                let waiter = timing::thread_id();
                thread::spawn(move || {
                    timing::wait_parked(waiter);
                    g.open();
                })
            };
            pool.shutdown_with(Shutdown::wait().cancel_futures());
            opener.join().unwrap();
            assert!(queued.iter().all(TaskFuture::is_cancelled));
            assert_eq!(as_completed(&queued).count(), 5);
            let r = wait(queued.iter().chain([&running]), ReturnWhen::AllCompleted);
            assert_eq!(r.done.len(), 6);
        },
    );
}

// a future failed by a broken pool counts as an exception for FIRST_EXCEPTION.
#[test]
fn a_broken_pool_failure_counts_as_an_exception() {
    timing::within(
        LIMIT,
        "a_broken_pool_failure_counts_as_an_exception",
        || {
            let broken = ThreadPoolExecutor::builder()
                .max_workers(1)
                .try_initializer(|| Err("no database"))
                .build()
                .unwrap();
            let failed = broken.submit(|| 1).unwrap();
            let healthy = ThreadPoolExecutor::new(1).unwrap();
            let gate = Gate::default();
            let stuck = blocked(&healthy, &gate);
            let r = wait([&stuck, &failed], ReturnWhen::FirstException);
            assert_eq!(r.done, vec![failed]);
            assert_eq!(r.not_done, vec![stuck]);
            gate.open();
        },
    );
}

/// Submits a task that returns `v` once `gate` opens (it may or may not have started yet).
fn gated(pool: &ThreadPoolExecutor, gate: &Gate, v: i32) -> TaskFuture<i32> {
    let g = gate.clone();
    pool.submit(move || {
        g.wait();
        v
    })
    .unwrap()
}

// as_completed yields the already-done futures first (in input order), then
// the others exactly in the order they complete — here an order forced by opening one gate at a
// time, the reverse of the input order, and waiting for each to be yielded before the next.
#[test]
fn as_completed_follows_the_completion_order_not_the_input_order() {
    timing::within(
        LIMIT,
        "as_completed_follows_the_completion_order_not_the_input_order",
        || {
            let pool = ThreadPoolExecutor::new(3).unwrap();
            let early = finished(&pool, 0);
            let gates: Vec<Gate> = (0..3).map(|_| Gate::default()).collect();
            let fs: Vec<_> = (0..3)
                .map(|i| gated(&pool, &gates[i], i as i32 + 1))
                .collect();
            let mut it = as_completed([&fs[0], &fs[1], &early, &fs[2]]);
            assert_eq!(it.next().unwrap(), early, "the done one comes first");
            for i in (0..3).rev() {
                gates[i].open();
                assert_eq!(it.next().unwrap(), fs[i]);
            }
            assert!(it.next().is_none());
        },
    );
}

// the FIRST_* modes return as soon as their condition holds, while the other
// futures stay blocked (a wait for more would never return: their gates open only afterwards).
#[test]
fn first_modes_return_as_soon_as_their_condition_holds() {
    timing::within(
        LIMIT,
        "first_modes_return_as_soon_as_their_condition_holds",
        || {
            let pool = ThreadPoolExecutor::new(3).unwrap();
            let keep = Gate::default();
            let stuck = blocked(&pool, &keep);
            let go = Gate::default();
            let quick = gated(&pool, &go, 1);
            // The gate opens once this thread is parked in the call below (observed, not slept on).
            let opener = {
                let g = go.clone();
                let waiter = timing::thread_id();
                thread::spawn(move || {
                    timing::wait_parked(waiter);
                    g.open();
                })
            };
            let start = Instant::now();
            let r = wait_timeout(
                [&stuck, &quick],
                ReturnWhen::FirstCompleted,
                Duration::from_secs(10),
            );
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "{:?}",
                start.elapsed()
            );
            assert_eq!(r.done, vec![quick.clone()]);
            assert_eq!(r.not_done, vec![stuck.clone()]);
            opener.join().unwrap();

            // FIRST_EXCEPTION: a success does not end it, the failure does.
            let fail_gate = Gate::default();
            let fg = fail_gate.clone();
            let bad = pool
                .submit(move || -> i32 {
                    fg.wait();
                    panic!("fails")
                })
                .unwrap();
            let r = wait_timeout(
                [&stuck, &quick, &bad],
                ReturnWhen::FirstException,
                Duration::from_millis(30),
            );
            assert_eq!(r.done, vec![quick.clone()], "a success alone is not enough");
            // The gate opens once this thread is parked in the call below (observed, not slept on).
            let opener = {
                let g = fail_gate.clone();
                let waiter = timing::thread_id();
                thread::spawn(move || {
                    timing::wait_parked(waiter);
                    g.open();
                })
            };
            let start = Instant::now();
            let r = wait_timeout(
                [&stuck, &quick, &bad],
                ReturnWhen::FirstException,
                Duration::from_secs(10),
            );
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "{:?}",
                start.elapsed()
            );
            assert_eq!(r.done, vec![quick, bad]);
            assert_eq!(r.not_done, vec![stuck]);
            opener.join().unwrap();
            keep.open();
        },
    );
}

// wait(timeout=0.05) and as_completed with timeout 0 and 0.1 while a long task
// is pending: each returns after its timeout (≥ 0.6·T, < 10·T) — no earlier, and not at the task's
// end.
#[test]
fn wait_and_as_completed_time_out_on_time() {
    timing::within(LIMIT, "wait_and_as_completed_time_out_on_time", || {
        let pool = ThreadPoolExecutor::new(2).unwrap();
        let gate = Gate::default();
        let long = blocked(&pool, &gate);
        let ok = finished(&pool, 1);

        let t = Duration::from_millis(50);
        let start = Instant::now();
        let r = wait_timeout([&long, &ok], ReturnWhen::AllCompleted, t);
        let elapsed = start.elapsed();
        assert!(elapsed >= t.mul_f64(0.6) && elapsed < t * 10, "{elapsed:?}");
        assert_eq!((r.done, r.not_done), (vec![ok.clone()], vec![long.clone()]));

        let start = Instant::now();
        let mut it = as_completed_timeout([&long, &ok], Duration::ZERO);
        assert_eq!(it.next().unwrap().unwrap(), ok);
        assert_eq!(it.next().unwrap().unwrap_err().unfinished(), 1);
        assert!(start.elapsed() < Duration::from_secs(1), "timeout 0 polls");

        let t = Duration::from_millis(100);
        let start = Instant::now();
        let mut it = as_completed_timeout([&long, &ok], t);
        assert_eq!(it.next().unwrap().unwrap(), ok);
        assert_eq!(it.next().unwrap().unwrap_err().unfinished(), 1);
        let elapsed = start.elapsed();
        assert!(elapsed >= t.mul_f64(0.6) && elapsed < t * 10, "{elapsed:?}");
        assert!(!long.is_done());
        gate.open();
    });
}

// `Duration::ZERO` polls and `Duration::MAX` waits forever (no overflow panic) for the timed
// `wait` and `as_completed`.
#[test]
fn zero_polls_and_max_waits_for_wait_and_as_completed() {
    timing::within(
        LIMIT,
        "zero_polls_and_max_waits_for_wait_and_as_completed",
        || {
            let pool = ThreadPoolExecutor::new(1).unwrap();
            let gate = Gate::default();
            let f = blocked(&pool, &gate);
            let start = Instant::now();
            let r = wait_timeout([&f], ReturnWhen::AllCompleted, Duration::ZERO);
            assert_eq!(r.not_done, vec![f.clone()]);
            assert!(r.done.is_empty());
            let mut it = as_completed_timeout([&f], Duration::ZERO);
            assert_eq!(it.next().unwrap().unwrap_err().unfinished(), 1);
            assert!(
                start.elapsed() < Duration::from_secs(1),
                "ZERO must not block"
            );

            // The gate opens once this thread is parked in the call below (observed, not slept on).
            let opener = {
                let g = gate.clone();
                let waiter = timing::thread_id();
                thread::spawn(move || {
                    timing::wait_parked(waiter);
                    g.open();
                })
            };
            let r = wait_timeout([&f], ReturnWhen::AllCompleted, Duration::MAX);
            assert_eq!(r.done, vec![f.clone()]);
            opener.join().unwrap();
            let second = pool
                .submit(|| {
                    thread::sleep(Duration::from_millis(30));
                    2
                })
                .unwrap();
            let got: Vec<_> = as_completed_timeout([&second, &f], Duration::MAX)
                .map(Result::unwrap)
                .collect();
            assert_eq!(got, vec![f, second]);
            for mode in [ReturnWhen::FirstCompleted, ReturnWhen::FirstException] {
                let late = pool
                    .submit(|| {
                        thread::sleep(Duration::from_millis(20));
                        3
                    })
                    .unwrap();
                assert_eq!(wait_timeout([&late], mode, Duration::MAX).done, vec![late]);
            }
        },
    );
}

// an empty set of futures is trivially complete: CPython's wait() returns at once
// (`len(done) == len(fs)`) for every return_when, with both sets empty. Run on a helper thread so
// a regression fails instead of hanging the suite.
#[test]
fn wait_on_no_futures_returns_at_once_for_every_mode() {
    timing::within(
        LIMIT,
        "wait_on_no_futures_returns_at_once_for_every_mode",
        || {
            for mode in [
                ReturnWhen::FirstCompleted,
                ReturnWhen::FirstException,
                ReturnWhen::AllCompleted,
            ] {
                let (tx, rx) = mpsc::channel();
                thread::spawn(move || {
                    let r = wait(Vec::<TaskFuture<i32>>::new(), mode);
                    let _ = tx.send((r.done.len(), r.not_done.len()));
                });
                let got = rx.recv_timeout(Duration::from_secs(10));
                assert_eq!(got, Ok((0, 0)), "{mode:?} did not return");
                let r = wait_timeout(Vec::<TaskFuture<i32>>::new(), mode, Duration::MAX);
                assert!(r.done.is_empty() && r.not_done.is_empty());
            }
            assert_eq!(as_completed(Vec::<TaskFuture<i32>>::new()).count(), 0);
            assert_eq!(
                as_completed_timeout(Vec::<TaskFuture<i32>>::new(), Duration::ZERO).count(),
                0
            );
        },
    );
}
