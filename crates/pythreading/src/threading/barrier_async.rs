//! The async face of [`Barrier`]: `wait_async`, asyncio's `await barrier.wait()`.
//!
//! The barrier's condition variable becomes [`Changed`]: the same condvar for the threads, plus
//! the wakers of the pending tasks, all woken by every `notify_all` (each state change the
//! threads are woken for). A task re-reads the state under the barrier's mutex when polled,
//! and registers its waker under that mutex too, so it cannot miss a change.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use super::{Barrier, BarrierWaitResult, Phase, State};
use std::sync::LockResult;

use crate::sync::{Condvar, Mutex, MutexGuard, WaitTimeoutResult, lock};
use crate::threading::BrokenBarrierError;

/// A condition variable that also wakes tasks: the barrier's `changed`.
pub(super) struct Changed {
    cv: Condvar,
    tasks: Mutex<Tasks>,
}

/// The wakers of the tasks pending in `wait_async`, each under a key of its own.
#[derive(Default)]
struct Tasks {
    next_key: u64,
    wakers: Vec<(u64, Waker)>,
}

impl Changed {
    pub(super) fn new() -> Self {
        Changed {
            cv: Condvar::new(),
            tasks: Mutex::new(Tasks::default()),
        }
    }

    pub(super) fn wait<'a>(
        &self,
        state: MutexGuard<'a, State>,
    ) -> LockResult<MutexGuard<'a, State>> {
        self.cv.wait(state)
    }

    pub(super) fn wait_timeout<'a>(
        &self,
        state: MutexGuard<'a, State>,
        timeout: Duration,
    ) -> LockResult<(MutexGuard<'a, State>, WaitTimeoutResult)> {
        self.cv.wait_timeout(state, timeout)
    }

    /// Wakes every thread and every task (called with the state mutex held, as the condvar's
    /// `notify_all` is; tasks register under that mutex, so none is missed).
    pub(super) fn notify_all(&self) {
        self.cv.notify_all();
        let wakers = std::mem::take(&mut lock(&self.tasks).wakers);
        for (_, waker) in wakers {
            waker.wake();
        }
    }

    /// Stores the task's waker under `key` (a new key if `None`); returns the key.
    fn register(&self, key: Option<u64>, waker: &Waker) -> u64 {
        let mut tasks = lock(&self.tasks);
        let key = key.unwrap_or_else(|| {
            tasks.next_key += 1;
            tasks.next_key
        });
        match tasks.wakers.iter_mut().find(|(k, _)| *k == key) {
            Some((_, w)) => {
                if !w.will_wake(waker) {
                    *w = waker.clone();
                }
            }
            None => tasks.wakers.push((key, waker.clone())),
        }
        key
    }

    fn unregister(&self, key: u64) {
        lock(&self.tasks).wakers.retain(|(k, _)| *k != key);
    }

    fn n_tasks(&self) -> usize {
        lock(&self.tasks).wakers.len()
    }
}

impl fmt::Debug for Changed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Changed")
            .field("tasks", &self.n_tasks())
            .finish_non_exhaustive()
    }
}

/// Where a [`BarrierWait`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    /// Not counted yet (waiting for the previous cycle to drain, or not polled).
    Arriving,
    /// Counted as arrival `index`, waiting for the trip.
    Arrived { index: usize },
    /// Completed.
    Done,
}

/// The future of [`Barrier::wait_async`]: resolves once all parties have arrived.
///
/// # Cancel safety
///
/// Dropping it before the barrier trips withdraws this arrival (the count goes down by one, as
/// a cancelled `await barrier.wait()` does in asyncio) and leaves no waiter behind; dropping it
/// after the trip is the same as completing.
///
/// # Examples
///
/// ```
/// # use pythreading::threading::Barrier;
/// let barrier = Barrier::new(2)?;
/// let wait = barrier.wait_async();
/// # drop(wait);
/// # Ok::<(), pythreading::threading::BarrierBuildError>(())
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct BarrierWait<'a> {
    barrier: &'a Barrier,
    step: Step,
    /// This task's entry in the barrier's task list, once registered.
    key: Option<u64>,
}

impl BarrierWait<'_> {
    fn pending(&mut self, cx: &Context<'_>) -> Poll<Result<BarrierWaitResult, BrokenBarrierError>> {
        self.key = Some(self.barrier.changed.register(self.key, cx.waker()));
        Poll::Pending
    }

    fn finish(
        &mut self,
        result: Result<BarrierWaitResult, BrokenBarrierError>,
    ) -> Poll<Result<BarrierWaitResult, BrokenBarrierError>> {
        self.step = Step::Done;
        if let Some(key) = self.key.take() {
            self.barrier.changed.unregister(key);
        }
        Poll::Ready(result)
    }
}

impl Future for BarrierWait<'_> {
    type Output = Result<BarrierWaitResult, BrokenBarrierError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let barrier = self.barrier;
        let mut state = lock(&barrier.state);
        match self.step {
            Step::Arriving => {
                // Tasks of the next cycle wait for the previous one's action and drain (I-15).
                if matches!(
                    state.phase,
                    Phase::Action | Phase::Draining | Phase::Resetting
                ) {
                    return self.pending(cx);
                }
                if state.phase == Phase::Broken {
                    drop(state);
                    return self.finish(Err(BrokenBarrierError));
                }
                let index = state.count;
                state.count += 1;
                if index + 1 < barrier.parties {
                    self.step = Step::Arrived { index };
                    return self.pending(cx);
                }
                // The last arrival trips the barrier (running the action here, as a thread
                // would, and resuming its panic in this task).
                let result = match barrier.trip(state) {
                    Ok(mut state) => {
                        state.count -= 1;
                        barrier.exit(&mut state);
                        Ok(BarrierWaitResult {
                            index,
                            parties: barrier.parties,
                        })
                    }
                    Err(broken) => Err(broken),
                };
                self.finish(result)
            }
            Step::Arrived { index } => match state.phase {
                Phase::Draining => {
                    state.count -= 1;
                    barrier.exit(&mut state);
                    drop(state);
                    self.finish(Ok(BarrierWaitResult {
                        index,
                        parties: barrier.parties,
                    }))
                }
                Phase::Broken | Phase::Resetting => {
                    state.count -= 1;
                    barrier.exit(&mut state);
                    drop(state);
                    self.finish(Err(BrokenBarrierError))
                }
                Phase::Filling | Phase::Action => self.pending(cx),
            },
            Step::Done => panic!("a barrier wait was polled after it completed"),
        }
    }
}

impl Drop for BarrierWait<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.barrier.changed.unregister(key);
        }
        if let Step::Arrived { .. } = self.step {
            let mut state = lock(&self.barrier.state);
            // Filling or the action running: withdraw the arrival. Tripped, broken or
            // resetting: leave as a completed wait would.
            state.count -= 1;
            self.barrier.exit(&mut state);
        }
    }
}

impl fmt::Debug for BarrierWait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BarrierWait")
            .field("barrier", self.barrier)
            .field("step", &self.step)
            .finish()
    }
}

impl Barrier {
    /// Waits for all parties without blocking the thread: the task face of
    /// [`wait`](Self::wait), asyncio's `await barrier.wait()`. Threads and tasks may be parties
    /// of one barrier.
    ///
    /// The barrier's default timeout (from the builder) does not apply: time a task out by
    /// dropping the future (e.g. `tokio::time::timeout`), which withdraws its arrival instead
    /// of breaking the barrier, as in asyncio.
    ///
    /// # Errors
    ///
    /// [`BrokenBarrierError`] if the barrier is or becomes broken (abort, reset, a thread's
    /// timeout, or a panicking action).
    ///
    /// # Panics
    ///
    /// Resumes the action's panic in the task whose arrival ran it; the barrier is then broken.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future before the trip withdraws the arrival and leaves no waiter behind.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use pythreading::threading::Barrier;
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut cx = std::task::Context::from_waker(waker);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } std::thread::yield_now(); }
    /// # }
    ///
    /// let barrier = Arc::new(Barrier::new(2)?);
    /// let b = Arc::clone(&barrier);
    /// let thread = std::thread::spawn(move || b.wait().unwrap()); // a thread…
    /// let task = block_on(barrier.wait_async()).unwrap(); // …and a task meet
    /// let thread = thread.join().unwrap();
    /// assert_eq!(thread.index() + task.index(), 1);
    /// # Ok::<(), pythreading::threading::BarrierBuildError>(())
    /// ```
    #[doc(alias = "wait")]
    pub fn wait_async(&self) -> BarrierWait<'_> {
        BarrierWait {
            barrier: self,
            step: Step::Arriving,
            key: None,
        }
    }

    /// How many tasks are pending in [`wait_async`](Self::wait_async) now (introspection;
    /// Python has none): what shows dropped waits left nothing behind.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Barrier;
    /// assert_eq!(Barrier::new(2)?.n_waiting_tasks(), 0);
    /// # Ok::<(), pythreading::threading::BarrierBuildError>(())
    /// ```
    pub fn n_waiting_tasks(&self) -> usize {
        self.changed.n_tasks()
    }
}
