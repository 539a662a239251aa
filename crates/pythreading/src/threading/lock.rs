//! `Lock`: Python's `threading.Lock`, a non-reentrant lock that any thread may release.

use std::fmt;
use std::time::Duration;

use super::error::ReleaseError;
use crate::deadline::Deadline;
use crate::diagnostics::{Kind, LockDiag, my_ident};
use crate::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use crate::sync::{Condvar, Mutex, lock};

use super::wait_queue::WaitList;

// The async face (`acquire_async`, `lock_async`) shares this file's private state.
#[path = "lock_async.rs"]
mod async_face;
pub use async_face::{LockAcquire, LockGuardFuture};

// The lock is a futex-style state word; the std mutex/condvar pair below only parks threads on
// the slow path, so an uncontended acquire/release is one atomic read-modify-write each.
// The word also names the holder, for dumps and deadlock reports: the acquiring compare-exchange
// writes the caller's ident with the locked bit, so recording the holder costs the fast path
// nothing but reading the ident (a `const` thread-local), and the release's swap forgets it in
// the same instruction that unlocks.
const UNLOCKED: u64 = 0;
/// Some thread may be parked waiting: `release` must wake one.
const CONTENDED: u64 = 1;
/// Held (set in every held state, so a held word is never 0, whatever the ident).
const LOCKED: u64 = 2;
/// Where the holder's ident starts in the word (idents are small counters: nothing is lost).
const HOLDER_SHIFT: u32 = 2;

/// The state word of a lock taken by the calling thread, not marked contended.
#[inline]
fn held_by_me() -> u64 {
    LOCKED | (my_ident() << HOLDER_SHIFT)
}

/// The holder named by a state word (0: unlocked).
#[inline]
fn holder(state: u64) -> u64 {
    state >> HOLDER_SHIFT
}

// A short spin before parking, then a few yields: a park and its wake-up cost two system calls,
// and on a small, oversubscribed machine the holder often needs this core to finish, which a
// yield gives it and a long spin would not. Models explore no spinning.
/// CPU hints in the first spin round (doubling each round).
#[cfg(not(loom))]
const SPINS: u32 = 8;
/// Spin rounds (doubling hints, then yields) before parking.
#[cfg(not(loom))]
const SPIN_ROUNDS: u32 = 10;

/// A primitive lock: Python's `threading.Lock` (and `_thread.allocate_lock()`).
///
/// Unlike [`std::sync::Mutex`], it protects no data, it is not owned by a thread (any thread may
/// [`release`](Lock::release) it, C-14), and releasing it when it is not held is an error, not
/// undefined behaviour. It is not reentrant: a second `acquire()` by the same thread waits for
/// someone to release it (C-13). [`Lock::lock`] gives an RAII guard, Python's `with lock:`.
///
/// Share it between threads with [`Arc`](std::sync::Arc). There is no poisoning: a panic while
/// the guard is alive releases the lock (C-07).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use pythreading::threading::Lock;
///
/// let lock = Arc::new(Lock::new());
/// lock.acquire();
/// let other = Arc::clone(&lock);
/// // Another thread may release it, as in Python.
/// std::thread::spawn(move || other.release().unwrap()).join().unwrap();
/// assert!(!lock.locked());
///
/// {
///     let _guard = lock.lock(); // `with lock:`
///     assert!(lock.locked());
/// }
/// assert!(!lock.locked());
/// ```
pub struct Lock {
    /// `UNLOCKED`, or `LOCKED` with the holder's ident and maybe `CONTENDED`.
    state: AtomicU64,
    /// How many threads are parked on `unparked`, and tasks queued in `park` (changed under
    /// `park`, read without it: a release looks here and touches `park` only when someone is
    /// parked).
    parked: AtomicU32,
    /// The tasks waiting in `acquire_async` (see `lock_async.rs`), allocated when the first
    /// task waits so that a lock only threads use stays small; threads wait on `unparked`.
    park: Mutex<Option<Box<WaitList>>>,
    unparked: Condvar,
    /// Name, id and last holder, for dumps and deadlock reports (`diagnostics`).
    diag: LockDiag,
}

impl Lock {
    /// A new, unlocked lock. It is `const`, so a lock can be a `static`, like a module-level
    /// `lock = threading.Lock()` in Python.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Lock;
    /// static LOCK: Lock = Lock::new();
    ///
    /// let _guard = LOCK.lock();
    /// assert!(LOCK.locked());
    /// ```
    #[doc(alias = "allocate_lock")]
    #[cfg(not(loom))]
    pub const fn new() -> Self {
        Lock::with_diag(LockDiag::new(Kind::Lock))
    }

    /// As the `const` constructor of normal builds (loom's types are not `const`).
    #[cfg(loom)]
    pub fn new() -> Self {
        Lock::with_diag(LockDiag::new(Kind::Lock))
    }

    /// A new, unlocked lock with a name for thread dumps and deadlock reports (unnamed locks
    /// show as `Lock#3`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Lock;
    /// let lock = Lock::named("accounts");
    /// assert_eq!(lock.name(), Some("accounts"));
    /// ```
    pub fn named(name: impl Into<std::sync::Arc<str>>) -> Self {
        Lock::with_diag(LockDiag::named(Kind::Lock, name))
    }

    /// A lock with the given diagnostics (an `RLock`'s inner lock reports as the `RLock`).
    #[cfg(not(loom))]
    pub(crate) const fn with_diag(diag: LockDiag) -> Self {
        Lock {
            state: AtomicU64::new(UNLOCKED),
            parked: AtomicU32::new(0),
            park: Mutex::new(None),
            unparked: Condvar::new(),
            diag,
        }
    }

    /// As the `const` constructor of normal builds (loom's types are not `const`).
    #[cfg(loom)]
    pub(crate) fn with_diag(diag: LockDiag) -> Self {
        Lock {
            state: AtomicU64::new(UNLOCKED),
            parked: AtomicU32::new(0),
            park: Mutex::new(None),
            unparked: Condvar::new(),
            diag,
        }
    }

    /// The name given with [`named`](Lock::named), if any.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Lock;
    /// assert_eq!(Lock::new().name(), None);
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.diag.name()
    }

    /// Blocks until the lock is acquired: Python's `acquire()`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Lock;
    /// let lock = Lock::new();
    /// lock.acquire();
    /// assert!(lock.locked());
    /// ```
    #[doc(alias = "acquire_lock")]
    #[inline]
    #[track_caller]
    pub fn acquire(&self) {
        if !self.try_acquire() {
            self.acquire_slow(Deadline::Never);
        }
    }

    /// Acquires the lock if it is free, without blocking: Python's `acquire(blocking=False)`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Lock;
    /// let lock = Lock::new();
    /// assert!(lock.try_acquire());
    /// assert!(!lock.try_acquire());
    /// ```
    #[inline]
    #[must_use = "if the result is ignored, the caller does not know whether it holds the lock"]
    pub fn try_acquire(&self) -> bool {
        self.state
            .compare_exchange(UNLOCKED, held_by_me(), Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    }

    /// Marks the lock contended, taking it (marked) if it is free: `true` if taken. Once a
    /// thread has been through `acquire_slow` it only takes the lock this way, so a lock with
    /// parked threads is always marked contended and its release always wakes one.
    #[inline]
    fn take_or_mark_contended(&self) -> bool {
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            let (new, taken) = if state == UNLOCKED {
                (held_by_me() | CONTENDED, true)
            } else {
                (state | CONTENDED, false)
            };
            match self
                .state
                .compare_exchange_weak(state, new, Ordering::Acquire, Ordering::Relaxed)
            {
                Ok(_) => return taken,
                Err(now) => state = now,
            }
        }
    }

    /// The state, re-read by a read-modify-write (it writes back what it reads) if the lock is
    /// marked contended; `None` if it is not (free, or retaken unmarked).
    #[inline]
    fn still_contended(&self) -> Option<u64> {
        let state = self.state.fetch_add(0, Ordering::AcqRel);
        (state & CONTENDED != 0).then_some(state)
    }

    /// Waits at most `timeout` for the lock: Python's `acquire(timeout=t)`. `true` if acquired.
    ///
    /// `Duration::ZERO` only polls; `Duration::MAX` waits forever.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Lock;
    /// # use std::time::Duration;
    /// let lock = Lock::new();
    /// assert!(lock.acquire_timeout(Duration::from_secs(5)));
    /// assert!(!lock.acquire_timeout(Duration::from_millis(10)));
    /// ```
    #[doc(alias = "TIMEOUT_MAX")]
    #[must_use = "if the result is ignored, the caller does not know whether it holds the lock"]
    #[track_caller]
    pub fn acquire_timeout(&self, timeout: Duration) -> bool {
        self.try_acquire()
            || (timeout > Duration::ZERO && self.acquire_slow(Deadline::after(timeout)))
    }

    /// Spins briefly while the lock is held by a running thread (not while threads are parked).
    #[inline]
    fn spin(&self) {
        // A contended mark with nobody parked (a thread that once parked now holds the lock)
        // is still worth spinning on; only parked threads mean a long wait.
        // The spin is parking_lot's shape: a few doubling rounds of CPU hints, then a few
        // yields (on an oversubscribed machine the holder may need this core to finish).
        #[cfg(not(loom))]
        for round in 0..SPIN_ROUNDS {
            if self.state.load(Ordering::Relaxed) == UNLOCKED
                || self.parked.load(Ordering::Relaxed) > 0
            {
                break;
            }
            if round < 4 {
                for _ in 0..SPINS << round {
                    std::hint::spin_loop();
                }
            } else {
                std::thread::yield_now();
            }
        }
    }

    #[cold]
    #[track_caller]
    fn acquire_slow(&self, deadline: Deadline) -> bool {
        self.spin();
        if self.try_acquire() {
            self.diag.acquired_slow(false);
            return true;
        }
        loop {
            // Mark the lock contended; if it was in fact free, it is now ours (in the contended
            // state, which only costs the releaser a look at the parked count).
            if self.take_or_mark_contended() {
                self.diag.acquired_slow(true);
                return true;
            }
            let left = deadline.remaining();
            if left == Some(Duration::ZERO) {
                return false;
            }
            {
                let guard = lock(&self.park);
                self.parked.fetch_add(1, Ordering::Relaxed);
                // Re-read the state by a read-modify-write (it writes back what it reads).
                // `release` swaps the state and then reads `parked`: read-modify-writes of the
                // state are totally ordered, so either this sees the release (and does not
                // park), or the release's swap reads this write and so sees the count above,
                // and wakes a thread; it takes `park` first, which this thread holds until the
                // condition variable releases it, so the wake-up cannot come too early.
                if let Some(state) = self.still_contended() {
                    let _waiting = self.diag.park(holder(state));
                    match left {
                        None => drop(match self.unparked.wait(guard) {
                            Ok(g) => g,
                            Err(p) => p.into_inner(),
                        }),
                        Some(left) => drop(match self.unparked.wait_timeout(guard, left) {
                            Ok((g, _)) => g,
                            Err(p) => p.into_inner().0,
                        }),
                    }
                } else {
                    drop(guard);
                }
                self.parked.fetch_sub(1, Ordering::Relaxed);
            }
            self.spin();
        }
    }

    /// Releases the lock: Python's `release()`. Any thread may release it.
    ///
    /// # Errors
    ///
    /// [`ReleaseError::Unlocked`] if the lock is not held (Python's `RuntimeError`, C-16).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::{Lock, ReleaseError};
    /// let lock = Lock::new();
    /// lock.acquire();
    /// assert_eq!(lock.release(), Ok(()));
    /// assert_eq!(lock.release(), Err(ReleaseError::Unlocked));
    /// ```
    #[doc(alias = "release_lock")]
    #[inline]
    pub fn release(&self) -> Result<(), ReleaseError> {
        // Acquire as well as release: reading a parking thread's re-check (a read-modify-write
        // of the state) must make its count in `parked` visible to `wake_one`.
        let was = self.state.swap(UNLOCKED, Ordering::AcqRel);
        if was & CONTENDED != 0 {
            self.wake_one();
            Ok(())
        } else if was == UNLOCKED {
            Err(ReleaseError::Unlocked)
        } else {
            Ok(())
        }
    }

    #[cold]
    fn wake_one(&self) {
        // Only a parked thread needs `park` (see `acquire_slow`); notify after unlocking it,
        // so the woken thread does not wake into a held mutex.
        if self.parked.load(Ordering::Acquire) > 0 {
            // Wake a thread and a task, if both kinds wait: the lock is not FIFO, whoever
            // swaps first takes it, and the other goes back to waiting.
            let task = lock(&self.park).as_mut().and_then(|tasks| tasks.pop());
            self.diag.released_contended();
            self.unparked.notify_one();
            if let Some(task) = task {
                task.signal();
            }
        }
    }

    /// Whether the lock is held, by anyone: Python's `locked()`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Lock;
    /// let lock = Lock::new();
    /// let guard = lock.lock();
    /// assert!(lock.locked());
    /// drop(guard);
    /// assert!(!lock.locked());
    /// ```
    #[doc(alias = "locked_lock")]
    pub fn locked(&self) -> bool {
        self.state.load(Ordering::Relaxed) != UNLOCKED
    }

    /// Acquires the lock and returns a guard that releases it when dropped: Python's `with lock:`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Lock;
    /// let lock = Lock::new();
    /// {
    ///     let _guard = lock.lock();
    ///     assert!(!lock.try_acquire());
    /// }
    /// assert!(lock.try_acquire());
    /// ```
    #[inline]
    #[track_caller]
    #[doc(alias = "__enter__")]
    #[doc(alias = "with")]
    pub fn lock(&self) -> LockGuard<'_> {
        self.acquire();
        LockGuard { lock: self }
    }

    /// A guard if the lock is free now, without blocking.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Lock;
    /// let lock = Lock::new();
    /// let guard = lock.try_lock().expect("free");
    /// assert!(lock.try_lock().is_none());
    /// # drop(guard);
    /// ```
    pub fn try_lock(&self) -> Option<LockGuard<'_>> {
        self.try_acquire().then(|| LockGuard { lock: self })
    }

    /// A guard if the lock can be taken within `timeout`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Lock;
    /// # use std::time::Duration;
    /// let lock = Lock::new();
    /// assert!(lock.lock_timeout(Duration::from_millis(10)).is_some());
    /// ```
    #[track_caller]
    pub fn lock_timeout(&self, timeout: Duration) -> Option<LockGuard<'_>> {
        self.acquire_timeout(timeout)
            .then(|| LockGuard { lock: self })
    }
}

impl Default for Lock {
    fn default() -> Self {
        Lock::new()
    }
}

impl fmt::Debug for Lock {
    /// Python's repr shape: `<unlocked pythreading::threading::Lock object at 0x…>` (C-03).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = if self.locked() { "locked" } else { "unlocked" };
        write!(
            f,
            "<{state} pythreading::threading::Lock object at {:p}>",
            self
        )
    }
}

/// Holds a [`Lock`] and releases it when dropped (also during a panic): Python's `with lock:`.
///
/// # Examples
///
/// ```
/// # use pythreading::threading::Lock;
/// let lock = Lock::new();
/// let guard = lock.lock();
/// drop(guard);
/// assert!(!lock.locked());
/// ```
#[must_use = "if unused the lock will immediately unlock"]
pub struct LockGuard<'a> {
    lock: &'a Lock,
}

impl LockGuard<'_> {
    /// The lock this guard holds.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Lock;
    /// let lock = Lock::new();
    /// let guard = lock.lock();
    /// assert!(std::ptr::eq(guard.lock_ref(), &lock));
    /// ```
    pub fn lock_ref(&self) -> &Lock {
        self.lock
    }
}

impl Drop for LockGuard<'_> {
    fn drop(&mut self) {
        // Only fails if another thread released the lock under us (Python allows that); there
        // is then nothing left to release.
        let _ = self.lock.release();
    }
}

impl fmt::Debug for LockGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LockGuard")
            .field("lock", self.lock)
            .finish()
    }
}
