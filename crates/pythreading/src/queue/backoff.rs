//! How a queue operation waits a moment before parking: spin, then yield, then give up.
//!
//! A park and its wake-up cost two system calls and two context switches; on a busy queue the
//! item or the room a thread waits for usually arrives within a few microseconds. Spinning
//! (a CPU hint, no system call) covers the case where the other side is running on another
//! core; the yields that follow cover the case where it needs this core. The budget is small
//! and fixed, so a thread on an idle queue parks after a few microseconds.
//!
//! Under loom the budget is one yield: the models check the logic, not the timing, and every
//! extra step multiplies the interleavings.

use std::sync::TryLockError;

use crate::sync::{Mutex, MutexGuard, lock, thread};

/// Spin rounds double from 1 up to `1 << SPIN_LIMIT` hints.
const SPIN_LIMIT: u32 = 6;
/// Steps in all (spins, then yields) before the caller should park.
const STEP_LIMIT: u32 = if cfg!(loom) { 1 } else { 10 };

/// A bounded exponential backoff, in the manner of `crossbeam_utils::Backoff`.
pub(super) struct Backoff {
    step: u32,
}

impl Backoff {
    pub(super) fn new() -> Self {
        Backoff { step: 0 }
    }

    /// Spins a little, longer each call, never leaving the CPU: for a retry after losing a race
    /// to another thread that is running (a failed compare-and-swap).
    pub(super) fn spin(&mut self) {
        if cfg!(loom) {
            thread::yield_now();
        } else {
            for _ in 0..1u32 << self.step.min(SPIN_LIMIT) {
                std::hint::spin_loop();
            }
            if self.step <= SPIN_LIMIT {
                self.step += 1;
            }
        }
    }

    /// Waits a little, longer each call.
    pub(super) fn snooze(&mut self) {
        if !cfg!(loom) && self.step <= SPIN_LIMIT {
            for _ in 0..1u32 << self.step {
                std::hint::spin_loop();
            }
        } else {
            thread::yield_now();
        }
        self.step += 1;
    }

    /// Whether the budget is spent: time to park.
    pub(super) fn is_completed(&self) -> bool {
        self.step >= STEP_LIMIT
    }
}

/// Locks `mutex`, ignoring poison like [`lock`]; when the lock is taken, first retries with the
/// same spin-then-yield budget before blocking in the mutex.
///
/// Critical sections here are a few instructions long, so a held lock is usually released
/// within the spin; and when its holder has been preempted (more threads than cores), yielding
/// lets it finish rather than queueing behind it in the kernel. Under loom this is a plain lock.
pub(super) fn lock_busy<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    if !cfg!(loom) {
        let mut backoff = Backoff::new();
        loop {
            match mutex.try_lock() {
                Ok(guard) => return guard,
                Err(TryLockError::Poisoned(poisoned)) => return poisoned.into_inner(),
                Err(TryLockError::WouldBlock) if backoff.is_completed() => break,
                Err(TryLockError::WouldBlock) => backoff.snooze(),
            }
        }
    }
    lock(mutex)
}
