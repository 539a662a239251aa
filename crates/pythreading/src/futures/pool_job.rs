//! The pool's side of a task: the [`Job`] (the shared state and the callable, in one
//! allocation, so the hot path submit → run → result allocates once) and [`PoolJob`], the job
//! with its types erased, which is what the pool's work queue holds. The public handle is
//! [`TaskFuture`], in `task_future.rs`.
//!
//! Starting a task takes one lock, not two: the callable's slot decides who owns it. A worker
//! starts a task by taking the callable out of the slot (the slot's lock only); `cancel`,
//! `shutdown(cancel_futures)` and a broken pool discard it by taking it too, under the state
//! lock, in the same critical section that moves the phase out of `Pending`. Whoever takes it
//! first wins, so a task runs at most once and a cancelled one never runs. The stored phase
//! stays `Pending` while the task runs (the worker does not take the state lock to start it):
//! a `Pending` task with an empty slot is running, which [`Job::phase`] reports. Each lock is
//! two atomic read-modify-writes, and they are most of what a trivial task costs the pool
//! (measured with `perf annotate`: the lock and unlock instructions carried ~85% of `run`).

use std::panic::{AssertUnwindSafe, catch_unwind};
// The job is shared through `std`'s Arc even under loom: loom's Arc cannot be coerced to a trait
// object, and the interesting interleavings are in the mutex/condvar inside, which are loom's.
use std::sync::Arc as StdArc;

use super::error::{BrokenPool, TaskPanic};
use super::task_future::TaskFuture;
use super::task_state::{Core, Inner, Outcome, Phase, notify_waiters, run_callbacks, wake_all};
use crate::sync::atomic::AtomicBool;
use crate::sync::{Condvar, Mutex, MutexGuard, lock};

/// One task: its state and its callable, in a single allocation.
pub(crate) struct Job<T, S: ?Sized> {
    pub(super) core: Core<T>,
    pub(super) slot: S,
}

/// The callable's slot, seen without its type by [`TaskFuture`] (to claim it on `cancel`).
pub(crate) trait CallableSlot: Send + Sync {
    /// Takes the callable out (so no worker will run it), boxed because its type is not known
    /// here; `None` if a worker already took it. The caller drops it outside its locks: the
    /// captures may run arbitrary drop code. Only a cancelled task pays for the box.
    fn take_erased(&self) -> Option<Box<dyn Send>>;

    /// Whether the callable was taken (by a worker, for a task still `Pending`).
    fn is_taken(&self) -> bool;
}

pub(crate) struct FnSlot<F>(Mutex<Option<F>>);

impl<F: Send + 'static> CallableSlot for FnSlot<F> {
    fn take_erased(&self) -> Option<Box<dyn Send>> {
        let f = lock(&self.0).take();
        f.map(|f| Box::new(f) as Box<dyn Send>)
    }

    fn is_taken(&self) -> bool {
        lock(&self.0).is_none()
    }
}

impl<T, S: CallableSlot + ?Sized> Job<T, S> {
    /// The task's phase as callers see it: a `Pending` task whose callable a worker took is
    /// `Running` (see the module notes). `g` is this job's state lock.
    pub(super) fn phase(&self, g: &Inner<T>) -> Phase {
        if g.phase == Phase::Pending && self.slot.is_taken() {
            Phase::Running
        } else {
            g.phase
        }
    }
}

/// What the pool's work queue holds: a job with its types erased. (Not the public
/// `threading::Run`, which is a thread's body.)
pub(crate) trait PoolJob: Send + Sync {
    /// Runs the task (or acknowledges its cancellation). `returned` is called once the callable
    /// has returned (or the job turned out to be cancelled), before the outcome is published:
    /// the pool marks its worker idle there, so a caller woken by the result already sees the
    /// worker as idle.
    fn run(self: StdArc<Self>, returned: &dyn Fn());
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

impl<T, F> PoolJob for JobOf<T, F>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    fn run(self: StdArc<Self>, returned: &dyn Fn()) {
        // Taking the callable is what starts the task (see the module notes).
        let taken = lock(&self.slot.0).take();
        let Some(f) = taken else {
            // Cancelled before a worker got to it: acknowledge it (Python's
            // CANCELLED_AND_NOTIFIED), so `wait` and `as_completed` see it done.
            let mut g = lock(&self.core.inner);
            if g.phase == Phase::Cancelled {
                g.phase = Phase::CancelledNotified;
                notify_waiters(&mut g, false);
            }
            drop(g);
            returned();
            return;
        };
        // The callable is consumed by the call: the pool keeps no reference to it.
        let outcome = match catch_unwind(AssertUnwindSafe(f)) {
            Ok(v) => Outcome::Value(v),
            Err(payload) => Outcome::Panicked(TaskPanic::new(payload)),
        };
        returned();
        let g = lock(&self.core.inner);
        settle(&self, g, Phase::Finished, outcome);
    }

    fn cancel_and_notify(self: StdArc<Self>) {
        let mut g = lock(&self.core.inner);
        match g.phase {
            Phase::Pending => {
                // Still queued (it was drained from the queue), so no worker took it.
                let f = lock(&self.slot.0).take();
                settle(&self, g, Phase::CancelledNotified, Outcome::Empty);
                drop(f);
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
                let f = lock(&self.slot.0).take();
                settle(&self, g, Phase::Finished, Outcome::Broken(broken.clone()));
                drop(f);
            }
            Phase::Cancelled => {
                g.phase = Phase::CancelledNotified;
                notify_waiters(&mut g, false);
            }
            _ => {}
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
