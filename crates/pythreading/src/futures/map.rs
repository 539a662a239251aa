//! `ThreadPoolExecutor::map`: every item submitted at once, results read back in input order.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc as StdArc;
use std::time::Duration;

use super::error::{ResultTimeoutError, SubmitError, TaskError};
use super::executor::ThreadPoolExecutor;
use super::task_future::TaskFuture;
use crate::deadline::Deadline;

/// The futures of one `map` call, read front to back. Cancels what is left when it stops early
/// or is dropped (Python closes the generator the same way, Q-37).
struct Pending<T> {
    futures: VecDeque<TaskFuture<T>>,
    deadline: Deadline,
}

impl<T> Pending<T> {
    fn next(&mut self) -> Option<Result<T, ResultTimeoutError>> {
        let f = self.futures.pop_front()?;
        let r = match self.deadline {
            Deadline::Never => f.take_result().map_err(ResultTimeoutError::from),
            d => f.take_result_timeout(d.remaining().unwrap_or(Duration::ZERO)),
        };
        if r.is_err() {
            // Python: the future that timed out is cancelled, and so is the rest (Q-34, Q-37).
            f.cancel();
            self.cancel_rest();
        }
        Some(r)
    }

    fn cancel_rest(&mut self) {
        for f in self.futures.drain(..) {
            f.cancel();
        }
    }
}

impl<T> Drop for Pending<T> {
    fn drop(&mut self) {
        self.cancel_rest();
    }
}

/// Results of [`ThreadPoolExecutor::map`], in input order.
///
/// After the first error the remaining tasks are cancelled and the iterator ends, as Python's
/// `map` generator does once it raises. Dropping it early cancels the tasks not yet started.
///
/// # Examples
///
/// ```
/// use pythreading::futures::ThreadPoolExecutor;
///
/// let pool = ThreadPoolExecutor::new(2).unwrap();
/// let mut it = pool.map(|x: i32| 10 / x, [5, 0, 2]).unwrap();
/// assert_eq!(it.next().unwrap().unwrap(), 2);
/// assert!(it.next().unwrap().is_err()); // the division by zero panicked
/// assert!(it.next().is_none()); // and the rest was cancelled
/// ```
pub struct Map<T> {
    pending: Pending<T>,
}

/// Results of [`ThreadPoolExecutor::map_timeout`], in input order, under one deadline.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use pythreading::futures::ThreadPoolExecutor;
///
/// let pool = ThreadPoolExecutor::new(2).unwrap();
/// let it = pool.map_timeout(|x: u8| x + 1, [1, 2], Duration::from_secs(5)).unwrap();
/// let out: Vec<u8> = it.collect::<Result<_, _>>().unwrap();
/// assert_eq!(out, [2, 3]);
/// ```
pub struct MapTimeout<T> {
    pending: Pending<T>,
}

impl<T> fmt::Debug for Map<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Map")
            .field("left", &self.pending.futures.len())
            .finish()
    }
}

impl<T> fmt::Debug for MapTimeout<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MapTimeout")
            .field("left", &self.pending.futures.len())
            .finish()
    }
}

impl<T> Iterator for Map<T> {
    type Item = Result<T, TaskError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.pending.next().map(|r| {
            r.map_err(|e| match e {
                ResultTimeoutError::Task(e) => e,
                // No deadline: a timeout cannot happen; report it as a cancellation if it did.
                ResultTimeoutError::Timeout => TaskError::Cancelled,
            })
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.pending.futures.len()))
    }
}

impl<T> Iterator for MapTimeout<T> {
    type Item = Result<T, ResultTimeoutError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.pending.next()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.pending.futures.len()))
    }
}

impl ThreadPoolExecutor {
    fn submit_all<I, F, T>(
        &self,
        f: F,
        items: I,
    ) -> Result<VecDeque<TaskFuture<T>>, SubmitError<()>>
    where
        I: IntoIterator,
        I::Item: Send + 'static,
        F: Fn(I::Item) -> T + Send + Sync + 'static,
        T: Send + 'static,
    {
        let f = StdArc::new(f);
        let mut futures = VecDeque::new();
        for item in items {
            let f = f.clone();
            match self.submit(move || f(item)) {
                Ok(fut) => futures.push_back(fut),
                Err(e) => {
                    for fut in futures {
                        fut.cancel();
                    }
                    return Err(e.map_payload(()));
                }
            }
        }
        Ok(futures)
    }

    /// Python's `map(fn, iterable)`: submits `f(item)` for every item at once (Q-36) and yields
    /// the results in input order, whatever order they finish in (Q-33).
    ///
    /// For several iterables, zip them: `map(|(a, b)| a.pow(b), xs.into_iter().zip(ys))` stops
    /// at the shortest, as Python does.
    ///
    /// # Errors
    ///
    /// [`SubmitError`] (with nothing handed back: the function is shared by the tasks already
    /// submitted, which are cancelled) after a shutdown or on a broken pool (Q-42).
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading::futures::ThreadPoolExecutor;
    ///
    /// let pool = ThreadPoolExecutor::new(4).unwrap();
    /// let squares: Vec<u64> = pool
    ///     .map(|x: u64| x * x, 0..10)
    ///     .unwrap()
    ///     .collect::<Result<_, _>>()
    ///     .unwrap();
    /// assert_eq!(squares, (0..10).map(|x| x * x).collect::<Vec<_>>());
    /// ```
    pub fn map<I, F, T>(&self, f: F, items: I) -> Result<Map<T>, SubmitError<()>>
    where
        I: IntoIterator,
        I::Item: Send + 'static,
        F: Fn(I::Item) -> T + Send + Sync + 'static,
        T: Send + 'static,
    {
        Ok(Map {
            pending: Pending {
                futures: self.submit_all(f, items)?,
                deadline: Deadline::Never,
            },
        })
    }

    /// Python's `map(fn, iterable, timeout=t)`: as [`map`](Self::map), with one deadline measured
    /// from this call (Q-35). When it passes, the iterator yields
    /// [`ResultTimeoutError::Timeout`], cancels the tasks not started and ends.
    ///
    /// # Errors
    ///
    /// As [`map`](Self::map).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use pythreading::futures::ThreadPoolExecutor;
    ///
    /// let pool = ThreadPoolExecutor::new(3).unwrap();
    /// let mut it = pool
    ///     .map_timeout(|ms: u64| std::thread::sleep(Duration::from_millis(ms)), [0, 0, 600], Duration::from_millis(100))
    ///     .unwrap();
    /// assert!(it.next().unwrap().is_ok());
    /// assert!(it.next().unwrap().is_ok());
    /// assert!(it.next().unwrap().unwrap_err().is_timeout());
    /// assert!(it.next().is_none());
    /// ```
    #[doc(alias = "map")]
    pub fn map_timeout<I, F, T>(
        &self,
        f: F,
        items: I,
        timeout: Duration,
    ) -> Result<MapTimeout<T>, SubmitError<()>>
    where
        I: IntoIterator,
        I::Item: Send + 'static,
        F: Fn(I::Item) -> T + Send + Sync + 'static,
        T: Send + 'static,
    {
        let deadline = Deadline::after(timeout);
        Ok(MapTimeout {
            pending: Pending {
                futures: self.submit_all(f, items)?,
                deadline,
            },
        })
    }
}
