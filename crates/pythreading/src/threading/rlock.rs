//! `RLock`: Python's reentrant lock, owned by one thread at a time, with a recursion count.

use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

use super::error::ReleaseError;
use super::lock::Lock;
use crate::diagnostics::{Kind, LockDiag};
use crate::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// A small non-zero number naming the calling thread, cheaper to compare than a `ThreadId`.
fn thread_token() -> u64 {
    // Process-wide counter: plain std, it only hands out distinct numbers.
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    fn fresh() -> u64 {
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }
    #[cfg(not(loom))]
    std::thread_local!(static TOKEN: u64 = fresh());
    #[cfg(loom)]
    loom::thread_local!(static TOKEN: u64 = fresh());
    // During thread-local destruction the token is gone; a fresh number is then as good as any
    // (such a thread cannot be holding the lock through a guard any more).
    TOKEN.try_with(|t| *t).unwrap_or_else(|_| fresh())
}

/// A reentrant lock: Python's `threading.RLock`.
///
/// The thread that holds it may acquire it again; it is free once that thread has released it
/// as many times as it acquired it (D-03). Only the owner may release it (D-05). [`RLock::lock`]
/// gives an RAII guard that must stay on its thread (it is not `Send`).
///
/// # Examples
///
/// ```
/// use pythreading::threading::RLock;
///
/// let rlock = RLock::new();
/// let outer = rlock.lock();
/// let inner = rlock.lock(); // the owner may re-enter
/// assert_eq!(rlock.recursion_count(), 2);
/// drop(inner);
/// drop(outer);
/// assert!(!rlock.locked());
/// ```
pub struct RLock {
    lock: Lock,
    /// The owner's thread token, 0 when free. Only the owner stores its own token, so a relaxed
    /// load equal to our token proves we own it (as std's `ReentrantLock` argues).
    owner: AtomicU64,
    /// Written only by the owner; read by anyone for introspection.
    count: AtomicUsize,
}

/// What `Condition::wait` saves while it releases an `RLock` completely.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SavedRLock(usize);

impl SavedRLock {
    /// One level: what a thread that lost its lock under a guard gets back.
    pub(crate) fn one() -> Self {
        SavedRLock(1)
    }
}

impl RLock {
    /// A new, unlocked reentrant lock (`const`: it can be a `static`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::RLock;
    /// assert!(!RLock::new().locked());
    /// ```
    #[cfg(not(loom))]
    pub const fn new() -> Self {
        RLock {
            lock: Lock::with_diag(LockDiag::new(Kind::RLock)),
            owner: AtomicU64::new(0),
            count: AtomicUsize::new(0),
        }
    }

    /// As the `const` constructor of normal builds (loom's types are not `const`).
    #[cfg(loom)]
    pub fn new() -> Self {
        RLock {
            lock: Lock::with_diag(LockDiag::new(Kind::RLock)),
            owner: AtomicU64::new(0),
            count: AtomicUsize::new(0),
        }
    }

    /// A new, unlocked reentrant lock with a name for thread dumps and deadlock reports
    /// (unnamed ones show as `RLock#3`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::RLock;
    /// let rlock = RLock::named("ledger");
    /// assert_eq!(rlock.name(), Some("ledger"));
    /// ```
    pub fn named(name: impl Into<std::sync::Arc<str>>) -> Self {
        RLock {
            lock: Lock::with_diag(LockDiag::named(Kind::RLock, name)),
            owner: AtomicU64::new(0),
            count: AtomicUsize::new(0),
        }
    }

    /// The name given with [`named`](RLock::named), if any.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::RLock;
    /// assert_eq!(RLock::new().name(), None);
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.lock.name()
    }

    #[inline]
    fn reenter(&self, me: u64) -> bool {
        if self.owner.load(Ordering::Relaxed) == me {
            let count = self.count.load(Ordering::Relaxed);
            self.count.store(count.saturating_add(1), Ordering::Relaxed);
            true
        } else {
            false
        }
    }

    #[inline]
    fn take(&self, me: u64) {
        self.owner.store(me, Ordering::Relaxed);
        self.count.store(1, Ordering::Relaxed);
    }

    /// Blocks until this thread holds the lock; re-entering only raises the count.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::RLock;
    /// let rlock = RLock::new();
    /// rlock.acquire();
    /// rlock.acquire();
    /// rlock.release().unwrap();
    /// rlock.release().unwrap();
    /// assert!(!rlock.locked());
    /// ```
    #[track_caller]
    pub fn acquire(&self) {
        let me = thread_token();
        if !self.reenter(me) {
            self.lock.acquire();
            self.take(me);
        }
    }

    /// Acquires without blocking; the owner always succeeds (D-11).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::RLock;
    /// let rlock = RLock::new();
    /// assert!(rlock.try_acquire());
    /// assert!(rlock.try_acquire());
    /// assert_eq!(rlock.recursion_count(), 2);
    /// ```
    #[must_use = "`false` means the lock was not acquired"]
    pub fn try_acquire(&self) -> bool {
        let me = thread_token();
        if self.reenter(me) {
            return true;
        }
        let ok = self.lock.try_acquire();
        if ok {
            self.take(me);
        }
        ok
    }

    /// Waits at most `timeout` for the lock; `true` if acquired. `ZERO` polls, `MAX` waits forever.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::RLock;
    /// # use std::time::Duration;
    /// let rlock = RLock::new();
    /// assert!(rlock.acquire_timeout(Duration::from_millis(10)));
    /// ```
    #[must_use = "`false` means the timeout passed without acquiring"]
    #[track_caller]
    pub fn acquire_timeout(&self, timeout: Duration) -> bool {
        let me = thread_token();
        if self.reenter(me) {
            return true;
        }
        let ok = self.lock.acquire_timeout(timeout);
        if ok {
            self.take(me);
        }
        ok
    }

    /// Releases one level; the lock is free after the owner's last release.
    ///
    /// # Errors
    ///
    /// [`ReleaseError::Unlocked`] if nobody holds it, [`ReleaseError::NotOwner`] if another
    /// thread does (both Python's `RuntimeError`, D-04, D-05).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::{RLock, ReleaseError};
    /// let rlock = RLock::new();
    /// assert_eq!(rlock.release(), Err(ReleaseError::Unlocked));
    /// ```
    pub fn release(&self) -> Result<(), ReleaseError> {
        let me = thread_token();
        if self.owner.load(Ordering::Relaxed) != me {
            return Err(if self.lock.locked() {
                ReleaseError::NotOwner
            } else {
                ReleaseError::Unlocked
            });
        }
        let count = self.count.load(Ordering::Relaxed) - 1;
        self.count.store(count, Ordering::Relaxed);
        if count == 0 {
            self.owner.store(0, Ordering::Relaxed);
            self.lock.release()?;
        }
        Ok(())
    }

    /// Releases every level at once and returns the count (Python's `_release_save`).
    pub(crate) fn release_save(&self) -> Result<SavedRLock, ReleaseError> {
        if !self.is_owned() {
            return Err(ReleaseError::Unlocked);
        }
        let count = self.count.load(Ordering::Relaxed);
        self.count.store(0, Ordering::Relaxed);
        self.owner.store(0, Ordering::Relaxed);
        self.lock.release()?;
        Ok(SavedRLock(count))
    }

    /// Re-acquires and restores a saved count (Python's `_acquire_restore`).
    #[track_caller]
    pub(crate) fn acquire_restore(&self, saved: SavedRLock) {
        self.lock.acquire();
        self.owner.store(thread_token(), Ordering::Relaxed);
        self.count.store(saved.0, Ordering::Relaxed);
    }

    /// Whether any thread holds the lock (Python 3.14's `locked()`, D-09).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::RLock;
    /// let rlock = RLock::new();
    /// let _g = rlock.lock();
    /// assert!(rlock.locked());
    /// ```
    pub fn locked(&self) -> bool {
        self.lock.locked()
    }

    /// Whether the calling thread holds the lock (Python's `_is_owned()`, D-08).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::RLock;
    /// let rlock = RLock::new();
    /// assert!(!rlock.is_owned());
    /// let _g = rlock.lock();
    /// assert!(rlock.is_owned());
    /// ```
    #[doc(alias = "_is_owned")]
    pub fn is_owned(&self) -> bool {
        self.owner.load(Ordering::Relaxed) == thread_token()
    }

    /// How many times the calling thread holds the lock; 0 for any other thread (D-07).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::RLock;
    /// let rlock = RLock::new();
    /// rlock.acquire();
    /// rlock.acquire();
    /// assert_eq!(rlock.recursion_count(), 2);
    /// ```
    #[doc(alias = "_recursion_count")]
    pub fn recursion_count(&self) -> usize {
        if self.is_owned() {
            self.count.load(Ordering::Relaxed)
        } else {
            0
        }
    }

    /// Acquires (or re-enters) and returns a guard releasing one level on drop: `with rlock:`.
    ///
    /// The guard is not `Send`: the level it holds belongs to this thread.
    ///
    /// ```compile_fail
    /// use pythreading::threading::RLock;
    /// let rlock = RLock::new();
    /// let guard = rlock.lock();
    /// std::thread::scope(|s| {
    ///     s.spawn(move || drop(guard)); // error: `RLockGuard` cannot be sent between threads
    /// });
    /// ```
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::RLock;
    /// let rlock = RLock::new();
    /// {
    ///     let _a = rlock.lock();
    ///     let _b = rlock.lock();
    /// }
    /// assert!(!rlock.locked());
    /// ```
    #[doc(alias = "__enter__")]
    #[doc(alias = "with")]
    #[track_caller]
    pub fn lock(&self) -> RLockGuard<'_> {
        self.acquire();
        RLockGuard {
            rlock: self,
            _not_send: PhantomData,
        }
    }
}

impl Default for RLock {
    fn default() -> Self {
        RLock::new()
    }
}

impl fmt::Debug for RLock {
    /// Python's repr shape: `<locked pythreading::threading::RLock object owner=T count=N at 0x…>`.
    /// The count is the holder's, read from any thread (D-02).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let locked = self.locked();
        write!(
            f,
            "<{} pythreading::threading::RLock object owner={} count={} at {:p}>",
            if locked { "locked" } else { "unlocked" },
            self.owner.load(Ordering::Relaxed),
            if locked {
                self.count.load(Ordering::Relaxed)
            } else {
                0
            },
            self
        )
    }
}

/// Holds one level of an [`RLock`]; dropping it releases that level. Not `Send`.
///
/// # Examples
///
/// ```
/// # use pythreading::threading::RLock;
/// let rlock = RLock::new();
/// let guard = rlock.lock();
/// drop(guard);
/// assert!(!rlock.locked());
/// ```
#[must_use = "if unused the lock will immediately unlock"]
pub struct RLockGuard<'a> {
    rlock: &'a RLock,
    // The level belongs to the acquiring thread: releasing it elsewhere would be a non-owner
    // release.
    _not_send: PhantomData<*const ()>,
}

impl Drop for RLockGuard<'_> {
    fn drop(&mut self) {
        // Cannot fail: the guard proves this thread holds a level.
        let _ = self.rlock.release();
    }
}

impl fmt::Debug for RLockGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RLockGuard")
            .field("rlock", self.rlock)
            .finish()
    }
}
