//! The awaitable faces of the queues: `get_async` and `put_async`.
//!
//! A pending future waits in the same first-come, first-woken list as the blocking `get`s and
//! `put`s of its queue (`waiters.rs`), so threads and tasks can share one queue and neither kind
//! overtakes the other. Only `std::task::Waker` is used: any executor works.
//!
//! Cancel-safe: an item is only ever taken by the poll that returns it, so dropping a pending
//! `get_async` loses no item; the drop takes the future out of the waiters, and if a put had
//! already notified it, passes that notification on to the next waiter. A dropped `put_async`
//! drops its item with it (it was never in the queue), and passes on a notification the same way.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::error::{GetError, PutError};

/// What a `get_async` needs from a queue.
pub(crate) trait AsyncSource<T> {
    /// Takes an item if there is one; otherwise enters (or stays in) the waiters as `waiter`.
    /// `Ready(None)`: shut down and empty.
    fn poll_get(&self, waiter: &mut Option<u64>, cx: &mut Context<'_>) -> Poll<Option<T>>;
    /// A pending get is dropped.
    fn cancel_get(&self, waiter: u64);
}

/// What a `put_async` needs from a queue.
pub(crate) trait AsyncSink<T> {
    /// Puts `item` (taking it) if there is room; otherwise enters the waiters as `waiter`.
    /// `Ready(Err(item))`: shut down.
    fn poll_put(
        &self,
        item: &mut Option<T>,
        waiter: &mut Option<u64>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), T>>;
    /// A pending put is dropped.
    fn cancel_put(&self, waiter: u64);
}

/// The future of [`Queue::get_async`](super::Queue::get_async) (and of `LifoQueue`'s and
/// `PriorityQueue`'s): the next item, or [`GetError::ShutDown`] once the queue is shut down and
/// drained.
///
/// Dropping it before it completes loses no item (see [`Queue::get_async`](super::Queue::get_async)).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use std::task::{Context, Poll, Wake, Waker};
/// use pythreading::queue::Queue;
///
/// struct Noop;
/// impl Wake for Noop {
///     fn wake(self: Arc<Self>) {}
/// }
/// let waker = Waker::from(Arc::new(Noop));
/// let mut cx = Context::from_waker(&waker);
///
/// let q = Queue::bounded(4);
/// let mut get = Box::pin(q.get_async());
/// assert!(get.as_mut().poll(&mut cx).is_pending()); // empty: waits
/// q.put(5).unwrap();
/// assert_eq!(get.as_mut().poll(&mut cx), Poll::Ready(Ok(5)));
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct GetFuture<'a, T> {
    queue: &'a (dyn AsyncSource<T> + Sync + 'a),
    waiter: Option<u64>,
}

impl<'a, T> GetFuture<'a, T> {
    pub(crate) fn new(queue: &'a (dyn AsyncSource<T> + Sync + 'a)) -> Self {
        GetFuture {
            queue,
            waiter: None,
        }
    }
}

impl<T> Future for GetFuture<'_, T> {
    type Output = Result<T, GetError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.queue
            .poll_get(&mut this.waiter, cx)
            .map(|got| got.ok_or(GetError::ShutDown))
    }
}

impl<T> Drop for GetFuture<'_, T> {
    fn drop(&mut self) {
        if let Some(waiter) = self.waiter.take() {
            self.queue.cancel_get(waiter);
        }
    }
}

impl<T> fmt::Debug for GetFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GetFuture")
            .field("waiting", &self.waiter.is_some())
            .finish_non_exhaustive()
    }
}

/// The future of [`Queue::put_async`](super::Queue::put_async) (and of `LifoQueue`'s and
/// `PriorityQueue`'s): completes once the item is in the queue, or fails with
/// [`PutError::ShutDown`] handing the item back.
///
/// Dropping it before it completes drops the item, which was never in the queue.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use std::task::{Context, Poll, Wake, Waker};
/// use pythreading::queue::Queue;
///
/// struct Noop;
/// impl Wake for Noop {
///     fn wake(self: Arc<Self>) {}
/// }
/// let waker = Waker::from(Arc::new(Noop));
/// let mut cx = Context::from_waker(&waker);
///
/// let q = Queue::bounded(1);
/// q.put(1).unwrap();
/// let mut put = Box::pin(q.put_async(2));
/// assert!(put.as_mut().poll(&mut cx).is_pending()); // full: waits
/// assert_eq!(q.get(), Ok(1));
/// assert_eq!(put.as_mut().poll(&mut cx), Poll::Ready(Ok(())));
/// assert_eq!(q.get(), Ok(2));
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct PutFuture<'a, T> {
    queue: &'a (dyn AsyncSink<T> + Sync + 'a),
    item: Option<T>,
    waiter: Option<u64>,
}

impl<'a, T> PutFuture<'a, T> {
    pub(crate) fn new(queue: &'a (dyn AsyncSink<T> + Sync + 'a), item: T) -> Self {
        PutFuture {
            queue,
            item: Some(item),
            waiter: None,
        }
    }
}

// The item is never pinned: it moves into the queue by value.
impl<T> Unpin for PutFuture<'_, T> {}

impl<T> Future for PutFuture<'_, T> {
    type Output = Result<(), PutError<T>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.queue
            .poll_put(&mut this.item, &mut this.waiter, cx)
            .map(|done| done.map_err(PutError::ShutDown))
    }
}

impl<T> Drop for PutFuture<'_, T> {
    fn drop(&mut self) {
        if let Some(waiter) = self.waiter.take() {
            self.queue.cancel_put(waiter);
        }
    }
}

impl<T> fmt::Debug for PutFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PutFuture")
            .field("waiting", &self.waiter.is_some())
            .finish_non_exhaustive()
    }
}

/// The future of [`SimpleQueue::get_async`](super::SimpleQueue::get_async): the next item (a
/// `SimpleQueue` has no shutdown, so it cannot fail).
///
/// Dropping it before it completes loses no item.
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
/// let mut cx = Context::from_waker(&waker);
///
/// let q = SimpleQueue::new();
/// let mut get = Box::pin(q.get_async());
/// assert!(get.as_mut().poll(&mut cx).is_pending());
/// q.put("hi");
/// assert_eq!(get.as_mut().poll(&mut cx), Poll::Ready("hi"));
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct SimpleGetFuture<'a, T> {
    inner: GetFuture<'a, T>,
}

impl<'a, T> SimpleGetFuture<'a, T> {
    pub(crate) fn new(queue: &'a (dyn AsyncSource<T> + Sync + 'a)) -> Self {
        SimpleGetFuture {
            inner: GetFuture::new(queue),
        }
    }
}

impl<T> Future for SimpleGetFuture<'_, T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let inner = &mut self.get_mut().inner;
        match inner.queue.poll_get(&mut inner.waiter, cx) {
            Poll::Ready(Some(item)) => Poll::Ready(item),
            // A `SimpleQueue` is never shut down; a `None` cannot come. Waiting again is the
            // safe answer if it ever did.
            Poll::Ready(None) | Poll::Pending => Poll::Pending,
        }
    }
}

impl<T> fmt::Debug for SimpleGetFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimpleGetFuture")
            .field("waiting", &self.inner.waiter.is_some())
            .finish_non_exhaustive()
    }
}
