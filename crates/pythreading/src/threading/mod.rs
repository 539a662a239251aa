//! Python's `threading` and `_thread`: threads, and every synchronization primitive.
//!
//! (Being built: see the foundation issue.)

// ---------------------------------------------------------------------------------------------
// Threads: spawning, the registry, excepthook, exit semantics, Local, Timer, `_thread`.
// ---------------------------------------------------------------------------------------------

// (threads section)

// ---------------------------------------------------------------------------------------------
// Synchronization primitives: Lock, RLock, Condition, Semaphore, BoundedSemaphore, Event, Barrier.
// ---------------------------------------------------------------------------------------------

// (primitives section)
//
// ## Synchronization primitives
//
// | Python | pythreading |
// |---|---|
// | `Lock()`, `_thread.allocate_lock()` | [`Lock`]: `acquire`, `try_acquire`, `acquire_timeout`, `release`, `locked`, `lock()` guard |
// | `RLock()` | [`RLock`]: the same verbs, owner + count; `lock()` gives a `!Send` [`RLockGuard`] |
// | `Condition(lock=None)` | [`Condition`]: `new`/`with_lock`, `lock()`, `wait`, `wait_timeout`, `wait_for`, `wait_for_timeout`, `notify(n)`, `notify_all` |
// | `Semaphore(n)`, `BoundedSemaphore(n)` | [`Semaphore`], [`BoundedSemaphore`]: `acquire`, `try_acquire`, `acquire_timeout`, `release(n)`, `permit()` |
// | `Event()` | [`Event`]: `set`, `clear`, `is_set`, `wait`, `wait_timeout` |
// | `Barrier(n, action, timeout)` | [`Barrier`]: `new`/`builder`, `wait`, `wait_timeout`, `abort`, `reset`, `n_waiting`, `parties`, `is_broken` |
// | `BrokenBarrierError`, `RuntimeError`, `ValueError` | [`BrokenBarrierError`], [`ReleaseError`], [`BoundedReleaseError`], [`BarrierBuildError`] |

mod barrier;
mod condition;
mod error;
mod event;
mod lock;
mod rlock;
mod semaphore;
mod wait_queue;

pub use barrier::{Barrier, BarrierBuilder, BarrierWaitResult};
pub use condition::{Condition, ConditionGuard, ConditionLock};
pub use error::{BarrierBuildError, BoundedReleaseError, BrokenBarrierError, ReleaseError};
pub use event::Event;
pub use lock::{Lock, LockGuard};
pub use rlock::{RLock, RLockGuard};
pub use semaphore::{BoundedSemaphore, BoundedSemaphorePermit, Semaphore, SemaphorePermit};
