//! loom models of the queues' async faces: the waker registration of `get_async` / `put_async`
//! against a racing put or get (no lost wake-up), a dropped future that had been notified (its
//! wake-up passes on), and a blocked thread and a pending task waiting in one list.
//!
//! Run: `RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom cargo test --release -p pythreading --test loom_queue_async`.
//! `block_on` below parks its (loom) thread until the future's waker is called, so a lost
//! wake-up shows as a deadlock in some interleaving, which loom reports. `Queue::bounded(n)` is
//! the lock-free ring, `Queue::unbounded()` the two-lock list (`list_queue.rs`), `LifoQueue` the
//! locked core (as `PriorityQueue`), and `SimpleQueue` has its own two locks: each has a model.
#![cfg(loom)]

use std::future::Future;
use std::pin::pin;
use std::sync::Arc as StdArc;
use std::task::{Context, Poll, Wake, Waker};

use loom::sync::{Arc, Condvar, Mutex};
use loom::thread;
use pythreading::queue::{Queue, SimpleQueue};

fn model(preemptions: usize, f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(preemptions);
    builder.max_branches = 20_000;
    builder.check(f);
}

/// What [`block_on`] waits on: a flag and a condition variable (loom models both).
struct Notify {
    woken: Mutex<bool>,
    cv: Condvar,
}

impl Wake for Notify {
    fn wake(self: StdArc<Self>) {
        *self.woken.lock().unwrap() = true;
        self.cv.notify_one();
    }
}

/// Runs `fut` on this loom thread; polls again only after its waker was called.
fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let notify = StdArc::new(Notify {
        woken: Mutex::new(false),
        cv: Condvar::new(),
    });
    let waker = Waker::from(StdArc::clone(&notify));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
        let mut woken = notify.woken.lock().unwrap();
        while !*woken {
            woken = notify.cv.wait(woken).unwrap();
        }
        *woken = false;
    }
}

/// A waker that does nothing: for a future polled once and then dropped.
struct Noop;

impl Wake for Noop {
    fn wake(self: StdArc<Self>) {}
}

// A task's `get_async` registers its waker while a put races it: the task always gets the item.
#[test]
fn ring_get_async_is_woken_by_a_racing_put() {
    model(2, || {
        let q = Arc::new(Queue::bounded(1));
        let task = {
            let q = Arc::clone(&q);
            thread::spawn(move || block_on(q.get_async()))
        };
        q.put(1).unwrap();
        assert_eq!(task.join().unwrap(), Ok(1));
    });
}

#[test]
fn list_get_async_is_woken_by_a_racing_put() {
    model(2, || {
        let q = Arc::new(Queue::unbounded());
        let task = {
            let q = Arc::clone(&q);
            thread::spawn(move || block_on(q.get_async()))
        };
        q.put(1).unwrap();
        assert_eq!(task.join().unwrap(), Ok(1));
    });
}

#[test]
fn core_get_async_is_woken_by_a_racing_put() {
    model(2, || {
        let q = Arc::new(pythreading::queue::LifoQueue::unbounded());
        let task = {
            let q = Arc::clone(&q);
            thread::spawn(move || block_on(q.get_async()))
        };
        q.put(1).unwrap();
        assert_eq!(task.join().unwrap(), Ok(1));
    });
}

#[test]
fn simple_get_async_is_woken_by_a_racing_put() {
    model(2, || {
        let q = Arc::new(SimpleQueue::new());
        let task = {
            let q = Arc::clone(&q);
            thread::spawn(move || block_on(q.get_async()))
        };
        q.put(1);
        assert_eq!(task.join().unwrap(), 1);
    });
}

// A task's `put_async` on a full ring registers while a get makes room: the put completes.
#[test]
fn ring_put_async_is_woken_by_a_racing_get() {
    model(2, || {
        let q = Arc::new(Queue::bounded(1));
        q.put(1).unwrap();
        let task = {
            let q = Arc::clone(&q);
            thread::spawn(move || block_on(q.put_async(2)))
        };
        assert_eq!(q.get(), Ok(1));
        task.join().unwrap().unwrap();
        assert_eq!(q.try_get(), Ok(2));
    });
}

#[test]
fn core_put_async_is_woken_by_a_racing_get() {
    model(2, || {
        // Capacity 1 on the locked core: a `LifoQueue` has no ring.
        let q = Arc::new(pythreading::queue::LifoQueue::bounded(1));
        q.put(1).unwrap();
        let task = {
            let q = Arc::clone(&q);
            thread::spawn(move || block_on(q.put_async(2)))
        };
        assert_eq!(q.get(), Ok(1));
        task.join().unwrap().unwrap();
        assert_eq!(q.try_get(), Ok(2));
    });
}

/// One future is polled once (it waits) and dropped, racing a put, while another task waits:
/// whichever way the race goes, the waiting task gets the item (a wake-up the dropped future
/// received is passed on, not lost).
fn dropped_get_passes_the_wake_on(q: Queue<u32>) {
    let q = Arc::new(q);
    let dropper = {
        let q = Arc::clone(&q);
        thread::spawn(move || {
            let waker = Waker::from(StdArc::new(Noop));
            let mut get = pin!(q.get_async());
            let first = get.as_mut().poll(&mut Context::from_waker(&waker));
            first.is_ready()
        })
    };
    let task = {
        let q = Arc::clone(&q);
        thread::spawn(move || block_on(q.get_async()))
    };
    q.put(7).unwrap();
    let dropper_took = dropper.join().unwrap();
    if dropper_took {
        // The dropped future's first poll found the item: the task has nothing to get.
        q.shutdown();
    }
    let got = task.join().unwrap();
    assert_eq!(
        got.is_ok(),
        !dropper_took,
        "exactly one of the two got the item"
    );
}

#[test]
fn ring_dropped_get_passes_the_wake_on() {
    model(2, || dropped_get_passes_the_wake_on(Queue::bounded(1)));
}

#[test]
fn list_dropped_get_passes_the_wake_on() {
    model(2, || dropped_get_passes_the_wake_on(Queue::unbounded()));
}

/// A future that waits first (polled on this thread) is notified by a put and then dropped,
/// while a task waits behind it: the task gets the item.
fn notified_then_dropped_get_passes_the_wake_on(q: Queue<u32>) {
    let q = Arc::new(q);
    let waker = Waker::from(StdArc::new(Noop));
    let mut first = Box::pin(q.get_async());
    assert!(
        first
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending()
    );
    let task = {
        let q = Arc::clone(&q);
        thread::spawn(move || block_on(q.get_async()))
    };
    q.put(7).unwrap();
    drop(first);
    assert_eq!(task.join().unwrap(), Ok(7));
}

#[test]
fn ring_notified_then_dropped_get_passes_the_wake_on() {
    model(2, || {
        notified_then_dropped_get_passes_the_wake_on(Queue::bounded(1))
    });
}

#[test]
fn list_notified_then_dropped_get_passes_the_wake_on() {
    model(2, || {
        notified_then_dropped_get_passes_the_wake_on(Queue::unbounded())
    });
}

// A blocked thread and a pending task wait for items in one list; two puts release both.
#[test]
fn list_thread_and_task_share_the_waiters() {
    model(1, || {
        let q = Arc::new(Queue::unbounded());
        let thread_getter = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.get().unwrap())
        };
        let task_getter = {
            let q = Arc::clone(&q);
            thread::spawn(move || block_on(q.get_async()).unwrap())
        };
        q.put(1).unwrap();
        q.put(2).unwrap();
        let mut got = [thread_getter.join().unwrap(), task_getter.join().unwrap()];
        got.sort_unstable();
        assert_eq!(got, [1, 2]);
    });
}

#[test]
fn ring_thread_and_task_share_the_waiters() {
    model(1, || {
        let q = Arc::new(Queue::bounded(2));
        let thread_getter = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.get().unwrap())
        };
        let task_getter = {
            let q = Arc::clone(&q);
            thread::spawn(move || block_on(q.get_async()).unwrap())
        };
        q.put(1).unwrap();
        q.put(2).unwrap();
        let mut got = [thread_getter.join().unwrap(), task_getter.join().unwrap()];
        got.sort_unstable();
        assert_eq!(got, [1, 2]);
    });
}

/// The same for puts: a `put_async` waiting first on a full queue is notified by a get and
/// dropped; the task waiting behind it puts its item.
fn notified_then_dropped_put_passes_the_room_on<Q, P, G>(q: Q, put: P, get: G)
where
    Q: Send + Sync + 'static,
    P: Fn(&Q, u32) -> std::pin::Pin<Box<dyn Future<Output = bool> + '_>> + Send + Sync + 'static,
    G: Fn(&Q) -> Option<u32>,
{
    let q = Arc::new(q);
    let put = Arc::new(put);
    let waker = Waker::from(StdArc::new(Noop));
    let mut first = put(&q, 1);
    assert!(
        first
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending()
    );
    let task = {
        let (q, put) = (Arc::clone(&q), Arc::clone(&put));
        thread::spawn(move || block_on(put(&q, 2)))
    };
    assert_eq!(get(&q), Some(0));
    drop(first);
    assert!(task.join().unwrap(), "the waiting task put its item");
    assert_eq!(get(&q), Some(2), "the dropped put's item never went in");
}

#[test]
fn ring_notified_then_dropped_put_passes_the_room_on() {
    model(2, || {
        let q = Queue::bounded(1);
        q.put(0).unwrap();
        notified_then_dropped_put_passes_the_room_on(
            q,
            |q: &Queue<u32>, v| Box::pin(async move { q.put_async(v).await.is_ok() }),
            |q| q.get().ok(),
        );
    });
}

#[test]
fn core_notified_then_dropped_put_passes_the_room_on() {
    model(2, || {
        let q = pythreading::queue::LifoQueue::bounded(1);
        q.put(0).unwrap();
        notified_then_dropped_put_passes_the_room_on(
            q,
            |q: &pythreading::queue::LifoQueue<u32>, v| {
                Box::pin(async move { q.put_async(v).await.is_ok() })
            },
            |q| q.get().ok(),
        );
    });
}
