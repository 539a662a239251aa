//! Errors of the `threading` area.
//!
//! | Python | Rust |
//! |---|---|
//! | `RuntimeError("release unlocked lock")` from `Lock.release()` (C-16) | [`ReleaseError::Unlocked`] |
//! | `RuntimeError("cannot release un-acquired lock")` from `RLock.release()` (D-04) | [`ReleaseError::Unlocked`] |
//! | `RuntimeError` from `RLock.release()` by a thread that does not own it (D-05) | [`ReleaseError::NotOwner`] |
//! | `RuntimeError("cannot wait on un-acquired lock")` from `Condition.wait()` (E-03) | none: [`Condition::wait`](super::Condition::wait) takes the guard, so waiting without the lock does not compile |
//! | `RuntimeError("cannot notify on un-acquired lock")` (E-04) | none: `notify` may be called without the lock, as with `std::sync::Condvar` |
//! | `ValueError("semaphore initial value must be >= 0")` (F-01) | none: the initial value is a `usize` |
//! | `ValueError("n must be one or more")` from `release(n)` (F-13) | none: `release(0)` releases nothing |
//! | `ValueError("Semaphore released too many times")` (G-01, G-04) | [`BoundedReleaseError`] |
//! | `ValueError("parties must be >= 1")` from `Barrier(0)` (I-01) | [`BarrierBuildError`] |
//! | `BrokenBarrierError` (a `RuntimeError`, I-07, I-10, I-15) | [`BrokenBarrierError`] |
//! | `ValueError` / `OverflowError` for bad timeouts (C-08, C-09, C-10) | none: timeouts are `Duration`s; `Duration::MAX` waits forever |
//! | `RuntimeError("cannot join current thread")`, `RuntimeError` on `start()` twice, join of a dummy thread | the thread errors, in `thread_error.rs` ([`JoinError`](super::JoinError), [`Panicked`](super::Panicked)) |
//! | an exception raised in a thread's target | the panic payload, returned by `JoinHandle::join` and passed to the excepthook |
//! | an exception raised in a `Barrier` action (I-14) | the panic is resumed in the thread that ran the action; the others get [`BrokenBarrierError`] |

use std::error::Error;
use std::fmt;

/// Why `release()` of a [`Lock`](super::Lock) or [`RLock`](super::RLock) was refused
/// (Python's `RuntimeError`).
///
/// # Examples
///
/// ```
/// use pythreading::threading::{Lock, ReleaseError};
///
/// let lock = Lock::new();
/// assert_eq!(lock.release(), Err(ReleaseError::Unlocked));
/// ```
#[doc(alias = "ThreadError")]
#[doc(alias = "RuntimeError")]
#[doc(alias = "_thread.error")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReleaseError {
    /// The lock was not held.
    Unlocked,
    /// The [`RLock`](super::RLock) is held by another thread.
    NotOwner,
}

impl ReleaseError {
    /// Always `true`: Python raises `RuntimeError` in both cases.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::ReleaseError;
    /// assert!(ReleaseError::NotOwner.is_runtime_error());
    /// ```
    pub fn is_runtime_error(&self) -> bool {
        true
    }
}

impl fmt::Display for ReleaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReleaseError::Unlocked => f.write_str("release unlocked lock"),
            ReleaseError::NotOwner => f.write_str("cannot release un-acquired lock"),
        }
    }
}

impl Error for ReleaseError {}

/// A [`BoundedSemaphore`](super::BoundedSemaphore) was released more times than it was
/// acquired (Python's `ValueError`). The semaphore is unchanged.
///
/// # Examples
///
/// ```
/// use pythreading::threading::BoundedSemaphore;
///
/// let sem = BoundedSemaphore::new(1);
/// let err = sem.release(1).unwrap_err();
/// assert_eq!(err.to_string(), "semaphore released too many times");
/// assert_eq!(err.count(), 1);
/// ```
#[doc(alias = "ValueError")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BoundedReleaseError {
    pub(crate) count: usize,
}

impl BoundedReleaseError {
    /// How many permits the refused call tried to release.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::BoundedSemaphore;
    /// let sem = BoundedSemaphore::new(2);
    /// assert_eq!(sem.release(3).unwrap_err().count(), 3);
    /// ```
    pub fn count(&self) -> usize {
        self.count
    }
}

impl fmt::Display for BoundedReleaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("semaphore released too many times")
    }
}

impl Error for BoundedReleaseError {}

/// A [`Barrier`](super::Barrier) was broken: by `abort()`, `reset()`, a timeout or a panicking
/// action (Python's `BrokenBarrierError`, a `RuntimeError`).
///
/// # Examples
///
/// ```
/// use pythreading::threading::Barrier;
///
/// let barrier = Barrier::new(2)?;
/// barrier.abort();
/// let err = barrier.wait().unwrap_err();
/// assert!(err.is_runtime_error());
/// assert_eq!(err.to_string(), "barrier is broken");
/// # Ok::<(), pythreading::threading::BarrierBuildError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct BrokenBarrierError;

impl BrokenBarrierError {
    /// Always `true`: Python's `BrokenBarrierError` subclasses `RuntimeError` (I-15).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::BrokenBarrierError;
    /// assert!(BrokenBarrierError.is_runtime_error());
    /// ```
    pub fn is_runtime_error(&self) -> bool {
        true
    }
}

impl fmt::Display for BrokenBarrierError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("barrier is broken")
    }
}

impl Error for BrokenBarrierError {}

/// A [`Barrier`](super::Barrier) was asked for zero parties (Python's `ValueError`).
///
/// # Examples
///
/// ```
/// use pythreading::threading::Barrier;
///
/// let err = Barrier::new(0).unwrap_err();
/// assert_eq!(err.to_string(), "parties must be >= 1");
/// ```
#[doc(alias = "ValueError")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BarrierBuildError;

impl fmt::Display for BarrierBuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("parties must be >= 1")
    }
}

impl Error for BarrierBuildError {}
