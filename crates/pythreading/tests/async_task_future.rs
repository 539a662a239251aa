//! Awaiting a `TaskFuture` (issue 11 §2's fix): awaiting one clone leaves the value to
//! every other clone (Python's `await fut` leaves `fut.result()` readable); the value can still
//! be moved out with `take_result_async`; many tokio tasks await clones of one pool task.
// Uses tokio, which is not built for loom models.
#![cfg(not(loom))]

mod async_common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_common::{block_on, run_bounded, tokio_rt};
use pythreading::futures::{TaskError, ThreadPoolExecutor};
use pythreading::threading::Event;

#[test]
fn awaiting_one_clone_does_not_steal_from_the_others() {
    let pool = ThreadPoolExecutor::new(1).unwrap();
    let f = pool.submit(|| vec![1, 2, 3]).unwrap();
    let a = f.clone();
    let b = f.clone();
    assert_eq!(block_on(a).unwrap(), vec![1, 2, 3]);
    assert_eq!(block_on(b).unwrap(), vec![1, 2, 3]);
    assert_eq!(f.result().unwrap(), vec![1, 2, 3]);
    // The value can still be moved out, once.
    assert_eq!(block_on(f.take_result_async()).unwrap(), vec![1, 2, 3]);
    assert!(matches!(block_on(f.clone()), Err(TaskError::Taken)));
    assert!(matches!(f.result(), Err(TaskError::Taken)));
}

#[test]
fn a_value_that_is_not_clone_is_moved_out_by_take_result_async() {
    struct Unique(String);
    let pool = ThreadPoolExecutor::new(1).unwrap();
    let f = pool.submit(|| Unique("only one".into())).unwrap();
    let moved = block_on(f.take_result_async()).unwrap();
    assert_eq!(moved.0, "only one");
    assert!(matches!(f.take_result(), Err(TaskError::Taken)));
}

/// Many tokio tasks await clones of one pool task, gated on an event so that none can complete
/// before the gate opens; all of them get the value, and it is still readable afterwards.
#[test]
fn many_tokio_tasks_await_clones_of_one_task() {
    const TASKS: usize = 50;
    let pool = ThreadPoolExecutor::new(1).unwrap();
    let gate = Arc::new(Event::new());
    let g = Arc::clone(&gate);
    let f = pool
        .submit(move || {
            assert!(g.wait_timeout(async_common::BOUND), "the gate never opened");
            String::from("shared")
        })
        .unwrap();
    let rt = tokio_rt();
    let got = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..TASKS)
        .map(|_| {
            let f = f.clone();
            let got = Arc::clone(&got);
            rt.spawn(async move {
                assert_eq!(f.await.unwrap(), "shared");
                got.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();
    assert_eq!(got.load(Ordering::SeqCst), 0);
    gate.set();
    run_bounded(&rt, async move {
        for h in handles {
            h.await.unwrap();
        }
    });
    assert_eq!(got.load(Ordering::SeqCst), TASKS);
    assert_eq!(f.result().unwrap(), "shared");
}

#[test]
fn a_failure_is_reported_to_every_awaiting_clone() {
    let pool = ThreadPoolExecutor::new(1).unwrap();
    let f = pool.submit(|| -> u8 { panic!("async boom") }).unwrap();
    assert!(matches!(block_on(f.clone()), Err(TaskError::Panicked(_))));
    assert!(matches!(block_on(f.clone()), Err(TaskError::Panicked(_))));
    assert!(matches!(
        block_on(f.take_result_async()),
        Err(TaskError::Panicked(_))
    ));
}
