//! `Event::wait_async`: a task waits for a thread and a thread for a task; many tokio tasks
//! released by one `set`; a task pending at the `set` completes even if the flag is cleared
//! before it runs (H-05, as the blocking wait); H-02 for tasks; dropping pending futures
//! leaves no waiter behind. Issue 11 §2.
// Uses tokio, which is not built for loom models.
#![cfg(not(loom))]

mod async_common;

use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Poll, Waker};
use std::thread;
use std::time::Instant;

use async_common::{BOUND, CountingWaker, block_on, poll_once, run_bounded, tokio_rt, wait_for};
use pythreading::threading::Event;

#[test]
fn a_task_waits_for_a_thread() {
    let event = Arc::new(Event::new());
    let setter = Arc::clone(&event);
    let t = thread::spawn(move || {
        wait_for("the task to wait", || setter.n_waiting() == 1);
        setter.set();
    });
    block_on(event.wait_async());
    t.join().unwrap();
    assert_eq!(event.n_waiting(), 0);
}

#[test]
fn a_thread_waits_for_a_task() {
    let event = Arc::new(Event::new());
    let waiter = Arc::clone(&event);
    let t = thread::spawn(move || waiter.wait_timeout(BOUND));
    wait_for("the thread to wait", || event.n_waiting() == 1);
    let rt = tokio_rt();
    let e = Arc::clone(&event);
    run_bounded(&rt, async move {
        tokio::spawn(async move { e.set() }).await.unwrap()
    });
    assert!(t.join().unwrap(), "the thread was not released");
}

#[test]
fn a_set_event_is_ready_at_the_first_poll() {
    let event = Event::new();
    event.set();
    let mut fut = pin!(event.wait_async());
    assert_eq!(poll_once(fut.as_mut(), Waker::noop()), Poll::Ready(()));
    assert_eq!(event.n_waiting(), 0);
}

#[test]
fn a_set_then_clear_still_releases_a_pending_task() {
    let event = Event::new();
    let (wakes, waker) = CountingWaker::new();
    let mut fut = pin!(event.wait_async());
    assert_eq!(poll_once(fut.as_mut(), &waker), Poll::Pending);
    event.set();
    event.clear();
    assert_eq!(wakes.wakes(), 1);
    assert_eq!(poll_once(fut.as_mut(), &waker), Poll::Ready(()));
    // A new wait after the clear waits again.
    let mut again = pin!(event.wait_async());
    assert_eq!(poll_once(again.as_mut(), &waker), Poll::Pending);
    assert_eq!(event.n_waiting(), 1);
}

#[test]
fn one_set_releases_many_tokio_tasks_and_threads() {
    const TASKS: usize = 100;
    let event = Arc::new(Event::new());
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let e = Arc::clone(&event);
            thread::spawn(move || e.wait_timeout(BOUND))
        })
        .collect();
    let rt = tokio_rt();
    let released = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let e = Arc::clone(&event);
            let released = Arc::clone(&released);
            rt.spawn(async move {
                e.wait_async().await;
                released.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();
    wait_for("every waiter to wait", || event.n_waiting() == TASKS + 2);
    event.set();
    run_bounded(&rt, async move {
        for t in tasks {
            t.await.unwrap();
        }
    });
    for t in threads {
        assert!(t.join().unwrap());
    }
    assert_eq!(released.load(Ordering::SeqCst), TASKS);
    assert_eq!(event.n_waiting(), 0);
}

/// Cancel safety: futures polled a random number of times and dropped at random points while
/// another thread sets and clears the event leave nothing behind.
#[test]
fn stress_dropped_waits_leave_no_waiter() {
    let event = Arc::new(Event::new());
    let stop = Arc::new(AtomicBool::new(false));
    let toggler = {
        let (e, stop) = (Arc::clone(&event), Arc::clone(&stop));
        thread::spawn(move || {
            let mut i = 0_u64;
            while !stop.load(Ordering::SeqCst) {
                if i.is_multiple_of(2) {
                    e.set()
                } else {
                    e.clear()
                }
                if i.is_multiple_of(7) {
                    thread::yield_now();
                }
                i += 1;
            }
        })
    };
    let mut rng = fastrand::Rng::with_seed(3);
    let (_, waker) = CountingWaker::new();
    let (mut rounds, mut completed, mut dropped_pending) = (0, 0, 0);
    let start = Instant::now();
    // At least 3,000 rounds, and until both a completion and a drop of a pending (registered)
    // wait were seen, so the checks below ran against both paths.
    while rounds < 3_000 || completed == 0 || dropped_pending == 0 {
        assert!(
            start.elapsed() < BOUND,
            "the stress loop never saw both paths"
        );
        rounds += 1;
        let mut fut = Box::pin(event.wait_async());
        let mut pending = false;
        for _ in 0..rng.usize(0..4) {
            if poll_once(fut.as_mut(), &waker).is_ready() {
                completed += 1;
                pending = false;
                break;
            }
            pending = true;
        }
        if pending {
            dropped_pending += 1;
        }
        drop(fut);
    }
    stop.store(true, Ordering::SeqCst);
    toggler.join().unwrap();
    assert_eq!(
        event.n_waiting(),
        0,
        "a dropped wait left its waiter behind"
    );
    // And the event still works for a fresh waiter.
    event.set();
    block_on(event.wait_async());
}

#[test]
fn the_future_is_send() {
    fn send<T: Send>(_: &T) {}
    send(&Event::new().wait_async());
}
