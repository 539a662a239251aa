//! `Barrier::wait_async`: threads and tokio tasks are parties of one barrier over many cycles
//! (I-03, I-05, R-05: one leader and one action per cycle, indices a permutation); abort breaks pending tasks
//! (I-07); a dropped pending wait withdraws its arrival and leaves no waiter behind, and the
//! barrier still trips afterwards. Issue 11 §2.
// Uses tokio, which is not built for loom models.
#![cfg(not(loom))]

mod async_common;
mod timing;

use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Poll;
use std::thread;

use async_common::{BOUND, CountingWaker, block_on, poll_once, run_bounded, tokio_rt, wait_for};
use pythreading::threading::{Barrier, BrokenBarrierError, Event};

#[test]
fn threads_and_tasks_cross_a_barrier_many_times() {
    const THREADS: usize = 2;
    const TASKS: usize = 3;
    const PARTIES: usize = THREADS + TASKS;
    const CYCLES: usize = 50;
    let actions = Arc::new(AtomicUsize::new(0));
    let barrier = {
        let actions = Arc::clone(&actions);
        Arc::new(
            Barrier::builder(PARTIES)
                .action(move || {
                    actions.fetch_add(1, Ordering::SeqCst);
                })
                .build()
                .unwrap(),
        )
    };
    let leaders = Arc::new(AtomicUsize::new(0));
    let index_sum = Arc::new(AtomicUsize::new(0));
    let record = {
        let (leaders, index_sum) = (Arc::clone(&leaders), Arc::clone(&index_sum));
        move |r: pythreading::threading::BarrierWaitResult| {
            if r.is_leader() {
                leaders.fetch_add(1, Ordering::SeqCst);
            }
            index_sum.fetch_add(r.index(), Ordering::SeqCst);
        }
    };
    let threads: Vec<_> = (0..THREADS)
        .map(|_| {
            let (barrier, record) = (Arc::clone(&barrier), record.clone());
            thread::spawn(move || {
                for _ in 0..CYCLES {
                    record(barrier.wait_timeout(BOUND).expect("a thread's wait broke"));
                }
            })
        })
        .collect();
    let rt = tokio_rt();
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let (barrier, record) = (Arc::clone(&barrier), record.clone());
            rt.spawn(async move {
                for _ in 0..CYCLES {
                    record(barrier.wait_async().await.expect("a task's wait broke"));
                }
            })
        })
        .collect();
    run_bounded(&rt, async move {
        for t in tasks {
            t.await.unwrap();
        }
    });
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(
        leaders.load(Ordering::SeqCst),
        CYCLES,
        "one leader per cycle"
    );
    assert_eq!(
        actions.load(Ordering::SeqCst),
        CYCLES,
        "one action per cycle"
    );
    // Each cycle hands out the indices 0..PARTIES once each.
    assert_eq!(
        index_sum.load(Ordering::SeqCst),
        CYCLES * PARTIES * (PARTIES - 1) / 2
    );
    assert_eq!((barrier.n_waiting(), barrier.n_waiting_tasks()), (0, 0));
}

#[test]
fn abort_breaks_a_pending_task() {
    let barrier = Barrier::new(3).unwrap();
    let (wakes, waker) = CountingWaker::new();
    let mut wait = pin!(barrier.wait_async());
    assert!(poll_once(wait.as_mut(), &waker).is_pending());
    assert_eq!(barrier.n_waiting(), 1);
    barrier.abort();
    assert!(wakes.wakes() >= 1, "abort did not wake the task");
    assert_eq!(
        poll_once(wait.as_mut(), &waker),
        Poll::Ready(Err(BrokenBarrierError))
    );
    assert_eq!(block_on(barrier.wait_async()), Err(BrokenBarrierError));
    barrier.reset();
    assert_eq!(barrier.n_waiting_tasks(), 0);
}

/// A dropped pending wait withdraws its arrival: the barrier needs a full set of parties
/// again, and trips with them.
#[test]
fn a_dropped_wait_withdraws_its_arrival() {
    let barrier = Arc::new(Barrier::new(2).unwrap());
    for _ in 0..100 {
        let mut wait = Box::pin(barrier.wait_async());
        assert!(poll_once(wait.as_mut(), std::task::Waker::noop()).is_pending());
        assert_eq!((barrier.n_waiting(), barrier.n_waiting_tasks()), (1, 1));
        drop(wait);
        assert_eq!((barrier.n_waiting(), barrier.n_waiting_tasks()), (0, 0));
    }
    // Two real parties still trip it: a thread and a task.
    let b = Arc::clone(&barrier);
    let t = thread::spawn(move || b.wait_timeout(BOUND));
    wait_for("the thread to arrive", || barrier.n_waiting() == 1);
    let task = block_on(barrier.wait_async()).unwrap();
    let thread = t.join().unwrap().unwrap();
    assert_eq!(task.index() + thread.index(), 1);
    assert!(!barrier.is_broken());
}

#[test]
fn the_future_is_send() {
    fn send<T: Send>(_: &T) {}
    send(&Barrier::new(2).unwrap().wait_async());
}

/// I-15 extended to the action: a thread and a task arriving while the last arrival runs the
/// action belong to the next cycle (in Python the action runs under the lock a newcomer must
/// take); they neither join the tripped cycle nor trip the barrier a second time.
#[test]
fn arrivals_during_the_action_wait_for_the_next_cycle() {
    let running = Arc::new(Event::new());
    let gate = Arc::new(Event::new());
    let actions = Arc::new(AtomicUsize::new(0));
    let barrier = {
        let (running, gate, actions) = (
            Arc::clone(&running),
            Arc::clone(&gate),
            Arc::clone(&actions),
        );
        Arc::new(
            Barrier::builder(2)
                .action(move || {
                    actions.fetch_add(1, Ordering::SeqCst);
                    running.set();
                    assert!(gate.wait_timeout(BOUND), "the gate never opened");
                })
                .build()
                .unwrap(),
        )
    };
    let first_cycle: Vec<_> = (0..2)
        .map(|_| {
            let b = Arc::clone(&barrier);
            thread::spawn(move || b.wait_timeout(BOUND))
        })
        .collect();
    assert!(running.wait_timeout(BOUND), "the action never ran");
    // The action of the first cycle is running: newcomers now.
    let (_, waker) = CountingWaker::new();
    let mut task = Box::pin(barrier.wait_async());
    assert!(
        poll_once(task.as_mut(), &waker).is_pending(),
        "a task arriving during the action was let through"
    );
    let b = Arc::clone(&barrier);
    // Returns once the newcomer thread is asleep in the kernel, blocked in its wait.
    let newcomer = timing::spawn_parked(move || b.wait_timeout(BOUND));
    assert_eq!(
        actions.load(Ordering::SeqCst),
        1,
        "the barrier tripped twice at once"
    );
    gate.set();
    let mut indices: Vec<_> = first_cycle
        .into_iter()
        .map(|t| t.join().unwrap().expect("the first cycle broke").index())
        .collect();
    indices.sort_unstable();
    assert_eq!(indices, [0, 1]);
    // The newcomers form the second cycle together.
    let task = block_on(task).expect("the task's cycle broke").index();
    let newcomer = newcomer
        .join()
        .unwrap()
        .expect("the newcomer's cycle broke")
        .index();
    assert_eq!(task + newcomer, 1);
    assert_eq!(actions.load(Ordering::SeqCst), 2);
    assert!(!barrier.is_broken());
}
