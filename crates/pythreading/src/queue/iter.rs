//! Draining iterators: `for item in &queue` and `queue.try_iter()`.

use std::fmt;
use std::iter::FusedIterator;

use super::core::{Core, Store};

/// What the iterators need from a queue, whatever its policy.
pub(crate) trait Source<T> {
    /// A blocking get; `None` once shut down and drained.
    fn next_blocking(&self) -> Option<T>;
    /// A non-blocking get; `None` when empty now.
    fn next_now(&self) -> Option<T>;
}

impl<T, S: Store<T>> Source<T> for Core<T, S> {
    fn next_blocking(&self) -> Option<T> {
        self.get()
    }
    fn next_now(&self) -> Option<T> {
        self.try_get().ok()
    }
}

/// A blocking iterator over a queue's items: each `next` waits like `get`, and the iteration ends
/// once the queue is shut down and drained. Made by `iter()` or `for item in &queue`.
///
/// Each item is taken out of the queue; call `task_done` for it if you use `join`.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use pythreading::queue::Queue;
///
/// let q = Arc::new(Queue::unbounded());
/// let worker = {
///     let q = Arc::clone(&q);
///     pythreading::threading::spawn(move || q.iter().map(|x: u64| x * 2).sum::<u64>())
/// };
/// for i in 0..10 {
///     q.put(i).unwrap();
/// }
/// q.shutdown();
/// assert_eq!(worker.join().unwrap(), 90);
/// ```
pub struct Iter<'a, T> {
    source: &'a (dyn Source<T> + Sync + 'a),
}

/// A non-blocking iterator over the items a queue holds now: each `next` is a `try_get`, and
/// the iteration ends when the queue is empty. Made by `try_iter()`.
///
/// # Examples
///
/// ```
/// use pythreading::queue::Queue;
///
/// let q = Queue::unbounded();
/// q.put(1).unwrap();
/// q.put(2).unwrap();
/// let drained: Vec<i32> = q.try_iter().collect();
/// assert_eq!(drained, [1, 2]);
/// ```
pub struct TryIter<'a, T> {
    source: &'a (dyn Source<T> + Sync + 'a),
}

impl<'a, T> Iter<'a, T> {
    pub(crate) fn new(source: &'a (dyn Source<T> + Sync + 'a)) -> Self {
        Iter { source }
    }
}

impl<'a, T> TryIter<'a, T> {
    pub(crate) fn new(source: &'a (dyn Source<T> + Sync + 'a)) -> Self {
        TryIter { source }
    }
}

impl<T> Iterator for Iter<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.source.next_blocking()
    }
}

// After a shutdown a queue never refills, so once `next` returns `None` it always will.
impl<T> FusedIterator for Iter<'_, T> {}

impl<T> Iterator for TryIter<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.source.next_now()
    }
}

impl<T> fmt::Debug for Iter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for TryIter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TryIter").finish_non_exhaustive()
    }
}
