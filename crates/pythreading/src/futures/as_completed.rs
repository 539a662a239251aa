//! `futures::as_completed`: futures in the order they complete.

use std::borrow::Borrow;
use std::collections::VecDeque;
use std::fmt;
use std::time::Duration;

use super::error::AsCompletedTimeout;
use super::task_future::TaskFuture;
use super::wait::{Waiter, unique};
use crate::deadline::Deadline;
use crate::sync::Arc;

/// The shared engine of [`AsCompleted`] and [`AsCompletedTimeoutIter`].
struct Engine<T> {
    /// Not yet yielded; `None` once yielded, so the iterator keeps no reference to it (Q-31).
    futures: Vec<Option<TaskFuture<T>>>,
    /// Indices known done, not yet yielded: the already-done ones first, in input order.
    ready: VecDeque<usize>,
    /// Futures not yet yielded.
    left: usize,
    waiter: Arc<Waiter>,
    events: Vec<(usize, bool)>,
    deadline: Deadline,
    timed_out: bool,
}

impl<T> Engine<T> {
    fn new(fs: Vec<TaskFuture<T>>, deadline: Deadline) -> Self {
        let waiter = Waiter::new();
        let mut ready = VecDeque::new();
        for (i, f) in fs.iter().enumerate() {
            if f.register(&waiter, i).is_some() {
                ready.push_back(i);
            }
        }
        let left = fs.len();
        Engine {
            futures: fs.into_iter().map(Some).collect(),
            ready,
            left,
            waiter,
            events: Vec::new(),
            deadline,
            timed_out: false,
        }
    }

    /// `Some(Ok(f))` next completed, `Some(Err(()))` on timeout, `None` at the end.
    fn next(&mut self) -> Option<Result<TaskFuture<T>, ()>> {
        if self.left == 0 || self.timed_out {
            return None;
        }
        loop {
            if let Some(i) = self.ready.pop_front() {
                if let Some(f) = self.futures[i].take() {
                    self.left -= 1;
                    return Some(Ok(f));
                }
                continue;
            }
            self.waiter.drain_into(&mut self.events);
            if self.events.is_empty() {
                if self.deadline.has_passed() {
                    self.timed_out = true;
                    return Some(Err(()));
                }
                self.waiter.wait_events(self.deadline, &mut self.events);
            }
            self.ready.extend(self.events.drain(..).map(|(i, _)| i));
        }
    }
}

impl<T> Drop for Engine<T> {
    fn drop(&mut self) {
        for f in self.futures.iter().flatten() {
            f.unregister(&self.waiter);
        }
    }
}

/// Iterator returned by [`as_completed`]: each distinct future once, in completion order.
///
/// # Examples
///
/// ```
/// use pythreading::futures::{as_completed, ThreadPoolExecutor};
///
/// let pool = ThreadPoolExecutor::new(2).unwrap();
/// let fs = vec![pool.submit(|| 1).unwrap(), pool.submit(|| 2).unwrap()];
/// let mut sum = 0;
/// for f in as_completed(&fs) {
///     sum += f.result().unwrap();
/// }
/// assert_eq!(sum, 3);
/// ```
pub struct AsCompleted<T> {
    engine: Engine<T>,
}

/// Iterator returned by [`as_completed_timeout`]: the futures that complete in time, then at most
/// one [`AsCompletedTimeout`] (Python's `TimeoutError`).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use pythreading::futures::{as_completed_timeout, ThreadPoolExecutor};
///
/// let pool = ThreadPoolExecutor::new(1).unwrap();
/// let f = pool.submit(|| 1).unwrap();
/// let done: Vec<_> = as_completed_timeout([&f], Duration::from_secs(5))
///     .collect::<Result<_, _>>()
///     .unwrap();
/// assert_eq!(done, vec![f]);
/// ```
#[doc(alias = "TimeoutError")]
pub struct AsCompletedTimeoutIter<T> {
    engine: Engine<T>,
}

impl<T> fmt::Debug for AsCompleted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompleted")
            .field("left", &self.engine.left)
            .finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for AsCompletedTimeoutIter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompletedTimeoutIter")
            .field("left", &self.engine.left)
            .finish_non_exhaustive()
    }
}

/// Yields each distinct future once, as it completes: the already-done ones first, then in
/// completion order (Python's `concurrent.futures.as_completed`, Q-27, Q-30, Q-31).
///
/// "Completes" means finished, or cancelled and acknowledged by its pool.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use pythreading::futures::{as_completed, ThreadPoolExecutor};
///
/// let pool = ThreadPoolExecutor::new(3).unwrap();
/// let fs: Vec<_> = [30u64, 10, 20]
///     .into_iter()
///     .map(|ms| pool.submit(move || { std::thread::sleep(Duration::from_millis(ms)); ms }).unwrap())
///     .collect();
/// let order: Vec<u64> = as_completed(&fs).map(|f| f.result().unwrap()).collect();
/// assert_eq!(order.len(), 3);
/// ```
pub fn as_completed<T, I>(fs: I) -> AsCompleted<T>
where
    I: IntoIterator,
    I::Item: Borrow<TaskFuture<T>>,
{
    AsCompleted {
        engine: Engine::new(unique(fs), Deadline::Never),
    }
}

/// [`as_completed`] with one deadline measured from this call (Q-29): after the futures that
/// complete in time, it yields one [`AsCompletedTimeout`] naming how many are unfinished, and ends.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use pythreading::futures::{as_completed_timeout, ThreadPoolExecutor};
///
/// let pool = ThreadPoolExecutor::new(2).unwrap();
/// let quick = pool.submit(|| 1).unwrap();
/// quick.result().unwrap();
/// let slow = pool.submit(|| std::thread::sleep(Duration::from_millis(300))).unwrap();
/// let mut it = as_completed_timeout(vec![quick.clone()], Duration::ZERO);
/// assert_eq!(it.next().unwrap().unwrap(), quick);
/// assert!(it.next().is_none());
/// let mut it = as_completed_timeout([slow], Duration::from_millis(10));
/// assert_eq!(it.next().unwrap().unwrap_err().unfinished(), 1);
/// assert!(it.next().is_none());
/// ```
#[doc(alias = "as_completed")]
pub fn as_completed_timeout<T, I>(fs: I, timeout: Duration) -> AsCompletedTimeoutIter<T>
where
    I: IntoIterator,
    I::Item: Borrow<TaskFuture<T>>,
{
    AsCompletedTimeoutIter {
        engine: Engine::new(unique(fs), Deadline::after(timeout)),
    }
}

impl<T> Iterator for AsCompleted<T> {
    type Item = TaskFuture<T>;

    fn next(&mut self) -> Option<TaskFuture<T>> {
        // Without a deadline the engine never times out.
        self.engine.next().and_then(Result::ok)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.engine.left, Some(self.engine.left))
    }
}

impl<T> Iterator for AsCompletedTimeoutIter<T> {
    type Item = Result<TaskFuture<T>, AsCompletedTimeout>;

    fn next(&mut self) -> Option<Self::Item> {
        let total = self.engine.futures.len();
        self.engine.next().map(|r| {
            r.map_err(|()| AsCompletedTimeout {
                unfinished: self.engine.left,
                total,
            })
        })
    }
}
