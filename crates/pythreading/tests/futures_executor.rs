//! `ThreadPoolExecutor`: submit, lazy workers, shutdown, names, initializer, map (Q-32 … Q-58).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use pythreading::futures::{Shutdown, SubmitError, TaskError, TaskFuture, ThreadPoolExecutor};

mod futures_common;
mod timing;
use futures_common::Gate;

fn blocked(pool: &ThreadPoolExecutor, gate: &Gate) -> TaskFuture<()> {
    let (tx, rx) = mpsc::channel();
    let g = gate.clone();
    let f = pool
        .submit(move || {
            tx.send(()).unwrap();
            g.wait();
        })
        .unwrap();
    rx.recv().unwrap();
    f
}

//
#[test]
fn submit_runs_the_closure() {
    let pool = ThreadPoolExecutor::new(2).unwrap();
    assert_eq!(pool.submit(|| 2_i64.pow(8)).unwrap().result().unwrap(), 256);
    let (x, y) = (2, 8);
    assert_eq!(pool.submit(move || x * y).unwrap().result().unwrap(), 16);
}

//
#[test]
fn max_workers_must_be_positive_and_defaults_like_python() {
    let err = ThreadPoolExecutor::new(0).unwrap_err();
    assert_eq!(err.to_string(), "max_workers must be greater than 0");
    let cpus = thread::available_parallelism().map_or(1, |n| n.get());
    assert_eq!(
        ThreadPoolExecutor::default().max_workers(),
        (cpus + 4).min(32)
    );
    assert_eq!(
        ThreadPoolExecutor::builder().build().unwrap().max_workers(),
        (cpus + 4).min(32)
    );
}

//
#[test]
fn workers_are_created_lazily_up_to_max_workers() {
    let pool = ThreadPoolExecutor::new(4).unwrap();
    assert_eq!(pool.worker_count(), 0);
    let gate = Gate::default();
    let fs: Vec<_> = (0..60)
        .map(|_| {
            let g = gate.clone();
            pool.submit(move || g.wait()).unwrap()
        })
        .collect();
    assert_eq!(pool.worker_count(), 4);
    gate.open();
    for f in fs {
        f.result().unwrap();
    }
    assert_eq!(pool.worker_count(), 4);
}

//
#[test]
fn idle_workers_are_reused() {
    for _ in 0..20 {
        let pool = ThreadPoolExecutor::new(8).unwrap();
        assert_eq!(pool.submit(|| 21 * 2).unwrap().result().unwrap(), 42);
        assert_eq!(pool.submit(|| 6 * 7).unwrap().result().unwrap(), 42);
        assert_eq!(pool.submit(|| 3 * 14).unwrap().result().unwrap(), 42);
        assert_eq!(pool.worker_count(), 1);
    }
}

//
#[test]
fn submit_and_map_after_shutdown_are_refused() {
    let pool = ThreadPoolExecutor::new(2).unwrap();
    pool.shutdown();
    let err = pool.submit(|| 7).unwrap_err();
    assert!(err.is_shutdown());
    assert_eq!(
        err.to_string(),
        "cannot schedule new futures after shutdown"
    );
    assert_eq!(err.into_inner()(), 7, "the callable is handed back");
    assert!(pool.map(|x: i32| x, [1, 2]).unwrap_err().is_shutdown());
}

//
#[test]
fn shutdown_waits_for_every_queued_task() {
    let pool = ThreadPoolExecutor::new(5).unwrap();
    let fs: Vec<_> = (0..50)
        .map(|i| {
            pool.submit(move || {
                thread::sleep(Duration::from_millis(2));
                i
            })
            .unwrap()
        })
        .collect();
    pool.shutdown();
    assert!(fs.iter().all(TaskFuture::is_done));
    let sum: i32 = fs
        .iter()
        .map(|f| f.result_timeout(Duration::ZERO).unwrap())
        .sum();
    assert_eq!(sum, (0..50).sum());
    assert_eq!(pool.worker_count(), 0);
}

// with 5 workers all blocked, `shutdown(cancel_futures=True)` cancels the 45 queued
// tasks, none of which ever runs, and waits for the 5 running ones, which complete.
#[test]
fn shutdown_cancel_futures_cancels_the_queued_ones_only() {
    let pool = Arc::new(ThreadPoolExecutor::new(5).unwrap());
    let gate = Gate::default();
    let (tx, rx) = mpsc::channel();
    let ran: Arc<Vec<AtomicBool>> = Arc::new((0..50).map(|_| AtomicBool::new(false)).collect());
    let fs: Vec<_> = (0..50)
        .map(|i| {
            let (tx, gate, ran) = (tx.clone(), gate.clone(), Arc::clone(&ran));
            pool.submit(move || {
                ran[i].store(true, Ordering::SeqCst);
                let _ = tx.send(i);
                gate.wait();
                i
            })
            .unwrap()
        })
        .collect();
    // Every worker is busy: 5 tasks running, 45 queued.
    let running: Vec<usize> = (0..5)
        .map(|_| {
            rx.recv_timeout(Duration::from_secs(10))
                .expect("5 tasks start")
        })
        .collect();
    let shutdown = {
        let pool = Arc::clone(&pool);
        thread::spawn(move || pool.shutdown_with(Shutdown::wait().cancel_futures()))
    };
    // The queued ones are cancelled before the running ones are let go.
    timing::wait_for(|| fs.iter().filter(|f| f.is_cancelled()).count() == 45);
    gate.open();
    shutdown.join().unwrap();
    for (i, f) in fs.iter().enumerate() {
        if running.contains(&i) {
            assert!(!f.is_cancelled(), "running task {i} was cancelled");
            assert_eq!(f.result_timeout(Duration::from_secs(10)).unwrap(), i);
        } else {
            assert!(f.is_cancelled(), "queued task {i} was not cancelled");
            assert!(!ran[i].load(Ordering::SeqCst), "cancelled task {i} ran");
        }
    }
    assert_eq!(
        ran.iter().filter(|r| r.load(Ordering::SeqCst)).count(),
        5,
        "only the running tasks ran"
    );
}

//
#[test]
fn shutdown_nowait_returns_at_once_and_work_still_completes() {
    let pool = Arc::new(ThreadPoolExecutor::new(1).unwrap());
    // The task runs until the gate opens, which happens only after shutdown_nowait returned:
    // a shutdown_nowait that waited for it would never return (and fails the bound below),
    // however fast or slow the machine.
    let gate = Gate::default();
    let g = gate.clone();
    let f = pool
        .submit(move || {
            g.wait();
            "apple"
        })
        .unwrap();
    let p = Arc::clone(&pool);
    timing::within(
        Duration::from_secs(60),
        "shutdown_nowait blocked",
        move || p.shutdown_nowait(),
    );
    assert!(!f.is_done(), "the running task is still running");
    gate.open();
    assert_eq!(f.result().unwrap(), "apple");
    pool.shutdown();
    assert_eq!(pool.worker_count(), 0);
}

//
#[test]
fn shutdown_nowait_with_cancel_futures() {
    let pool = ThreadPoolExecutor::new(1).unwrap();
    let gate = Gate::default();
    let running = blocked(&pool, &gate);
    let queued = pool.submit(|| ()).unwrap();
    pool.shutdown_with(Shutdown::nowait().cancel_futures());
    assert!(queued.is_cancelled());
    gate.open();
    running.result().unwrap();
}

//
#[test]
fn submit_cancel_then_shutdown_does_not_hang() {
    let pool = ThreadPoolExecutor::new(1).unwrap();
    let f = pool
        .submit(|| thread::sleep(Duration::from_millis(10)))
        .unwrap();
    f.cancel();
    let start = Instant::now();
    pool.shutdown();
    assert!(start.elapsed() < Duration::from_secs(5));
}

//
#[test]
fn shutdown_twice_and_drop_waits_for_the_work() {
    let pool = ThreadPoolExecutor::new(2).unwrap();
    pool.shutdown();
    pool.shutdown();
    let done = Arc::new(AtomicUsize::new(0));
    let fs = {
        let pool = ThreadPoolExecutor::new(2).unwrap();
        (0..10)
            .map(|_| {
                let d = done.clone();
                pool.submit(move || {
                    thread::sleep(Duration::from_millis(5));
                    d.fetch_add(1, Ordering::SeqCst)
                })
                .unwrap()
            })
            .collect::<Vec<_>>()
        // the executor is dropped here: shutdown(wait=True)
    };
    assert_eq!(done.load(Ordering::SeqCst), 10);
    assert!(fs.iter().all(TaskFuture::is_done));
}

//
#[test]
fn worker_threads_are_named() {
    let pool = ThreadPoolExecutor::builder()
        .max_workers(5)
        .thread_name_prefix("SpecialPool")
        .build()
        .unwrap();
    // Each task waits for all five: five different workers must run them.
    let all = Arc::new(std::sync::Barrier::new(5));
    let fs: Vec<_> = (0..5)
        .map(|_| {
            let all = all.clone();
            pool.submit(move || {
                all.wait();
                thread::current().name().unwrap().to_string()
            })
            .unwrap()
        })
        .collect();
    let mut names: Vec<String> = fs.iter().map(|f| f.result().unwrap()).collect();
    names.sort();
    assert_eq!(
        names,
        (0..5)
            .map(|i| format!("SpecialPool_{i}"))
            .collect::<Vec<_>>()
    );

    let default = ThreadPoolExecutor::new(1).unwrap();
    let name = default
        .submit(|| thread::current().name().unwrap().to_string())
        .unwrap()
        .result()
        .unwrap();
    let rest = name.strip_prefix("ThreadPoolExecutor-").expect(&name);
    let (k, i) = rest.split_once('_').expect(&name);
    assert!(k.parse::<usize>().is_ok(), "{name}");
    assert_eq!(i, "0");
}

//
#[test]
fn blocked_submits_create_threads_that_all_exit_on_shutdown() {
    let pool = ThreadPoolExecutor::new(8).unwrap();
    let gate = Gate::default();
    for _ in 0..3 {
        blocked(&pool, &gate);
    }
    assert_eq!(pool.worker_count(), 3);
    gate.open();
    pool.shutdown();
    assert_eq!(pool.worker_count(), 0);
}

// Q-54, S-06
#[test]
fn a_finished_task_leaves_no_reference_to_its_closure() {
    let pool = ThreadPoolExecutor::new(1).unwrap();
    let captured = Arc::new(());
    let c = captured.clone();
    let f = pool.submit(move || drop(c)).unwrap();
    f.result().unwrap();
    assert_eq!(Arc::strong_count(&captured), 1);
    // Also when the future was thrown away at once.
    let c = captured.clone();
    drop(pool.submit(move || drop(c)).unwrap());
    pool.shutdown();
    assert_eq!(Arc::strong_count(&captured), 1);
    // And a cancelled task drops its closure at once.
    let pool = ThreadPoolExecutor::new(1).unwrap();
    let gate = Gate::default();
    blocked(&pool, &gate);
    let c = captured.clone();
    let f = pool.submit(move || drop(c)).unwrap();
    assert!(f.cancel());
    assert_eq!(Arc::strong_count(&captured), 1);
    gate.open();
}

//
#[test]
fn map_of_more_items_than_workers_then_shutdown_does_not_hang() {
    let pool = ThreadPoolExecutor::new(3).unwrap();
    let m = pool.map(|x: u32| x * 2, 0..4).unwrap();
    pool.shutdown();
    let v: Vec<u32> = m.map(Result::unwrap).collect();
    assert_eq!(v, [0, 2, 4, 6]);
}

//
#[test]
fn the_initializer_runs_in_every_worker_before_its_tasks() {
    thread_local! {
        static INIT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }
    let runs = Arc::new(AtomicUsize::new(0));
    let r = runs.clone();
    let pool = ThreadPoolExecutor::builder()
        .max_workers(3)
        .initializer(move || {
            INIT.with(|c| c.set(true));
            r.fetch_add(1, Ordering::SeqCst);
        })
        .build()
        .unwrap();
    let all = Arc::new(std::sync::Barrier::new(3));
    let fs: Vec<_> = (0..3)
        .map(|_| {
            let all = all.clone();
            pool.submit(move || {
                all.wait();
                INIT.with(|c| c.get())
            })
            .unwrap()
        })
        .collect();
    assert!(fs.iter().all(|f| f.result().unwrap()));
    assert_eq!(runs.load(Ordering::SeqCst), 3);
}

//
#[test]
fn a_failing_initializer_breaks_the_pool() {
    let pool = ThreadPoolExecutor::builder()
        .max_workers(1)
        .initializer(|| panic!("error in initializer"))
        .build()
        .unwrap();
    let queued: Vec<_> = (0..5).map(|i| pool.submit(move || i)).collect();
    let mut broken = 0;
    for f in queued {
        match f {
            Ok(f) => match f.result() {
                Err(TaskError::BrokenPool(b)) => {
                    assert!(b.reason().contains("error in initializer"));
                    broken += 1;
                }
                other => panic!("{other:?}"),
            },
            Err(e) => assert!(e.is_broken()),
        }
    }
    assert!(broken >= 1);
    assert!(pool.is_broken());
    match pool.submit(|| 9) {
        Err(SubmitError::Broken(f, b)) => {
            assert_eq!(f(), 9);
            assert!(b.to_string().contains("thread pool is not usable anymore"));
        }
        other => panic!("{:?}", other.map(|_| ())),
    }
}

//
#[test]
fn a_panicking_task_does_not_kill_its_worker() {
    let pool = ThreadPoolExecutor::new(1).unwrap();
    for _ in 0..5 {
        let f = pool
            .submit(|| -> () { panic!("KeyboardInterrupt") })
            .unwrap();
        assert!(matches!(f.result(), Err(TaskError::Panicked(_))));
    }
    assert_eq!(pool.submit(|| 1).unwrap().result().unwrap(), 1);
    assert_eq!(pool.worker_count(), 1);
}

#[test]
fn shutdown_from_inside_a_task_does_not_wait_for_itself() {
    let pool = Arc::new(ThreadPoolExecutor::new(2).unwrap());
    let p = pool.clone();
    let f = pool
        .submit(move || {
            p.shutdown();
            p.is_shutdown()
        })
        .unwrap();
    assert!(f.result_timeout(Duration::from_secs(5)).unwrap());
}

#[test]
fn submitting_from_many_threads() {
    let pool = Arc::new(ThreadPoolExecutor::new(4).unwrap());
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let pool = pool.clone();
            thread::spawn(move || {
                (0..1000)
                    .map(|i| pool.submit(move || t * 1000 + i).unwrap())
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut all: Vec<u64> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .map(|f| f.result().unwrap())
        .collect();
    all.sort();
    assert_eq!(all, (0..4000).collect::<Vec<_>>());
}

// K-01, Q-41: pool workers are library threads: `threading::enumerate()` lists them under their
// pool names while they run, and they are daemon threads (an executor must be dropped or shut
// down to wait for its work; a leaked one never blocks `threading::shutdown()`).
#[test]
fn workers_are_listed_by_threading_enumerate_as_daemon_threads() {
    let pool = ThreadPoolExecutor::builder()
        .max_workers(2)
        .thread_name_prefix("EnumeratedPool")
        .build()
        .unwrap();
    let gate = Gate::default();
    let f = blocked(&pool, &gate);
    let workers: Vec<_> = pythreading::threading::enumerate()
        .into_iter()
        .filter(|t| t.name().starts_with("EnumeratedPool_"))
        .collect();
    assert_eq!(workers.len(), 1, "one task, one lazily created worker");
    assert!(workers[0].is_daemon());
    assert!(workers[0].is_alive());
    gate.open();
    f.result().unwrap();
}

// the timing of CPython's test_cancel_futures: 50 tasks of T on 5 workers, then
// shutdown(cancel_futures). It waits for the running ones (≥ 0.6·T) but not for the queued ones
// (all 50 would take 10·T), and then every future is done.
#[test]
fn shutdown_cancel_futures_waits_for_the_running_tasks_only() {
    let pool = ThreadPoolExecutor::new(5).unwrap();
    let t = Duration::from_millis(100);
    let (tx, rx) = mpsc::channel();
    // Measured from before the first submit: a running task sleeps T after this instant.
    let start = Instant::now();
    let fs: Vec<_> = (0..50)
        .map(|_| {
            let tx = tx.clone();
            pool.submit(move || {
                let _ = tx.send(());
                thread::sleep(t);
            })
            .unwrap()
        })
        .collect();
    rx.recv().unwrap();
    pool.shutdown_with(Shutdown::wait().cancel_futures());
    let elapsed = start.elapsed();
    assert!(
        elapsed >= t.mul_f64(0.6),
        "did not wait for the running: {elapsed:?}"
    );
    assert!(elapsed < t * 10, "waited for the queued ones: {elapsed:?}");
    assert!(fs.iter().all(TaskFuture::is_done));
    let cancelled = fs.iter().filter(|f| f.is_cancelled()).count();
    assert!(cancelled > 20, "{cancelled} cancelled");
    assert_eq!(pool.worker_count(), 0);
}

// S-03, Q-50: the executor's scope is Python's `with` block: leaving it by a panic still runs
// shutdown(wait=True) (the queued work completes) and the caller's panic comes out unchanged.
#[test]
fn dropping_the_executor_during_a_panic_waits_and_keeps_the_panic() {
    let done = Arc::new(AtomicUsize::new(0));
    let d = done.clone();
    let caught = std::panic::catch_unwind(move || {
        let pool = ThreadPoolExecutor::new(2).unwrap();
        for _ in 0..6 {
            let d = d.clone();
            pool.submit(move || {
                thread::sleep(Duration::from_millis(5));
                d.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap();
        }
        panic!("the caller's own error");
    });
    let payload = caught.unwrap_err();
    assert_eq!(
        payload.downcast_ref::<&str>(),
        Some(&"the caller's own error")
    );
    assert_eq!(
        done.load(Ordering::SeqCst),
        6,
        "the drop waited for the work"
    );
}

// S-01: failures are typed values, one type per operation shape, each carrying what was refused:
// a cancelled, a panicked and a broken-pool task are told apart; the messages are lowercase.
#[test]
fn futures_failures_are_distinct_typed_values() {
    let broken = ThreadPoolExecutor::builder()
        .max_workers(1)
        .try_initializer(|| Err("no database"))
        .build()
        .unwrap();
    let f = broken.submit(|| 1).unwrap();
    let b = match f.result() {
        Err(TaskError::BrokenPool(b)) => b,
        other => panic!("{other:?}"),
    };
    assert!(!TaskError::BrokenPool(b.clone()).is_cancelled());
    assert!(TaskError::BrokenPool(b.clone()).is_failure());
    assert_eq!(b.reason(), "no database");
    let pool = ThreadPoolExecutor::new(1).unwrap();
    let bad = pool.submit(|| -> u8 { panic!("task failed") }).unwrap();
    let e = bad.result().unwrap_err();
    assert!(matches!(e, TaskError::Panicked(_)) && e.is_failure() && !e.is_cancelled());
    assert!(TaskError::Cancelled.is_cancelled() && !TaskError::Cancelled.is_failure());
    for msg in [
        e.to_string(),
        TaskError::Cancelled.to_string(),
        b.to_string(),
        ThreadPoolExecutor::new(0).unwrap_err().to_string(),
    ] {
        assert!(
            msg.starts_with(|c: char| c.is_lowercase() || c.is_ascii_digit()),
            "{msg}"
        );
    }
    match broken.submit(|| 2) {
        Err(e @ SubmitError::Broken(..)) => assert_eq!(e.into_inner()(), 2),
        other => panic!("{:?}", other.map(|_| ())),
    }
}

// tasks that are certainly queued (the only worker is still inside its initializer) all
// fail with BrokenPool once the initializer fails; every later submit is refused as broken, and
// shutdown returns at once (no worker is left).
#[test]
fn tasks_queued_behind_a_failing_initializer_all_fail_as_broken() {
    let gate = Gate::default();
    let g = gate.clone();
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let pool = ThreadPoolExecutor::builder()
        .max_workers(1)
        .initializer(move || {
            tx.lock().unwrap().send(()).unwrap();
            g.wait();
            panic!("error in initializer")
        })
        .build()
        .unwrap();
    let ran = Arc::new(AtomicUsize::new(0));
    let queued: Vec<_> = (0..5)
        .map(|_| {
            let r = ran.clone();
            pool.submit(move || r.fetch_add(1, Ordering::SeqCst))
                .unwrap()
        })
        .collect();
    rx.recv().unwrap(); // the worker is inside the initializer
    assert!(!pool.is_broken());
    gate.open();
    for f in &queued {
        match f.result_timeout(Duration::from_secs(10)) {
            Err(pythreading::futures::ResultTimeoutError::Task(TaskError::BrokenPool(b))) => {
                assert!(
                    b.reason().contains("error in initializer"),
                    "{}",
                    b.reason()
                )
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(ran.load(Ordering::SeqCst), 0);
    assert!(pool.is_broken());
    for _ in 0..3 {
        assert!(pool.submit(|| 0).unwrap_err().is_broken());
    }
    assert!(pool.map(|x: u8| x, [1]).unwrap_err().is_broken());
    pool.shutdown();
    assert_eq!(pool.worker_count(), 0);
}

// the `k` of the default `ThreadPoolExecutor-k_i` names counts executors: a later one gets
// a larger `k`, and its workers count `i` from 0.
#[test]
fn default_names_number_the_executors() {
    fn k_and_i(pool: &ThreadPoolExecutor) -> (usize, usize) {
        let name = pool
            .submit(|| thread::current().name().unwrap().to_string())
            .unwrap()
            .result()
            .unwrap();
        let rest = name.strip_prefix("ThreadPoolExecutor-").expect(&name);
        let (k, i) = rest.split_once('_').expect(&name);
        (k.parse().expect(&name), i.parse().expect(&name))
    }
    let first = ThreadPoolExecutor::new(2).unwrap();
    let second = ThreadPoolExecutor::default();
    let (k1, i1) = k_and_i(&first);
    let (k2, i2) = k_and_i(&second);
    assert!(k2 > k1, "{k1} then {k2}");
    assert_eq!((i1, i2), (0, 0));
}

// the failing initializer is reported on stderr ("Exception in initializer: <message>";
// Python logs it at CRITICAL level on the 'concurrent.futures' logger). Checked in a child
// process, whose stderr the test reads.
#[test]
fn a_failing_initializer_is_reported_on_stderr() {
    if std::env::var_os("PYTHREADING_FUTURES_CHILD").is_some() {
        let pool = ThreadPoolExecutor::builder()
            .max_workers(1)
            .initializer(|| panic!("ValueError: error in initializer"))
            .build()
            .unwrap();
        let f = pool.submit(|| 1).unwrap();
        assert!(matches!(f.result(), Err(TaskError::BrokenPool(_))));
        return;
    }
    let out = futures_common::output_within_60s(
        std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "a_failing_initializer_is_reported_on_stderr",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("PYTHREADING_FUTURES_CHILD", "1"),
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "child failed: {err}");
    assert!(
        err.lines()
            .any(|l| l == "Exception in initializer: ValueError: error in initializer"),
        "not reported in:\n{err}"
    );
}
