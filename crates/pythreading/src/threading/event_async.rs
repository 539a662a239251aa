//! The async face of [`Event`]: `wait_async`.
//!
//! A pending task keeps a [`Slot`] (holding its waker) in the event's task list; `set` signals
//! every slot after waking the blocked threads. Like the blocking `wait`, a task that was
//! pending when the flag was set completes even if the flag is cleared before it runs.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::Event;
use crate::sync::atomic::Ordering;
use crate::sync::{Arc, lock};
use crate::threading::wait_queue::Slot;

/// The future of [`Event::wait_async`]: resolves once the event is set.
///
/// # Cancel safety
///
/// Dropping it before it completes leaves nothing behind in the event.
///
/// # Examples
///
/// ```
/// # use pythreading::threading::Event;
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let waker = std::task::Waker::noop();
/// #     let mut cx = std::task::Context::from_waker(waker);
/// #     let mut f = std::pin::pin!(f);
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } std::thread::yield_now(); }
/// # }
/// let event = Event::new();
/// event.set();
/// block_on(event.wait_async());
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct EventWait<'a> {
    event: &'a Event,
    slot: Option<Arc<Slot>>,
}

impl Future for EventWait<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if let Some(slot) = &self.slot
            && slot.poll_signalled(cx)
        {
            // `set` took the slot out of the list.
            self.slot = None;
            return Poll::Ready(());
        }
        if self.event.is_set() {
            self.leave();
            return Poll::Ready(());
        }
        let mut state = lock(&self.event.state);
        if self.event.flag.load(Ordering::Relaxed) {
            drop(state);
            self.leave();
            return Poll::Ready(());
        }
        if self.slot.is_none() {
            // `set` takes the list under the state lock, held here: the waker is in the slot
            // before any `set` can see it.
            let slot = state.tasks.push();
            slot.poll_signalled(cx);
            self.slot = Some(slot);
        }
        Poll::Pending
    }
}

impl EventWait<'_> {
    /// Takes this task's slot out of the event's list, if it is still there.
    fn leave(&mut self) {
        if let Some(slot) = self.slot.take() {
            lock(&self.event.state).tasks.remove(&slot);
        }
    }
}

impl Drop for EventWait<'_> {
    fn drop(&mut self) {
        // A slot `set` already signalled is out of the list; `remove` then finds nothing.
        self.leave();
    }
}

impl fmt::Debug for EventWait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventWait")
            .field("event", self.event)
            .field("pending", &self.slot.is_some())
            .finish()
    }
}

impl Event {
    /// Waits for the flag without blocking the thread: the task face of [`wait`](Self::wait),
    /// asyncio's `await event.wait()`.
    ///
    /// Works on any executor (it only uses the task's `Waker`); a thread may `set` the event
    /// that a task awaits, and the other way round.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future before it completes leaves nothing behind in the event.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use pythreading::threading::Event;
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut cx = std::task::Context::from_waker(waker);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } std::thread::yield_now(); }
    /// # }
    ///
    /// let event = Arc::new(Event::new());
    /// let setter = Arc::clone(&event);
    /// let t = std::thread::spawn(move || setter.set());
    /// block_on(event.wait_async()); // a task waits for a thread
    /// t.join().unwrap();
    /// assert!(event.is_set());
    /// ```
    #[doc(alias = "wait")]
    pub fn wait_async(&self) -> EventWait<'_> {
        EventWait {
            event: self,
            slot: None,
        }
    }
}
