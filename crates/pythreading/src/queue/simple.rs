//! `SimpleQueue`: unbounded FIFO, no task tracking, no shutdown — the fastest queue.

use std::collections::VecDeque;
use std::fmt;
use std::time::Duration;

use super::iter::{Source, TryIter};
use crate::deadline::Deadline;
use crate::sync::{Condvar, Mutex, MutexGuard, lock, thread};

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
///     std::thread::spawn(move || (1..=4).for_each(|i| q.put(i)))
/// };
/// let got: Vec<i32> = (0..4).map(|_| q.get()).collect();
/// producer.join().unwrap();
/// assert_eq!(got, [1, 2, 3, 4]);
/// assert_eq!(q.try_get(), None);
/// ```
pub struct SimpleQueue<T> {
    state: Mutex<State<T>>,
    not_empty: Condvar,
}

struct State<T> {
    items: VecDeque<T>,
    getters: usize,
}

/// See `core.rs`: the same yield-then-park policy.
const YIELDS_BEFORE_PARKING: u32 = if cfg!(loom) { 1 } else { 3 };
/// Bytes of spare storage a drained queue may keep.
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
            state: Mutex::new(State {
                items: VecDeque::new(),
                getters: 0,
            }),
            not_empty: Condvar::new(),
        }
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
        let mut st = lock(&self.state);
        st.items.push_back(item);
        let wake = st.getters > 0;
        drop(st);
        if wake {
            self.not_empty.notify_one();
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
    pub fn get(&self) -> T {
        match self.get_until(None) {
            Some(item) => item,
            // Without a deadline the loop only returns with an item.
            None => self.get(),
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
        let mut st = lock(&self.state);
        self.pop(&mut st)
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
        lock(&self.state).items.len()
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

    fn pop(&self, st: &mut MutexGuard<'_, State<T>>) -> Option<T> {
        let item = st.items.pop_front()?;
        if st.items.is_empty() {
            let keep = (SPARE_BYTES / std::mem::size_of::<T>().max(1)).max(16);
            if st.items.capacity() > keep {
                st.items.shrink_to(keep);
            }
        }
        Some(item)
    }

    fn get_until(&self, deadline: Option<Deadline>) -> Option<T> {
        let mut st = lock(&self.state);
        if let Some(item) = self.pop(&mut st) {
            return Some(item);
        }
        // Give a running producer a short chance before paying for a park and a wake-up.
        drop(st);
        for _ in 0..YIELDS_BEFORE_PARKING {
            thread::yield_now();
            let mut st = lock(&self.state);
            if let Some(item) = self.pop(&mut st) {
                return Some(item);
            }
        }
        st = lock(&self.state);
        loop {
            if let Some(item) = self.pop(&mut st) {
                return Some(item);
            }
            let left = match deadline {
                None => None,
                Some(d) => match d.remaining() {
                    Some(Duration::ZERO) => return None,
                    left => left,
                },
            };
            st.getters += 1;
            st = match left {
                None => match self.not_empty.wait(st) {
                    Ok(g) => g,
                    Err(p) => p.into_inner(),
                },
                Some(left) => match self.not_empty.wait_timeout(st, left) {
                    Ok((g, _)) => g,
                    Err(p) => p.into_inner().0,
                },
            };
            st.getters -= 1;
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
