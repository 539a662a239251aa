//! `Condition::lock_async` / `wait_async`: tasks and threads wait on one condition in one FIFO
//! (R-01's FIFO across kinds); a producer/consumer of threads and tokio
//! tasks loses no item and takes none twice; a notify received by a dropped wait goes on to the
//! next waiter; dropped waits leave no waiter behind; an RLock-based condition refuses tasks
//! with a typed error. Issue 11 §2.
// Uses tokio, which is not built for loom models.
#![cfg(not(loom))]

mod async_common;

use std::collections::VecDeque;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::task::Poll;
use std::thread;
use std::time::{Duration, Instant};

use async_common::{BOUND, CountingWaker, block_on, poll_once, run_bounded, tokio_rt, wait_for};
use pythreading::threading::{Condition, Lock, RLockConditionError};

fn lock_condition() -> Arc<Condition> {
    Arc::new(Condition::with_lock(Lock::new()))
}

#[test]
fn an_rlock_condition_refuses_tasks_with_a_typed_error() {
    let cond = Condition::new();
    assert_eq!(
        block_on(cond.lock_async()).unwrap_err(),
        RLockConditionError
    );
    assert!(!cond.locked());
}

#[test]
fn wait_async_releases_the_lock_and_retakes_it() {
    let cond = lock_condition();
    let c = Arc::clone(&cond);
    let notifier = thread::spawn(move || {
        wait_for("the task to wait", || c.n_waiting() == 1);
        // The lock was released by the waiting task: a thread can take it.
        let guard = c.lock();
        assert_eq!(c.notify(1), 1);
        drop(guard);
    });
    block_on(async {
        let guard = cond.lock_async().await.unwrap();
        let guard = cond.wait_async(guard).await;
        assert!(cond.locked(), "the lock was not re-taken");
        drop(guard);
    });
    notifier.join().unwrap();
    assert!(!cond.locked());
    assert_eq!(cond.n_waiting(), 0);
}

/// A blocked thread, then a task, wait; `notify(1)` wakes the thread only, the next the task.
#[test]
fn notify_serves_threads_and_tasks_in_arrival_order() {
    let cond = lock_condition();
    let (tx, rx) = mpsc::channel();
    let c = Arc::clone(&cond);
    let thread_waiter = thread::spawn(move || {
        let mut g = c.lock();
        let notified = c.wait_timeout(&mut g, BOUND);
        tx.send(notified).unwrap();
    });
    wait_for("the thread to wait", || cond.n_waiting() == 1);
    let (wakes, waker) = CountingWaker::new();
    let guard = block_on(cond.lock_async()).unwrap();
    let mut task = pin!(cond.wait_async(guard));
    assert!(poll_once(task.as_mut(), &waker).is_pending());
    assert_eq!(cond.n_waiting(), 2);

    assert_eq!(cond.notify(1), 1);
    assert!(
        rx.recv_timeout(BOUND).unwrap(),
        "the thread was not notified"
    );
    thread_waiter.join().unwrap();
    assert_eq!(wakes.wakes(), 0, "the task was notified before its turn");

    assert_eq!(cond.notify(1), 1);
    assert_eq!(wakes.wakes(), 1);
    match poll_once(task.as_mut(), &waker) {
        Poll::Ready(guard) => drop(guard),
        Poll::Pending => panic!("a notified task with a free lock stayed pending"),
    }
    assert_eq!(cond.n_waiting(), 0);
}

/// A task notified and then dropped (before it re-took the lock) passes the notify on.
#[test]
fn a_dropped_notified_wait_passes_the_notify_on() {
    let cond = lock_condition();
    let guard = block_on(cond.lock_async()).unwrap();
    let mut first = Box::pin(cond.wait_async(guard));
    assert!(poll_once(first.as_mut(), std::task::Waker::noop()).is_pending());
    let c = Arc::clone(&cond);
    let second = thread::spawn(move || {
        let mut g = c.lock();
        c.wait_timeout(&mut g, BOUND)
    });
    wait_for("both to wait", || cond.n_waiting() == 2);
    assert_eq!(cond.notify(1), 1);
    drop(first);
    assert!(
        second.join().unwrap(),
        "the notify was lost with the dropped task"
    );
    assert_eq!(cond.n_waiting(), 0);
    assert!(!cond.locked());
}

/// Producer/consumer: two producer threads push numbered items under the condition's lock and
/// notify one; consumers are a thread and tokio tasks (some of which time out and drop their
/// waits at random points). Every item is taken exactly once (a bitmap), and afterwards no
/// waiter is left and the lock is free.
#[test]
fn threads_and_tasks_share_a_producer_consumer_condition() {
    const PER_PRODUCER: usize = 500;
    const ITEMS: usize = 2 * PER_PRODUCER;
    let cond = lock_condition();
    // Guarded by the condition's lock; the std mutex only satisfies the borrow checker.
    let queue = Arc::new(Mutex::new(VecDeque::<usize>::new()));
    let seen: Arc<Vec<AtomicBool>> = Arc::new((0..ITEMS).map(|_| AtomicBool::new(false)).collect());
    let taken = Arc::new(AtomicUsize::new(0));
    let take = {
        let seen = Arc::clone(&seen);
        let taken = Arc::clone(&taken);
        move |item: usize| {
            assert!(
                !seen[item].swap(true, Ordering::SeqCst),
                "item {item} taken twice"
            );
            taken.fetch_add(1, Ordering::SeqCst);
        }
    };
    let producers: Vec<_> = (0..2)
        .map(|p| {
            let cond = Arc::clone(&cond);
            let queue = Arc::clone(&queue);
            thread::spawn(move || {
                for i in 0..PER_PRODUCER {
                    let _g = cond.lock();
                    queue.lock().unwrap().push_back(p * PER_PRODUCER + i);
                    cond.notify(1);
                }
            })
        })
        .collect();
    let all_taken = {
        let taken = Arc::clone(&taken);
        move || taken.load(Ordering::SeqCst) == ITEMS
    };
    let consumer_thread = {
        let (cond, queue, take, all_taken) = (
            Arc::clone(&cond),
            Arc::clone(&queue),
            take.clone(),
            all_taken.clone(),
        );
        thread::spawn(move || {
            let mut g = cond.lock();
            while !all_taken() {
                // Bound first: a scrutinee's temporary guard would live through the wait.
                let item = queue.lock().unwrap().pop_front();
                match item {
                    Some(item) => take(item),
                    // Timed: the last item may be taken by a task while this thread waits.
                    None => {
                        let _ = cond.wait_timeout(&mut g, Duration::from_millis(5));
                    }
                }
            }
        })
    };
    let rt = tokio_rt();
    run_bounded(&rt, {
        let cond = Arc::clone(&cond);
        async move {
            let tasks: Vec<_> = (0..4_u64)
                .map(|i| {
                    let (cond, queue, take, all_taken) = (
                        Arc::clone(&cond),
                        Arc::clone(&queue),
                        take.clone(),
                        all_taken.clone(),
                    );
                    tokio::spawn(async move {
                        let mut round = 0_u64;
                        while !all_taken() {
                            round += 1;
                            let mut guard = cond.lock_async().await.unwrap();
                            let item = queue.lock().unwrap().pop_front();
                            match item {
                                Some(item) => take(item),
                                None => {
                                    let wait =
                                        Duration::from_micros((i * 131 + round * 29) % 2_000);
                                    match tokio::time::timeout(wait, cond.wait_async(guard)).await {
                                        Ok(g) => guard = g,
                                        // The wait (and with it the guard) was dropped.
                                        Err(_) => continue,
                                    }
                                    let item = queue.lock().unwrap().pop_front();
                                    if let Some(item) = item {
                                        take(item);
                                    }
                                }
                            }
                            drop(guard);
                        }
                    })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
        }
    });
    for p in producers {
        p.join().unwrap();
    }
    consumer_thread.join().unwrap();
    assert!(
        seen.iter().all(|s| s.load(Ordering::SeqCst)),
        "an item was lost"
    );
    assert_eq!(cond.n_waiting(), 0, "a waiter was left behind");
    assert!(!cond.locked(), "the lock leaked");
}

/// Cancel safety under stress: waits dropped at random points (before the first poll, queued,
/// notified, re-taking) while a thread notifies and takes the lock leave no waiter behind and
/// the lock free.
#[test]
fn stress_dropped_waits_leave_no_waiter_and_a_free_lock() {
    let cond = lock_condition();
    let stop = Arc::new(AtomicBool::new(false));
    let notifier = {
        let (cond, stop) = (Arc::clone(&cond), Arc::clone(&stop));
        thread::spawn(move || {
            let mut rng = fastrand::Rng::with_seed(17);
            while !stop.load(Ordering::SeqCst) {
                if rng.bool() {
                    let _g = cond.lock();
                    thread::yield_now();
                }
                cond.notify(rng.usize(0..3));
                thread::yield_now();
            }
        })
    };
    let mut rng = fastrand::Rng::with_seed(23);
    let (_, waker) = CountingWaker::new();
    let (mut rounds, mut completed, mut dropped_pending) = (0, 0, 0);
    let start = Instant::now();
    // At least 3,000 rounds, and until both a completion and a drop of a pending wait were
    // seen, so the checks below ran against both paths.
    while rounds < 3_000 || completed == 0 || dropped_pending == 0 {
        assert!(
            start.elapsed() < BOUND,
            "the stress loop never saw both paths"
        );
        rounds += 1;
        let guard = block_on(cond.lock_async()).unwrap();
        let mut wait = Box::pin(cond.wait_async(guard));
        let mut pending = false;
        for _ in 0..rng.usize(0..4) {
            if let Poll::Ready(guard) = poll_once(wait.as_mut(), &waker) {
                completed += 1;
                pending = false;
                drop(guard);
                break;
            }
            pending = true;
            thread::yield_now();
        }
        if pending {
            dropped_pending += 1;
        }
        drop(wait);
    }
    stop.store(true, Ordering::SeqCst);
    notifier.join().unwrap();
    assert_eq!(cond.n_waiting(), 0, "a dropped wait left its waiter behind");
    assert!(!cond.locked(), "the lock leaked");
}

#[test]
fn the_task_face_is_send() {
    fn send<T: Send>(_: &T) {}
    let cond = Condition::with_lock(Lock::new());
    send(&cond.lock_async());
    let guard = block_on(cond.lock_async()).unwrap();
    send(&guard);
    send(&cond.wait_async(guard));
}
