//! `Queue`: first in, first out.

use std::collections::VecDeque;
use std::mem;
use std::task::{Context, Poll};
use std::time::Duration;

use super::api::queue_api;
use super::core::{Core, Store};
use super::error::{GetTimeoutError, PutTimeoutError, TaskDoneError};
use super::future::{AsyncSink, AsyncSource};
use super::iter::Source;
use super::list_queue::ListQueue;
use super::ring_queue::RingQueue;

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
/// use pythreading::threading;
/// use pythreading::queue::Queue;
///
/// let q = Arc::new(Queue::bounded(48));
/// let consumer = {
///     let q = Arc::clone(&q);
///     threading::spawn(move || {
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
///
/// A queue hands its items from one thread to another, so it can be shared between threads
/// only when its items can be sent between them: a bounded queue of `u8` is `Sync`, one of
/// `Rc` is not.
///
/// ```
/// fn shared<T: Sync>(_: &T) {}
/// shared(&pythreading::queue::Queue::<u8>::bounded(4));
/// ```
///
/// ```compile_fail
/// fn shared<T: Sync>(_: &T) {}
/// shared(&pythreading::queue::Queue::<std::rc::Rc<u8>>::bounded(4));
/// ```
pub struct Queue<T> {
    core: FifoCore<T>,
}

/// The most a bounded `Queue` allocates up front for its ring of slots; a larger capacity keeps
/// its items in a growable buffer under a lock instead.
const RING_BYTES: usize = 1 << 20;

/// The machinery behind a `Queue`, chosen by its capacity.
pub(crate) enum FifoCore<T> {
    /// Bounded, with a capacity whose slots fit in `RING_BYTES`: the lock-free ring, allocated at
    /// once (boxed: it is cache-line aligned and much larger than the handle).
    Ring(Box<RingQueue<T>>),
    /// Unbounded: two locks, one for each side (boxed: its halves are cache-line aligned).
    List(Box<ListQueue<T>>),
    /// bounded(0), or a capacity too large to allocate up front: one lock.
    Locked(Core<T, Fifo<T>>),
}

/// Calls the same method on whichever core a queue has.
macro_rules! dispatch {
    ($self:ident.$method:ident($($arg:expr),*)) => {
        match $self {
            FifoCore::Ring(q) => q.$method($($arg),*),
            FifoCore::List(q) => q.$method($($arg),*),
            FifoCore::Locked(q) => q.$method($($arg),*),
        }
    };
}

impl<T> FifoCore<T> {
    pub(crate) fn new(capacity: Option<usize>) -> Self {
        // A slot is the item and a stamp; twice the item (at least 16 bytes) bounds it.
        let slot = 2 * mem::size_of::<T>().max(16);
        match capacity {
            Some(cap) if cap >= 1 && cap <= RING_BYTES / slot => {
                FifoCore::Ring(Box::new(RingQueue::new(cap)))
            }
            None => FifoCore::List(Box::new(ListQueue::new())),
            _ => FifoCore::Locked(Core::new(capacity)),
        }
    }
    #[inline]
    pub(crate) fn try_put(&self, item: T) -> Result<(), (T, bool)> {
        dispatch!(self.try_put(item))
    }
    #[inline]
    #[track_caller]
    pub(crate) fn put(&self, item: T) -> Result<(), T> {
        dispatch!(self.put(item))
    }
    #[track_caller]
    pub(crate) fn put_timeout(&self, item: T, timeout: Duration) -> Result<(), PutTimeoutError<T>> {
        dispatch!(self.put_timeout(item, timeout))
    }
    #[inline]
    pub(crate) fn try_get(&self) -> Result<T, bool> {
        dispatch!(self.try_get())
    }
    #[inline]
    #[track_caller]
    pub(crate) fn get(&self) -> Option<T> {
        dispatch!(self.get())
    }
    #[track_caller]
    pub(crate) fn get_timeout(&self, timeout: Duration) -> Result<T, GetTimeoutError> {
        dispatch!(self.get_timeout(timeout))
    }
    pub(crate) fn len(&self) -> usize {
        dispatch!(self.len())
    }
    pub(crate) fn is_full(&self) -> bool {
        match self {
            FifoCore::Ring(q) => q.len() >= q.capacity(),
            FifoCore::List(_) => false,
            FifoCore::Locked(q) => q.is_full(),
        }
    }
    pub(crate) fn label(&self) -> &crate::diagnostics::Label {
        dispatch!(self.label())
    }
    pub(crate) fn label_mut(&mut self) -> &mut crate::diagnostics::Label {
        dispatch!(self.label_mut())
    }
    pub(crate) fn capacity(&self) -> Option<usize> {
        match self {
            FifoCore::Ring(q) => Some(q.capacity()),
            FifoCore::List(_) => None,
            FifoCore::Locked(q) => q.capacity(),
        }
    }
    pub(crate) fn task_done(&self) -> Result<(), TaskDoneError> {
        dispatch!(self.task_done())
    }
    pub(crate) fn unfinished_tasks(&self) -> usize {
        dispatch!(self.unfinished_tasks())
    }
    #[track_caller]
    pub(crate) fn join(&self) {
        dispatch!(self.join())
    }
    #[track_caller]
    pub(crate) fn join_timeout(&self, timeout: Duration) -> bool {
        dispatch!(self.join_timeout(timeout))
    }
    pub(crate) fn shutdown(&self) {
        dispatch!(self.shutdown())
    }
    pub(crate) fn shutdown_immediate(&self) {
        dispatch!(self.shutdown_immediate())
    }
    pub(crate) fn is_shut_down(&self) -> bool {
        dispatch!(self.is_shut_down())
    }
}

impl<T> Source<T> for FifoCore<T> {
    fn next_blocking(&self) -> Option<T> {
        self.get()
    }
    fn next_now(&self) -> Option<T> {
        self.try_get().ok()
    }
}

impl<T> AsyncSource<T> for FifoCore<T> {
    fn poll_get(&self, waiter: &mut Option<u64>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        dispatch!(self.poll_get(waiter, cx))
    }
    fn cancel_get(&self, waiter: u64) {
        dispatch!(self.cancel_get(waiter))
    }
}

impl<T> AsyncSink<T> for FifoCore<T> {
    fn poll_put(
        &self,
        item: &mut Option<T>,
        waiter: &mut Option<u64>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), T>> {
        dispatch!(self.poll_put(item, waiter, cx))
    }
    fn cancel_put(&self, waiter: u64) {
        dispatch!(self.cancel_put(waiter))
    }
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

queue_api!(Queue, FifoCore<T>, [T], "111", "333", "222");
