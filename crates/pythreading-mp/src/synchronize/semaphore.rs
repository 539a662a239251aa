//! Process-shared [`Semaphore`] and [`BoundedSemaphore`].

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::SharedError;
use super::host::{Handle, Op, State, timeout};
use super::lock::acquire;

/// A counter usable from several processes (Python's `multiprocessing.Semaphore`): `acquire`
/// takes one unit, waiting while there is none; `release` gives one back, with no upper bound.
///
/// As in `multiprocessing` (unlike `threading`), [`try_acquire`](Semaphore::try_acquire)
/// never waits, and timeouts return `false` (MP-S06).
///
/// # Examples
///
/// ```
/// use pythreading_mp::synchronize::Semaphore;
/// let s = Semaphore::new(2)?;
/// assert!(s.try_acquire()? && s.try_acquire()?);
/// assert!(!s.try_acquire()?);
/// s.release()?;
/// assert_eq!(s.get_value()?, 1);
/// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Semaphore {
    handle: Handle,
}

macro_rules! semaphore_methods {
    ($t:ident) => {
        /// Blocks until a unit is available and takes it.
        ///
        /// # Errors
        ///
        /// [`SharedError::Host`] when the hosting process is gone.
        ///
        /// # Examples
        ///
        /// ```
        #[doc = concat!("let s = pythreading_mp::synchronize::", stringify!($t), "::new(1)?;")]
        /// s.acquire()?;
        /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
        /// ```
        pub fn acquire(&self) -> Result<(), SharedError> {
            acquire(&self.handle, None).map(|_| ())
        }

        /// Takes a unit only if one is available now.
        ///
        /// # Errors
        ///
        /// As `acquire`.
        ///
        /// # Examples
        ///
        /// ```
        #[doc = concat!("let s = pythreading_mp::synchronize::", stringify!($t), "::new(0)?;")]
        /// assert!(!s.try_acquire()?);
        /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
        /// ```
        pub fn try_acquire(&self) -> Result<bool, SharedError> {
            acquire(&self.handle, Some(Duration::ZERO))
        }

        /// Waits up to `t` for a unit; `false` if none came. `Duration::MAX` waits forever.
        ///
        /// # Errors
        ///
        /// As `acquire`.
        ///
        /// # Examples
        ///
        /// ```
        /// use std::time::Duration;
        #[doc = concat!("let s = pythreading_mp::synchronize::", stringify!($t), "::new(0)?;")]
        /// assert!(!s.acquire_timeout(Duration::from_millis(10))?);
        /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
        /// ```
        pub fn acquire_timeout(&self, t: Duration) -> Result<bool, SharedError> {
            acquire(&self.handle, timeout(t))
        }

        /// The current count (Python's `get_value()`).
        ///
        /// # Errors
        ///
        /// As `acquire`.
        ///
        /// # Examples
        ///
        /// ```
        #[doc = concat!("let s = pythreading_mp::synchronize::", stringify!($t), "::new(3)?;")]
        /// assert_eq!(s.get_value()?, 3);
        /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
        /// ```
        pub fn get_value(&self) -> Result<u64, SharedError> {
            Ok(self.handle.value(Op::SemValue, 0, Vec::new())? as u64)
        }
    };
}

impl Semaphore {
    /// A semaphore with `value` units, hosted by this process.
    ///
    /// # Errors
    ///
    /// [`SharedError::Host`] if this process's host cannot start.
    ///
    /// # Examples
    ///
    /// ```
    /// let s = pythreading_mp::synchronize::Semaphore::new(2)?;
    /// assert_eq!(s.get_value()?, 2);
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn new(value: u64) -> Result<Semaphore, SharedError> {
        Ok(Semaphore {
            handle: Handle::create(State::semaphore(value, false))?,
        })
    }

    semaphore_methods!(Semaphore);

    /// Gives one unit back (unbounded: the count may exceed the initial value).
    ///
    /// # Errors
    ///
    /// [`SharedError::Host`] when the hosting process is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// let s = pythreading_mp::synchronize::Semaphore::new(2)?;
    /// s.release()?;
    /// s.release()?;
    /// assert_eq!(s.get_value()?, 4);
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn release(&self) -> Result<(), SharedError> {
        self.handle.value(Op::Release, 1, Vec::new()).map(|_| ())
    }
}

/// A [`Semaphore`] whose count may not rise above its initial value (Python's
/// `multiprocessing.BoundedSemaphore`).
///
/// # Examples
///
/// ```
/// use pythreading_mp::synchronize::{BoundedSemaphore, SharedError};
/// let s = BoundedSemaphore::new(1)?;
/// assert!(matches!(s.release(), Err(SharedError::TooManyReleases)));
/// # Ok::<(), SharedError>(())
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BoundedSemaphore {
    handle: Handle,
}

impl BoundedSemaphore {
    /// A bounded semaphore with `value` units, hosted by this process.
    ///
    /// # Errors
    ///
    /// [`SharedError::Host`] if this process's host cannot start.
    ///
    /// # Examples
    ///
    /// ```
    /// let s = pythreading_mp::synchronize::BoundedSemaphore::new(2)?;
    /// assert_eq!(s.get_value()?, 2);
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn new(value: u64) -> Result<BoundedSemaphore, SharedError> {
        Ok(BoundedSemaphore {
            handle: Handle::create(State::semaphore(value, true))?,
        })
    }

    semaphore_methods!(BoundedSemaphore);

    /// Gives one unit back.
    ///
    /// # Errors
    ///
    /// [`SharedError::TooManyReleases`] above the initial value (Python's `ValueError`);
    /// the count is unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// let s = pythreading_mp::synchronize::BoundedSemaphore::new(1)?;
    /// s.acquire()?;
    /// s.release()?;
    /// assert!(s.release().is_err());
    /// assert_eq!(s.get_value()?, 1);
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn release(&self) -> Result<(), SharedError> {
        self.handle.value(Op::Release, 1, Vec::new()).map(|_| ())
    }
}
