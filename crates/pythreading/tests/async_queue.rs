//! The async faces of the queues: `get_async` / `put_async` on `Queue` (ring and locked core),
//! `LifoQueue`, `PriorityQueue`, and `get_async` on `SimpleQueue`.
//!
//! Under tokio (a thread on one side, a task on the other) and under a hand-written executor
//! (`block_on` below: it polls again only when the waker was called, so a lost wake-up fails the
//! test with a message instead of being papered over by re-polling). The cancel-safety and order
//! tests poll futures by hand with counting wakers, so they are deterministic.
//!
//! Issue 11 §2: cancel-safe (a dropped pending get loses no item and leaves no waiter; a wake-up
//! meant for it passes on), first come first served with the blocking faces, runtime-agnostic.
#![cfg(not(loom))] // tokio is not built in loom builds

use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::{Duration, Instant};

use pythreading::queue::{
    GetError, LifoQueue, PriorityQueue, PutError, Queue, SimpleQueue, TryGetError,
};

/// Far beyond what any test here needs, even on a loaded machine.
const BOUND: Duration = Duration::from_secs(60);

// ---------------------------------------------------------------------------------------------
// a minimal executor and counting wakers
// ---------------------------------------------------------------------------------------------

struct ThreadWaker {
    thread: thread::Thread,
    woken: AtomicBool,
}

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.woken.store(true, Ordering::SeqCst);
        self.thread.unpark();
    }
}

/// Runs `fut` on this thread. Polls again only after the waker was called: a lost wake-up
/// fails with a message after `BOUND`.
fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let state = Arc::new(ThreadWaker {
        thread: thread::current(),
        woken: AtomicBool::new(false),
    });
    let waker = Waker::from(Arc::clone(&state));
    let mut cx = Context::from_waker(&waker);
    let deadline = Instant::now() + BOUND;
    loop {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
        while !state.woken.swap(false, Ordering::SeqCst) {
            let now = Instant::now();
            assert!(
                now < deadline,
                "block_on: the future was never woken (lost wake-up)"
            );
            thread::park_timeout(deadline - now);
        }
    }
}

/// A waker that counts its wake-ups.
#[derive(Default)]
struct Count(AtomicUsize);

impl Wake for Count {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn counter() -> (Arc<Count>, Waker) {
    let count = Arc::new(Count::default());
    let waker = Waker::from(Arc::clone(&count));
    (count, waker)
}

fn woken(count: &Count) -> usize {
    count.0.load(Ordering::SeqCst)
}

fn poll_once<F: Future + ?Sized>(fut: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(waker))
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .expect("a tokio runtime")
}

/// Joins `handle`, failing with a message if it takes longer than `BOUND`.
fn join_bounded<T: Send + 'static>(handle: thread::JoinHandle<T>, what: &str) -> T {
    let deadline = Instant::now() + BOUND;
    while !handle.is_finished() {
        assert!(
            Instant::now() < deadline,
            "{what} did not finish in {BOUND:?}"
        );
        thread::sleep(Duration::from_millis(1));
    }
    handle.join().expect(what)
}

// ---------------------------------------------------------------------------------------------
// one queue, a thread on one side and a task on the other
// ---------------------------------------------------------------------------------------------

/// The four kinds behind one face, for the tests that run on each.
trait Kind: Send + Sync + 'static {
    fn put_blocking(&self, v: u64);
    fn get_fut(&self) -> Pin<Box<dyn Future<Output = Option<u64>> + Send + '_>>;
    fn close(&self);
    fn try_take(&self) -> Option<u64>;
}

macro_rules! kind {
    ($t:ty) => {
        impl Kind for $t {
            fn put_blocking(&self, v: u64) {
                self.put(v).unwrap();
            }
            fn get_fut(&self) -> Pin<Box<dyn Future<Output = Option<u64>> + Send + '_>> {
                Box::pin(async move { self.get_async().await.ok() })
            }
            fn close(&self) {
                self.shutdown();
            }
            fn try_take(&self) -> Option<u64> {
                self.try_get().ok()
            }
        }
    };
}
kind!(Queue<u64>);
kind!(LifoQueue<u64>);
kind!(PriorityQueue<u64>);

impl Kind for SimpleQueue<u64> {
    fn put_blocking(&self, v: u64) {
        self.put(v);
    }
    fn get_fut(&self) -> Pin<Box<dyn Future<Output = Option<u64>> + Send + '_>> {
        Box::pin(async move {
            let v = self.get_async().await;
            (v != u64::MAX).then_some(v)
        })
    }
    fn close(&self) {
        self.put(u64::MAX);
    }
    fn try_take(&self) -> Option<u64> {
        self.try_get()
    }
}

/// A thread puts `n` items; a tokio task takes them with `get_async` until the queue closes.
fn thread_to_task<Q: Kind>(q: Q, n: u64, fifo: bool) {
    let q = Arc::new(q);
    let producer = {
        let q = Arc::clone(&q);
        thread::spawn(move || {
            for i in 0..n {
                q.put_blocking(i);
            }
            q.close();
        })
    };
    let rt = runtime();
    let got = rt.block_on({
        let q = Arc::clone(&q);
        async move {
            let task = tokio::spawn(async move {
                let mut got = Vec::new();
                while let Some(v) = q.get_fut().await {
                    got.push(v);
                }
                got
            });
            tokio::time::timeout(BOUND, task)
                .await
                .expect("the consumer task did not finish in time")
                .expect("the consumer task panicked")
        }
    });
    join_bounded(producer, "producer");
    assert_eq!(got.len() as u64, n, "every item arrives once");
    if fifo {
        assert!(got.iter().copied().eq(0..n), "in the order put");
    } else {
        let mut sorted = got;
        sorted.sort_unstable();
        assert!(sorted.into_iter().eq(0..n), "each item once");
    }
}

#[test]
fn thread_to_task_queue_ring() {
    thread_to_task(Queue::bounded(16), 50_000, true);
}

#[test]
fn thread_to_task_queue_unbounded() {
    thread_to_task(Queue::unbounded(), 50_000, true);
}

#[test]
fn thread_to_task_lifo() {
    thread_to_task(LifoQueue::bounded(16), 50_000, false);
}

#[test]
fn thread_to_task_priority() {
    thread_to_task(PriorityQueue::bounded(16), 50_000, false);
}

#[test]
fn thread_to_task_simple() {
    thread_to_task(SimpleQueue::new(), 50_000, true);
}

/// A task puts with `put_async` into a small bounded queue (so it waits for room often); a
/// thread takes with a blocking `get`.
#[test]
fn task_to_thread_put_async_waits_for_room() {
    const N: u64 = 50_000;
    let q = Arc::new(Queue::bounded(4));
    let consumer = {
        let q = Arc::clone(&q);
        thread::spawn(move || q.iter().collect::<Vec<u64>>())
    };
    let rt = runtime();
    rt.block_on({
        let q = Arc::clone(&q);
        async move {
            let task = tokio::spawn(async move {
                for i in 0..N {
                    q.put_async(i).await.unwrap();
                }
                q.shutdown();
            });
            tokio::time::timeout(BOUND, task)
                .await
                .expect("the producer task did not finish in time")
                .expect("the producer task panicked");
        }
    });
    let got = join_bounded(consumer, "consumer");
    assert!(got.into_iter().eq(0..N), "every item once, in order");
}

/// The same with the hand-written executor, on each bounded kind: no runtime needed.
#[test]
fn hand_written_executor_drives_both_faces() {
    const N: u64 = 20_000;
    let q = Arc::new(Queue::bounded(2));
    let lifo = Arc::new(LifoQueue::bounded(2));
    let producer = {
        let (q, lifo) = (Arc::clone(&q), Arc::clone(&lifo));
        thread::spawn(move || {
            for i in 0..N {
                q.put(i).unwrap();
                lifo.put(i).unwrap();
            }
        })
    };
    let mut sum = 0;
    for i in 0..N {
        assert_eq!(block_on(q.get_async()), Ok(i));
        sum += block_on(lifo.get_async()).unwrap();
    }
    assert_eq!(sum, N * (N - 1) / 2);
    join_bounded(producer, "producer");

    let consumer = {
        let q = Arc::clone(&q);
        thread::spawn(move || (0..N).map(|_| q.get().unwrap()).collect::<Vec<_>>())
    };
    for i in 0..N {
        block_on(q.put_async(i)).unwrap();
    }
    assert!(join_bounded(consumer, "consumer").into_iter().eq(0..N));
}

/// Threads and tasks on both sides of one queue: two blocking consumers, two task consumers,
/// two producer threads and two producer tasks; every item is checked off once.
#[test]
fn threads_and_tasks_share_one_queue() {
    const PER: u64 = 25_000;
    let q = Arc::new(Queue::bounded(8));
    let rt = runtime();
    let thread_consumers: Vec<_> = (0..2)
        .map(|_| {
            let q = Arc::clone(&q);
            thread::spawn(move || q.iter().collect::<Vec<u64>>())
        })
        .collect();
    let task_consumers: Vec<_> = (0..2)
        .map(|_| {
            let q = Arc::clone(&q);
            rt.spawn(async move {
                let mut got = Vec::new();
                while let Ok(v) = q.get_async().await {
                    got.push(v);
                }
                got
            })
        })
        .collect();
    let thread_producers: Vec<_> = (0..2u64)
        .map(|p| {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                for i in 0..PER {
                    q.put(p * PER + i).unwrap();
                }
            })
        })
        .collect();
    let task_producers: Vec<_> = (2..4u64)
        .map(|p| {
            let q = Arc::clone(&q);
            rt.spawn(async move {
                for i in 0..PER {
                    q.put_async(p * PER + i).await.unwrap();
                }
            })
        })
        .collect();
    for p in thread_producers {
        join_bounded(p, "producer thread");
    }
    let mut got: Vec<u64> = rt.block_on(async {
        for p in task_producers {
            tokio::time::timeout(BOUND, p)
                .await
                .expect("producer task in time")
                .expect("producer task");
        }
        q.shutdown();
        let mut got = Vec::new();
        for c in task_consumers {
            got.extend(
                tokio::time::timeout(BOUND, c)
                    .await
                    .expect("consumer task in time")
                    .expect("consumer task"),
            );
        }
        got
    });
    for c in thread_consumers {
        got.extend(join_bounded(c, "consumer thread"));
    }
    let mut seen = vec![false; (4 * PER) as usize];
    for v in got {
        assert!(!seen[v as usize], "item {v} arrived twice");
        seen[v as usize] = true;
    }
    assert!(seen.iter().all(|&s| s), "an item was lost");
}

// ---------------------------------------------------------------------------------------------
// order and cancel-safety, polled by hand
// ---------------------------------------------------------------------------------------------

/// Two pending gets, A then B: a put wakes A only (first come, first served); if A is dropped
/// without being polled again, the wake-up passes to B, which takes the item. Nothing is lost.
fn dropped_notified_get_passes_the_wake_on<Q: Kind>(q: Q) {
    let (a_count, a_waker) = counter();
    let (b_count, b_waker) = counter();
    let mut a = q.get_fut();
    let mut b = q.get_fut();
    assert!(poll_once(a.as_mut(), &a_waker).is_pending());
    assert!(poll_once(b.as_mut(), &b_waker).is_pending());
    q.put_blocking(42);
    assert_eq!(woken(&a_count), 1, "the oldest waiter is woken");
    assert_eq!(woken(&b_count), 0, "only the oldest waiter is woken");
    drop(a);
    assert_eq!(woken(&b_count), 1, "A's wake-up passed to B");
    assert_eq!(poll_once(b.as_mut(), &b_waker), Poll::Ready(Some(42)));
    drop(b);
    assert_eq!(q.try_take(), None);
}

#[test]
fn dropped_notified_get_passes_the_wake_on_queue_ring() {
    dropped_notified_get_passes_the_wake_on(Queue::bounded(4));
}

#[test]
fn dropped_notified_get_passes_the_wake_on_queue_unbounded() {
    dropped_notified_get_passes_the_wake_on(Queue::unbounded());
}

#[test]
fn dropped_notified_get_passes_the_wake_on_lifo() {
    dropped_notified_get_passes_the_wake_on(LifoQueue::bounded(4));
}

#[test]
fn dropped_notified_get_passes_the_wake_on_priority() {
    dropped_notified_get_passes_the_wake_on(PriorityQueue::unbounded());
}

#[test]
fn dropped_notified_get_passes_the_wake_on_simple() {
    dropped_notified_get_passes_the_wake_on(SimpleQueue::new());
}

/// A pending get that is dropped leaves no waiter behind: the next put wakes nobody and its
/// item stays in the queue for the next get.
fn dropped_pending_get_leaves_no_waiter<Q: Kind>(q: Q) {
    let (count, waker) = counter();
    let mut a = q.get_fut();
    assert!(poll_once(a.as_mut(), &waker).is_pending());
    drop(a);
    q.put_blocking(7);
    assert_eq!(woken(&count), 0, "a dropped future is not woken");
    assert_eq!(q.try_take(), Some(7), "the item is still there");
}

#[test]
fn dropped_pending_get_leaves_no_waiter_each_kind() {
    dropped_pending_get_leaves_no_waiter(Queue::bounded(4));
    dropped_pending_get_leaves_no_waiter(Queue::unbounded());
    dropped_pending_get_leaves_no_waiter(LifoQueue::unbounded());
    dropped_pending_get_leaves_no_waiter(PriorityQueue::bounded(3));
    dropped_pending_get_leaves_no_waiter(SimpleQueue::new());
}

/// A woken get that is polled again takes the item; one that was woken but lost the item to a
/// faster get waits again (and is woken by the next put).
#[test]
fn a_woken_get_that_lost_the_race_waits_again() {
    for q in [Queue::bounded(4), Queue::unbounded()] {
        let (count, waker) = counter();
        let mut a = pin!(q.get_async());
        assert!(poll_once(a.as_mut(), &waker).is_pending());
        q.put(1).unwrap();
        assert_eq!(woken(&count), 1);
        assert_eq!(q.try_get(), Ok(1), "a thread took it first");
        assert!(poll_once(a.as_mut(), &waker).is_pending(), "waits again");
        q.put(2).unwrap();
        assert_eq!(woken(&count), 2, "woken by the next put");
        assert_eq!(poll_once(a.as_mut(), &waker), Poll::Ready(Ok(2)));
    }
}

/// Two pending puts on a full queue, A then B: a get wakes A only; dropping A passes the room
/// on to B, whose item goes in; A's item is dropped with A, never enqueued.
fn dropped_notified_put_passes_the_room_on(q: impl Fn() -> Box<dyn PutKind>) {
    let q = q();
    let (a_count, a_waker) = counter();
    let (b_count, b_waker) = counter();
    q.fill_with(1);
    let mut a = q.put_fut(100);
    let mut b = q.put_fut(200);
    assert!(poll_once(a.as_mut(), &a_waker).is_pending());
    assert!(poll_once(b.as_mut(), &b_waker).is_pending());
    assert_eq!(q.take(), Some(1));
    assert_eq!(woken(&a_count), 1, "the oldest putter is woken");
    assert_eq!(woken(&b_count), 0);
    drop(a);
    assert_eq!(woken(&b_count), 1, "A's room passed to B");
    assert_eq!(poll_once(b.as_mut(), &b_waker), Poll::Ready(true));
    drop(b);
    assert_eq!(q.take(), Some(200));
    assert_eq!(q.take(), None, "A's item never entered the queue");
}

trait PutKind {
    fn fill_with(&self, v: u64);
    fn put_fut(&self, v: u64) -> Pin<Box<dyn Future<Output = bool> + '_>>;
    fn take(&self) -> Option<u64>;
}

macro_rules! put_kind {
    ($t:ty) => {
        impl PutKind for $t {
            fn fill_with(&self, v: u64) {
                self.try_put(v).unwrap();
            }
            fn put_fut(&self, v: u64) -> Pin<Box<dyn Future<Output = bool> + '_>> {
                Box::pin(async move { self.put_async(v).await.is_ok() })
            }
            fn take(&self) -> Option<u64> {
                self.try_get().ok()
            }
        }
    };
}
put_kind!(Queue<u64>);
put_kind!(LifoQueue<u64>);
put_kind!(PriorityQueue<u64>);

#[test]
fn dropped_notified_put_passes_the_room_on_each_kind() {
    dropped_notified_put_passes_the_room_on(|| Box::new(Queue::<u64>::bounded(1)));
    dropped_notified_put_passes_the_room_on(|| Box::new(LifoQueue::<u64>::bounded(1)));
    dropped_notified_put_passes_the_room_on(|| Box::new(PriorityQueue::<u64>::bounded(1)));
}

/// A shutdown wakes every pending future: gets fail once drained, puts fail and hand the item
/// back (P-25, P-27).
#[test]
fn shutdown_wakes_pending_futures() {
    // The ring (`Queue`) and the locked core (`LifoQueue`).
    {
        let (q, lifo) = (Queue::<u8>::bounded(1), LifoQueue::<u8>::bounded(1));
        let (g, gw) = counter();
        let mut get = pin!(q.get_async());
        assert!(poll_once(get.as_mut(), &gw).is_pending());
        let (lg, lgw) = counter();
        let mut lget = pin!(lifo.get_async());
        assert!(poll_once(lget.as_mut(), &lgw).is_pending());
        q.shutdown();
        lifo.shutdown();
        assert_eq!(woken(&g), 1);
        assert_eq!(woken(&lg), 1);
        assert_eq!(
            poll_once(get.as_mut(), &gw),
            Poll::Ready(Err(GetError::ShutDown))
        );
        assert_eq!(
            poll_once(lget.as_mut(), &lgw),
            Poll::Ready(Err(GetError::ShutDown))
        );
    }
    {
        let (q, lifo) = (Queue::bounded(1), LifoQueue::bounded(1));
        q.put("first").unwrap();
        lifo.put("first").unwrap();
        let (p, pw) = counter();
        let mut put = pin!(q.put_async("second"));
        assert!(poll_once(put.as_mut(), &pw).is_pending());
        let (lp, lpw) = counter();
        let mut lput = pin!(lifo.put_async("second"));
        assert!(poll_once(lput.as_mut(), &lpw).is_pending());
        q.shutdown();
        lifo.shutdown();
        assert_eq!(woken(&p), 1);
        assert_eq!(woken(&lp), 1);
        assert_eq!(
            poll_once(put.as_mut(), &pw),
            Poll::Ready(Err(PutError::ShutDown("second")))
        );
        assert_eq!(
            poll_once(lput.as_mut(), &lpw),
            Poll::Ready(Err(PutError::ShutDown("second")))
        );
        // A plain shutdown still drains what was there.
        assert_eq!(block_on(q.get_async()), Ok("first"));
        assert_eq!(block_on(lifo.get_async()), Ok("first"));
        assert_eq!(q.try_get(), Err(TryGetError::ShutDown));
    }
}

/// A task waiting on a queue is a `Send` future: it can move between a runtime's threads.
#[test]
fn the_futures_are_send() {
    fn is_send<F: Send>(_: &F) {}
    let q = Queue::<u64>::bounded(1);
    let s = SimpleQueue::<u64>::new();
    is_send(&q.get_async());
    is_send(&q.put_async(1));
    is_send(&s.get_async());
}
