//! The async face of [`Semaphore`] and [`BoundedSemaphore`]: `acquire_async` and `permit_async`.
//!
//! A task waits in the same FIFO as the blocking waiters (a [`Slot`] holding its waker), so a
//! `release` hands the permit to whichever came first, thread or task. Dropping a pending future
//! leaves the queue; if a `release` had already handed it the permit, the drop passes the permit
//! on (to the next waiter, or back to the count): nothing leaks.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::{BoundedSemaphore, BoundedSemaphorePermit, Core, Semaphore, SemaphorePermit};
use crate::sync::{Arc, lock};
use crate::threading::wait_queue::Slot;

/// One task's place in a semaphore's queue: nothing yet, queued, or done.
#[derive(Debug)]
struct Waiting<'a> {
    core: &'a Core,
    slot: Option<Arc<Slot>>,
    done: bool,
}

impl<'a> Waiting<'a> {
    fn new(core: &'a Core) -> Self {
        Waiting {
            core,
            slot: None,
            done: false,
        }
    }

    /// `Ready` once this task holds a permit.
    fn poll_acquire(&mut self, cx: &Context<'_>) -> Poll<()> {
        assert!(
            !self.done,
            "a semaphore future was polled after it completed"
        );
        match &self.slot {
            Some(slot) => {
                if !slot.poll_signalled(cx) {
                    return Poll::Pending;
                }
                // `release` popped the slot and counted the permit as ours.
                self.slot = None;
            }
            None => {
                let mut state = lock(&self.core.state);
                if state.value > 0 {
                    state.value -= 1;
                } else {
                    // Queued behind every earlier waiter; the slot cannot be signalled before
                    // the waker is in, since `release` needs the state lock held here.
                    let slot = state.waiters.push();
                    slot.poll_signalled(cx);
                    self.slot = Some(slot);
                    return Poll::Pending;
                }
            }
        }
        self.done = true;
        Poll::Ready(())
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        let Some(slot) = self.slot.take() else {
            return;
        };
        if lock(&self.core.state).waiters.remove(&slot) {
            return;
        }
        // Popped by a `release` (under the state lock) before we could leave: the permit is ours
        // and unused. Pass it on; unbounded, since it was counted once already.
        let _ = self.core.release(1, None);
    }
}

/// The future of [`Semaphore::acquire_async`]: resolves once a permit is taken.
///
/// # Cancel safety
///
/// Dropping it before it completes takes no permit and leaves no waiter behind.
///
/// # Examples
///
/// ```
/// # use pythreading::threading::Semaphore;
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let waker = std::task::Waker::noop();
/// #     let mut cx = std::task::Context::from_waker(waker);
/// #     let mut f = std::pin::pin!(f);
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } std::thread::yield_now(); }
/// # }
/// let sem = Semaphore::new(1);
/// let acquire = sem.acquire_async();
/// block_on(acquire);
/// assert_eq!(sem.value(), 0);
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct SemaphoreAcquire<'a> {
    waiting: Waiting<'a>,
}

impl Future for SemaphoreAcquire<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.waiting.poll_acquire(cx)
    }
}

impl fmt::Debug for SemaphoreAcquire<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphoreAcquire")
            .field("queued", &self.waiting.slot.is_some())
            .finish_non_exhaustive()
    }
}

/// The future of [`Semaphore::permit_async`]: resolves to a [`SemaphorePermit`].
///
/// # Cancel safety
///
/// Dropping it before it completes takes no permit and leaves no waiter behind.
///
/// # Examples
///
/// ```
/// # use pythreading::threading::Semaphore;
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let waker = std::task::Waker::noop();
/// #     let mut cx = std::task::Context::from_waker(waker);
/// #     let mut f = std::pin::pin!(f);
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } std::thread::yield_now(); }
/// # }
/// let sem = Semaphore::new(1);
/// let permit = block_on(sem.permit_async());
/// assert_eq!(sem.value(), 0);
/// drop(permit);
/// assert_eq!(sem.value(), 1);
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct SemaphorePermitFuture<'a> {
    sem: &'a Semaphore,
    waiting: Waiting<'a>,
}

impl<'a> Future for SemaphorePermitFuture<'a> {
    type Output = SemaphorePermit<'a>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<SemaphorePermit<'a>> {
        let sem = self.sem;
        self.waiting
            .poll_acquire(cx)
            .map(|()| SemaphorePermit { sem })
    }
}

impl fmt::Debug for SemaphorePermitFuture<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermitFuture")
            .field("sem", self.sem)
            .field("queued", &self.waiting.slot.is_some())
            .finish()
    }
}

/// The future of [`BoundedSemaphore::acquire_async`]: resolves once a permit is taken.
///
/// # Cancel safety
///
/// Dropping it before it completes takes no permit and leaves no waiter behind.
///
/// # Examples
///
/// ```
/// # use pythreading::threading::BoundedSemaphore;
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let waker = std::task::Waker::noop();
/// #     let mut cx = std::task::Context::from_waker(waker);
/// #     let mut f = std::pin::pin!(f);
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } std::thread::yield_now(); }
/// # }
/// let sem = BoundedSemaphore::new(2);
/// block_on(sem.acquire_async());
/// assert_eq!(sem.value(), 1);
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct BoundedSemaphoreAcquire<'a> {
    waiting: Waiting<'a>,
}

impl Future for BoundedSemaphoreAcquire<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.waiting.poll_acquire(cx)
    }
}

impl fmt::Debug for BoundedSemaphoreAcquire<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoundedSemaphoreAcquire")
            .field("queued", &self.waiting.slot.is_some())
            .finish_non_exhaustive()
    }
}

/// The future of [`BoundedSemaphore::permit_async`]: resolves to a [`BoundedSemaphorePermit`].
///
/// # Cancel safety
///
/// Dropping it before it completes takes no permit and leaves no waiter behind.
///
/// # Examples
///
/// ```
/// # use pythreading::threading::BoundedSemaphore;
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let waker = std::task::Waker::noop();
/// #     let mut cx = std::task::Context::from_waker(waker);
/// #     let mut f = std::pin::pin!(f);
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } std::thread::yield_now(); }
/// # }
/// let sem = BoundedSemaphore::new(1);
/// let permit = block_on(sem.permit_async());
/// assert_eq!(sem.value(), 0);
/// drop(permit);
/// assert_eq!(sem.value(), 1);
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct BoundedSemaphorePermitFuture<'a> {
    sem: &'a BoundedSemaphore,
    waiting: Waiting<'a>,
}

impl<'a> Future for BoundedSemaphorePermitFuture<'a> {
    type Output = BoundedSemaphorePermit<'a>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<BoundedSemaphorePermit<'a>> {
        let sem = self.sem;
        self.waiting
            .poll_acquire(cx)
            .map(|()| BoundedSemaphorePermit { sem })
    }
}

impl fmt::Debug for BoundedSemaphorePermitFuture<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoundedSemaphorePermitFuture")
            .field("sem", self.sem)
            .field("queued", &self.waiting.slot.is_some())
            .finish()
    }
}

impl Semaphore {
    /// Waits for a permit without blocking the thread: the task face of [`acquire`](Self::acquire).
    ///
    /// Tasks and threads wait in one FIFO queue, so a `release` serves them in arrival order.
    /// Works on any executor (it only uses the task's `Waker`).
    ///
    /// # Cancel safety
    ///
    /// Dropping the future before it completes takes no permit and leaves no waiter behind; a
    /// permit handed to it in the meantime goes to the next waiter.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use pythreading::threading::Semaphore;
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut cx = std::task::Context::from_waker(waker);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } std::thread::yield_now(); }
    /// # }
    ///
    /// let sem = Arc::new(Semaphore::new(0));
    /// let releaser = Arc::clone(&sem);
    /// // A thread releases; the task (here on a tiny `block_on`) takes the permit.
    /// let t = std::thread::spawn(move || releaser.release(1));
    /// block_on(sem.acquire_async());
    /// t.join().unwrap();
    /// assert_eq!(sem.value(), 0);
    /// ```
    #[doc(alias = "acquire")]
    pub fn acquire_async(&self) -> SemaphoreAcquire<'_> {
        SemaphoreAcquire {
            waiting: Waiting::new(&self.core),
        }
    }

    /// Waits for a permit without blocking the thread and returns it as a guard: the task face of
    /// [`permit`](Self::permit), Python's `async with sem:`.
    ///
    /// # Cancel safety
    ///
    /// As [`acquire_async`](Self::acquire_async).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Semaphore;
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut cx = std::task::Context::from_waker(waker);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } std::thread::yield_now(); }
    /// # }
    /// let sem = Semaphore::new(1);
    /// block_on(async {
    ///     let _permit = sem.permit_async().await;
    ///     assert_eq!(sem.value(), 0);
    /// });
    /// assert_eq!(sem.value(), 1);
    /// ```
    #[doc(alias = "__aenter__")]
    pub fn permit_async(&self) -> SemaphorePermitFuture<'_> {
        SemaphorePermitFuture {
            sem: self,
            waiting: Waiting::new(&self.core),
        }
    }
}

impl BoundedSemaphore {
    /// Waits for a permit without blocking the thread: the task face of [`acquire`](Self::acquire).
    ///
    /// Tasks and threads wait in one FIFO queue, so a `release` serves them in arrival order.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future before it completes takes no permit and leaves no waiter behind; a
    /// permit handed to it in the meantime goes to the next waiter.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::BoundedSemaphore;
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut cx = std::task::Context::from_waker(waker);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } std::thread::yield_now(); }
    /// # }
    /// let sem = BoundedSemaphore::new(1);
    /// block_on(sem.acquire_async());
    /// assert_eq!(sem.value(), 0);
    /// sem.release(1).unwrap();
    /// ```
    #[doc(alias = "acquire")]
    pub fn acquire_async(&self) -> BoundedSemaphoreAcquire<'_> {
        BoundedSemaphoreAcquire {
            waiting: Waiting::new(&self.core),
        }
    }

    /// Waits for a permit without blocking the thread and returns it as a guard: the task face of
    /// [`permit`](Self::permit), Python's `async with sem:`.
    ///
    /// # Cancel safety
    ///
    /// As [`acquire_async`](Self::acquire_async).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::BoundedSemaphore;
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut cx = std::task::Context::from_waker(waker);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } std::thread::yield_now(); }
    /// # }
    /// let sem = BoundedSemaphore::new(1);
    /// block_on(async {
    ///     let _permit = sem.permit_async().await;
    ///     assert_eq!(sem.value(), 0);
    /// });
    /// assert_eq!(sem.value(), 1);
    /// ```
    #[doc(alias = "__aenter__")]
    pub fn permit_async(&self) -> BoundedSemaphorePermitFuture<'_> {
        BoundedSemaphorePermitFuture {
            sem: self,
            waiting: Waiting::new(&self.core),
        }
    }
}

impl Semaphore {
    /// How many threads and tasks are queued for a permit.
    ///
    /// Python's semaphore has no such attribute; it is here so that code (and tests) can see a
    /// cancelled `acquire_async` left nothing behind.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Semaphore;
    /// let sem = Semaphore::new(0);
    /// assert_eq!(sem.n_waiting(), 0);
    /// ```
    pub fn n_waiting(&self) -> usize {
        lock(&self.core.state).waiters.len()
    }
}

impl BoundedSemaphore {
    /// How many threads and tasks are queued for a permit (see [`Semaphore::n_waiting`]).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::BoundedSemaphore;
    /// let sem = BoundedSemaphore::new(1);
    /// assert_eq!(sem.n_waiting(), 0);
    /// ```
    pub fn n_waiting(&self) -> usize {
        lock(&self.core.state).waiters.len()
    }
}
