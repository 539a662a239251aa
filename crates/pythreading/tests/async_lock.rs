//! `Lock::acquire_async` / `lock_async`: mutual exclusion between tokio tasks and threads; a
//! task takes what a thread released and the other way round (C-14: any thread may release);
//! a woken task that is dropped passes the wake-up on; dropping pending futures at random
//! points leaves no waiter behind and the lock usable. Issue 11 §2.
// Uses tokio, which is not built for loom models.
#![cfg(not(loom))]

mod async_common;
mod timing;

use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

use async_common::{
    BOUND, CountingWaker, Turns, block_on, poll_once, threads_and_tasks_take_turns, wait_for,
};
use pythreading::threading::Lock;

#[test]
fn a_free_lock_is_taken_at_the_first_poll() {
    let lock = Lock::new();
    let mut fut = pin!(lock.acquire_async());
    assert_eq!(poll_once(fut.as_mut(), Waker::noop()), Poll::Ready(()));
    assert!(lock.locked());
    lock.release().unwrap();
    let guard = block_on(lock.lock_async());
    assert!(lock.locked());
    drop(guard);
    assert!(!lock.locked());
}

#[test]
fn a_task_takes_what_a_thread_releases() {
    let lock = Arc::new(Lock::new());
    lock.acquire();
    let releaser = Arc::clone(&lock);
    let t = thread::spawn(move || {
        wait_for("the task to queue", || releaser.n_waiting_tasks() == 1);
        releaser.release().unwrap();
    });
    block_on(lock.acquire_async());
    t.join().unwrap();
    assert!(lock.locked());
    assert_eq!(lock.n_waiting_tasks(), 0);
}

#[test]
fn a_blocked_thread_gets_the_lock_a_task_releases() {
    let lock = Arc::new(Lock::new());
    let guard = block_on(lock.lock_async());
    let waiter = Arc::clone(&lock);
    // Returns once the thread is asleep in the kernel, blocked on the lock.
    let t = timing::spawn_parked(move || waiter.acquire_timeout(BOUND));
    drop(guard);
    assert!(t.join().unwrap(), "the blocked thread never got the lock");
    assert!(lock.locked());
}

/// A release wakes the oldest queued task; if that task is dropped without trying, the wake-up
/// goes to the next one (or it would sleep on a free lock).
#[test]
fn a_dropped_woken_task_passes_the_wake_up_on() {
    let lock = Lock::new();
    lock.acquire();
    let (first_wakes, first_waker) = CountingWaker::new();
    let (second_wakes, second_waker) = CountingWaker::new();
    let mut first = Box::pin(lock.acquire_async());
    let mut second = pin!(lock.acquire_async());
    assert_eq!(poll_once(first.as_mut(), &first_waker), Poll::Pending);
    assert_eq!(poll_once(second.as_mut(), &second_waker), Poll::Pending);
    assert_eq!(lock.n_waiting_tasks(), 2);
    lock.release().unwrap();
    assert_eq!((first_wakes.wakes(), second_wakes.wakes()), (1, 0));
    drop(first);
    assert_eq!(
        second_wakes.wakes(),
        1,
        "the wake-up was lost with the dropped task"
    );
    assert_eq!(poll_once(second.as_mut(), &second_waker), Poll::Ready(()));
    assert_eq!(lock.n_waiting_tasks(), 0);
    lock.release().unwrap();
    assert!(!lock.locked());
}

/// Tokio tasks (some timing out, dropping their pending futures) and threads increment a
/// counter with a non-atomic read-then-write inside the lock: no increment is lost, so no two
/// ever held the lock at once, and afterwards nothing is queued and the lock is free.
#[test]
fn tasks_and_threads_exclude_each_other() {
    const THREAD_ROUNDS: usize = 300;
    const TASK_ROUNDS: usize = 100;
    const TASKS: u64 = 8;
    let lock = Arc::new(Lock::new());
    let counter = Arc::new(AtomicUsize::new(0));
    let critical = {
        let counter = Arc::clone(&counter);
        move || {
            let v = counter.load(Ordering::Relaxed);
            thread::yield_now();
            counter.store(v + 1, Ordering::Relaxed);
        }
    };
    let turns = Turns {
        thread_rounds: THREAD_ROUNDS,
        tasks: TASKS,
        task_rounds: TASK_ROUNDS as u64,
        task_wait: |i, j| Duration::from_micros((i * 53 + j * 17) % 300),
    };
    let timed_out = threads_and_tasks_take_turns(
        &lock,
        turns,
        {
            let critical = critical.clone();
            move |lock: &Lock| {
                let _g = lock.lock_timeout(BOUND).expect("a thread starved");
                critical();
            }
        },
        move |lock: Arc<Lock>, wait| {
            let critical = critical.clone();
            async move {
                match tokio::time::timeout(wait, lock.lock_async()).await {
                    Ok(_g) => {
                        critical();
                        true
                    }
                    Err(_) => false,
                }
            }
        },
    );
    let expected = 2 * THREAD_ROUNDS + TASKS as usize * TASK_ROUNDS - timed_out;
    assert_eq!(
        counter.load(Ordering::Relaxed),
        expected,
        "an increment was lost"
    );
    assert!(
        expected > 2 * THREAD_ROUNDS,
        "every task timed out: the tasks never held the lock"
    );
    assert_eq!(
        lock.n_waiting_tasks(),
        0,
        "a dropped future left its waiter behind"
    );
    assert!(!lock.locked(), "the lock leaked");
}

/// Cancel safety under stress: a thread takes and releases the lock at random while this thread
/// polls futures a random number of times and drops them; afterwards nothing is queued and the
/// lock is free (every completed future released what it took).
#[test]
fn stress_dropping_pending_futures_leaves_the_lock_usable() {
    let lock = Arc::new(Lock::new());
    let stop = Arc::new(AtomicBool::new(false));
    let holder = {
        let (lock, stop) = (Arc::clone(&lock), Arc::clone(&stop));
        thread::spawn(move || {
            let mut rng = fastrand::Rng::with_seed(5);
            while !stop.load(Ordering::SeqCst) {
                let g = lock.lock_timeout(BOUND).expect("the holder starved");
                if rng.bool() {
                    thread::yield_now();
                }
                drop(g);
            }
        })
    };
    let mut rng = fastrand::Rng::with_seed(9);
    let (_, waker) = CountingWaker::new();
    let (mut rounds, mut taken, mut dropped_pending) = (0, 0, 0);
    let start = Instant::now();
    // At least 3,000 rounds, and until both a completion and a drop of a pending (queued)
    // future were seen, so the checks below ran against both paths.
    while rounds < 3_000 || taken == 0 || dropped_pending == 0 {
        assert!(
            start.elapsed() < BOUND,
            "the stress loop never saw both paths"
        );
        rounds += 1;
        let mut fut = Box::pin(lock.lock_async());
        let mut pending = false;
        for _ in 0..rng.usize(0..4) {
            match poll_once(fut.as_mut(), &waker) {
                Poll::Ready(guard) => {
                    taken += 1;
                    pending = false;
                    drop(guard);
                    break;
                }
                Poll::Pending => pending = true,
            }
        }
        if pending {
            dropped_pending += 1;
        }
        drop(fut);
    }
    stop.store(true, Ordering::SeqCst);
    holder.join().unwrap();
    assert_eq!(
        lock.n_waiting_tasks(),
        0,
        "a dropped future left its waiter behind"
    );
    assert!(!lock.locked(), "the lock leaked");
    block_on(lock.acquire_async());
}

#[test]
fn the_futures_are_send() {
    fn send<T: Send>(_: &T) {}
    let lock = Lock::new();
    send(&lock.acquire_async());
    send(&lock.lock_async());
}
