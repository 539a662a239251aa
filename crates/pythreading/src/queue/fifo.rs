//! `Queue`: first in, first out.

use std::collections::VecDeque;

use super::api::queue_api;
use super::core::{Core, Store};

/// A first-in, first-out queue for sharing work between threads: Python's `queue.Queue`.
///
/// Share it with [`Arc`](std::sync::Arc). It can be [`bounded`](Queue::bounded) (a `put` waits
/// while it is full) or [`unbounded`](Queue::unbounded); it counts unfinished tasks for
/// [`task_done`](Queue::task_done) / [`join`](Queue::join), and it can be
/// [`shutdown`](Queue::shutdown) (Python 3.13) so that blocked producers and consumers leave.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use std::thread;
/// use pythreading::queue::Queue;
///
/// let q = Arc::new(Queue::bounded(48));
/// let consumer = {
///     let q = Arc::clone(&q);
///     thread::spawn(move || {
///         let mut total = 0;
///         for item in &*q {
///             total += item; // ends when the queue is shut down and drained
///         }
///         total
///     })
/// };
/// for i in 1..=100 {
///     q.put(i).unwrap();
/// }
/// q.shutdown();
/// assert_eq!(consumer.join().unwrap(), 5050);
/// ```
pub struct Queue<T> {
    core: Core<T, Fifo<T>>,
}

/// FIFO storage.
pub(crate) struct Fifo<T>(VecDeque<T>);

impl<T> Default for Fifo<T> {
    fn default() -> Self {
        Fifo(VecDeque::new())
    }
}

impl<T> Store<T> for Fifo<T> {
    fn push(&mut self, item: T) {
        self.0.push_back(item);
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop_front()
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

queue_api!(Queue, Core<T, Fifo<T>>, [T], "111", "333", "222");
