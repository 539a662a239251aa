//! `Semaphore::acquire_async` / `permit_async` (and `BoundedSemaphore`'s): tasks on one side,
//! threads on the other; one FIFO for both (stronger than R-04's unspecified order, across threads and tasks);
//! cancel safety (no permit leaked, no waiter left behind) under a stress loop; the same faces
//! under tokio and under the hand-written `block_on`. Issue 11 §2.
// Uses tokio, which is not built for loom models.
#![cfg(not(loom))]

mod async_common;

use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::task::{Poll, Waker};
use std::thread;
use std::time::Duration;

use async_common::{
    BOUND, CountingWaker, Turns, block_on, poll_once, run_bounded, threads_and_tasks_take_turns,
    tokio_rt, wait_for,
};
use pythreading::threading::{BoundedSemaphore, Semaphore};

#[test]
fn a_task_takes_the_permit_a_thread_releases() {
    let sem = Arc::new(Semaphore::new(0));
    let releaser = Arc::clone(&sem);
    let t = thread::spawn(move || {
        wait_for("the task to queue", || releaser.n_waiting() == 1);
        releaser.release(1);
    });
    block_on(sem.acquire_async());
    t.join().unwrap();
    assert_eq!(sem.value(), 0);
    assert_eq!(sem.n_waiting(), 0);
}

#[test]
fn a_thread_takes_the_permit_a_task_releases() {
    let sem = Arc::new(Semaphore::new(0));
    let waiter = Arc::clone(&sem);
    let t = thread::spawn(move || waiter.acquire_timeout(BOUND));
    wait_for("the thread to queue", || sem.n_waiting() == 1);
    let rt = tokio_rt();
    let s = Arc::clone(&sem);
    run_bounded(&rt, async move {
        tokio::spawn(async move { s.release(1) }).await.unwrap();
    });
    assert!(t.join().unwrap(), "the blocked thread never got the permit");
    assert_eq!(sem.value(), 0);
}

#[test]
fn a_free_permit_is_taken_at_the_first_poll() {
    let sem = Semaphore::new(2);
    let mut fut = pin!(sem.acquire_async());
    assert_eq!(poll_once(fut.as_mut(), Waker::noop()), Poll::Ready(()));
    assert_eq!(sem.value(), 1);
    let permit = block_on(sem.permit_async());
    assert_eq!(sem.value(), 0);
    drop(permit);
    assert_eq!(sem.value(), 1);
}

/// FIFO across kinds (R-04 allows any order; ours is FIFO): a blocked thread, then a task, then another thread queue in that order;
/// each release serves exactly the oldest of them.
#[test]
fn threads_and_tasks_are_served_in_arrival_order() {
    let sem = Arc::new(Semaphore::new(0));
    let (done_tx, done_rx) = mpsc::channel();
    let spawn_waiter = |name: &'static str| {
        let sem = Arc::clone(&sem);
        let done = done_tx.clone();
        thread::spawn(move || {
            assert!(sem.acquire_timeout(BOUND), "{name} never got a permit");
            done.send(name).unwrap();
        })
    };
    let first = spawn_waiter("first thread");
    wait_for("the first thread to queue", || sem.n_waiting() == 1);
    let (wakes, waker) = CountingWaker::new();
    let mut task = pin!(sem.acquire_async());
    assert_eq!(poll_once(task.as_mut(), &waker), Poll::Pending);
    assert_eq!(sem.n_waiting(), 2);
    let third = spawn_waiter("third thread");
    wait_for("the third thread to queue", || sem.n_waiting() == 3);

    sem.release(1);
    assert_eq!(done_rx.recv_timeout(BOUND).unwrap(), "first thread");
    first.join().unwrap();
    assert_eq!(wakes.wakes(), 0, "the task was woken before its turn");
    assert_eq!(poll_once(task.as_mut(), &waker), Poll::Pending);

    sem.release(1);
    assert_eq!(wakes.wakes(), 1, "the task was not woken on its turn");
    assert_eq!(poll_once(task.as_mut(), &waker), Poll::Ready(()));
    assert!(
        done_rx.recv_timeout(Duration::from_millis(50)).is_err(),
        "the third thread overtook the task"
    );

    sem.release(1);
    assert_eq!(done_rx.recv_timeout(BOUND).unwrap(), "third thread");
    third.join().unwrap();
    assert_eq!((sem.value(), sem.n_waiting()), (0, 0));
}

/// A permit handed to a task that is then dropped unpolled goes on to the next waiter.
#[test]
fn a_dropped_future_passes_a_handed_permit_on() {
    let sem = Semaphore::new(0);
    let (first_wakes, first_waker) = CountingWaker::new();
    let (second_wakes, second_waker) = CountingWaker::new();
    let mut first = Box::pin(sem.acquire_async());
    let mut second = pin!(sem.acquire_async());
    assert_eq!(poll_once(first.as_mut(), &first_waker), Poll::Pending);
    assert_eq!(poll_once(second.as_mut(), &second_waker), Poll::Pending);
    sem.release(1);
    assert_eq!((first_wakes.wakes(), second_wakes.wakes()), (1, 0));
    drop(first);
    assert_eq!(
        second_wakes.wakes(),
        1,
        "the handed permit was not passed on"
    );
    assert_eq!(poll_once(second.as_mut(), &second_waker), Poll::Ready(()));
    assert_eq!((sem.value(), sem.n_waiting()), (0, 0));
    // With nobody left waiting, a dropped handed permit goes back to the count.
    let mut third = Box::pin(sem.acquire_async());
    assert_eq!(poll_once(third.as_mut(), Waker::noop()), Poll::Pending);
    sem.release(1);
    drop(third);
    assert_eq!((sem.value(), sem.n_waiting()), (1, 0));
}

/// Cancel safety under stress: a thread releases permits at random moments while this thread
/// polls futures a random number of times and drops most of them at random points. Every
/// permit released is afterwards either taken by a completed future or still in the count.
#[test]
fn stress_dropping_pending_futures_leaks_no_permit() {
    const RELEASES: usize = 2_000;
    let sem = Arc::new(Semaphore::new(0));
    let releaser = {
        let sem = Arc::clone(&sem);
        thread::spawn(move || {
            let mut rng = fastrand::Rng::with_seed(7);
            for _ in 0..RELEASES {
                if rng.u8(..4) == 0 {
                    thread::yield_now();
                }
                sem.release(1);
            }
        })
    };
    let mut rng = fastrand::Rng::with_seed(11);
    let mut taken = 0;
    let (_, waker) = CountingWaker::new();
    while !releaser.is_finished() || sem.value() > 0 {
        let mut fut = Box::pin(sem.acquire_async());
        for _ in 0..rng.usize(0..4) {
            if poll_once(fut.as_mut(), &waker).is_ready() {
                taken += 1;
                break;
            }
            if rng.bool() {
                thread::yield_now();
            }
        }
        drop(fut);
    }
    releaser.join().unwrap();
    assert_eq!(
        taken + sem.value(),
        RELEASES,
        "a permit was lost or made up"
    );
    assert_eq!(
        sem.n_waiting(),
        0,
        "a dropped future left its waiter behind"
    );
}

/// Tokio tasks and threads share a `BoundedSemaphore(3)`; tasks time out (and so drop their
/// pending futures) at random points. The bound is never exceeded, and at the end every permit
/// is back and no waiter is left.
#[test]
fn tokio_tasks_and_threads_share_a_bounded_semaphore() {
    const LIMIT: usize = 3;
    let sem = Arc::new(BoundedSemaphore::new(LIMIT));
    let inside = Arc::new(AtomicUsize::new(0));
    let entered = Arc::new(AtomicUsize::new(0));
    let enter = {
        let inside = Arc::clone(&inside);
        let entered = Arc::clone(&entered);
        move || {
            let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
            assert!(now <= LIMIT, "{now} holders of a {LIMIT}-permit semaphore");
            entered.fetch_add(1, Ordering::SeqCst);
            thread::yield_now();
            inside.fetch_sub(1, Ordering::SeqCst);
        }
    };
    let turns = Turns {
        thread_rounds: 200,
        tasks: 8,
        task_rounds: 100,
        task_wait: |i, j| Duration::from_micros((i * 37 + j * 13) % 200),
    };
    let timed_out = threads_and_tasks_take_turns(
        &sem,
        turns,
        {
            let enter = enter.clone();
            move |sem: &BoundedSemaphore| {
                let _permit = sem.permit_timeout(BOUND).expect("a thread starved");
                enter();
            }
        },
        move |sem: Arc<BoundedSemaphore>, wait| {
            let enter = enter.clone();
            async move {
                match tokio::time::timeout(wait, sem.permit_async()).await {
                    Ok(_permit) => {
                        enter();
                        tokio::task::yield_now().await;
                        true
                    }
                    Err(_) => false,
                }
            }
        },
    );
    assert_eq!(sem.value(), LIMIT, "a permit leaked");
    assert_eq!(sem.n_waiting(), 0, "a waiter was left behind");
    assert_eq!(entered.load(Ordering::SeqCst) + timed_out, 400 + 800);
    assert!(
        entered.load(Ordering::SeqCst) > 400,
        "every task timed out: no task ever held a permit"
    );
}

#[test]
fn futures_are_send_and_the_permit_future_is_a_guard() {
    fn send<T: Send>(_: &T) {}
    let sem = Semaphore::new(1);
    let bsem = BoundedSemaphore::new(1);
    send(&sem.acquire_async());
    send(&sem.permit_async());
    send(&bsem.acquire_async());
    send(&bsem.permit_async());
    let permit = block_on(bsem.permit_async());
    assert_eq!(bsem.value(), 0);
    drop(permit);
    assert_eq!(bsem.value(), 1);
    block_on(bsem.acquire_async());
    assert!(bsem.release(2).is_err(), "over-release must be refused");
}
