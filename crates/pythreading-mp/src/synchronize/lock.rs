//! Process-shared [`Lock`] and [`RLock`], and their guards.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::SharedError;
use super::host::{Handle, Op, State, timeout};

pub(crate) fn acquire(h: &Handle, t: Option<Duration>) -> Result<bool, SharedError> {
    Ok(h.call(Op::Acquire, t, 0, Vec::new())?.is_some())
}

/// A lock usable from several processes (Python's `multiprocessing.Lock`).
///
/// Not owned: any thread of any process may release it (as in Python). If the process that
/// holds it dies, the lock is released (see the [module docs](super)).
///
/// Cloning gives another handle to the same lock; serializing one (as a `Process` argument)
/// lets a child use it.
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
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Lock {
    pub(crate) handle: Handle,
}

impl Lock {
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
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn new() -> Result<Lock, SharedError> {
        Ok(Lock {
            handle: Handle::create(State::lock())?,
        })
    }

    /// Blocks until the lock is acquired (Python's `acquire()`).
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
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn acquire(&self) -> Result<(), SharedError> {
        acquire(&self.handle, None).map(|_| ())
    }

    /// Acquires only if free now (Python's `acquire(False)`).
    ///
    /// # Errors
    ///
    /// As [`acquire`](Lock::acquire).
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = pythreading_mp::synchronize::Lock::new()?;
    /// assert!(lock.try_acquire()?);
    /// assert!(!lock.try_acquire()?);
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn try_acquire(&self) -> Result<bool, SharedError> {
        acquire(&self.handle, Some(Duration::ZERO))
    }

    /// Waits up to `t` (Python's `acquire(timeout=t)`); `Duration::MAX` waits forever.
    ///
    /// # Errors
    ///
    /// As [`acquire`](Lock::acquire).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let lock = pythreading_mp::synchronize::Lock::new()?;
    /// lock.acquire()?;
    /// assert!(!lock.acquire_timeout(Duration::from_millis(10))?);
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn acquire_timeout(&self, t: Duration) -> Result<bool, SharedError> {
        acquire(&self.handle, timeout(t))
    }

    /// Releases the lock (Python's `release()`).
    ///
    /// # Errors
    ///
    /// [`SharedError::NotHeld`] when it is not locked (Python's `ValueError`).
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::synchronize::{Lock, SharedError};
    /// let lock = Lock::new()?;
    /// assert!(matches!(lock.release(), Err(SharedError::NotHeld)));
    /// # Ok::<(), SharedError>(())
    /// ```
    pub fn release(&self) -> Result<(), SharedError> {
        self.handle.value(Op::Release, 0, Vec::new()).map(|_| ())
    }

    /// Whether some thread of some process holds it (Python 3.14's `locked()`).
    ///
    /// # Errors
    ///
    /// As [`acquire`](Lock::acquire).
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

    /// Acquires and returns a guard that releases on drop (Python's `with lock:`).
    ///
    /// # Errors
    ///
    /// As [`acquire`](Lock::acquire).
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
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    #[doc(alias = "with")]
    pub fn lock(&self) -> Result<LockGuard<'_>, SharedError> {
        self.acquire()?;
        Ok(LockGuard { lock: self })
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
#[derive(Debug)]
#[must_use = "the lock is released when the guard is dropped"]
pub struct LockGuard<'a> {
    lock: &'a Lock,
}

impl Drop for LockGuard<'_> {
    fn drop(&mut self) {
        // A host that is gone has released everything anyway.
        let _ = self.lock.release();
    }
}

/// A reentrant lock usable from several processes (Python's `multiprocessing.RLock`): the
/// owning thread may acquire it again, and must release it as many times.
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
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RLock {
    pub(crate) handle: Handle,
}

impl RLock {
    /// A new, unlocked reentrant lock hosted by this process.
    ///
    /// # Errors
    ///
    /// [`SharedError::Host`] if this process's host cannot start.
    ///
    /// # Examples
    ///
    /// ```
    /// let r = pythreading_mp::synchronize::RLock::new()?;
    /// assert!(r.try_acquire()?);
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn new() -> Result<RLock, SharedError> {
        Ok(RLock {
            handle: Handle::create(State::rlock())?,
        })
    }

    /// Blocks until acquired (at once when this thread owns it).
    ///
    /// # Errors
    ///
    /// [`SharedError::Host`] when the hosting process is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// let r = pythreading_mp::synchronize::RLock::new()?;
    /// r.acquire()?;
    /// r.acquire()?;
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn acquire(&self) -> Result<(), SharedError> {
        acquire(&self.handle, None).map(|_| ())
    }

    /// Acquires only if possible now.
    ///
    /// # Errors
    ///
    /// As [`acquire`](RLock::acquire).
    ///
    /// # Examples
    ///
    /// ```
    /// let r = pythreading_mp::synchronize::RLock::new()?;
    /// assert!(r.try_acquire()? && r.try_acquire()?);
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn try_acquire(&self) -> Result<bool, SharedError> {
        acquire(&self.handle, Some(Duration::ZERO))
    }

    /// Waits up to `t`; `Duration::MAX` waits forever.
    ///
    /// # Errors
    ///
    /// As [`acquire`](RLock::acquire).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let r = pythreading_mp::synchronize::RLock::new()?;
    /// assert!(r.acquire_timeout(Duration::from_millis(10))?);
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn acquire_timeout(&self, t: Duration) -> Result<bool, SharedError> {
        acquire(&self.handle, timeout(t))
    }

    /// Releases one level.
    ///
    /// # Errors
    ///
    /// [`SharedError::NotOwner`] when the calling thread does not own it (Python's
    /// "attempt to release recursive lock not owned by thread").
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::synchronize::{RLock, SharedError};
    /// let r = RLock::new()?;
    /// assert!(matches!(r.release(), Err(SharedError::NotOwner)));
    /// # Ok::<(), SharedError>(())
    /// ```
    pub fn release(&self) -> Result<(), SharedError> {
        self.handle.value(Op::Release, 0, Vec::new()).map(|_| ())
    }

    /// Whether some thread of some process owns it.
    ///
    /// # Errors
    ///
    /// As [`acquire`](RLock::acquire).
    ///
    /// # Examples
    ///
    /// ```
    /// let r = pythreading_mp::synchronize::RLock::new()?;
    /// assert!(!r.locked()?);
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn locked(&self) -> Result<bool, SharedError> {
        Ok(self.handle.value(Op::Locked, 0, Vec::new())? != 0)
    }

    /// Acquires and returns a guard that releases one level on drop.
    ///
    /// # Errors
    ///
    /// As [`acquire`](RLock::acquire).
    ///
    /// # Examples
    ///
    /// ```
    /// let r = pythreading_mp::synchronize::RLock::new()?;
    /// let _a = r.lock()?;
    /// let _b = r.lock()?;
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    #[doc(alias = "with")]
    pub fn lock(&self) -> Result<RLockGuard<'_>, SharedError> {
        self.acquire()?;
        Ok(RLockGuard { lock: self })
    }
}

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
#[derive(Debug)]
#[must_use = "the lock is released when the guard is dropped"]
pub struct RLockGuard<'a> {
    lock: &'a RLock,
}

impl Drop for RLockGuard<'_> {
    fn drop(&mut self) {
        let _ = self.lock.release();
    }
}
