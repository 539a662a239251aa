//! Process-shared [`Condition`].

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::SharedError;
use super::host::{Handle, Op, State, timeout};
use super::lock::{Lock, RLock, acquire};

/// A condition variable usable from several processes (Python's `multiprocessing.Condition`),
/// over a process-shared [`RLock`] (the default) or [`Lock`].
///
/// Waiters are woken in the order they started waiting; a waiter whose wait timed out leaves
/// nothing behind (MP-S07).
///
/// # Examples
///
/// ```
/// use pythreading_mp::synchronize::{Condition, Event};
/// let cond = Condition::new()?;
/// let ready = Event::new()?;
/// let (c2, r2) = (cond.clone(), ready.clone());
/// let t = std::thread::spawn(move || {
///     c2.acquire().unwrap();
///     r2.set().unwrap();
///     let woken = c2.wait().unwrap();
///     c2.release().unwrap();
///     woken
/// });
/// ready.wait()?;
/// cond.acquire()?; // the waiter let go of the lock inside wait()
/// assert_eq!(cond.notify()?, 1);
/// cond.release()?;
/// assert!(t.join().unwrap());
/// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Condition {
    cond: Handle,
    lock: Handle,
}

impl Condition {
    /// A condition over a new [`RLock`] (Python's `Condition()`).
    ///
    /// # Errors
    ///
    /// [`SharedError::Host`] if this process's host cannot start.
    ///
    /// # Examples
    ///
    /// ```
    /// let c = pythreading_mp::synchronize::Condition::new()?;
    /// c.acquire()?;
    /// c.acquire()?; // reentrant
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn new() -> Result<Condition, SharedError> {
        Condition::with_rlock(RLock::new()?)
    }

    /// A condition over `lock` (Python's `Condition(lock)` with an `RLock`).
    ///
    /// # Errors
    ///
    /// [`SharedError::WrongKind`] when the lock is not hosted by this process (a condition and
    /// its lock must live in the same host); [`SharedError::Host`].
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::synchronize::{Condition, RLock};
    /// let c = Condition::with_rlock(RLock::new()?)?;
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn with_rlock(lock: RLock) -> Result<Condition, SharedError> {
        Condition::over(lock.handle)
    }

    /// A condition over a plain [`Lock`] (Python's `Condition(Lock())`).
    ///
    /// # Errors
    ///
    /// As [`with_rlock`](Condition::with_rlock).
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::synchronize::{Condition, Lock};
    /// let c = Condition::with_lock(Lock::new()?)?;
    /// c.acquire()?;
    /// c.release()?;
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn with_lock(lock: Lock) -> Result<Condition, SharedError> {
        Condition::over(lock.handle)
    }

    fn over(lock: Handle) -> Result<Condition, SharedError> {
        let obj = lock.local().ok_or(SharedError::WrongKind)?;
        let cond = Handle::create(State::condition(std::sync::Arc::clone(obj)))?;
        Ok(Condition { cond, lock })
    }

    /// Acquires the underlying lock.
    ///
    /// # Errors
    ///
    /// [`SharedError::Host`] when the hosting process is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// let c = pythreading_mp::synchronize::Condition::new()?;
    /// c.acquire()?;
    /// c.release()?;
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn acquire(&self) -> Result<(), SharedError> {
        acquire(&self.lock, None).map(|_| ())
    }

    /// Waits up to `t` for the underlying lock.
    ///
    /// # Errors
    ///
    /// As [`acquire`](Condition::acquire).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let c = pythreading_mp::synchronize::Condition::new()?;
    /// assert!(c.acquire_timeout(Duration::from_millis(10))?);
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn acquire_timeout(&self, t: Duration) -> Result<bool, SharedError> {
        acquire(&self.lock, timeout(t))
    }

    /// Releases the underlying lock.
    ///
    /// # Errors
    ///
    /// [`SharedError::NotOwner`] / [`SharedError::NotHeld`] when not held.
    ///
    /// # Examples
    ///
    /// ```
    /// let c = pythreading_mp::synchronize::Condition::new()?;
    /// assert!(c.release().is_err());
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn release(&self) -> Result<(), SharedError> {
        self.lock.value(Op::Release, 0, Vec::new()).map(|_| ())
    }

    /// Releases the lock, waits for a notify, takes the lock back; returns `true` (Python's
    /// `wait()`).
    ///
    /// # Errors
    ///
    /// [`SharedError::NotOwner`] when the calling thread does not hold the lock.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::synchronize::{Condition, SharedError};
    /// let c = Condition::new()?;
    /// assert!(matches!(c.wait(), Err(SharedError::NotOwner)));
    /// # Ok::<(), SharedError>(())
    /// ```
    pub fn wait(&self) -> Result<bool, SharedError> {
        self.wait_timeout(Duration::MAX)
    }

    /// As [`wait`](Condition::wait), for at most `t`: `false` when no notify came (Python's
    /// `wait(t)`). The lock is held again on return either way.
    ///
    /// # Errors
    ///
    /// As [`wait`](Condition::wait).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let c = pythreading_mp::synchronize::Condition::new()?;
    /// c.acquire()?;
    /// assert!(!c.wait_timeout(Duration::from_millis(10))?);
    /// c.release()?;
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn wait_timeout(&self, t: Duration) -> Result<bool, SharedError> {
        Ok(self
            .cond
            .call(Op::CondWait, timeout(t), 0, Vec::new())?
            .is_some_and(|r| r.value != 0))
    }

    /// Waits until `predicate()` is true, re-checking after each wakeup, for at most `t`;
    /// returns the predicate's last value (Python's `wait_for(predicate, timeout)`). The
    /// predicate runs in this process with the lock held, so it may read other shared objects.
    ///
    /// # Errors
    ///
    /// As [`wait`](Condition::wait).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let c = pythreading_mp::synchronize::Condition::new()?;
    /// c.acquire()?;
    /// assert!(c.wait_for(|| true, Duration::ZERO)?);
    /// assert!(!c.wait_for(|| false, Duration::from_millis(10))?);
    /// c.release()?;
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn wait_for<F: FnMut() -> bool>(
        &self,
        mut predicate: F,
        t: Duration,
    ) -> Result<bool, SharedError> {
        let until = timeout(t).and_then(|t| Instant::now().checked_add(t));
        loop {
            if predicate() {
                return Ok(true);
            }
            let left = match until {
                None => Duration::MAX,
                Some(u) => {
                    let left = u.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Ok(predicate());
                    }
                    left
                }
            };
            self.wait_timeout(left)?;
        }
    }

    /// Wakes one waiter; returns how many were woken (0 or 1).
    ///
    /// # Errors
    ///
    /// [`SharedError::NotOwner`] when the calling thread does not hold the lock.
    ///
    /// # Examples
    ///
    /// ```
    /// let c = pythreading_mp::synchronize::Condition::new()?;
    /// c.acquire()?;
    /// assert_eq!(c.notify()?, 0);
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn notify(&self) -> Result<u64, SharedError> {
        self.notify_n(1)
    }

    /// Wakes up to `n` waiters, oldest first; returns how many were woken (Python's
    /// `notify(n)`).
    ///
    /// # Errors
    ///
    /// As [`notify`](Condition::notify).
    ///
    /// # Examples
    ///
    /// ```
    /// let c = pythreading_mp::synchronize::Condition::new()?;
    /// c.acquire()?;
    /// assert_eq!(c.notify_n(3)?, 0);
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    #[doc(alias = "notify")]
    pub fn notify_n(&self, n: u64) -> Result<u64, SharedError> {
        let n = i64::try_from(n).unwrap_or(i64::MAX);
        Ok(self.cond.value(Op::CondNotify, n, Vec::new())? as u64)
    }

    /// Wakes every waiter; returns how many were woken.
    ///
    /// # Errors
    ///
    /// As [`notify`](Condition::notify).
    ///
    /// # Examples
    ///
    /// ```
    /// let c = pythreading_mp::synchronize::Condition::new()?;
    /// c.acquire()?;
    /// assert_eq!(c.notify_all()?, 0);
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn notify_all(&self) -> Result<u64, SharedError> {
        Ok(self.cond.value(Op::CondNotify, -1, Vec::new())? as u64)
    }
}
