//! `SimpleQueue`: unbounded FIFO, no task tracking, no shutdown — the fastest queue.

use std::collections::VecDeque;
use std::fmt;
use std::task::{Context, Poll};
use std::time::Duration;

use super::backoff::{Backoff, lock_busy};
use super::future::{AsyncSource, SimpleGetFuture};
use super::iter::{Source, TryIter};
use super::waiters::{WaitList, Wake};
use crate::deadline::Deadline;
use crate::sync::atomic::{AtomicUsize, Ordering};
use crate::sync::{Mutex, MutexGuard, thread};

/// An unbounded first-in, first-out queue with nothing but `put` and `get`:
/// Python's `queue.SimpleQueue`.
///
/// It has no capacity, no `task_done`/`join` and no shutdown (P-38), so `put` can never fail and
/// never waits, and `get` can only wait. That leaves less to track than in
/// [`Queue`](super::Queue), which makes it the fastest queue here. With one producer and one
/// consumer, items arrive in the order they were put; with many, each item arrives exactly once.
///
/// Python's `queue.Empty` from `get_nowait()` / `get(timeout=t)` is `None` here: with no
/// shutdown, "nothing there" is the only way a get can fail.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use pythreading::queue::SimpleQueue;
///
/// let q = Arc::new(SimpleQueue::new());
/// let producer = {
///     let q = Arc::clone(&q);
///     pythreading::threading::spawn(move || (1..=4).for_each(|i| q.put(i)))
/// };
/// let got: Vec<i32> = (0..4).map(|_| q.get()).collect();
/// producer.join().unwrap();
/// assert_eq!(got, [1, 2, 3, 4]);
/// assert_eq!(q.try_get(), None);
/// ```
pub struct SimpleQueue<T> {
    // Two locks, so that producers and consumers do not contend with each other (the two-lock
    // queue of Michael & Scott, with whole buffers instead of nodes): producers append to
    // `tail`; consumers take from `head`, and when it runs dry they swap the whole tail buffer in
    // at once. Everything in `head` is older than everything in `tail`, so the order is FIFO.
    // Lock order: `head`, then `tail`.
    // The two sides live on separate cache lines, so that a put does not invalidate the line
    // a get is using and the other way round.
    /// What consumers touch.
    cons: Consumers<T>,
    /// What producers touch.
    prod: Producers<T>,
}

#[repr(align(64))]
struct Consumers<T> {
    /// Consumers take from here.
    head: Mutex<VecDeque<T>>,
    /// Items taken so far (wrapping). Raised after a pop.
    popped: AtomicUsize,
    /// Name and id for dumps (read on slow paths only; here, the line has room for it).
    label: crate::diagnostics::Label,
}

#[repr(align(64))]
struct Producers<T> {
    /// Producers append here; waiting getters (threads and tasks) register here, where puts
    /// can see them.
    tail: Mutex<Tail<T>>,
    /// Items put so far (wrapping). Raised under the `tail` lock, before the item can be taken.
    pushed: AtomicUsize,
}

struct Tail<T> {
    items: VecDeque<T>,
    /// Getters waiting for an item, first come, first woken.
    getters: WaitList,
}

/// Bytes of spare storage a drained buffer may keep.
const SPARE_BYTES: usize = 16 * 1024;

impl<T> SimpleQueue<T> {
    /// An empty queue. Allocates no item storage and starts no thread.
    ///
    /// Python: `queue.SimpleQueue()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let q = pythreading::queue::SimpleQueue::<u8>::new();
    /// assert!(q.is_empty());
    /// ```
    pub fn new() -> Self {
        SimpleQueue {
            cons: Consumers {
                head: Mutex::new(VecDeque::new()),
                popped: AtomicUsize::new(0),
                label: crate::diagnostics::Label::new(crate::diagnostics::Kind::Queue),
            },
            prod: Producers {
                tail: Mutex::new(Tail {
                    items: VecDeque::new(),
                    getters: WaitList::new(),
                }),
                pushed: AtomicUsize::new(0),
            },
        }
    }

    /// Names the queue for thread dumps and deadlock reports (unnamed queues show as
    /// `Queue#3`): a builder step, `SimpleQueue::new().with_name("results")`.
    ///
    /// # Examples
    ///
    /// ```
    /// let q = pythreading::queue::SimpleQueue::<u8>::new().with_name("results");
    /// assert_eq!(q.name(), Some("results"));
    /// ```
    #[must_use]
    pub fn with_name(mut self, name: impl Into<std::sync::Arc<str>>) -> Self {
        self.cons.label.rename(name);
        self
    }

    /// The name given with [`with_name`](Self::with_name), if any.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(pythreading::queue::SimpleQueue::<u8>::new().name(), None);
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.cons.label.name()
    }

    /// Adds `item`. Never waits and never fails.
    ///
    /// Python: `q.put(item)`, `q.put_nowait(item)` (the same thing for a `SimpleQueue`).
    ///
    /// # Examples
    ///
    /// ```
    /// let q = pythreading::queue::SimpleQueue::new();
    /// q.put("job");
    /// assert_eq!(q.len(), 1);
    /// ```
    #[doc(alias = "put_nowait")]
    pub fn put(&self, item: T) {
        let mut tail = lock_busy(&self.prod.tail);
        tail.items.push_back(item);
        self.prod.pushed.fetch_add(1, Ordering::Release);
        let wake = tail.getters.pop();
        drop(tail);
        if let Some(wake) = wake {
            wake.wake();
        }
    }

    /// Removes and returns the oldest item, waiting for one if the queue is empty.
    ///
    /// Python: `q.get()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let q = pythreading::queue::SimpleQueue::new();
    /// q.put(7);
    /// assert_eq!(q.get(), 7);
    /// ```
    #[track_caller]
    pub fn get(&self) -> T {
        // Without a deadline `get_until` only returns with an item; the loop just says so.
        loop {
            if let Some(item) = self.get_until(None) {
                return item;
            }
        }
    }

    /// Removes and returns the oldest item if there is one now; `None` (Python's `queue.Empty`)
    /// otherwise. Never waits.
    ///
    /// Python: `q.get_nowait()`, `q.get(block=False)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let q = pythreading::queue::SimpleQueue::new();
    /// assert_eq!(q.try_get(), None);
    /// q.put(1);
    /// assert_eq!(q.try_get(), Some(1));
    /// ```
    #[doc(alias = "get_nowait")]
    pub fn try_get(&self) -> Option<T> {
        if self.is_empty() {
            return None;
        }
        self.pop(&mut lock_busy(&self.cons.head))
    }

    /// Removes and returns the oldest item, waiting at most `timeout`; `None` (Python's
    /// `queue.Empty`) if nothing arrived. `Duration::ZERO` is a poll, `Duration::MAX` waits
    /// forever.
    ///
    /// Python: `q.get(timeout=t)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let q = pythreading::queue::SimpleQueue::<u8>::new();
    /// assert_eq!(q.get_timeout(Duration::from_millis(1)), None);
    /// ```
    #[track_caller]
    pub fn get_timeout(&self, timeout: Duration) -> Option<T> {
        if timeout == Duration::ZERO {
            return self.try_get();
        }
        self.get_until(Some(Deadline::after(timeout)))
    }

    /// How many items the queue holds now.
    ///
    /// Python: `q.qsize()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let q = pythreading::queue::SimpleQueue::new();
    /// q.put(());
    /// assert_eq!(q.len(), 1);
    /// ```
    #[doc(alias = "qsize")]
    pub fn len(&self) -> usize {
        // `popped` first: every pop counted there follows its push, whose count the acquire
        // makes visible to the `pushed` load after it, so the difference is never negative.
        // A pop in flight (item taken, not yet counted) makes the figure one high at most per
        // pop, as in CPython, where `qsize()` is a snapshot too.
        let popped = self.cons.popped.load(Ordering::Acquire);
        let pushed = self.prod.pushed.load(Ordering::Acquire);
        pushed.wrapping_sub(popped)
    }

    /// Whether the queue holds nothing now.
    ///
    /// Python: `q.empty()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let q = pythreading::queue::SimpleQueue::<u8>::new();
    /// assert!(q.is_empty());
    /// ```
    #[doc(alias = "empty")]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A non-blocking iterator over the items there are now (each `next` is a
    /// [`try_get`](Self::try_get)). A `SimpleQueue` is never shut down, so it has no blocking
    /// iterator that could end; loop on [`get`](Self::get) with a sentinel for that.
    ///
    /// # Examples
    ///
    /// ```
    /// let q = pythreading::queue::SimpleQueue::new();
    /// q.put(1);
    /// q.put(2);
    /// assert_eq!(q.try_iter().sum::<i32>(), 3);
    /// ```
    pub fn try_iter(&self) -> TryIter<'_, T>
    where
        T: Send,
    {
        TryIter::new(self)
    }

    /// Takes the oldest item; `head` is the locked head buffer. Refills it from the tail when
    /// it is empty.
    fn pop(&self, head: &mut VecDeque<T>) -> Option<T> {
        let item = match head.pop_front() {
            Some(item) => item,
            None => {
                // Give back what a past burst left allocated before this buffer becomes the
                // producers' next one.
                let keep = (SPARE_BYTES / std::mem::size_of::<T>().max(1)).max(16);
                if head.capacity() > keep {
                    head.shrink_to(keep);
                }
                let mut tail = lock_busy(&self.prod.tail);
                if tail.items.is_empty() {
                    return None;
                }
                std::mem::swap(head, &mut tail.items);
                drop(tail);
                head.pop_front()?
            }
        };
        self.cons.popped.fetch_add(1, Ordering::Release);
        Some(item)
    }

    #[track_caller]
    fn get_until(&self, deadline: Option<Deadline>) -> Option<T> {
        if let Some(item) = self.pop(&mut lock_busy(&self.cons.head)) {
            return Some(item);
        }
        // Give a running producer a short chance before paying for a park and a wake-up.
        // `len` is only a hint here: the buffers are re-checked under their locks before parking.
        let mut backoff = Backoff::new();
        while !backoff.is_completed() {
            backoff.snooze();
            if !self.is_empty() {
                break;
            }
        }
        loop {
            let mut head = lock_busy(&self.cons.head);
            if let Some(item) = self.pop(&mut head) {
                return Some(item);
            }
            // Both buffers were empty. Park on the tail, where a put will see us; release the
            // head first so other getters (and their deadlines) are not held up meanwhile.
            let tail = lock_busy(&self.prod.tail);
            drop(head);
            if !tail.items.is_empty() {
                continue;
            }
            let left = match deadline {
                None => None,
                Some(d) => match d.remaining() {
                    Some(Duration::ZERO) => return None,
                    left => left,
                },
            };
            self.park_until_not_empty(tail, deadline, left);
        }
    }

    /// Parks the calling getter in the waiters until a put notifies it or the deadline passes
    /// (`left` is what remained of it when the caller last looked). The caller re-checks.
    #[track_caller]
    fn park_until_not_empty<'a>(
        &'a self,
        mut tail: MutexGuard<'a, Tail<T>>,
        deadline: Option<Deadline>,
        mut left: Option<Duration>,
    ) {
        let id = tail.getters.register(Wake::this_thread());
        let _waiting = crate::diagnostics::waiting(&self.cons.label);
        loop {
            drop(tail);
            match left {
                None => thread::park(),
                Some(Duration::ZERO) => {}
                Some(left) => thread::park_timeout(left),
            }
            tail = lock_busy(&self.prod.tail);
            if !tail.getters.contains(id) {
                return; // notified
            }
            left = deadline.and_then(Deadline::remaining);
            if left == Some(Duration::ZERO) {
                tail.getters.remove(id);
                return;
            }
        }
    }

    /// Removes and returns the oldest item, waiting for one as an async task: the awaitable face
    /// of [`get`](Self::get). Waits in line with the threads blocked in `get` (first come, first
    /// served), and any executor can run it (it uses only the task's `Waker`).
    ///
    /// Cancel-safe: dropping the future before it completes loses no item.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::task::{Context, Poll, Wake, Waker};
    /// use pythreading::queue::SimpleQueue;
    ///
    /// struct Noop;
    /// impl Wake for Noop {
    ///     fn wake(self: Arc<Self>) {}
    /// }
    /// let waker = Waker::from(Arc::new(Noop));
    /// let q = SimpleQueue::new();
    /// q.put(3);
    /// let mut get = Box::pin(q.get_async());
    /// assert_eq!(get.as_mut().poll(&mut Context::from_waker(&waker)), Poll::Ready(3));
    /// ```
    pub fn get_async(&self) -> SimpleGetFuture<'_, T>
    where
        T: Send,
    {
        SimpleGetFuture::new(self)
    }
}

impl<T> AsyncSource<T> for SimpleQueue<T> {
    fn poll_get(&self, waiter: &mut Option<u64>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        loop {
            let mut head = lock_busy(&self.cons.head);
            if let Some(item) = self.pop(&mut head) {
                drop(head);
                if let Some(id) = waiter.take() {
                    // Leaving: a notification it had is used up by this get.
                    lock_busy(&self.prod.tail).getters.remove(id);
                }
                return Poll::Ready(Some(item));
            }
            // Both buffers were empty; wait where a put will see it (as in `get_until`).
            let mut tail = lock_busy(&self.prod.tail);
            drop(head);
            if !tail.items.is_empty() {
                continue;
            }
            match *waiter {
                Some(id) if tail.getters.set_waker(id, cx.waker()) => {}
                _ => *waiter = Some(tail.getters.register(Wake::Task(cx.waker().clone()))),
            }
            return Poll::Pending;
        }
    }

    fn cancel_get(&self, waiter: u64) {
        let mut tail = lock_busy(&self.prod.tail);
        if tail.getters.remove(waiter) {
            return;
        }
        // Notified but gone: pass the notification on. (The item may sit in the head buffer,
        // which this lock does not cover; a spare wake-up costs a re-check, never an item.)
        let wake = tail.getters.pop();
        drop(tail);
        if let Some(wake) = wake {
            wake.wake();
        }
    }
}

impl<T> Source<T> for SimpleQueue<T> {
    fn next_blocking(&self) -> Option<T> {
        Some(self.get())
    }
    fn next_now(&self) -> Option<T> {
        self.try_get()
    }
}

impl<T> Default for SimpleQueue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> fmt::Debug for SimpleQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimpleQueue")
            .field("len", &self.len())
            .finish()
    }
}
