//! `Barrier`: Python's cyclic barrier, with an action, a default timeout, abort and reset.

use crate::diagnostics::{self, Kind, Label};
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::time::Duration;

use super::error::{BarrierBuildError, BrokenBarrierError};
use crate::deadline::Deadline;
use crate::sync::{Mutex, MutexGuard, lock};

// The async face (`wait_async`) shares this file's private state; `Changed` is the condition
// variable that also wakes the tasks.
#[path = "barrier_async.rs"]
mod async_face;
pub use async_face::BarrierWait;
use async_face::Changed;

type Action = Box<dyn Fn() + Send + Sync + 'static>;

/// Python's `_state`, with one more step: the last arrival runs the action outside the lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Threads are arriving.
    Filling,
    /// The last arrival is running the action; nobody leaves yet.
    Action,
    /// The barrier tripped; waiters are leaving.
    Draining,
    /// `reset()` was called while threads waited; they leave with an error.
    Resetting,
    /// Aborted, timed out or the action panicked.
    Broken,
}

#[derive(Debug)]
struct State {
    phase: Phase,
    /// Threads inside `wait()` (arrived and not yet left).
    count: usize,
}

/// A cyclic barrier: Python's `threading.Barrier`.
///
/// `parties` threads call [`wait`](Barrier::wait); none returns until all have arrived (I-03),
/// each gets a distinct [`index`](BarrierWaitResult::index) in `0..parties` (I-04), and the last
/// arrival (index `parties - 1`) runs the optional action before anyone leaves (I-05, I-06).
/// The barrier then resets itself for the next cycle.
///
/// [`abort`](Barrier::abort), a timeout, [`reset`](Barrier::reset) while threads wait, or a
/// panicking action break the current cycle: every waiter gets [`BrokenBarrierError`]. A
/// panicking action's panic is resumed in the thread that ran it (I-14).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use pythreading::threading::Barrier;
///
/// let barrier = Arc::new(Barrier::new(3)?);
/// let handles: Vec<_> = (0..3)
///     .map(|_| {
///         let b = Arc::clone(&barrier);
///         std::thread::spawn(move || b.wait().unwrap().index())
///     })
///     .collect();
/// let mut indices: Vec<usize> = handles.into_iter().map(|h| h.join().unwrap()).collect();
/// indices.sort();
/// assert_eq!(indices, [0, 1, 2]);
/// # Ok::<(), pythreading::threading::BarrierBuildError>(())
/// ```
pub struct Barrier {
    parties: usize,
    action: Option<Action>,
    timeout: Option<Duration>,
    state: Mutex<State>,
    changed: Changed,
    /// Id in thread dumps (`diagnostics`).
    diag: Label,
}

/// Builds a [`Barrier`] with an action and a default timeout: Python's
/// `Barrier(parties, action, timeout)`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use pythreading::threading::Barrier;
///
/// let barrier = Barrier::builder(1)
///     .action(|| println!("all arrived"))
///     .timeout(Duration::from_secs(5))
///     .build()?;
/// assert_eq!(barrier.wait().unwrap().index(), 0);
/// # Ok::<(), pythreading::threading::BarrierBuildError>(())
/// ```
#[must_use = "a builder does nothing until `build` is called"]
pub struct BarrierBuilder {
    parties: usize,
    action: Option<Action>,
    timeout: Option<Duration>,
}

impl BarrierBuilder {
    /// Runs `action` once per cycle, in the last arriving thread, before anyone leaves.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Barrier;
    /// let b = Barrier::builder(1).action(|| ()).build()?;
    /// b.wait().unwrap();
    /// # Ok::<(), pythreading::threading::BarrierBuildError>(())
    /// ```
    pub fn action(mut self, action: impl Fn() + Send + Sync + 'static) -> Self {
        self.action = Some(Box::new(action));
        self
    }

    /// The timeout of every [`Barrier::wait`] (I-11); `wait_timeout` overrides it.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Barrier;
    /// # use std::time::Duration;
    /// let b = Barrier::builder(2).timeout(Duration::from_millis(10)).build()?;
    /// assert!(b.wait().is_err()); // alone: times out and breaks
    /// assert!(b.is_broken());
    /// # Ok::<(), pythreading::threading::BarrierBuildError>(())
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Builds the barrier.
    ///
    /// # Errors
    ///
    /// [`BarrierBuildError`] if `parties` is 0 (Python's `ValueError`, I-01).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Barrier;
    /// assert!(Barrier::builder(0).build().is_err());
    /// ```
    pub fn build(self) -> Result<Barrier, BarrierBuildError> {
        if self.parties == 0 {
            return Err(BarrierBuildError);
        }
        Ok(Barrier {
            parties: self.parties,
            action: self.action,
            timeout: self.timeout,
            state: Mutex::new(State {
                phase: Phase::Filling,
                count: 0,
            }),
            changed: Changed::new(),
            diag: Label::new(Kind::Barrier),
        })
    }
}

impl fmt::Debug for BarrierBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BarrierBuilder")
            .field("parties", &self.parties)
            .field("action", &self.action.is_some())
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// What [`Barrier::wait`] returns: this thread's arrival index.
///
/// # Examples
///
/// ```
/// # use pythreading::threading::Barrier;
/// let result = Barrier::new(1)?.wait().unwrap();
/// assert_eq!(result.index(), 0);
/// assert!(result.is_leader());
/// # Ok::<(), pythreading::threading::BarrierBuildError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BarrierWaitResult {
    index: usize,
    parties: usize,
}

impl BarrierWaitResult {
    /// The arrival index, distinct per thread in a cycle, in `0..parties` (Python's return value).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Barrier;
    /// assert_eq!(Barrier::new(1)?.wait().unwrap().index(), 0);
    /// # Ok::<(), pythreading::threading::BarrierBuildError>(())
    /// ```
    pub fn index(&self) -> usize {
        self.index
    }

    /// Whether this thread arrived last and ran the action (index `parties - 1`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Barrier;
    /// assert!(Barrier::new(1)?.wait().unwrap().is_leader());
    /// # Ok::<(), pythreading::threading::BarrierBuildError>(())
    /// ```
    pub fn is_leader(&self) -> bool {
        self.index + 1 == self.parties
    }
}

impl Barrier {
    /// A barrier for `parties` threads, with no action and no default timeout.
    ///
    /// # Errors
    ///
    /// [`BarrierBuildError`] if `parties` is 0 (I-01).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Barrier;
    /// assert_eq!(Barrier::new(4)?.parties(), 4);
    /// # Ok::<(), pythreading::threading::BarrierBuildError>(())
    /// ```
    pub fn new(parties: usize) -> Result<Self, BarrierBuildError> {
        Barrier::builder(parties).build()
    }

    /// A builder, to add an action or a default timeout.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Barrier;
    /// let b = Barrier::builder(2).build()?;
    /// assert_eq!(b.parties(), 2);
    /// # Ok::<(), pythreading::threading::BarrierBuildError>(())
    /// ```
    pub fn builder(parties: usize) -> BarrierBuilder {
        BarrierBuilder {
            parties,
            action: None,
            timeout: None,
        }
    }

    /// Waits until all parties have arrived, using the default timeout if one was built in.
    ///
    /// # Errors
    ///
    /// [`BrokenBarrierError`] if the barrier is or becomes broken while waiting (abort, reset,
    /// a timeout, or a panicking action in another thread).
    ///
    /// # Panics
    ///
    /// Resumes the action's panic in the thread that ran it; the barrier is then broken.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Barrier;
    /// let b = Barrier::new(1)?;
    /// assert_eq!(b.wait().unwrap().index(), 0);
    /// assert_eq!(b.wait().unwrap().index(), 0); // cyclic
    /// # Ok::<(), pythreading::threading::BarrierBuildError>(())
    /// ```
    #[track_caller]
    pub fn wait(&self) -> Result<BarrierWaitResult, BrokenBarrierError> {
        let deadline = self.timeout.map_or(Deadline::Never, Deadline::after);
        self.wait_until(deadline)
    }

    /// Waits at most `timeout` for all parties; on timeout the barrier breaks for everyone (I-10).
    ///
    /// # Errors
    ///
    /// [`BrokenBarrierError`] on timeout, or as for [`wait`](Barrier::wait).
    ///
    /// # Panics
    ///
    /// As [`wait`](Barrier::wait).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Barrier;
    /// # use std::time::Duration;
    /// let b = Barrier::new(2)?;
    /// assert!(b.wait_timeout(Duration::from_millis(10)).is_err());
    /// assert!(b.is_broken());
    /// # Ok::<(), pythreading::threading::BarrierBuildError>(())
    /// ```
    #[track_caller]
    pub fn wait_timeout(&self, timeout: Duration) -> Result<BarrierWaitResult, BrokenBarrierError> {
        self.wait_until(Deadline::after(timeout))
    }

    #[track_caller]
    fn park<'a>(&self, state: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
        let _waiting = diagnostics::waiting(&self.diag);
        match self.changed.wait(state) {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    #[track_caller]
    fn wait_until(&self, deadline: Deadline) -> Result<BarrierWaitResult, BrokenBarrierError> {
        let mut state = lock(&self.state);
        // Threads of the next cycle wait for the previous one to drain (I-15), and for its
        // action to finish: in Python the action runs under the lock a newcomer must take.
        while matches!(
            state.phase,
            Phase::Action | Phase::Draining | Phase::Resetting
        ) {
            state = self.park(state);
        }
        if state.phase == Phase::Broken {
            return Err(BrokenBarrierError);
        }
        let index = state.count;
        state.count += 1;
        let result = if index + 1 == self.parties {
            self.trip(state)
        } else {
            self.wait_for_trip(state, deadline)
        };
        let mut state = result?;
        state.count -= 1;
        self.exit(&mut state);
        Ok(BarrierWaitResult {
            index,
            parties: self.parties,
        })
    }

    /// The last arrival: run the action outside the lock, then release everyone.
    fn trip<'a>(
        &'a self,
        mut state: MutexGuard<'a, State>,
    ) -> Result<MutexGuard<'a, State>, BrokenBarrierError> {
        if let Some(action) = &self.action {
            state.phase = Phase::Action;
            drop(state);
            let outcome = catch_unwind(AssertUnwindSafe(action));
            state = lock(&self.state);
            if let Err(panic) = outcome {
                state.count -= 1;
                self.break_locked(&mut state);
                drop(state);
                resume_unwind(panic);
            }
            if state.phase != Phase::Action {
                // Aborted or reset while the action ran.
                state.count -= 1;
                self.exit(&mut state);
                return Err(BrokenBarrierError);
            }
        }
        state.phase = Phase::Draining;
        self.changed.notify_all();
        Ok(state)
    }

    #[track_caller]
    fn wait_for_trip<'a>(
        &'a self,
        mut state: MutexGuard<'a, State>,
        deadline: Deadline,
    ) -> Result<MutexGuard<'a, State>, BrokenBarrierError> {
        loop {
            match state.phase {
                Phase::Draining => return Ok(state),
                Phase::Broken | Phase::Resetting => {
                    state.count -= 1;
                    self.exit(&mut state);
                    return Err(BrokenBarrierError);
                }
                // While the action runs, nobody times out: it is as if the last arrival still
                // held Python's lock.
                Phase::Action => state = self.park(state),
                Phase::Filling => {
                    state = match deadline.remaining() {
                        None => self.park(state),
                        Some(Duration::ZERO) => {
                            state.count -= 1;
                            self.break_locked(&mut state);
                            return Err(BrokenBarrierError);
                        }
                        Some(left) => match diagnostics::parked(&self.diag, || {
                            self.changed.wait_timeout(state, left)
                        }) {
                            Ok((g, _)) => g,
                            Err(p) => p.into_inner().0,
                        },
                    };
                }
            }
        }
    }

    /// The last thread out of a draining or resetting barrier opens it for the next cycle.
    fn exit(&self, state: &mut State) {
        if state.count == 0 && matches!(state.phase, Phase::Draining | Phase::Resetting) {
            state.phase = Phase::Filling;
            self.changed.notify_all();
        }
    }

    fn break_locked(&self, state: &mut State) {
        state.phase = Phase::Broken;
        self.changed.notify_all();
    }

    /// Breaks the barrier: current and future waiters get [`BrokenBarrierError`] until
    /// [`reset`](Barrier::reset) (I-07).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Barrier;
    /// let b = Barrier::new(2)?;
    /// b.abort();
    /// assert!(b.is_broken());
    /// assert!(b.wait().is_err());
    /// # Ok::<(), pythreading::threading::BarrierBuildError>(())
    /// ```
    pub fn abort(&self) {
        let mut state = lock(&self.state);
        self.break_locked(&mut state);
    }

    /// Returns the barrier to its empty state. Threads waiting now get [`BrokenBarrierError`];
    /// a broken barrier becomes usable again (I-08, I-09).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Barrier;
    /// let b = Barrier::new(1)?;
    /// b.abort();
    /// b.reset();
    /// assert!(!b.is_broken());
    /// assert!(b.wait().is_ok());
    /// # Ok::<(), pythreading::threading::BarrierBuildError>(())
    /// ```
    pub fn reset(&self) {
        let mut state = lock(&self.state);
        if state.count > 0 {
            if matches!(state.phase, Phase::Filling | Phase::Broken) {
                state.phase = Phase::Resetting;
            }
            // Draining, or the action running: that cycle completes; Python leaves it alone too.
        } else {
            state.phase = Phase::Filling;
        }
        self.changed.notify_all();
    }

    /// The number of threads the barrier waits for.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Barrier;
    /// assert_eq!(Barrier::new(3)?.parties(), 3);
    /// # Ok::<(), pythreading::threading::BarrierBuildError>(())
    /// ```
    pub fn parties(&self) -> usize {
        self.parties
    }

    /// How many threads are waiting in the current cycle; 0 while it drains or resets (I-15).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Barrier;
    /// assert_eq!(Barrier::new(3)?.n_waiting(), 0);
    /// # Ok::<(), pythreading::threading::BarrierBuildError>(())
    /// ```
    pub fn n_waiting(&self) -> usize {
        let state = lock(&self.state);
        if state.phase == Phase::Filling {
            state.count
        } else {
            0
        }
    }

    /// Whether the barrier is broken.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Barrier;
    /// assert!(!Barrier::new(2)?.is_broken());
    /// # Ok::<(), pythreading::threading::BarrierBuildError>(())
    /// ```
    #[doc(alias = "broken")]
    pub fn is_broken(&self) -> bool {
        lock(&self.state).phase == Phase::Broken
    }
}

impl fmt::Debug for Barrier {
    /// Python's repr shape: `<pythreading::threading::Barrier at 0x…: waiters=2/3>`, or
    /// `…: broken>` (I-13).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_broken() {
            write!(f, "<pythreading::threading::Barrier at {:p}: broken>", self)
        } else {
            write!(
                f,
                "<pythreading::threading::Barrier at {:p}: waiters={}/{}>",
                self,
                self.n_waiting(),
                self.parties
            )
        }
    }
}
