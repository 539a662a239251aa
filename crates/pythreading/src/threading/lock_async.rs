//! The async face of [`Lock`]: `acquire_async` and `lock_async`.
//!
//! A task that finds the lock held marks it contended (as a parking thread does), queues a
//! [`Slot`] holding its waker under the lock's `park` mutex and counts itself in `parked`; a
//! release that sees the contended mark wakes one parked thread and one queued task, and whoever
//! swaps the state first takes the lock. The re-check of the state after queueing is the same
//! read-modify-write the parking thread does, so a release cannot slip between the check and
//! the queueing unseen (see `Lock::acquire_slow`).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::{Lock, LockGuard};
use crate::sync::atomic::Ordering;
use crate::sync::{Arc, lock};
use crate::threading::wait_queue::Slot;

/// One task's attempt at the lock: not tried yet, queued on a slot, or done.
#[derive(Debug)]
struct Waiting<'a> {
    lock: &'a Lock,
    slot: Option<Arc<Slot>>,
    tried: bool,
    done: bool,
}

impl<'a> Waiting<'a> {
    fn new(lock: &'a Lock) -> Self {
        Waiting {
            lock,
            slot: None,
            tried: false,
            done: false,
        }
    }

    /// `Ready` once this task holds the lock.
    fn poll_acquire(&mut self, cx: &Context<'_>) -> Poll<()> {
        assert!(!self.done, "a lock future was polled after it completed");
        let l = self.lock;
        if let Some(slot) = &self.slot {
            if !slot.poll_signalled(cx) {
                return Poll::Pending;
            }
            // A release popped our slot and woke us: try again, no longer queued.
            self.slot = None;
            l.parked.fetch_sub(1, Ordering::Relaxed);
        } else if !self.tried {
            self.tried = true;
            // The uncontended case leaves the lock in the plain locked state.
            if l.try_acquire() {
                self.done = true;
                return Poll::Ready(());
            }
        }
        loop {
            // As in `acquire_slow`: once a waiter, take the lock only in the contended state,
            // so a lock with queued waiters is always marked and its release wakes one.
            if l.take_or_mark_contended() {
                self.done = true;
                return Poll::Ready(());
            }
            let mut tasks = lock(&l.park);
            l.parked.fetch_add(1, Ordering::Relaxed);
            if l.still_contended().is_some() {
                // `wake_one` pops under `park`, held here: the waker is in before it can look.
                let slot = tasks.get_or_insert_with(Box::default).push();
                slot.poll_signalled(cx);
                self.slot = Some(slot);
                return Poll::Pending;
            }
            l.parked.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        let Some(slot) = self.slot.take() else {
            return;
        };
        let l = self.lock;
        let mut tasks = lock(&l.park);
        let queued = tasks.as_mut().is_some_and(|tasks| tasks.remove(&slot));
        l.parked.fetch_sub(1, Ordering::Relaxed);
        drop(tasks);
        if !queued {
            // A release woke this task, which now will not try: pass the wake-up on, or a
            // waiter queued behind it could sleep on a free lock.
            l.wake_one();
        }
    }
}

/// The future of [`Lock::acquire_async`]: resolves once the lock is held.
///
/// # Cancel safety
///
/// Dropping it before it completes does not take the lock and leaves no waiter behind.
///
/// # Examples
///
/// ```
/// # use pythreading::threading::Lock;
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let waker = std::task::Waker::noop();
/// #     let mut cx = std::task::Context::from_waker(waker);
/// #     let mut f = std::pin::pin!(f);
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } std::thread::yield_now(); }
/// # }
/// let lock = Lock::new();
/// block_on(lock.acquire_async());
/// assert!(lock.locked());
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct LockAcquire<'a> {
    waiting: Waiting<'a>,
}

impl Future for LockAcquire<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.waiting.poll_acquire(cx)
    }
}

impl fmt::Debug for LockAcquire<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LockAcquire")
            .field("lock", self.waiting.lock)
            .field("queued", &self.waiting.slot.is_some())
            .finish()
    }
}

/// The future of [`Lock::lock_async`]: resolves to a [`LockGuard`].
///
/// # Cancel safety
///
/// Dropping it before it completes does not take the lock and leaves no waiter behind.
///
/// # Examples
///
/// ```
/// # use pythreading::threading::Lock;
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let waker = std::task::Waker::noop();
/// #     let mut cx = std::task::Context::from_waker(waker);
/// #     let mut f = std::pin::pin!(f);
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } std::thread::yield_now(); }
/// # }
/// let lock = Lock::new();
/// let guard = block_on(lock.lock_async());
/// assert!(lock.locked());
/// drop(guard);
/// assert!(!lock.locked());
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct LockGuardFuture<'a> {
    waiting: Waiting<'a>,
}

impl<'a> Future for LockGuardFuture<'a> {
    type Output = LockGuard<'a>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<LockGuard<'a>> {
        let lock = self.waiting.lock;
        self.waiting.poll_acquire(cx).map(|()| LockGuard { lock })
    }
}

impl fmt::Debug for LockGuardFuture<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LockGuardFuture")
            .field("lock", self.waiting.lock)
            .field("queued", &self.waiting.slot.is_some())
            .finish()
    }
}

impl Lock {
    /// Waits for the lock without blocking the thread: the task face of
    /// [`acquire`](Self::acquire). Release it with [`release`](Self::release), from any thread
    /// or task.
    ///
    /// Works on any executor (it only uses the task's `Waker`). Threads and tasks compete for
    /// the lock on equal terms; like the blocking face, it is not FIFO.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future before it completes does not take the lock and leaves no waiter
    /// behind; a wake-up it was given in the meantime goes to another waiter.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use pythreading::threading::Lock;
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut cx = std::task::Context::from_waker(waker);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } std::thread::yield_now(); }
    /// # }
    ///
    /// let lock = Arc::new(Lock::new());
    /// lock.acquire();
    /// let releaser = Arc::clone(&lock);
    /// let t = std::thread::spawn(move || releaser.release().unwrap());
    /// block_on(lock.acquire_async()); // a task takes what a thread released
    /// t.join().unwrap();
    /// assert!(lock.locked());
    /// ```
    #[doc(alias = "acquire")]
    pub fn acquire_async(&self) -> LockAcquire<'_> {
        LockAcquire {
            waiting: Waiting::new(self),
        }
    }

    /// Waits for the lock without blocking the thread and returns a guard that releases it:
    /// the task face of [`lock`](Self::lock), asyncio's `async with lock:`.
    ///
    /// # Cancel safety
    ///
    /// As [`acquire_async`](Self::acquire_async).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Lock;
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut cx = std::task::Context::from_waker(waker);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } std::thread::yield_now(); }
    /// # }
    /// let lock = Lock::new();
    /// block_on(async {
    ///     let _guard = lock.lock_async().await;
    ///     assert!(lock.locked());
    /// });
    /// assert!(!lock.locked());
    /// ```
    #[doc(alias = "__aenter__")]
    pub fn lock_async(&self) -> LockGuardFuture<'_> {
        LockGuardFuture {
            waiting: Waiting::new(self),
        }
    }

    /// How many tasks are queued in [`acquire_async`](Self::acquire_async) /
    /// [`lock_async`](Self::lock_async) now (introspection; Python has none): what shows that
    /// cancelled futures left nothing behind.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Lock;
    /// assert_eq!(Lock::new().n_waiting_tasks(), 0);
    /// ```
    pub fn n_waiting_tasks(&self) -> usize {
        lock(&self.park).as_ref().map_or(0, |tasks| tasks.len())
    }
}
