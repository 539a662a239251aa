//! The async face of [`Condition`]: `lock_async` and `wait_async`, asyncio's
//! `async with cond:` and `await cond.wait()`.
//!
//! A task holds the condition's lock through a [`ConditionTaskGuard`], which (unlike
//! [`ConditionGuard`](super::ConditionGuard)) may move between threads with its task, so only a
//! condition built on a [`Lock`] has this face: an [`RLock`](super::RLock) belongs to a thread
//! (asyncio's `Condition` is built on its non-reentrant `Lock` too).
//!
//! `wait_async` queues the task's [`Slot`] in the same FIFO as the blocking waiters *before* it
//! releases the lock, so a `notify` after the release always finds it (the atomic release of
//! Python's `wait`); once signalled it re-takes the lock with [`Lock::acquire_async`].

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::{Condition, ConditionLock};
use crate::sync::atomic::Ordering;
use crate::sync::{Arc, lock};
use crate::threading::lock::{Lock, LockAcquire};
use crate::threading::wait_queue::Slot;

/// Why [`Condition::lock_async`] was refused: the condition is built on an
/// [`RLock`](super::RLock), which belongs to a thread, and a task may run on any thread.
///
/// # Examples
///
/// ```
/// use pythreading::threading::{Condition, RLockConditionError};
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let waker = std::task::Waker::noop();
/// #     let mut cx = std::task::Context::from_waker(waker);
/// #     let mut f = std::pin::pin!(f);
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } std::thread::yield_now(); }
/// # }
/// let cond = Condition::new(); // Python's default: an RLock
/// assert_eq!(block_on(cond.lock_async()).unwrap_err(), RLockConditionError);
/// assert!(RLockConditionError.to_string().starts_with("a task cannot hold"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RLockConditionError;

impl fmt::Display for RLockConditionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "a task cannot hold a condition built on an rlock (an rlock belongs to a thread): \
             build the condition on a lock",
        )
    }
}

impl Error for RLockConditionError {}

/// A [`Condition`]'s lock held by a task: released when dropped, `Send` (it may move between
/// threads with its task). Obtained from [`Condition::lock_async`]; give it to
/// [`Condition::wait_async`] to wait.
///
/// # Examples
///
/// ```
/// use pythreading::threading::{Condition, Lock};
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let waker = std::task::Waker::noop();
/// #     let mut cx = std::task::Context::from_waker(waker);
/// #     let mut f = std::pin::pin!(f);
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } std::thread::yield_now(); }
/// # }
/// let cond = Condition::with_lock(Lock::new());
/// let guard = block_on(cond.lock_async()).unwrap();
/// assert!(cond.locked());
/// drop(guard);
/// assert!(!cond.locked());
/// ```
#[must_use = "if unused the lock will immediately unlock"]
pub struct ConditionTaskGuard<'a> {
    cond: &'a Condition,
    lock: &'a Lock,
}

impl Drop for ConditionTaskGuard<'_> {
    fn drop(&mut self) {
        // Only refused if someone released the lock under us (Python allows that).
        let _ = self.lock.release();
    }
}

impl fmt::Debug for ConditionTaskGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConditionTaskGuard")
            .field("cond", self.cond)
            .finish()
    }
}

/// The future of [`Condition::lock_async`].
///
/// # Cancel safety
///
/// As [`Lock::acquire_async`]: dropping it before it completes takes nothing and leaves no
/// waiter behind.
///
/// # Examples
///
/// ```
/// # use pythreading::threading::{Condition, Lock};
/// let cond = Condition::with_lock(Lock::new());
/// let fut = cond.lock_async();
/// # drop(fut);
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct ConditionLockFuture<'a> {
    cond: &'a Condition,
    /// `None` when the condition is built on an RLock.
    acquire: Option<LockAcquire<'a>>,
}

impl<'a> Future for ConditionLockFuture<'a> {
    type Output = Result<ConditionTaskGuard<'a>, RLockConditionError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let cond = self.cond;
        match &mut self.acquire {
            None => Poll::Ready(Err(RLockConditionError)),
            Some(acquire) => Pin::new(acquire).poll(cx).map(|()| {
                Ok(ConditionTaskGuard {
                    cond,
                    lock: cond.task_lock().expect("checked when the future was made"),
                })
            }),
        }
    }
}

impl fmt::Debug for ConditionLockFuture<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConditionLockFuture")
            .field("cond", self.cond)
            .finish_non_exhaustive()
    }
}

/// Where a [`ConditionWait`] is.
enum Step<'a> {
    /// Not polled yet: the lock is still held, through this guard.
    Holding(ConditionTaskGuard<'a>),
    /// Queued (the lock released), waiting for a notify.
    Queued(Arc<Slot>),
    /// Notified; re-taking the lock.
    Retaking(LockAcquire<'a>),
    /// Completed, or dropped.
    Done,
}

/// The future of [`Condition::wait_async`]: resolves to the guard again, after a notify, with
/// the lock re-taken.
///
/// # Cancel safety
///
/// Dropping it leaves no waiter behind and leaves the lock released (the guard moved into the
/// future, and a drop cannot wait to re-take the lock). A notify it had already received is
/// passed on to the next waiter, so none is lost; that waiter may then find its predicate
/// false, which a condition's waiters check in a loop anyway.
///
/// # Examples
///
/// ```
/// # use pythreading::threading::{Condition, Lock};
/// let cond = Condition::with_lock(Lock::new());
/// # let _ = &cond;
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct ConditionWait<'a> {
    cond: &'a Condition,
    step: Step<'a>,
}

impl<'a> Future for ConditionWait<'a> {
    type Output = ConditionTaskGuard<'a>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<ConditionTaskGuard<'a>> {
        let cond = self.cond;
        loop {
            match &mut self.step {
                Step::Holding(_) => {
                    let slot = {
                        let mut waiters = lock(&cond.waiters);
                        let slot = waiters.push();
                        cond.n_waiters.store(waiters.len(), Ordering::Release);
                        slot
                    };
                    slot.poll_signalled(cx);
                    // Queued first, then released: a notify from here on finds this task.
                    let Step::Holding(guard) =
                        std::mem::replace(&mut self.step, Step::Queued(slot))
                    else {
                        unreachable!("matched above")
                    };
                    drop(guard);
                    return Poll::Pending;
                }
                Step::Queued(slot) => {
                    if !slot.poll_signalled(cx) {
                        return Poll::Pending;
                    }
                    let lock = cond.task_lock().expect("the guard proves a Lock");
                    self.step = Step::Retaking(lock.acquire_async());
                }
                Step::Retaking(acquire) => {
                    if Pin::new(acquire).poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    self.step = Step::Done;
                    let lock = cond.task_lock().expect("the guard proves a Lock");
                    return Poll::Ready(ConditionTaskGuard { cond, lock });
                }
                Step::Done => panic!("a condition wait was polled after it completed"),
            }
        }
    }
}

impl Drop for ConditionWait<'_> {
    fn drop(&mut self) {
        match std::mem::replace(&mut self.step, Step::Done) {
            Step::Queued(slot) => {
                let mut waiters = lock(&self.cond.waiters);
                if waiters.remove(&slot) {
                    self.cond.n_waiters.store(waiters.len(), Ordering::Release);
                } else {
                    // A notify popped us: hand it to the next waiter.
                    drop(waiters);
                    self.cond.notify(1);
                }
            }
            Step::Retaking(acquire) => {
                drop(acquire);
                self.cond.notify(1);
            }
            // Holding: the guard's drop releases the lock.
            Step::Holding(_) | Step::Done => {}
        }
    }
}

impl fmt::Debug for ConditionWait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let step = match self.step {
            Step::Holding(_) => "holding",
            Step::Queued(_) => "queued",
            Step::Retaking(_) => "retaking",
            Step::Done => "done",
        };
        f.debug_struct("ConditionWait")
            .field("cond", self.cond)
            .field("step", &step)
            .finish()
    }
}

impl Condition {
    /// The lock, when it is a [`Lock`] (the only kind a task may hold).
    fn task_lock(&self) -> Option<&Lock> {
        match &self.lock {
            ConditionLock::Lock(l) => Some(l),
            ConditionLock::RLock(_) => None,
        }
    }

    /// Takes the condition's lock without blocking the thread: asyncio's `async with cond:`.
    ///
    /// # Errors
    ///
    /// [`RLockConditionError`] when the condition is built on an [`RLock`](super::RLock)
    /// (the default of [`Condition::new`]): build it with [`Condition::with_lock`] on a
    /// [`Lock`] to use it from tasks. Threads may use the same condition's blocking face.
    ///
    /// # Cancel safety
    ///
    /// As [`Lock::acquire_async`].
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading::threading::{Condition, Lock};
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut cx = std::task::Context::from_waker(waker);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } std::thread::yield_now(); }
    /// # }
    /// let cond = Condition::with_lock(Lock::new());
    /// block_on(async {
    ///     let _guard = cond.lock_async().await.unwrap();
    ///     assert!(cond.locked());
    /// });
    /// assert!(!cond.locked());
    /// ```
    #[doc(alias = "__aenter__")]
    pub fn lock_async(&self) -> ConditionLockFuture<'_> {
        ConditionLockFuture {
            cond: self,
            acquire: self.task_lock().map(Lock::acquire_async),
        }
    }

    /// Releases the lock, waits for a [`notify`](Self::notify) without blocking the thread, and
    /// re-takes the lock: asyncio's `await cond.wait()`, returning the guard.
    ///
    /// The task queues in the same FIFO as the threads blocked in [`wait`](Self::wait), before
    /// the lock is released, so a notify made after it cannot be missed, and `notify(n)` wakes
    /// the `n` oldest waiters, threads and tasks alike.
    ///
    /// # Panics
    ///
    /// If `guard` belongs to another condition.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future leaves no waiter behind and leaves the lock released; a notify it
    /// had already received goes on to the next waiter (see [`ConditionWait`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// use pythreading::threading::{Condition, Lock};
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut cx = std::task::Context::from_waker(waker);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } std::thread::yield_now(); }
    /// # }
    ///
    /// let cond = Arc::new(Condition::with_lock(Lock::new()));
    /// let ready = Arc::new(AtomicBool::new(false));
    /// let (c, r) = (Arc::clone(&cond), Arc::clone(&ready));
    /// // A thread sets the state under the lock and notifies…
    /// let producer = std::thread::spawn(move || {
    ///     let _guard = c.lock();
    ///     r.store(true, Ordering::SeqCst);
    ///     c.notify_all();
    /// });
    /// // …and a task waits for it.
    /// block_on(async {
    ///     let mut guard = cond.lock_async().await.unwrap();
    ///     while !ready.load(Ordering::SeqCst) {
    ///         guard = cond.wait_async(guard).await;
    ///     }
    ///     drop(guard);
    /// });
    /// producer.join().unwrap();
    /// ```
    #[doc(alias = "wait")]
    pub fn wait_async<'a>(&'a self, guard: ConditionTaskGuard<'a>) -> ConditionWait<'a> {
        assert!(
            std::ptr::eq(self, guard.cond),
            "a Condition was waited on with another Condition's guard"
        );
        ConditionWait {
            cond: self,
            step: Step::Holding(guard),
        }
    }
}
