//! The async face of [`Thread::join`]: `join_async`, a future that completes when the thread
//! has finished.
//!
//! A pending future keeps its task's waker in the thread record's `joiners` list, under a key of
//! its own so that dropping it takes exactly its entry out. `finish` sets the finished flag
//! before it takes the list, and a poll reads the flag under the list's lock: a finish is either
//! seen by the poll or finds the waker.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll, Waker};

use super::{Kind, Thread, lock};
use crate::threading::JoinError;
use crate::threading::registry::get_ident;

/// The wakers of the tasks awaiting one thread, each under its own key.
#[derive(Debug, Default)]
pub(super) struct Joiners {
    next_key: u64,
    wakers: Vec<(u64, Waker)>,
}

impl Thread {
    /// Wakes every task awaiting this thread (called by `finish`, after the flag is set).
    pub(super) fn wake_joiners(&self) {
        let wakers = std::mem::take(&mut lock(&self.inner.joiners).wakers);
        for (_, waker) in wakers {
            waker.wake();
        }
    }

    /// Waits for the thread to finish without blocking the caller's thread: the task face of
    /// [`join`](Self::join). Any number of tasks (and threads) may wait for one thread.
    ///
    /// The future owns a clone of the handle, so it can be moved into a spawned task.
    ///
    /// # Errors
    ///
    /// As [`join`](Self::join): [`JoinError::DummyThread`] for a thread this library did not
    /// start, [`JoinError::CurrentThread`] when polled on the thread it waits for.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future before it completes leaves nothing behind in the thread's record.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading::threading;
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut cx = std::task::Context::from_waker(waker);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } std::thread::yield_now(); }
    /// # }
    ///
    /// let thread = threading::spawn(|| ()).thread().clone();
    /// block_on(thread.join_async()).unwrap(); // a task waits for a thread
    /// assert!(!thread.is_alive());
    /// ```
    #[doc(alias = "join")]
    pub fn join_async(&self) -> ThreadJoin {
        ThreadJoin {
            thread: self.clone(),
            key: None,
        }
    }

    /// How many tasks are pending in [`join_async`](Self::join_async) for this thread now
    /// (introspection; Python has none).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading;
    /// assert_eq!(threading::current_thread().n_joining_tasks(), 0);
    /// ```
    pub fn n_joining_tasks(&self) -> usize {
        lock(&self.inner.joiners).wakers.len()
    }
}

/// The future of [`Thread::join_async`]: resolves once the thread has finished.
///
/// # Cancel safety
///
/// Dropping it before it completes leaves nothing behind.
///
/// # Examples
///
/// ```
/// # use pythreading::threading;
/// let join = threading::spawn(|| ()).thread().join_async();
/// # drop(join);
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct ThreadJoin {
    thread: Thread,
    /// This future's entry in the thread's `joiners`, once registered.
    key: Option<u64>,
}

impl Future for ThreadJoin {
    type Output = Result<(), JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = &self.thread.inner;
        if inner.kind == Kind::Dummy {
            return Poll::Ready(Err(JoinError::DummyThread));
        }
        if inner.ident == get_ident() {
            return Poll::Ready(Err(JoinError::CurrentThread));
        }
        let mut joiners = lock(&inner.joiners);
        if inner.finished.load(Ordering::Acquire) {
            // `finish` drained the list (or will find this entry gone); nothing to take out.
            if let Some(key) = self.key {
                joiners.wakers.retain(|(k, _)| *k != key);
            }
            drop(joiners);
            self.key = None;
            return Poll::Ready(Ok(()));
        }
        let key = match self.key {
            Some(key) => key,
            None => {
                let key = joiners.next_key;
                joiners.next_key += 1;
                key
            }
        };
        match joiners.wakers.iter_mut().find(|(k, _)| *k == key) {
            Some((_, waker)) => {
                if !waker.will_wake(cx.waker()) {
                    *waker = cx.waker().clone();
                }
            }
            None => joiners.wakers.push((key, cx.waker().clone())),
        }
        drop(joiners);
        self.key = Some(key);
        Poll::Pending
    }
}

impl Drop for ThreadJoin {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            lock(&self.thread.inner.joiners)
                .wakers
                .retain(|(k, _)| *k != key);
        }
    }
}

impl fmt::Debug for ThreadJoin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadJoin")
            .field("thread", &self.thread)
            .field("pending", &self.key.is_some())
            .finish()
    }
}
