//! Joining a thread from a task: `Thread::join_async` and `.await` on a `JoinHandle` (J-17:
//! many joiners at once; the result or the panic of the body; J-15: not the current thread);
//! dropping a pending join leaves nothing behind. Issue 11 §2.
// Uses tokio, which is not built for loom models.
#![cfg(not(loom))]

mod async_common;

use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;

use async_common::{BOUND, CountingWaker, block_on, poll_once, run_bounded, tokio_rt, wait_for};
use pythreading::threading::{self, Event, JoinError};

#[test]
fn awaiting_a_join_handle_gives_the_body_result() {
    let handle = threading::spawn(|| String::from("done"));
    assert_eq!(block_on(async move { handle.await.unwrap() }), "done");
    let rt = tokio_rt();
    let handle = threading::spawn(|| 6 * 7);
    assert_eq!(run_bounded(&rt, async move { handle.await.unwrap() }), 42);
}

#[test]
fn awaiting_a_panicked_thread_gives_the_panic() {
    let handle = threading::Builder::new()
        .spawn(|| -> u8 { panic!("join boom") })
        .unwrap();
    let err = block_on(async move { handle.await }).unwrap_err();
    assert_eq!(err.message(), "join boom");
}

/// A gated thread is awaited by many tokio tasks and a blocked thread at once; all finish
/// when it does, and a second `join_async` afterwards is ready at once.
#[test]
fn many_tasks_and_a_thread_join_one_thread() {
    const TASKS: usize = 20;
    let gate = Arc::new(Event::new());
    let g = Arc::clone(&gate);
    let worker = threading::spawn(move || assert!(g.wait_timeout(BOUND)));
    let thread = worker.thread().clone();
    let joiner = {
        let t = thread.clone();
        std::thread::spawn(move || t.join_timeout(BOUND))
    };
    let rt = tokio_rt();
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let t = thread.clone();
            rt.spawn(async move { t.join_async().await })
        })
        .collect();
    wait_for("every task to wait", || thread.n_joining_tasks() == TASKS);
    assert!(thread.is_alive());
    gate.set();
    run_bounded(&rt, async move {
        for t in tasks {
            t.await.unwrap().unwrap();
        }
    });
    assert_eq!(joiner.join().unwrap(), Ok(true));
    assert_eq!(thread.n_joining_tasks(), 0);
    block_on(thread.join_async()).unwrap();
    worker.join().unwrap();
}

#[test]
fn a_dropped_join_leaves_nothing_behind() {
    let gate = Arc::new(Event::new());
    let g = Arc::clone(&gate);
    let worker = threading::spawn(move || assert!(g.wait_timeout(BOUND)));
    let thread = worker.thread().clone();
    let (wakes, waker) = CountingWaker::new();
    for _ in 0..100 {
        let mut fut = pin!(thread.join_async());
        assert!(poll_once(fut.as_mut(), &waker).is_pending());
        assert_eq!(thread.n_joining_tasks(), 1);
    }
    assert_eq!(thread.n_joining_tasks(), 0);
    // A pending one is woken by the finish, and then ready.
    let mut kept = pin!(thread.join_async());
    assert!(poll_once(kept.as_mut(), &waker).is_pending());
    gate.set();
    wait_for("the finish to wake the task", || wakes.wakes() == 1);
    assert_eq!(poll_once(kept.as_mut(), &waker), Poll::Ready(Ok(())));
    assert_eq!(thread.n_joining_tasks(), 0);
    worker.join().unwrap();
}

#[test]
fn joining_the_current_or_a_dummy_thread_is_refused() {
    // The test harness's thread was not started by the library: a dummy thread, as in Python.
    let me = threading::current_thread();
    assert_eq!(block_on(me.join_async()), Err(JoinError::DummyThread));
    let inside = threading::spawn(|| block_on(threading::current_thread().join_async()));
    assert_eq!(inside.join().unwrap(), Err(JoinError::CurrentThread));
}

#[test]
fn the_futures_are_send() {
    fn send<T: Send + 'static>(_: &T) {}
    let handle = threading::spawn(|| 1);
    send(&handle.thread().join_async());
    send(&std::future::IntoFuture::into_future(handle));
}
