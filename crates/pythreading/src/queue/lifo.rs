//! `LifoQueue`: last in, first out.

use super::api::queue_api;
use super::core::{Core, Store};

/// A last-in, first-out queue (a stack shared between threads): Python's `queue.LifoQueue`.
///
/// Everything but the order is as in [`Queue`](super::Queue): bounded or unbounded,
/// `task_done`/`join`, shutdown.
///
/// # Examples
///
/// ```
/// use pythreading::queue::LifoQueue;
///
/// let q = LifoQueue::unbounded();
/// for x in [111, 333, 222] {
///     q.put(x).unwrap();
/// }
/// assert_eq!(q.try_iter().collect::<Vec<_>>(), [222, 333, 111]);
/// ```
pub struct LifoQueue<T> {
    core: Core<T, Lifo<T>>,
}

/// LIFO storage.
pub(crate) struct Lifo<T>(Vec<T>);

impl<T> Default for Lifo<T> {
    fn default() -> Self {
        Lifo(Vec::new())
    }
}

impl<T> Store<T> for Lifo<T> {
    fn push(&mut self, item: T) {
        self.0.push(item);
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop()
    }
    fn len(&self) -> usize {
        self.0.len()
    }
    fn allocated(&self) -> usize {
        self.0.capacity()
    }
    fn shrink_to(&mut self, keep: usize) {
        self.0.shrink_to(keep);
    }
}

queue_api!(LifoQueue, Core<T, Lifo<T>>, [T], "222", "333", "111");
