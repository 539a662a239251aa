//! `TaskFuture<T>`: the public handle to one submitted task (Python's `concurrent.futures.Future`).
//!
//! The state machine is Python's: `Pending → Running → Finished`, or `Pending → Cancelled →
//! CancelledNotified` (the second step happens when the pool acknowledges the cancellation: a
//! worker dequeues the task, or `shutdown` drains it). The state lives in `task_state.rs`; the
//! pool's side of the task (the job it runs) in `pool_job.rs`.

use crate::diagnostics::{self, Kind};
use std::fmt;
use std::future::Future;
use std::mem;
use std::pin::Pin;
use std::sync::Arc as StdArc;
use std::task::{Context, Poll};
use std::time::Duration;

use super::error::{ResultTimeoutError, TaskError, WaitTimeoutError};
use super::pool_job::{CallableSlot, Job, JobOf};
use super::task_state::{
    Inner, Outcome, Phase, is_failure, run_callbacks, spin_until_done, wake_all,
};
use super::wait::Waiter;
use crate::deadline::Deadline;
use crate::sync::{Arc, MutexGuard, lock};

/// A handle to a task submitted to a [`ThreadPoolExecutor`](super::ThreadPoolExecutor):
/// Python's `concurrent.futures.Future`.
///
/// Named `TaskFuture` because `Future` is the std trait, which this type also implements (so
/// `async` code can `.await` a pool task). Clones are cheap and name the same task; equality
/// and hashing are by identity, as in Python.
///
/// | Python | Rust |
/// |---|---|
/// | `f.result()`, `f.result(timeout)` | [`result`](Self::result) (`T: Clone`), [`result_timeout`](Self::result_timeout); [`take_result`](Self::take_result) moves the value out once |
/// | `f.exception()`, `f.exception(timeout)` | [`exception`](Self::exception), [`exception_timeout`](Self::exception_timeout) |
/// | `f.cancel()`, `cancelled()`, `running()`, `done()` | [`cancel`](Self::cancel), [`is_cancelled`](Self::is_cancelled), [`is_running`](Self::is_running), [`is_done`](Self::is_done) |
/// | `f.add_done_callback(fn)` | [`add_done_callback`](Self::add_done_callback) |
///
/// # Examples
///
/// ```
/// use pythreading::futures::ThreadPoolExecutor;
///
/// let pool = ThreadPoolExecutor::new(2).unwrap();
/// let f = pool.submit(|| 6 * 7).unwrap();
/// assert_eq!(f.result().unwrap(), 42);
/// assert_eq!(f.result().unwrap(), 42); // readable again, as in Python
/// assert!(f.is_done() && !f.is_cancelled());
/// ```
#[doc(alias = "Future")]
pub struct TaskFuture<T> {
    job: StdArc<Job<T, dyn CallableSlot>>,
}

impl<T> Clone for TaskFuture<T> {
    fn clone(&self) -> Self {
        TaskFuture {
            job: self.job.clone(),
        }
    }
}

impl<T> PartialEq for TaskFuture<T> {
    fn eq(&self, other: &Self) -> bool {
        StdArc::ptr_eq(&self.job, &other.job)
    }
}

impl<T> Eq for TaskFuture<T> {}

impl<T> std::hash::Hash for TaskFuture<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.addr().hash(state);
    }
}

impl<T> fmt::Debug for TaskFuture<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Python's repr (Q-14): pending, running, cancelled, finished returned / raised.
        let g = lock(&self.job.core.inner);
        let state = match (self.job.phase(&g), &g.outcome) {
            (Phase::Pending, _) => "pending",
            (Phase::Running, _) => "running",
            (Phase::Cancelled | Phase::CancelledNotified, _) => "cancelled",
            (Phase::Finished, Outcome::Panicked(_)) => "finished panicked",
            (Phase::Finished, Outcome::Broken(_)) => "finished broken pool",
            (Phase::Finished, _) => "finished returned",
        };
        drop(g);
        write!(f, "TaskFuture {{ at: {:#x}, state: {state} }}", self.addr())
    }
}

impl<T> TaskFuture<T> {
    pub(crate) fn from_job<F>(job: StdArc<JobOf<T, F>>) -> Self
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        TaskFuture { job }
    }

    pub(crate) fn addr(&self) -> usize {
        StdArc::as_ptr(&self.job) as *const () as usize
    }

    /// Blocks until done or the deadline; returns the guard and whether it is done.
    #[track_caller]
    fn wait_done(&self, deadline: Deadline) -> (MutexGuard<'_, Inner<T>>, bool) {
        let core = &self.job.core;
        if !deadline.has_passed() {
            spin_until_done(&core.done);
        }
        let mut g = lock(&core.inner);
        while !g.phase.is_done() {
            let remaining = deadline.remaining();
            if remaining == Some(Duration::ZERO) {
                return (g, false);
            }
            g.blocked += 1;
            let _waiting = diagnostics::waiting_for(Kind::Future);
            g = match remaining {
                None => match core.cond.wait(g) {
                    Ok(g) => g,
                    Err(p) => p.into_inner(),
                },
                Some(d) => match core.cond.wait_timeout(g, d) {
                    Ok((g, _)) => g,
                    Err(p) => p.into_inner().0,
                },
            };
            g.blocked -= 1;
        }
        (g, true)
    }

    fn read(g: &Inner<T>) -> Result<T, TaskError>
    where
        T: Clone,
    {
        match &g.outcome {
            Outcome::Value(v) => Ok(v.clone()),
            other => Err(Self::failure(g.phase, other)),
        }
    }

    fn take(g: &mut Inner<T>) -> Result<T, TaskError> {
        match mem::replace(&mut g.outcome, Outcome::Empty) {
            Outcome::Value(v) => {
                g.outcome = Outcome::Taken;
                Ok(v)
            }
            other => {
                g.outcome = other;
                Err(Self::failure(g.phase, &g.outcome))
            }
        }
    }

    fn failure(phase: Phase, o: &Outcome<T>) -> TaskError {
        match o {
            Outcome::Panicked(p) => TaskError::Panicked(p.clone()),
            Outcome::Broken(b) => TaskError::BrokenPool(b.clone()),
            Outcome::Taken | Outcome::Value(_) => TaskError::Taken,
            Outcome::Empty if phase.is_cancelled() => TaskError::Cancelled,
            // A finished task always has an outcome; treat the impossible as cancelled
            // rather than panicking in library code.
            Outcome::Empty => TaskError::Cancelled,
        }
    }

    /// Waits for the task and returns a clone of its value (Python's `result()`).
    ///
    /// # Errors
    ///
    /// [`TaskError::Cancelled`] if the task was cancelled (also while waiting, Q-05),
    /// [`TaskError::Panicked`] if it panicked, [`TaskError::BrokenPool`] if its pool broke first,
    /// [`TaskError::Taken`] if the value was moved out by [`take_result`](Self::take_result).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::futures::ThreadPoolExecutor;
    /// let pool = ThreadPoolExecutor::new(1).unwrap();
    /// let f = pool.submit(|| String::from("done")).unwrap();
    /// assert_eq!(f.result().unwrap(), "done");
    /// ```
    #[track_caller]
    pub fn result(&self) -> Result<T, TaskError>
    where
        T: Clone,
    {
        let (g, _) = self.wait_done(Deadline::Never);
        Self::read(&g)
    }

    /// [`result`](Self::result) with a timeout (`Duration::ZERO` polls, `Duration::MAX` waits forever).
    ///
    /// # Errors
    ///
    /// [`ResultTimeoutError::Timeout`] if the task is not done in time (Q-04), otherwise the
    /// task's [`TaskError`] wrapped in [`ResultTimeoutError::Task`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use pythreading::futures::ThreadPoolExecutor;
    /// let pool = ThreadPoolExecutor::new(1).unwrap();
    /// let f = pool.submit(|| 42).unwrap();
    /// assert_eq!(f.result_timeout(Duration::from_secs(5)).unwrap(), 42);
    /// ```
    #[doc(alias = "result")]
    #[track_caller]
    pub fn result_timeout(&self, timeout: Duration) -> Result<T, ResultTimeoutError>
    where
        T: Clone,
    {
        let (g, done) = self.wait_done(Deadline::after(timeout));
        if !done {
            return Err(ResultTimeoutError::Timeout);
        }
        Ok(Self::read(&g)?)
    }

    /// Waits for the task and moves its value out, for types that are not `Clone`.
    ///
    /// Afterwards every handle to this task reads [`TaskError::Taken`] instead of the value.
    ///
    /// # Errors
    ///
    /// As [`result`](Self::result).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::futures::{TaskError, ThreadPoolExecutor};
    /// struct Unique(u8);
    /// let pool = ThreadPoolExecutor::new(1).unwrap();
    /// let f = pool.submit(|| Unique(7)).unwrap();
    /// assert_eq!(f.take_result().unwrap().0, 7);
    /// assert!(matches!(f.take_result(), Err(TaskError::Taken)));
    /// ```
    #[doc(alias = "into_result")]
    pub fn take_result(&self) -> Result<T, TaskError> {
        let (mut g, _) = self.wait_done(Deadline::Never);
        Self::take(&mut g)
    }

    /// [`take_result`](Self::take_result) with a timeout.
    ///
    /// # Errors
    ///
    /// As [`result_timeout`](Self::result_timeout); on timeout the value stays in place.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use pythreading::futures::ThreadPoolExecutor;
    /// let pool = ThreadPoolExecutor::new(1).unwrap();
    /// let f = pool.submit(|| vec![1, 2]).unwrap();
    /// assert_eq!(f.take_result_timeout(Duration::from_secs(5)).unwrap(), vec![1, 2]);
    /// ```
    pub fn take_result_timeout(&self, timeout: Duration) -> Result<T, ResultTimeoutError> {
        let (mut g, done) = self.wait_done(Deadline::after(timeout));
        if !done {
            return Err(ResultTimeoutError::Timeout);
        }
        Ok(Self::take(&mut g)?)
    }

    /// Waits for the task and returns why it failed, or `None` if it produced a value
    /// (Python's `exception()`).
    ///
    /// Python raises `CancelledError` from `exception()` on a cancelled future; here the
    /// cancellation is returned as `Some(TaskError::Cancelled)`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::futures::ThreadPoolExecutor;
    /// let pool = ThreadPoolExecutor::new(1).unwrap();
    /// assert!(pool.submit(|| 1).unwrap().exception().is_none());
    /// let bad = pool.submit(|| -> i32 { panic!("no") }).unwrap();
    /// assert!(bad.exception().unwrap().is_failure());
    /// ```
    #[track_caller]
    pub fn exception(&self) -> Option<TaskError> {
        let (g, _) = self.wait_done(Deadline::Never);
        Self::exception_of(&g)
    }

    fn exception_of(g: &Inner<T>) -> Option<TaskError> {
        match &g.outcome {
            Outcome::Value(_) | Outcome::Taken => None,
            other => Some(Self::failure(g.phase, other)),
        }
    }

    /// [`exception`](Self::exception) with a timeout.
    ///
    /// # Errors
    ///
    /// [`WaitTimeoutError`] if the task is not done in time (Q-06).
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use pythreading::futures::ThreadPoolExecutor;
    /// let pool = ThreadPoolExecutor::new(1).unwrap();
    /// let f = pool.submit(|| 1).unwrap();
    /// assert!(f.exception_timeout(Duration::from_secs(5)).unwrap().is_none());
    /// ```
    #[doc(alias = "exception")]
    #[track_caller]
    pub fn exception_timeout(
        &self,
        timeout: Duration,
    ) -> Result<Option<TaskError>, WaitTimeoutError> {
        let (g, done) = self.wait_done(Deadline::after(timeout));
        if !done {
            return Err(WaitTimeoutError);
        }
        Ok(Self::exception_of(&g))
    }

    /// Cancels the task if it has not started; returns whether it is cancelled (Q-02).
    ///
    /// A pending task is cancelled (its callbacks run, blocked readers get
    /// [`TaskError::Cancelled`]); a running or finished one is left alone and `false` is
    /// returned; an already-cancelled one returns `true`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use pythreading::futures::{TaskError, ThreadPoolExecutor};
    /// let pool = ThreadPoolExecutor::new(1).unwrap();
    /// let (tx, rx) = std::sync::mpsc::channel::<()>();
    /// let busy = pool.submit(move || rx.recv().ok()).unwrap();
    /// let queued = pool.submit(|| 2).unwrap();
    /// assert!(queued.cancel());
    /// assert!(matches!(queued.result(), Err(TaskError::Cancelled)));
    /// tx.send(()).unwrap();
    /// assert!(!busy.cancel() || busy.is_cancelled());
    /// ```
    pub fn cancel(&self) -> bool {
        let g = lock(&self.job.core.inner);
        match g.phase {
            Phase::Running | Phase::Finished => false,
            Phase::Cancelled | Phase::CancelledNotified => true,
            Phase::Pending => {
                // Claims the callable; if a worker took it first, the task is running.
                let Some(f) = self.job.slot.take_erased() else {
                    return false;
                };
                let callbacks = wake_all(&self.job.core, g, Phase::Cancelled);
                // Dropped outside the lock: its captures may run arbitrary drop code.
                drop(f);
                run_callbacks(self, callbacks);
                true
            }
        }
    }

    /// Whether the task was cancelled (Python's `cancelled()`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::futures::ThreadPoolExecutor;
    /// let pool = ThreadPoolExecutor::new(1).unwrap();
    /// let f = pool.submit(|| ()).unwrap();
    /// f.result().unwrap();
    /// assert!(!f.is_cancelled());
    /// ```
    #[doc(alias = "cancelled")]
    pub fn is_cancelled(&self) -> bool {
        lock(&self.job.core.inner).phase.is_cancelled()
    }

    /// Whether the task is running right now (Python's `running()`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::futures::ThreadPoolExecutor;
    /// let pool = ThreadPoolExecutor::new(1).unwrap();
    /// let f = pool.submit(|| ()).unwrap();
    /// f.result().unwrap();
    /// assert!(!f.is_running());
    /// ```
    #[doc(alias = "running")]
    pub fn is_running(&self) -> bool {
        let g = lock(&self.job.core.inner);
        self.job.phase(&g) == Phase::Running
    }

    /// Whether the task finished or was cancelled (Python's `done()`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::futures::ThreadPoolExecutor;
    /// let pool = ThreadPoolExecutor::new(1).unwrap();
    /// let f = pool.submit(|| ()).unwrap();
    /// f.result().unwrap();
    /// assert!(f.is_done());
    /// ```
    #[doc(alias = "done")]
    pub fn is_done(&self) -> bool {
        lock(&self.job.core.inner).phase.is_done()
    }

    /// Calls `callback(&future)` once the task is done (finished or cancelled); at once, on
    /// this thread, if it already is (Q-11, Q-12).
    ///
    /// Callbacks run in registration order, on the thread that completes the task. A callback
    /// that panics is reported on stderr and the others still run (Q-13).
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::mpsc;
    /// # use pythreading::futures::ThreadPoolExecutor;
    /// let pool = ThreadPoolExecutor::new(1).unwrap();
    /// let (tx, rx) = mpsc::channel();
    /// let f = pool.submit(|| 5).unwrap();
    /// f.add_done_callback(move |f| tx.send(f.result().unwrap()).unwrap());
    /// assert_eq!(rx.recv().unwrap(), 5);
    /// ```
    pub fn add_done_callback<C>(&self, callback: C)
    where
        C: FnOnce(&TaskFuture<T>) + Send + 'static,
    {
        let mut g = lock(&self.job.core.inner);
        if !g.phase.is_done() {
            g.extras().callbacks.push(Box::new(callback));
            return;
        }
        drop(g);
        run_callbacks(self, vec![Box::new(callback)]);
    }

    /// For `wait`/`as_completed`: `Some(failed)` if done for them, else registers `waiter`.
    pub(crate) fn register(&self, waiter: &Arc<Waiter>, index: usize) -> Option<bool> {
        let mut g = lock(&self.job.core.inner);
        match g.phase {
            Phase::Finished => Some(is_failure(&g.outcome)),
            Phase::CancelledNotified => Some(false),
            _ => {
                g.extras().waiters.push((waiter.clone(), index));
                None
            }
        }
    }

    /// Removes `waiter` (if it is still registered).
    pub(crate) fn unregister(&self, waiter: &Arc<Waiter>) {
        let mut g = lock(&self.job.core.inner);
        if let Some(e) = &mut g.extras {
            e.waiters.retain(|(w, _)| !Arc::ptr_eq(w, waiter));
        }
    }
}

impl<T> TaskFuture<T> {
    /// The lock on the state once the task is done; otherwise registers the task's waker (once
    /// per waker) and gives `None`.
    fn poll_done(&self, cx: &Context<'_>) -> Option<MutexGuard<'_, Inner<T>>> {
        let mut g = lock(&self.job.core.inner);
        if g.phase.is_done() {
            return Some(g);
        }
        let wakers = &mut g.extras().wakers;
        if !wakers.iter().any(|w| w.will_wake(cx.waker())) {
            wakers.push(cx.waker().clone());
        }
        None
    }

    /// Waits for the task without blocking the thread and moves its value out: the async face
    /// of [`take_result`](Self::take_result), for values that are not `Clone` (awaiting the
    /// `TaskFuture` itself leaves the value readable, and needs `T: Clone`).
    ///
    /// Afterwards every handle to this task reads [`TaskError::Taken`] instead of the value.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::futures::{TaskError, ThreadPoolExecutor};
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut cx = std::task::Context::from_waker(waker);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } std::thread::yield_now(); }
    /// # }
    /// struct Unique(u8);
    /// let pool = ThreadPoolExecutor::new(1).unwrap();
    /// let f = pool.submit(|| Unique(7)).unwrap();
    /// assert_eq!(block_on(f.take_result_async()).unwrap().0, 7);
    /// assert!(matches!(f.take_result(), Err(TaskError::Taken)));
    /// ```
    #[doc(alias = "into_result")]
    pub fn take_result_async(&self) -> TakeResultFuture<T> {
        TakeResultFuture { fut: self.clone() }
    }
}

/// Awaiting a `TaskFuture` reads a clone of the value, as [`result`](TaskFuture::result) does:
/// like Python's `await fut`, it takes nothing from the other handles, which can still read the
/// result (or await it too). To move a value that is not `Clone` out, await
/// [`take_result_async`](TaskFuture::take_result_async).
///
/// # Examples
///
/// ```
/// # use pythreading::futures::ThreadPoolExecutor;
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let waker = std::task::Waker::noop();
/// #     let mut cx = std::task::Context::from_waker(waker);
/// #     let mut f = std::pin::pin!(f);
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } std::thread::yield_now(); }
/// # }
/// let pool = ThreadPoolExecutor::new(1).unwrap();
/// let f = pool.submit(|| 3).unwrap();
/// let g = f.clone();
/// let doubled = block_on(async move { g.await.unwrap() * 2 });
/// assert_eq!(doubled, 6);
/// assert_eq!(f.result().unwrap(), 3); // still readable
/// ```
impl<T: Clone> Future for TaskFuture<T> {
    type Output = Result<T, TaskError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.poll_done(cx) {
            Some(g) => Poll::Ready(Self::read(&g)),
            None => Poll::Pending,
        }
    }
}

/// The future of [`TaskFuture::take_result_async`]: moves the task's value out when it is done.
///
/// # Examples
///
/// ```
/// # use pythreading::futures::ThreadPoolExecutor;
/// let pool = ThreadPoolExecutor::new(1).unwrap();
/// let f = pool.submit(|| String::from("moved")).unwrap();
/// let take = f.take_result_async(); // owns a handle: it can be sent to another task
/// # drop(take);
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct TakeResultFuture<T> {
    fut: TaskFuture<T>,
}

impl<T> Future for TakeResultFuture<T> {
    type Output = Result<T, TaskError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.fut.poll_done(cx) {
            Some(mut g) => Poll::Ready(TaskFuture::take(&mut g)),
            None => Poll::Pending,
        }
    }
}

impl<T> fmt::Debug for TakeResultFuture<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TakeResultFuture").field(&self.fut).finish()
    }
}
