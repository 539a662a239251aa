//! `ThreadPoolExecutor::map` and `map_timeout` (Q-33 … Q-38).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use pythreading::futures::{ResultTimeoutError, TaskError, ThreadPoolExecutor};

mod futures_common;
use futures_common::Gate;

//
#[test]
fn results_come_in_input_order_whatever_the_completion_order() {
    let pool = ThreadPoolExecutor::new(4).unwrap();
    let delays = [40u64, 0, 25, 5, 10];
    let out: Vec<u64> = pool
        .map(
            |ms: u64| {
                thread::sleep(Duration::from_millis(ms));
                ms
            },
            delays,
        )
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(out, delays);
    // Several iterables: zip them; the shortest ends it, like the builtin map.
    let pows: Vec<u64> = pool
        .map(|(b, e): (u64, u32)| b.pow(e), (0..10).zip(0..7))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(pows, (0..7u64).map(|i| i.pow(i as u32)).collect::<Vec<_>>());
}

//
#[test]
fn a_failing_item_ends_the_iteration_with_its_error() {
    let pool = ThreadPoolExecutor::new(2).unwrap();
    let mut it = pool
        .map(
            |(a, b): (i32, i32)| (a / b, a % b),
            [(1, 2), (1, 3), (1, 0), (1, 5)],
        )
        .unwrap();
    assert_eq!(it.next().unwrap().unwrap(), (0, 1));
    assert_eq!(it.next().unwrap().unwrap(), (0, 1));
    match it.next().unwrap() {
        Err(TaskError::Panicked(p)) => {
            assert!(p.message().contains("divide by zero"), "{}", p.message())
        }
        other => panic!("{other:?}"),
    }
    assert!(it.next().is_none());
}

// Q-35, A-10 (`map(sleep, [0, 0, long], timeout)`: one deadline, elapsed within 0.6·T … 10·T)
#[test]
fn map_timeout_is_one_deadline_from_the_call() {
    let pool = ThreadPoolExecutor::new(3).unwrap();
    let t = Duration::from_millis(150);
    let start = Instant::now();
    let mut it = pool
        .map_timeout(
            |ms: u64| thread::sleep(Duration::from_millis(ms)),
            [0, 0, 400],
            t,
        )
        .unwrap();
    assert!(it.next().unwrap().is_ok());
    assert!(it.next().unwrap().is_ok());
    assert!(matches!(
        it.next().unwrap(),
        Err(ResultTimeoutError::Timeout)
    ));
    let elapsed = start.elapsed();
    assert!(elapsed >= t.mul_f64(0.6) && elapsed < t * 10, "{elapsed:?}");
    assert!(it.next().is_none());
}

//
#[test]
fn map_submits_every_task_without_iteration() {
    let pool = ThreadPoolExecutor::new(2).unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let it = pool
        .map(
            move |_: u32| {
                c.fetch_add(1, Ordering::SeqCst);
            },
            0..10,
        )
        .unwrap();
    pool.shutdown();
    assert_eq!(calls.load(Ordering::SeqCst), 10);
    drop(it);
}

//
#[test]
fn timed_out_and_remaining_items_are_cancelled_and_never_start() {
    let pool = ThreadPoolExecutor::new(1).unwrap();
    let gate = Gate::default();
    let (tx, rx) = mpsc::channel();
    let g = gate.clone();
    let busy = pool
        .submit(move || {
            tx.send(()).unwrap();
            g.wait();
        })
        .unwrap();
    rx.recv().unwrap();
    let started = Arc::new(Mutex::new(Vec::new()));
    let s = started.clone();
    let mut it = pool
        .map_timeout(
            move |x: &str| s.lock().unwrap().push(x),
            ["second", "third"],
            Duration::ZERO,
        )
        .unwrap();
    assert!(it.next().unwrap().unwrap_err().is_timeout());
    drop(it);
    gate.open();
    busy.result().unwrap();
    pool.shutdown();
    assert!(started.lock().unwrap().is_empty());
}

#[test]
fn dropping_the_iterator_cancels_what_has_not_started() {
    let pool = ThreadPoolExecutor::new(1).unwrap();
    let ran = Arc::new(AtomicUsize::new(0));
    let r = ran.clone();
    let mut it = pool
        .map(
            move |_: u32| {
                thread::sleep(Duration::from_millis(20));
                r.fetch_add(1, Ordering::SeqCst);
            },
            0..20,
        )
        .unwrap();
    it.next().unwrap().unwrap();
    drop(it);
    pool.shutdown();
    let n = ran.load(Ordering::SeqCst);
    assert!((1..20).contains(&n), "{n} ran");
}

// Q-38, S-06
#[test]
fn yielded_results_are_not_kept_alive() {
    let pool = ThreadPoolExecutor::new(2).unwrap();
    let marker = Arc::new(());
    let m = marker.clone();
    let mut it = pool.map(move |_: u8| m.clone(), [1, 2]).unwrap();
    let first = it.next().unwrap().unwrap();
    let second = it.next().unwrap().unwrap();
    drop((first, second));
    pool.shutdown();
    // Only the function (kept by the iterator? no: by nothing once tasks ran) and `marker`.
    drop(it);
    assert_eq!(Arc::strong_count(&marker), 1);
}

// input order even when the completions come exactly in reverse (each item waits for
// its own gate; the gates open last-to-first, each after the previous task has finished).
#[test]
fn input_order_when_the_tasks_finish_in_reverse() {
    let pool = ThreadPoolExecutor::new(4).unwrap();
    let gates: Vec<Gate> = (0..4).map(|_| Gate::default()).collect();
    let (tx, rx) = mpsc::channel();
    let gs = gates.clone();
    let it = pool
        .map(
            move |i: usize| {
                gs[i].wait();
                tx.send(i).unwrap();
                i * 10
            },
            0..4,
        )
        .unwrap();
    let mut finished = Vec::new();
    for i in (0..4).rev() {
        gates[i].open();
        finished.push(rx.recv().unwrap());
    }
    assert_eq!(finished, [3, 2, 1, 0]);
    let out: Vec<usize> = it.map(Result::unwrap).collect();
    assert_eq!(out, [0, 10, 20, 30]);
}

// Q-37 (without the drop): once the deadline has passed, the item that timed out and every later
// one are cancelled by the timeout itself, while the iterator is still alive.
#[test]
fn a_timeout_cancels_the_rest_before_the_iterator_is_dropped() {
    let pool = ThreadPoolExecutor::new(1).unwrap();
    let gate = Gate::default();
    let (tx, rx) = mpsc::channel();
    let g = gate.clone();
    let busy = pool
        .submit(move || {
            tx.send(()).unwrap();
            g.wait();
        })
        .unwrap();
    rx.recv().unwrap();
    let started = Arc::new(AtomicUsize::new(0));
    let s = started.clone();
    let t = Duration::from_millis(50);
    let start = Instant::now();
    let mut it = pool
        .map_timeout(
            move |_: u8| {
                s.fetch_add(1, Ordering::SeqCst);
            },
            [1, 2, 3],
            t,
        )
        .unwrap();
    assert!(it.next().unwrap().unwrap_err().is_timeout());
    let elapsed = start.elapsed();
    assert!(elapsed >= t.mul_f64(0.6) && elapsed < t * 10, "{elapsed:?}");
    assert!(it.next().is_none());
    gate.open();
    busy.result().unwrap();
    pool.shutdown();
    assert_eq!(
        started.load(Ordering::SeqCst),
        0,
        "cancelled tasks never start"
    );
    drop(it);
}

// `Duration::ZERO` polls and `Duration::MAX` waits forever (no overflow panic) for `map_timeout`.
#[test]
fn zero_polls_and_max_waits_for_map_timeout() {
    let pool = ThreadPoolExecutor::new(2).unwrap();
    let out: Vec<u64> = pool
        .map_timeout(
            |ms: u64| {
                thread::sleep(Duration::from_millis(ms));
                ms
            },
            [30, 0, 10],
            Duration::MAX,
        )
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(out, [30, 0, 10]);

    let gate = Gate::default();
    let g = gate.clone();
    let start = Instant::now();
    let mut it = pool
        .map_timeout(move |_: u8| g.wait(), [1], Duration::ZERO)
        .unwrap();
    assert!(it.next().unwrap().unwrap_err().is_timeout());
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "ZERO must not block"
    );
    gate.open();
}
