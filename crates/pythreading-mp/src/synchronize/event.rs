//! Process-shared [`Event`].

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::SharedError;
use super::host::{Handle, Op, State, timeout};

/// A flag processes can wait for (Python's `multiprocessing.Event`).
///
/// # Examples
///
/// ```
/// use pythreading_mp::synchronize::Event;
/// use std::time::Duration;
/// let e = Event::new()?;
/// assert!(!e.wait_timeout(Duration::from_millis(10))?);
/// e.set()?;
/// assert!(e.is_set()? && e.wait_timeout(Duration::ZERO)?);
/// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Event {
    handle: Handle,
}

impl Event {
    /// A new, clear event hosted by this process.
    ///
    /// # Errors
    ///
    /// [`SharedError::Host`] if this process's host cannot start.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!pythreading_mp::synchronize::Event::new()?.is_set()?);
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn new() -> Result<Event, SharedError> {
        Ok(Event {
            handle: Handle::create(State::event())?,
        })
    }

    /// Whether the flag is set.
    ///
    /// # Errors
    ///
    /// [`SharedError::Host`] when the hosting process is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// let e = pythreading_mp::synchronize::Event::new()?;
    /// e.set()?;
    /// assert!(e.is_set()?);
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn is_set(&self) -> Result<bool, SharedError> {
        Ok(self.handle.value(Op::EventIsSet, 0, Vec::new())? != 0)
    }

    /// Sets the flag and wakes every waiter.
    ///
    /// # Errors
    ///
    /// As [`is_set`](Event::is_set).
    ///
    /// # Examples
    ///
    /// ```
    /// let e = pythreading_mp::synchronize::Event::new()?;
    /// e.set()?;
    /// e.wait()?;
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn set(&self) -> Result<(), SharedError> {
        self.handle.value(Op::EventSet, 0, Vec::new()).map(|_| ())
    }

    /// Clears the flag.
    ///
    /// # Errors
    ///
    /// As [`is_set`](Event::is_set).
    ///
    /// # Examples
    ///
    /// ```
    /// let e = pythreading_mp::synchronize::Event::new()?;
    /// e.set()?;
    /// e.clear()?;
    /// assert!(!e.is_set()?);
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn clear(&self) -> Result<(), SharedError> {
        self.handle.value(Op::EventClear, 0, Vec::new()).map(|_| ())
    }

    /// Blocks until the flag is set.
    ///
    /// # Errors
    ///
    /// As [`is_set`](Event::is_set).
    ///
    /// # Examples
    ///
    /// ```
    /// let e = pythreading_mp::synchronize::Event::new()?;
    /// let e2 = e.clone();
    /// std::thread::spawn(move || e2.set().unwrap());
    /// e.wait()?;
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn wait(&self) -> Result<(), SharedError> {
        self.wait_timeout(Duration::MAX).map(|_| ())
    }

    /// Waits up to `t`; returns the flag (Python's `wait(timeout)`).
    ///
    /// # Errors
    ///
    /// As [`is_set`](Event::is_set).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let e = pythreading_mp::synchronize::Event::new()?;
    /// assert!(!e.wait_timeout(Duration::from_millis(5))?);
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn wait_timeout(&self, t: Duration) -> Result<bool, SharedError> {
        let r = self.handle.call(Op::EventWait, timeout(t), 0, Vec::new())?;
        Ok(r.is_some_and(|r| r.value != 0))
    }
}
