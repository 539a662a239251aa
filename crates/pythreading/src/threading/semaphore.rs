//! `Semaphore` and `BoundedSemaphore`: Python's counting semaphores.

use crate::diagnostics::{self, Kind, Label};
use std::fmt;
use std::time::Duration;

use super::error::BoundedReleaseError;
use super::wait_queue::WaitList;
use crate::deadline::Deadline;
use crate::sync::{Mutex, lock};

// The async faces (`acquire_async`, `permit_async`) share this file's private core.
#[path = "semaphore_async.rs"]
mod async_face;
pub use async_face::{
    BoundedSemaphoreAcquire, BoundedSemaphorePermitFuture, SemaphoreAcquire, SemaphorePermitFuture,
};

/// The shared core: free permits and a FIFO of waiters.
///
/// Invariant: waiters are queued only while no permit is free. `release` hands permits straight
/// to the oldest waiters, so a newcomer can never overtake a waiter (FIFO wake order, stronger
/// than Python's unspecified one, R-04) and counts per phase are exact (F-04).
#[derive(Debug)]
struct Core {
    state: Mutex<State>,
    /// Name and id in thread dumps (`diagnostics`).
    diag: Label,
}

#[derive(Debug, Default)]
struct State {
    value: usize,
    waiters: WaitList,
}

impl Core {
    #[cfg(not(loom))]
    const fn new(value: usize, kind: Kind) -> Self {
        Core {
            state: Mutex::new(State {
                value,
                waiters: WaitList::new(),
            }),
            diag: Label::new(kind),
        }
    }

    #[cfg(loom)]
    fn new(value: usize, kind: Kind) -> Self {
        Core {
            state: Mutex::new(State {
                value,
                waiters: WaitList::new(),
            }),
            diag: Label::new(kind),
        }
    }

    fn try_acquire(&self) -> bool {
        let mut state = lock(&self.state);
        if state.value > 0 {
            state.value -= 1;
            true
        } else {
            false
        }
    }

    #[track_caller]
    fn acquire_until(&self, deadline: Deadline) -> bool {
        let slot = {
            let mut state = lock(&self.state);
            if state.value > 0 {
                state.value -= 1;
                return true;
            }
            if deadline.has_passed() {
                return false;
            }
            state.waiters.push()
        };
        if diagnostics::parked(&self.diag, || slot.wait(deadline)) {
            return true;
        }
        // Timed out; unless a release handed us a permit meanwhile, leave the queue.
        !lock(&self.state).waiters.remove(&slot)
    }

    /// Releases `n` permits; with a `bound`, refuses (changing nothing) if the free count would
    /// exceed it.
    fn release(&self, n: usize, bound: Option<usize>) -> Result<(), BoundedReleaseError> {
        let mut state = lock(&self.state);
        if let Some(bound) = bound
            && state.value.checked_add(n).is_none_or(|v| v > bound)
        {
            return Err(BoundedReleaseError { count: n });
        }
        let mut left = n;
        while left > 0 {
            match state.waiters.pop() {
                Some(slot) => {
                    slot.signal();
                    left -= 1;
                }
                None => break,
            }
        }
        // An unbounded count saturates rather than overflowing.
        state.value = state.value.saturating_add(left);
        Ok(())
    }

    fn value(&self) -> usize {
        lock(&self.state).value
    }
}

/// A counting semaphore: Python's `threading.Semaphore`.
///
/// `acquire` takes a permit, waiting while none is free; `release(n)` gives `n` back, waking
/// waiters oldest first. Any thread may release, and an unbounded semaphore may be released
/// beyond its initial value (F-11). [`Semaphore::permit`] is `with sem:`: an RAII permit.
///
/// # Examples
///
/// ```
/// use pythreading::threading::Semaphore;
///
/// let sem = Semaphore::new(2);
/// let a = sem.permit();
/// let b = sem.permit();
/// assert!(!sem.try_acquire());
/// drop(a);
/// assert!(sem.try_acquire());
/// # drop(b);
/// ```
pub struct Semaphore {
    core: Core,
}

impl Semaphore {
    /// A semaphore with `value` free permits (Python's default is 1).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Semaphore;
    /// assert_eq!(Semaphore::new(3).value(), 3);
    /// ```
    #[cfg(not(loom))]
    pub const fn new(value: usize) -> Self {
        Semaphore {
            core: Core::new(value, Kind::Semaphore),
        }
    }

    /// As the `const` constructor of normal builds (loom's types are not `const`).
    #[cfg(loom)]
    pub fn new(value: usize) -> Self {
        Semaphore {
            core: Core::new(value, Kind::Semaphore),
        }
    }

    /// Blocks until a permit is free and takes it: Python's `acquire()`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Semaphore;
    /// let sem = Semaphore::new(1);
    /// sem.acquire();
    /// assert_eq!(sem.value(), 0);
    /// ```
    #[track_caller]
    pub fn acquire(&self) {
        self.core.acquire_until(Deadline::Never);
    }

    /// Takes a permit if one is free, without blocking: `acquire(blocking=False)`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Semaphore;
    /// let sem = Semaphore::new(1);
    /// assert!(sem.try_acquire());
    /// assert!(!sem.try_acquire());
    /// ```
    #[must_use = "`false` means no permit was taken"]
    pub fn try_acquire(&self) -> bool {
        self.core.try_acquire()
    }

    /// Waits at most `timeout` for a permit; `true` if taken. `ZERO` polls, `MAX` waits forever.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Semaphore;
    /// # use std::time::Duration;
    /// let sem = Semaphore::new(0);
    /// assert!(!sem.acquire_timeout(Duration::from_millis(10)));
    /// ```
    #[must_use = "`false` means the timeout passed without a permit"]
    #[track_caller]
    pub fn acquire_timeout(&self, timeout: Duration) -> bool {
        self.core.acquire_until(Deadline::after(timeout))
    }

    /// Gives back `n` permits, waking up to `n` waiters (F-05). `release(0)` does nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Semaphore;
    /// let sem = Semaphore::new(0);
    /// sem.release(3);
    /// assert_eq!(sem.value(), 3);
    /// ```
    pub fn release(&self, n: usize) {
        // Unbounded: cannot fail.
        let _ = self.core.release(n, None);
    }

    /// The number of free permits now (Python's `_value`, shown in its repr).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Semaphore;
    /// assert_eq!(Semaphore::new(1).value(), 1);
    /// ```
    #[doc(alias = "_value")]
    pub fn value(&self) -> usize {
        self.core.value()
    }

    /// Waits for a permit and returns it as a guard that releases it on drop: `with sem:`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Semaphore;
    /// let sem = Semaphore::new(1);
    /// {
    ///     let _permit = sem.permit();
    ///     assert_eq!(sem.value(), 0);
    /// }
    /// assert_eq!(sem.value(), 1);
    /// ```
    #[doc(alias = "__enter__")]
    #[doc(alias = "with")]
    #[track_caller]
    pub fn permit(&self) -> SemaphorePermit<'_> {
        self.acquire();
        SemaphorePermit { sem: self }
    }

    /// A permit if one is free now.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Semaphore;
    /// let sem = Semaphore::new(0);
    /// assert!(sem.try_permit().is_none());
    /// ```
    pub fn try_permit(&self) -> Option<SemaphorePermit<'_>> {
        self.try_acquire().then(|| SemaphorePermit { sem: self })
    }

    /// A permit if one can be had within `timeout`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Semaphore;
    /// # use std::time::Duration;
    /// let sem = Semaphore::new(1);
    /// assert!(sem.permit_timeout(Duration::from_millis(10)).is_some());
    /// ```
    #[track_caller]
    pub fn permit_timeout(&self, timeout: Duration) -> Option<SemaphorePermit<'_>> {
        self.acquire_timeout(timeout)
            .then(|| SemaphorePermit { sem: self })
    }
}

impl Default for Semaphore {
    /// One permit, as Python's `Semaphore()` (F-02).
    fn default() -> Self {
        Semaphore::new(1)
    }
}

impl fmt::Debug for Semaphore {
    /// Python's repr shape: `<pythreading::threading::Semaphore at 0x…: value=N>` (F-12).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "<pythreading::threading::Semaphore at {:p}: value={}>",
            self,
            self.value()
        )
    }
}

/// A permit of a [`Semaphore`], released when dropped.
///
/// # Examples
///
/// ```
/// # use pythreading::threading::Semaphore;
/// let sem = Semaphore::new(1);
/// sem.permit().forget(); // keep it taken
/// assert_eq!(sem.value(), 0);
/// ```
#[must_use = "if unused the permit is released at once"]
pub struct SemaphorePermit<'a> {
    sem: &'a Semaphore,
}

impl SemaphorePermit<'_> {
    /// Keeps the permit taken instead of releasing it on drop.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Semaphore;
    /// let sem = Semaphore::new(2);
    /// sem.permit().forget();
    /// assert_eq!(sem.value(), 1);
    /// ```
    pub fn forget(self) {
        std::mem::forget(self);
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        self.sem.release(1);
    }
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("sem", self.sem)
            .finish()
    }
}

/// A semaphore that refuses to be released above its initial value:
/// Python's `threading.BoundedSemaphore`.
///
/// An over-release is a [`BoundedReleaseError`] and changes nothing (G-01, G-04).
///
/// # Examples
///
/// ```
/// use pythreading::threading::BoundedSemaphore;
///
/// let sem = BoundedSemaphore::new(2);
/// sem.acquire();
/// sem.release(1)?;
/// assert!(sem.release(1).is_err()); // back at 2/2
/// assert_eq!(sem.value(), 2);
/// # Ok::<(), pythreading::threading::BoundedReleaseError>(())
/// ```
pub struct BoundedSemaphore {
    core: Core,
    initial: usize,
}

impl BoundedSemaphore {
    /// A bounded semaphore with `value` permits, which is also its bound.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::BoundedSemaphore;
    /// assert_eq!(BoundedSemaphore::new(3).initial_value(), 3);
    /// ```
    #[cfg(not(loom))]
    pub const fn new(value: usize) -> Self {
        BoundedSemaphore {
            core: Core::new(value, Kind::BoundedSemaphore),
            initial: value,
        }
    }

    /// As the `const` constructor of normal builds (loom's types are not `const`).
    #[cfg(loom)]
    pub fn new(value: usize) -> Self {
        BoundedSemaphore {
            core: Core::new(value, Kind::BoundedSemaphore),
            initial: value,
        }
    }

    /// Blocks until a permit is free and takes it.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::BoundedSemaphore;
    /// let sem = BoundedSemaphore::new(1);
    /// sem.acquire();
    /// assert_eq!(sem.value(), 0);
    /// ```
    #[track_caller]
    pub fn acquire(&self) {
        self.core.acquire_until(Deadline::Never);
    }

    /// Takes a permit if one is free, without blocking.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::BoundedSemaphore;
    /// let sem = BoundedSemaphore::new(1);
    /// assert!(sem.try_acquire());
    /// assert!(!sem.try_acquire());
    /// ```
    #[must_use = "`false` means no permit was taken"]
    pub fn try_acquire(&self) -> bool {
        self.core.try_acquire()
    }

    /// Waits at most `timeout` for a permit; `true` if taken.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::BoundedSemaphore;
    /// # use std::time::Duration;
    /// let sem = BoundedSemaphore::new(1);
    /// assert!(sem.acquire_timeout(Duration::ZERO));
    /// ```
    #[must_use = "`false` means the timeout passed without a permit"]
    #[track_caller]
    pub fn acquire_timeout(&self, timeout: Duration) -> bool {
        self.core.acquire_until(Deadline::after(timeout))
    }

    /// Gives back `n` permits. Any thread may release (G-02).
    ///
    /// # Errors
    ///
    /// [`BoundedReleaseError`] if the free count would exceed the initial value; nothing is
    /// released then (all or nothing, G-04).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::BoundedSemaphore;
    /// let sem = BoundedSemaphore::new(1);
    /// assert!(sem.release(1).is_err());
    /// ```
    pub fn release(&self, n: usize) -> Result<(), BoundedReleaseError> {
        self.core.release(n, Some(self.initial))
    }

    /// The number of free permits now.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::BoundedSemaphore;
    /// assert_eq!(BoundedSemaphore::new(2).value(), 2);
    /// ```
    pub fn value(&self) -> usize {
        self.core.value()
    }

    /// The bound: the value it was created with.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::BoundedSemaphore;
    /// assert_eq!(BoundedSemaphore::new(4).initial_value(), 4);
    /// ```
    #[doc(alias = "_initial_value")]
    pub fn initial_value(&self) -> usize {
        self.initial
    }

    /// Waits for a permit and returns it as a guard that releases it on drop: `with sem:`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::BoundedSemaphore;
    /// let sem = BoundedSemaphore::new(1);
    /// {
    ///     let _p = sem.permit();
    ///     assert_eq!(sem.value(), 0);
    /// }
    /// assert_eq!(sem.value(), 1);
    /// ```
    #[doc(alias = "__enter__")]
    #[doc(alias = "with")]
    #[track_caller]
    pub fn permit(&self) -> BoundedSemaphorePermit<'_> {
        self.acquire();
        BoundedSemaphorePermit { sem: self }
    }

    /// A permit if one is free now.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::BoundedSemaphore;
    /// let sem = BoundedSemaphore::new(1);
    /// assert!(sem.try_permit().is_some());
    /// ```
    pub fn try_permit(&self) -> Option<BoundedSemaphorePermit<'_>> {
        self.try_acquire()
            .then(|| BoundedSemaphorePermit { sem: self })
    }

    /// A permit if one can be had within `timeout`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::BoundedSemaphore;
    /// # use std::time::Duration;
    /// let sem = BoundedSemaphore::new(0);
    /// assert!(sem.permit_timeout(Duration::from_millis(5)).is_none());
    /// ```
    #[track_caller]
    pub fn permit_timeout(&self, timeout: Duration) -> Option<BoundedSemaphorePermit<'_>> {
        self.acquire_timeout(timeout)
            .then(|| BoundedSemaphorePermit { sem: self })
    }
}

impl Default for BoundedSemaphore {
    /// One permit, as Python's `BoundedSemaphore()`.
    fn default() -> Self {
        BoundedSemaphore::new(1)
    }
}

impl fmt::Debug for BoundedSemaphore {
    /// Python's repr shape: `<pythreading::threading::BoundedSemaphore at 0x…: value=2/3>` (G-03).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "<pythreading::threading::BoundedSemaphore at {:p}: value={}/{}>",
            self,
            self.value(),
            self.initial
        )
    }
}

/// A permit of a [`BoundedSemaphore`], released when dropped.
///
/// # Examples
///
/// ```
/// # use pythreading::threading::BoundedSemaphore;
/// let sem = BoundedSemaphore::new(1);
/// let permit = sem.permit();
/// drop(permit);
/// assert_eq!(sem.value(), 1);
/// ```
#[must_use = "if unused the permit is released at once"]
pub struct BoundedSemaphorePermit<'a> {
    sem: &'a BoundedSemaphore,
}

impl BoundedSemaphorePermit<'_> {
    /// Keeps the permit taken instead of releasing it on drop.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::BoundedSemaphore;
    /// let sem = BoundedSemaphore::new(1);
    /// sem.permit().forget();
    /// assert_eq!(sem.value(), 0);
    /// ```
    pub fn forget(self) {
        std::mem::forget(self);
    }
}

impl Drop for BoundedSemaphorePermit<'_> {
    fn drop(&mut self) {
        // Only refused if other code over-released meanwhile; the permit is then simply gone.
        let _ = self.sem.release(1);
    }
}

impl fmt::Debug for BoundedSemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoundedSemaphorePermit")
            .field("sem", self.sem)
            .finish()
    }
}
