//! The state one task shares between its [`TaskFuture`] handles and the pool's job: Python's
//! future states, the outcome, and the wake-ups (blocked readers, async wakers, `wait` /
//! `as_completed` waiters, done-callbacks) that a state change owes.

use std::io::Write;
use std::mem;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::task::Waker;

use super::error::{BrokenPool, TaskPanic};
use super::task_future::TaskFuture;
use super::wait::Waiter;
use crate::sync::atomic::{AtomicBool, Ordering};
use crate::sync::{Arc, Condvar, Mutex, MutexGuard};

/// Python's future states.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Phase {
    Pending,
    Running,
    Finished,
    /// Cancelled, but `wait`/`as_completed` are not told yet (Python's CANCELLED).
    Cancelled,
    /// Cancelled and acknowledged by the pool (Python's CANCELLED_AND_NOTIFIED).
    CancelledNotified,
}

impl Phase {
    pub(super) fn is_done(self) -> bool {
        matches!(
            self,
            Phase::Finished | Phase::Cancelled | Phase::CancelledNotified
        )
    }

    pub(super) fn is_cancelled(self) -> bool {
        matches!(self, Phase::Cancelled | Phase::CancelledNotified)
    }
}

pub(super) enum Outcome<T> {
    Empty,
    Value(T),
    Taken,
    Panicked(TaskPanic),
    Broken(BrokenPool),
}

pub(super) type Callback<T> = Box<dyn FnOnce(&TaskFuture<T>) + Send>;

pub(super) struct Inner<T> {
    pub(super) phase: Phase,
    pub(super) outcome: Outcome<T>,
    /// Threads blocked on `cond`: completion only pays for a wake-up when someone waits.
    pub(super) blocked: u32,
    /// Callbacks, waiters and wakers: most tasks have none, so they live in a second
    /// allocation made only when the first one registers (the task itself stays small).
    pub(super) extras: Option<Box<Extras<T>>>,
}

pub(super) struct Extras<T> {
    pub(super) callbacks: Vec<Callback<T>>,
    /// `wait` / `as_completed` calls watching this future, with this future's index in theirs.
    pub(super) waiters: Vec<(Arc<Waiter>, usize)>,
    pub(super) wakers: Vec<Waker>,
}

impl<T> Inner<T> {
    pub(super) fn extras(&mut self) -> &mut Extras<T> {
        self.extras.get_or_insert_with(|| {
            Box::new(Extras {
                callbacks: Vec::new(),
                waiters: Vec::new(),
                wakers: Vec::new(),
            })
        })
    }
}

pub(super) struct Core<T> {
    pub(super) inner: Mutex<Inner<T>>,
    pub(super) cond: Condvar,
    /// Set (under the lock) when the phase becomes done: lets a reader spin without the lock.
    pub(super) done: AtomicBool,
}

pub(super) fn is_failure<T>(o: &Outcome<T>) -> bool {
    matches!(o, Outcome::Panicked(_) | Outcome::Broken(_))
}

/// Tells every `wait`/`as_completed` watching this future that it is done (for them).
pub(super) fn notify_waiters<T>(g: &mut Inner<T>, failed: bool) {
    // Lock order is always future → waiter; a waiter never locks a future while holding its own.
    if let Some(extras) = &mut g.extras {
        for (w, index) in mem::take(&mut extras.waiters) {
            w.notify(index, failed);
        }
    }
}

/// Sets `phase` and wakes whoever waits; returns the callbacks to run outside the lock.
pub(super) fn wake_all<T>(
    core: &Core<T>,
    mut g: MutexGuard<'_, Inner<T>>,
    phase: Phase,
) -> Vec<Callback<T>> {
    g.phase = phase;
    core.done.store(true, Ordering::Release);
    if g.extras.is_none() {
        // The common case (nobody registered a callback, waiter or waker): at most a wake-up.
        let blocked = g.blocked > 0;
        drop(g);
        if blocked {
            core.cond.notify_all();
        }
        return Vec::new();
    }
    // A plain `cancel()` does not reach wait()/as_completed() until the pool acknowledges it.
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

pub(super) fn run_callbacks<T>(fut: &TaskFuture<T>, callbacks: Vec<Callback<T>>) {
    for cb in callbacks {
        // a failing callback is reported and the others still run.
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
pub(super) fn spin_until_done(done: &AtomicBool) {
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
pub(super) fn spin_until_done(_: &AtomicBool) {}
