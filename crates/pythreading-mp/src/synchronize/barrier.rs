//! Process-shared [`Barrier`].

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::SharedError;
use super::host::{Handle, Op, State, timeout};

/// A rendezvous for a fixed number of parties across processes (Python's
/// `multiprocessing.Barrier`), with `threading.Barrier`'s semantics: `wait` returns an arrival
/// index, a timed-out wait breaks the barrier, `abort` and `reset` work as there.
///
/// No `action` callable: a closure cannot cross processes. Run it yourself when `wait`
/// returns index `parties - 1` (the last to arrive).
///
/// # Examples
///
/// ```
/// use pythreading_mp::synchronize::Barrier;
/// let b = Barrier::new(2)?;
/// let b2 = b.clone();
/// let t = std::thread::spawn(move || b2.wait().unwrap());
/// let mine = b.wait()?;
/// let theirs = t.join().unwrap();
/// assert_eq!(mine + theirs, 1); // indices 0 and 1
/// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Barrier {
    handle: Handle,
}

impl Barrier {
    /// A barrier for `parties` parties, hosted by this process.
    ///
    /// # Errors
    ///
    /// [`SharedError::Host`] if this process's host cannot start.
    ///
    /// # Examples
    ///
    /// ```
    /// let b = pythreading_mp::synchronize::Barrier::new(1)?;
    /// assert_eq!(b.wait()?, 0);
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn new(parties: u64) -> Result<Barrier, SharedError> {
        Ok(Barrier {
            handle: Handle::create(State::barrier(parties.max(1)))?,
        })
    }

    /// Waits for every party; returns this party's arrival index (0 to `parties - 1`).
    ///
    /// # Errors
    ///
    /// [`SharedError::BrokenBarrier`] when the barrier is or becomes broken.
    ///
    /// # Examples
    ///
    /// ```
    /// let b = pythreading_mp::synchronize::Barrier::new(1)?;
    /// assert_eq!(b.wait()?, 0);
    /// assert_eq!(b.wait()?, 0);
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn wait(&self) -> Result<u64, SharedError> {
        self.wait_timeout(Duration::MAX)
    }

    /// As [`wait`](Barrier::wait), for at most `t`; a timeout breaks the barrier for everyone.
    ///
    /// # Errors
    ///
    /// [`SharedError::BrokenBarrier`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let b = pythreading_mp::synchronize::Barrier::new(2)?;
    /// assert!(b.wait_timeout(Duration::from_millis(10)).is_err());
    /// assert!(b.broken()?);
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn wait_timeout(&self, t: Duration) -> Result<u64, SharedError> {
        match self
            .handle
            .call(Op::BarrierWait, timeout(t), 0, Vec::new())?
        {
            Some(r) => Ok(r.value as u64),
            None => Err(SharedError::BrokenBarrier),
        }
    }

    /// Breaks the barrier: current and future waiters fail until [`reset`](Barrier::reset).
    ///
    /// # Errors
    ///
    /// [`SharedError::Host`] when the hosting process is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// let b = pythreading_mp::synchronize::Barrier::new(1)?;
    /// b.abort()?;
    /// assert!(b.wait().is_err());
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn abort(&self) -> Result<(), SharedError> {
        self.handle
            .value(Op::BarrierAbort, 0, Vec::new())
            .map(|_| ())
    }

    /// Returns the barrier to its initial state; current waiters fail with
    /// [`SharedError::BrokenBarrier`].
    ///
    /// # Errors
    ///
    /// As [`abort`](Barrier::abort).
    ///
    /// # Examples
    ///
    /// ```
    /// let b = pythreading_mp::synchronize::Barrier::new(1)?;
    /// b.abort()?;
    /// b.reset()?;
    /// assert_eq!(b.wait()?, 0);
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn reset(&self) -> Result<(), SharedError> {
        self.handle
            .value(Op::BarrierReset, 0, Vec::new())
            .map(|_| ())
    }

    /// The number of parties.
    ///
    /// # Errors
    ///
    /// As [`abort`](Barrier::abort).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(pythreading_mp::synchronize::Barrier::new(3)?.parties()?, 3);
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn parties(&self) -> Result<u64, SharedError> {
        Ok(self.handle.value(Op::BarrierParties, 0, Vec::new())? as u64)
    }

    /// How many parties are waiting now.
    ///
    /// # Errors
    ///
    /// As [`abort`](Barrier::abort).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(pythreading_mp::synchronize::Barrier::new(3)?.n_waiting()?, 0);
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn n_waiting(&self) -> Result<u64, SharedError> {
        Ok(self.handle.value(Op::BarrierWaiting, 0, Vec::new())? as u64)
    }

    /// Whether the barrier is broken.
    ///
    /// # Errors
    ///
    /// As [`abort`](Barrier::abort).
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!pythreading_mp::synchronize::Barrier::new(3)?.broken()?);
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn broken(&self) -> Result<bool, SharedError> {
        Ok(self.handle.value(Op::BarrierBroken, 0, Vec::new())? != 0)
    }
}
