//! `TaskFuture<T>`: the shared state of one submitted task (Python's `concurrent.futures.Future`).
//!
//! The state machine is Python's: `Pending → Running → Finished`, or `Pending → Cancelled →
//! CancelledNotified` (the second step happens when the pool acknowledges the cancellation: a
//! worker dequeues the task, or `shutdown` drains it). Everything about one task lives in ONE
//! allocation, the [`Job`]: the state behind a mutex, a condition variable for blocked readers,
//! and the callable itself, so the hot path (submit → run → result) allocates once.

use crate::diagnostics::{self, Kind};
use std::fmt;
use std::future::Future;
use std::io::Write;
use std::mem;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
// The job is shared through `std`'s Arc even under loom: loom's Arc cannot be coerced to a trait
// object, and the interesting interleavings are in the mutex/condvar inside, which are loom's.
use std::sync::Arc as StdArc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use super::error::{BrokenPool, ResultTimeoutError, TaskError, TaskPanic, WaitTimeoutError};
use super::wait::Waiter;
use crate::deadline::Deadline;
use crate::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use crate::sync::{Arc, Condvar, Mutex, MutexGuard, lock};

/// Python's future states (Q-01).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    Pending,
    Running,
    Finished,
    /// Cancelled, but `wait`/`as_completed` are not told yet (Python's CANCELLED).
    Cancelled,
    /// Cancelled and acknowledged by the pool (Python's CANCELLED_AND_NOTIFIED).
    CancelledNotified,
}

impl Phase {
    fn is_done(self) -> bool {
        matches!(
            self,
            Phase::Finished | Phase::Cancelled | Phase::CancelledNotified
        )
    }

    fn is_cancelled(self) -> bool {
        matches!(self, Phase::Cancelled | Phase::CancelledNotified)
    }
}

enum Outcome<T> {
    Empty,
    Value(T),
    Taken,
    Panicked(TaskPanic),
    Broken(BrokenPool),
}

type Callback<T> = Box<dyn FnOnce(&TaskFuture<T>) + Send>;

struct Inner<T> {
    phase: Phase,
    outcome: Outcome<T>,
    /// Threads blocked on `cond`: completion only pays for a wake-up when someone waits.
    blocked: u32,
    /// Callbacks, waiters and wakers: most tasks have none, so they live in a second
    /// allocation made only when the first one registers (the task itself stays small).
    extras: Option<Box<Extras<T>>>,
}

struct Extras<T> {
    callbacks: Vec<Callback<T>>,
    /// `wait` / `as_completed` calls watching this future, with this future's index in theirs.
    waiters: Vec<(Arc<Waiter>, usize)>,
    wakers: Vec<Waker>,
}

impl<T> Inner<T> {
    fn extras(&mut self) -> &mut Extras<T> {
        self.extras.get_or_insert_with(|| {
            Box::new(Extras {
                callbacks: Vec::new(),
                waiters: Vec::new(),
                wakers: Vec::new(),
            })
        })
    }
}

struct Core<T> {
    inner: Mutex<Inner<T>>,
    cond: Condvar,
    /// Set (under the lock) when the phase becomes done: lets a reader spin without the lock.
    done: AtomicBool,
}

/// One task: its state and its callable, in a single allocation.
pub(crate) struct Job<T, S: ?Sized> {
    core: Core<T>,
    slot: S,
}

/// The callable's slot, seen without its type by [`TaskFuture`] (to drop it on `cancel`).
pub(crate) trait Slot: Send + Sync {
    fn discard(&self);
}

pub(crate) struct FnSlot<F>(Mutex<Option<F>>);

impl<F: Send> Slot for FnSlot<F> {
    fn discard(&self) {
        let f = lock(&self.0).take();
        // Dropped outside the lock: the callable's captures may run arbitrary drop code.
        drop(f);
    }
}

/// What the pool's work queue holds: a job with its types erased.
pub(crate) trait Run: Send + Sync {
    /// Runs the task (or acknowledges its cancellation). `idle` (if given) is bumped before the
    /// result is published, so a caller woken by the result already sees this worker as idle
    /// (Q-41).
    fn run(self: StdArc<Self>, idle: Option<&AtomicUsize>);
    /// `shutdown(cancel_futures)`: cancel if still pending, and tell the waiters.
    fn cancel_and_notify(self: StdArc<Self>);
    /// The pool broke before this task ran.
    fn fail_broken(self: StdArc<Self>, broken: &BrokenPool);
}

pub(crate) type JobOf<T, F> = Job<T, FnSlot<F>>;

pub(crate) fn new_job<T, F>(f: F) -> StdArc<JobOf<T, F>> {
    StdArc::new(Job {
        core: Core {
            inner: Mutex::new(Inner {
                phase: Phase::Pending,
                outcome: Outcome::Empty,
                blocked: 0,
                extras: None,
            }),
            cond: Condvar::new(),
            done: AtomicBool::new(false),
        },
        slot: FnSlot(Mutex::new(Some(f))),
    })
}

/// Takes the callable back out of a job that never ran (a refused submit).
pub(crate) fn reclaim<T, F>(job: &JobOf<T, F>) -> Option<F> {
    lock(&job.slot.0).take()
}

impl<T, F> Run for JobOf<T, F>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    fn run(self: StdArc<Self>, idle: Option<&AtomicUsize>) {
        let mut g = lock(&self.core.inner);
        match g.phase {
            Phase::Pending => g.phase = Phase::Running,
            Phase::Cancelled => {
                g.phase = Phase::CancelledNotified;
                notify_waiters(&mut g, false);
                drop(g);
                release_idle(idle);
                return;
            }
            _ => {
                drop(g);
                release_idle(idle);
                return;
            }
        }
        drop(g);
        let f = lock(&self.slot.0).take();
        let outcome = match f {
            // The callable is consumed by the call: the pool keeps no reference to it (Q-54).
            Some(f) => match catch_unwind(AssertUnwindSafe(f)) {
                Ok(v) => Outcome::Value(v),
                Err(payload) => Outcome::Panicked(TaskPanic::new(payload)),
            },
            None => Outcome::Empty,
        };
        release_idle(idle);
        let g = lock(&self.core.inner);
        settle(&self, g, Phase::Finished, outcome);
    }

    fn cancel_and_notify(self: StdArc<Self>) {
        let mut g = lock(&self.core.inner);
        match g.phase {
            Phase::Pending => {
                settle(&self, g, Phase::CancelledNotified, Outcome::Empty);
                self.slot.discard();
            }
            Phase::Cancelled => {
                g.phase = Phase::CancelledNotified;
                notify_waiters(&mut g, false);
            }
            _ => {}
        }
    }

    fn fail_broken(self: StdArc<Self>, broken: &BrokenPool) {
        let mut g = lock(&self.core.inner);
        match g.phase {
            Phase::Pending => {
                settle(&self, g, Phase::Finished, Outcome::Broken(broken.clone()));
                self.slot.discard();
            }
            Phase::Cancelled => {
                g.phase = Phase::CancelledNotified;
                notify_waiters(&mut g, false);
            }
            _ => {}
        }
    }
}

fn release_idle(idle: Option<&AtomicUsize>) {
    if let Some(idle) = idle {
        idle.fetch_add(1, Ordering::Release);
    }
}

fn is_failure<T>(o: &Outcome<T>) -> bool {
    matches!(o, Outcome::Panicked(_) | Outcome::Broken(_))
}

/// Tells every `wait`/`as_completed` watching this future that it is done (for them).
fn notify_waiters<T>(g: &mut Inner<T>, failed: bool) {
    // Lock order is always future → waiter; a waiter never locks a future while holding its own.
    if let Some(extras) = &mut g.extras {
        for (w, index) in mem::take(&mut extras.waiters) {
            w.notify(index, failed);
        }
    }
}

/// Moves a job into a done phase and tells everyone: blocked readers, async wakers, waiters and
/// (outside the lock, in registration order) the done-callbacks.
fn settle<T, F>(
    job: &StdArc<JobOf<T, F>>,
    mut g: MutexGuard<'_, Inner<T>>,
    phase: Phase,
    o: Outcome<T>,
) where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    g.outcome = o;
    let callbacks = wake_all(&job.core, g, phase);
    if !callbacks.is_empty() {
        let handle = TaskFuture::from_job(job.clone());
        run_callbacks(&handle, callbacks);
    }
}

/// Sets `phase` and wakes whoever waits; returns the callbacks to run outside the lock.
fn wake_all<T>(core: &Core<T>, mut g: MutexGuard<'_, Inner<T>>, phase: Phase) -> Vec<Callback<T>> {
    g.phase = phase;
    core.done.store(true, Ordering::Release);
    // A plain `cancel()` does not reach wait()/as_completed() until the pool acknowledges it (Q-19).
    if phase != Phase::Cancelled {
        let failed = is_failure(&g.outcome);
        notify_waiters(&mut g, failed);
    }
    let (callbacks, wakers) = match &mut g.extras {
        Some(e) => (mem::take(&mut e.callbacks), mem::take(&mut e.wakers)),
        None => (Vec::new(), Vec::new()),
    };
    let blocked = g.blocked > 0;
    drop(g);
    if blocked {
        core.cond.notify_all();
    }
    for w in wakers {
        // A waker is user code: its panic must not take the worker down.
        let _ = catch_unwind(AssertUnwindSafe(|| w.wake()));
    }
    callbacks
}

fn run_callbacks<T>(fut: &TaskFuture<T>, callbacks: Vec<Callback<T>>) {
    for cb in callbacks {
        // Q-13: a failing callback is reported and the others still run.
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| cb(fut))) {
            let p = TaskPanic::new(payload);
            // Python logs this on the 'concurrent.futures' logger; a closed stderr is ignored.
            let _ = writeln!(
                std::io::stderr(),
                "exception calling callback for {fut:?}: {}",
                p.message()
            );
        }
    }
}

/// Watches `done` for a few microseconds before the caller blocks: reading results in a loop
/// usually finds the next one finished a moment later, and a sleep plus a wake-up costs more.
#[cfg(not(loom))]
fn spin_until_done(done: &AtomicBool) {
    for step in 0..12_u32 {
        if done.load(Ordering::Acquire) {
            return;
        }
        if step < 6 {
            for _ in 0..(1_u32 << step) {
                std::hint::spin_loop();
            }
        } else {
            std::thread::yield_now();
        }
    }
}

#[cfg(loom)]
fn spin_until_done(_: &AtomicBool) {}

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
    job: StdArc<Job<T, dyn Slot>>,
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
        let state = match (g.phase, &g.outcome) {
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
                let callbacks = wake_all(&self.job.core, g, Phase::Cancelled);
                self.job.slot.discard();
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
        lock(&self.job.core.inner).phase == Phase::Running
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

/// Awaiting a `TaskFuture` moves the value out, as [`take_result`](TaskFuture::take_result).
///
/// # Examples
///
/// ```
/// # use pythreading::futures::ThreadPoolExecutor;
/// let pool = ThreadPoolExecutor::new(1).unwrap();
/// let f = pool.submit(|| 3).unwrap();
/// let doubled = async move { f.await.unwrap() * 2 };
/// # let _ = doubled;
/// ```
impl<T> Future for TaskFuture<T> {
    type Output = Result<T, TaskError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut g = lock(&self.job.core.inner);
        if g.phase.is_done() {
            return Poll::Ready(Self::take(&mut g));
        }
        let wakers = &mut g.extras().wakers;
        if !wakers.iter().any(|w| w.will_wake(cx.waker())) {
            wakers.push(cx.waker().clone());
        }
        Poll::Pending
    }
}
