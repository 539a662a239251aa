//! Process-shared [`Lock`] and [`RLock`], and their guards.
//!
//! Both are one type, [`SharedLock`], over a kind marker: a handle's operations are the same
//! requests for either kind, and everything that differs (reentrancy, who may release, which
//! error a bad release gets) lives in the state the host keeps for the object.

use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::SharedError;
use super::host::{Handle, Op, State, timeout};

pub(crate) fn acquire(h: &Handle, t: Option<Duration>) -> Result<bool, SharedError> {
    Ok(h.call(Op::Acquire, t, 0, Vec::new())?.is_some())
}

mod sealed {
    // Sealed on purpose: unnameable so no other crate can implement `LockKind` (the host knows
    // exactly two kinds of lock).
    #[allow(unnameable_types)]
    pub trait Sealed {}
}

/// The kind of a [`SharedLock`]: [`NonReentrant`] ([`Lock`]) or [`Reentrant`] ([`RLock`]).
/// Sealed: only those two exist.
///
/// # Examples
///
/// ```
/// use pythreading_mp::synchronize::{LockKind, NonReentrant, Reentrant};
/// assert!(!NonReentrant::REENTRANT && Reentrant::REENTRANT);
/// ```
pub trait LockKind: sealed::Sealed {
    /// Whether the owning thread may acquire the lock again.
    const REENTRANT: bool;
}

/// The kind of [`Lock`]: not owned, any thread of any process may release it.
///
/// # Examples
///
/// ```
/// use pythreading_mp::synchronize::{Lock, NonReentrant, SharedLock};
/// let lock: SharedLock<NonReentrant> = Lock::new()?;
/// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub enum NonReentrant {}

/// The kind of [`RLock`]: owned by the acquiring thread, which may acquire it again.
///
/// # Examples
///
/// ```
/// use pythreading_mp::synchronize::{RLock, Reentrant, SharedLock};
/// let r: SharedLock<Reentrant> = RLock::new()?;
/// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub enum Reentrant {}

impl sealed::Sealed for NonReentrant {}
impl sealed::Sealed for Reentrant {}

impl LockKind for NonReentrant {
    const REENTRANT: bool = false;
}

impl LockKind for Reentrant {
    const REENTRANT: bool = true;
}

/// A lock usable from several processes (Python's `multiprocessing.Lock`).
///
/// Not owned: any thread of any process may release it (as in Python). If the process that
/// holds it dies, the lock is released (see the [module docs](super)).
///
/// Cloning gives another handle to the same lock; serializing one (as a `Process` argument)
/// lets a child use it. Its methods are [`SharedLock`]'s.
///
/// # Examples
///
/// ```
/// use pythreading_mp::synchronize::Lock;
/// let lock = Lock::new()?;
/// lock.acquire()?;
/// assert!(lock.locked()?);
/// assert!(!lock.try_acquire()?);
/// lock.release()?;
/// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
/// ```
pub type Lock = SharedLock<NonReentrant>;

/// A reentrant lock usable from several processes (Python's `multiprocessing.RLock`): the
/// owning thread may acquire it again, and must release it as many times. Its methods are
/// [`SharedLock`]'s.
///
/// # Examples
///
/// ```
/// use pythreading_mp::synchronize::RLock;
/// let r = RLock::new()?;
/// r.acquire()?;
/// r.acquire()?;
/// r.release()?;
/// assert!(r.locked()?);
/// r.release()?;
/// assert!(!r.locked()?);
/// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
/// ```
pub type RLock = SharedLock<Reentrant>;

/// A process-shared lock of kind `K`; use it as [`Lock`] or [`RLock`].
///
/// # Examples
///
/// ```
/// use pythreading_mp::synchronize::{Lock, RLock};
/// let (lock, r) = (Lock::new()?, RLock::new()?);
/// assert!(lock.try_acquire()? && !lock.try_acquire()?);
/// assert!(r.try_acquire()? && r.try_acquire()?); // the owner takes it again
/// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
/// ```
#[derive(Serialize, Deserialize)]
#[serde(bound = "")]
pub struct SharedLock<K: LockKind> {
    pub(crate) handle: Handle,
    #[serde(skip)]
    kind: PhantomData<K>,
}

// Written out rather than derived: a derive would ask `K: Clone`/`K: Debug` of the marker.
impl<K: LockKind> Clone for SharedLock<K> {
    fn clone(&self) -> Self {
        SharedLock {
            handle: self.handle.clone(),
            kind: PhantomData,
        }
    }
}

impl<K: LockKind> fmt::Debug for SharedLock<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = if K::REENTRANT { "RLock" } else { "Lock" };
        f.debug_struct(name).field("handle", &self.handle).finish()
    }
}

impl<K: LockKind> SharedLock<K> {
    /// A new, unlocked lock hosted by this process.
    ///
    /// # Errors
    ///
    /// [`SharedError::Host`] if this process's host cannot start (no socket).
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = pythreading_mp::synchronize::Lock::new()?;
    /// assert!(!lock.locked()?);
    /// let r = pythreading_mp::synchronize::RLock::new()?;
    /// assert!(!r.locked()?);
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn new() -> Result<Self, SharedError> {
        let state = if K::REENTRANT {
            State::rlock()
        } else {
            State::lock()
        };
        Ok(SharedLock {
            handle: Handle::create(state)?,
            kind: PhantomData,
        })
    }

    /// Blocks until the lock is acquired (Python's `acquire()`); an [`RLock`] its owner holds
    /// is acquired again at once.
    ///
    /// # Errors
    ///
    /// [`SharedError::Host`] when the hosting process is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = pythreading_mp::synchronize::Lock::new()?;
    /// lock.acquire()?;
    /// lock.release()?;
    /// let r = pythreading_mp::synchronize::RLock::new()?;
    /// r.acquire()?;
    /// r.acquire()?;
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn acquire(&self) -> Result<(), SharedError> {
        acquire(&self.handle, None).map(|_| ())
    }

    /// Acquires only if possible now (Python's `acquire(False)`): the lock is free, or it is
    /// an [`RLock`] this thread owns.
    ///
    /// # Errors
    ///
    /// As [`acquire`](SharedLock::acquire).
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = pythreading_mp::synchronize::Lock::new()?;
    /// assert!(lock.try_acquire()?);
    /// assert!(!lock.try_acquire()?);
    /// let r = pythreading_mp::synchronize::RLock::new()?;
    /// assert!(r.try_acquire()? && r.try_acquire()?);
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn try_acquire(&self) -> Result<bool, SharedError> {
        acquire(&self.handle, Some(Duration::ZERO))
    }

    /// Waits up to `t` (Python's `acquire(timeout=t)`); `Duration::MAX` waits forever.
    ///
    /// # Errors
    ///
    /// As [`acquire`](SharedLock::acquire).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let lock = pythreading_mp::synchronize::Lock::new()?;
    /// lock.acquire()?;
    /// assert!(!lock.acquire_timeout(Duration::from_millis(10))?);
    /// let r = pythreading_mp::synchronize::RLock::new()?;
    /// assert!(r.acquire_timeout(Duration::from_millis(10))?);
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn acquire_timeout(&self, t: Duration) -> Result<bool, SharedError> {
        acquire(&self.handle, timeout(t))
    }

    /// Releases the lock (Python's `release()`); an [`RLock`] one level.
    ///
    /// # Errors
    ///
    /// For a [`Lock`], [`SharedError::NotHeld`] when it is not locked (Python's `ValueError`);
    /// for an [`RLock`], [`SharedError::NotOwner`] when the calling thread does not own it
    /// (Python's "attempt to release recursive lock not owned by thread").
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::synchronize::{Lock, RLock, SharedError};
    /// let lock = Lock::new()?;
    /// assert!(matches!(lock.release(), Err(SharedError::NotHeld)));
    /// let r = RLock::new()?;
    /// assert!(matches!(r.release(), Err(SharedError::NotOwner)));
    /// # Ok::<(), SharedError>(())
    /// ```
    pub fn release(&self) -> Result<(), SharedError> {
        self.handle.value(Op::Release, 0, Vec::new()).map(|_| ())
    }

    /// Whether some thread of some process holds it (Python 3.14's `locked()`).
    ///
    /// # Errors
    ///
    /// As [`acquire`](SharedLock::acquire).
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = pythreading_mp::synchronize::Lock::new()?;
    /// assert!(!lock.locked()?);
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn locked(&self) -> Result<bool, SharedError> {
        Ok(self.handle.value(Op::Locked, 0, Vec::new())? != 0)
    }

    /// Acquires and returns a guard that releases (one level) on drop (Python's `with lock:`).
    ///
    /// # Errors
    ///
    /// As [`acquire`](SharedLock::acquire).
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = pythreading_mp::synchronize::Lock::new()?;
    /// {
    ///     let _g = lock.lock()?;
    ///     assert!(lock.locked()?);
    /// }
    /// assert!(!lock.locked()?);
    /// let r = pythreading_mp::synchronize::RLock::new()?;
    /// let _a = r.lock()?;
    /// let _b = r.lock()?;
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    #[doc(alias = "with")]
    pub fn lock(&self) -> Result<SharedLockGuard<'_, K>, SharedError> {
        self.acquire()?;
        Ok(SharedLockGuard { lock: self })
    }
}

/// Holds a [`Lock`] until dropped.
///
/// # Examples
///
/// ```
/// let lock = pythreading_mp::synchronize::Lock::new()?;
/// let guard = lock.lock()?;
/// drop(guard);
/// assert!(lock.try_acquire()?);
/// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
/// ```
pub type LockGuard<'a> = SharedLockGuard<'a, NonReentrant>;

/// Holds one level of an [`RLock`] until dropped.
///
/// # Examples
///
/// ```
/// let r = pythreading_mp::synchronize::RLock::new()?;
/// drop(r.lock()?);
/// assert!(!r.locked()?);
/// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
/// ```
pub type RLockGuard<'a> = SharedLockGuard<'a, Reentrant>;

/// Holds a [`SharedLock`] (one level of an [`RLock`]) until dropped; use it as [`LockGuard`]
/// or [`RLockGuard`].
///
/// # Examples
///
/// ```
/// let lock = pythreading_mp::synchronize::Lock::new()?;
/// drop(lock.lock()?);
/// assert!(!lock.locked()?);
/// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
/// ```
#[derive(Debug)]
#[must_use = "the lock is released when the guard is dropped"]
pub struct SharedLockGuard<'a, K: LockKind> {
    lock: &'a SharedLock<K>,
}

impl<K: LockKind> Drop for SharedLockGuard<'_, K> {
    fn drop(&mut self) {
        // A host that is gone has released everything anyway.
        let _ = self.lock.release();
    }
}
