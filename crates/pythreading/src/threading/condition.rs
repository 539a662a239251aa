//! `Condition`: Python's condition variable, over a [`Lock`] or an [`RLock`].

use crate::diagnostics::{self, Kind, Label};
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use super::error::ReleaseError;
use super::lock::Lock;
use super::rlock::{RLock, SavedRLock};
use super::wait_queue::WaitList;
use crate::deadline::Deadline;
use crate::sync::atomic::{AtomicUsize, Ordering};
use crate::sync::{Mutex, lock};

// The async face (`lock_async`, `wait_async`) shares this file's private state.
#[path = "condition_async.rs"]
mod async_face;
pub use async_face::{ConditionLockFuture, ConditionTaskGuard, ConditionWait, RLockConditionError};

/// The lock under a [`Condition`]: Python's `Condition(lock)` argument.
///
/// Build it with `From` from a [`Lock`] or [`RLock`], or from an `Arc` of one to share the lock
/// with other code or other conditions (E-02).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use pythreading::threading::{Condition, Lock};
///
/// let lock = Arc::new(Lock::new());
/// let cond = Condition::with_lock(Arc::clone(&lock));
/// let _held = cond.lock();
/// assert!(!lock.try_acquire()); // the condition holds the shared lock
/// ```
#[derive(Debug, Clone)]
pub enum ConditionLock {
    /// A plain, non-reentrant lock.
    Lock(Arc<Lock>),
    /// A reentrant lock (the default): waiting releases every level and restores them.
    RLock(Arc<RLock>),
}

impl From<Lock> for ConditionLock {
    fn from(lock: Lock) -> Self {
        ConditionLock::Lock(Arc::new(lock))
    }
}

impl From<Arc<Lock>> for ConditionLock {
    fn from(lock: Arc<Lock>) -> Self {
        ConditionLock::Lock(lock)
    }
}

impl From<RLock> for ConditionLock {
    fn from(lock: RLock) -> Self {
        ConditionLock::RLock(Arc::new(lock))
    }
}

impl From<Arc<RLock>> for ConditionLock {
    fn from(lock: Arc<RLock>) -> Self {
        ConditionLock::RLock(lock)
    }
}

enum Saved {
    Lock,
    RLock(SavedRLock),
}

impl ConditionLock {
    fn acquire(&self) {
        match self {
            ConditionLock::Lock(l) => l.acquire(),
            ConditionLock::RLock(l) => l.acquire(),
        }
    }

    fn release_save(&self) -> Saved {
        match self {
            ConditionLock::Lock(l) => {
                // The guard proves the lock is held; only a foreign `release` could undo that.
                let _ = l.release();
                Saved::Lock
            }
            ConditionLock::RLock(l) => match l.release_save() {
                Ok(saved) => Saved::RLock(saved),
                // Not ours any more (cannot happen through a guard): nothing to restore but one.
                Err(_) => Saved::RLock(SavedRLock::one()),
            },
        }
    }

    fn restore(&self, saved: Saved) {
        match (self, saved) {
            (ConditionLock::RLock(l), Saved::RLock(s)) => l.acquire_restore(s),
            (l, _) => l.acquire(),
        }
    }
}

/// A condition variable: Python's `threading.Condition`.
///
/// Threads hold the condition's lock (by default an [`RLock`], E-01) through
/// [`Condition::lock`], [`wait`](Condition::wait) for a notification (the lock is released while
/// waiting and re-held afterwards, at the same recursion depth, E-14), and are woken by
/// [`notify`](Condition::notify)`(n)`, which wakes at most `n` waiters, oldest first (E-05, E-15).
/// A waiter wakes only when notified or when its timeout passes: there are no spurious
/// wake-ups (E-09), and a notify with no waiters is lost (E-15).
///
/// # Differences from Python
///
/// - `wait` takes the guard, so waiting without the lock does not compile (E-03).
/// - `notify` and `notify_all` may be called without holding the lock, as with
///   [`std::sync::Condvar`]; Python raises `RuntimeError` (E-04, E-18).
/// - The predicate of `wait_for` returns `bool` (E-12).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use pythreading::threading::Condition;
///
/// let cond = Arc::new(Condition::new());
/// let ready = Arc::new(AtomicBool::new(false));
/// let (c, r) = (Arc::clone(&cond), Arc::clone(&ready));
/// let t = std::thread::spawn(move || {
///     let _g = c.lock();
///     r.store(true, Ordering::SeqCst);
///     c.notify_all();
/// });
/// let mut guard = cond.lock();
/// assert!(cond.wait_for(&mut guard, || ready.load(Ordering::SeqCst)));
/// drop(guard);
/// t.join().unwrap();
/// ```
pub struct Condition {
    lock: ConditionLock,
    waiters: Mutex<WaitList>,
    /// Mirrors `waiters.len()`, so `notify` with no waiters takes no lock.
    n_waiters: AtomicUsize,
    /// Name and id in thread dumps (`diagnostics`).
    diag: Label,
}

impl Condition {
    /// A condition over a new [`RLock`], as `Condition()` in Python.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Condition;
    /// let cond = Condition::new();
    /// let _a = cond.lock();
    /// let _b = cond.lock(); // reentrant by default
    /// ```
    pub fn new() -> Self {
        Condition::with_lock(RLock::new())
    }

    /// A condition over the given lock: Python's `Condition(lock)`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::{Condition, Lock};
    /// let cond = Condition::with_lock(Lock::new());
    /// let _g = cond.lock();
    /// assert!(cond.locked());
    /// ```
    pub fn with_lock(lock: impl Into<ConditionLock>) -> Self {
        Condition {
            lock: lock.into(),
            waiters: Mutex::new(WaitList::default()),
            n_waiters: AtomicUsize::new(0),
            diag: Label::new(Kind::Condition),
        }
    }

    /// A condition over a new [`RLock`], named for thread dumps (unnamed: `Condition#3`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Condition;
    /// let cond = Condition::named("not-empty");
    /// assert_eq!(cond.name(), Some("not-empty"));
    /// ```
    pub fn named(name: impl Into<std::sync::Arc<str>>) -> Self {
        let mut cond = Condition::new();
        cond.diag = Label::named(Kind::Condition, name);
        cond
    }

    /// The name given with [`named`](Condition::named), if any.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Condition;
    /// assert_eq!(Condition::new().name(), None);
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.diag.name()
    }

    /// The underlying lock.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::{Condition, ConditionLock};
    /// assert!(matches!(Condition::new().inner_lock(), ConditionLock::RLock(_)));
    /// ```
    pub fn inner_lock(&self) -> &ConditionLock {
        &self.lock
    }

    /// Acquires the lock and returns the guard that [`wait`](Condition::wait) needs: `with cond:`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Condition;
    /// let cond = Condition::new();
    /// let guard = cond.lock();
    /// assert!(cond.locked());
    /// drop(guard);
    /// assert!(!cond.locked());
    /// ```
    #[doc(alias = "__enter__")]
    #[doc(alias = "with")]
    pub fn lock(&self) -> ConditionGuard<'_> {
        self.lock.acquire();
        ConditionGuard {
            cond: self,
            _not_send: PhantomData,
        }
    }

    /// Acquires the underlying lock without a guard: Python's `cond.acquire()`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Condition;
    /// let cond = Condition::new();
    /// cond.acquire();
    /// cond.release().unwrap();
    /// ```
    pub fn acquire(&self) {
        self.lock.acquire();
    }

    /// Acquires the underlying lock if possible without blocking.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Condition;
    /// let cond = Condition::new();
    /// assert!(cond.try_acquire());
    /// cond.release().unwrap();
    /// ```
    #[must_use = "`false` means the lock was not acquired"]
    pub fn try_acquire(&self) -> bool {
        match &self.lock {
            ConditionLock::Lock(l) => l.try_acquire(),
            ConditionLock::RLock(l) => l.try_acquire(),
        }
    }

    /// Waits at most `timeout` for the underlying lock; `true` if acquired.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Condition;
    /// # use std::time::Duration;
    /// let cond = Condition::new();
    /// assert!(cond.acquire_timeout(Duration::ZERO));
    /// cond.release().unwrap();
    /// ```
    #[must_use = "`false` means the timeout passed without acquiring"]
    pub fn acquire_timeout(&self, timeout: Duration) -> bool {
        match &self.lock {
            ConditionLock::Lock(l) => l.acquire_timeout(timeout),
            ConditionLock::RLock(l) => l.acquire_timeout(timeout),
        }
    }

    /// Releases the underlying lock (one level of an RLock): Python's `cond.release()`.
    ///
    /// # Errors
    ///
    /// As [`Lock::release`] or [`RLock::release`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Condition;
    /// let cond = Condition::new();
    /// assert!(cond.release().is_err());
    /// ```
    pub fn release(&self) -> Result<(), ReleaseError> {
        match &self.lock {
            ConditionLock::Lock(l) => l.release(),
            ConditionLock::RLock(l) => l.release(),
        }
    }

    /// Whether the underlying lock is held (Python 3.14's `cond.locked()`, E-17).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Condition;
    /// assert!(!Condition::new().locked());
    /// ```
    pub fn locked(&self) -> bool {
        match &self.lock {
            ConditionLock::Lock(l) => l.locked(),
            ConditionLock::RLock(l) => l.locked(),
        }
    }

    fn check(&self, guard: &ConditionGuard<'_>) {
        assert!(
            std::ptr::eq(self, guard.cond),
            "a Condition was waited on with another Condition's guard"
        );
    }

    /// Releases the lock, waits for a notification, and re-acquires the lock.
    ///
    /// # Panics
    ///
    /// If `guard` belongs to another `Condition`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use pythreading::threading::Condition;
    ///
    /// let cond = Arc::new(Condition::new());
    /// let mut guard = cond.lock();
    /// let c = Arc::clone(&cond);
    /// let t = std::thread::spawn(move || {
    ///     let _g = c.lock(); // runs once the waiter has released the lock
    ///     c.notify(1);
    /// });
    /// cond.wait(&mut guard);
    /// drop(guard);
    /// t.join().unwrap();
    /// ```
    #[track_caller]
    pub fn wait(&self, guard: &mut ConditionGuard<'_>) {
        self.check(guard);
        self.wait_until(Deadline::Never);
    }

    /// Like [`wait`](Condition::wait) for at most `timeout`: `true` if notified, `false` if the
    /// timeout passed. `Duration::ZERO` releases and re-takes the lock without waiting (E-13).
    ///
    /// # Panics
    ///
    /// If `guard` belongs to another `Condition`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Condition;
    /// # use std::time::Duration;
    /// let cond = Condition::new();
    /// let mut guard = cond.lock();
    /// assert!(!cond.wait_timeout(&mut guard, Duration::from_millis(10)));
    /// ```
    #[must_use = "`false` means the timeout passed first"]
    #[track_caller]
    pub fn wait_timeout(&self, guard: &mut ConditionGuard<'_>, timeout: Duration) -> bool {
        self.check(guard);
        self.wait_until(Deadline::after(timeout))
    }

    /// Waits until `predicate` returns `true`, checking it first and after every notification.
    /// Returns `true` (the predicate's last value).
    ///
    /// # Panics
    ///
    /// If `guard` belongs to another `Condition`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Condition;
    /// let cond = Condition::new();
    /// let mut guard = cond.lock();
    /// assert!(cond.wait_for(&mut guard, || true)); // already true: no wait
    /// ```
    #[track_caller]
    pub fn wait_for(
        &self,
        guard: &mut ConditionGuard<'_>,
        predicate: impl FnMut() -> bool,
    ) -> bool {
        self.check(guard);
        self.wait_for_deadline(Deadline::Never, predicate)
    }

    /// Like [`wait_for`](Condition::wait_for), giving up once `timeout` has passed in total
    /// (one deadline for every wait, E-11). Returns the predicate's last value.
    ///
    /// # Panics
    ///
    /// If `guard` belongs to another `Condition`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Condition;
    /// # use std::time::Duration;
    /// let cond = Condition::new();
    /// let mut guard = cond.lock();
    /// assert!(!cond.wait_for_timeout(&mut guard, Duration::from_millis(10), || false));
    /// ```
    #[must_use = "`false` means the predicate was still false when the timeout passed"]
    #[track_caller]
    pub fn wait_for_timeout(
        &self,
        guard: &mut ConditionGuard<'_>,
        timeout: Duration,
        predicate: impl FnMut() -> bool,
    ) -> bool {
        self.check(guard);
        self.wait_for_deadline(Deadline::after(timeout), predicate)
    }

    #[track_caller]
    fn wait_for_deadline(&self, deadline: Deadline, mut predicate: impl FnMut() -> bool) -> bool {
        loop {
            if predicate() {
                return true;
            }
            if deadline.has_passed() {
                return false;
            }
            self.wait_until(deadline);
        }
    }

    /// The waiting protocol: queue a slot, release the lock, park on the slot, re-take the lock.
    #[track_caller]
    fn wait_until(&self, deadline: Deadline) -> bool {
        let slot = {
            let mut waiters = lock(&self.waiters);
            let slot = waiters.push();
            self.n_waiters.store(waiters.len(), Ordering::Release);
            slot
        };
        let saved = self.lock.release_save();
        let mut notified = diagnostics::parked(&self.diag, || slot.wait(deadline));
        if !notified {
            let mut waiters = lock(&self.waiters);
            if waiters.remove(&slot) {
                self.n_waiters.store(waiters.len(), Ordering::Release);
            } else {
                // A notify popped us while we timed out: it counts as a wake-up, so that
                // `notify(n)` never wakes fewer than it took.
                notified = true;
            }
        }
        self.lock.restore(saved);
        notified
    }

    /// Wakes at most `n` waiters, oldest first; returns how many were woken. A notify with no
    /// waiters is lost (E-15). May be called without holding the lock.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Condition;
    /// let cond = Condition::new();
    /// assert_eq!(cond.notify(1), 0); // nobody waits
    /// ```
    pub fn notify(&self, n: usize) -> usize {
        if n == 0 || self.n_waiters.load(Ordering::Acquire) == 0 {
            return 0;
        }
        let mut waiters = lock(&self.waiters);
        // The timeline's arrows to the threads this wakes (ids 0 when nothing records).
        let mut flow = diagnostics::wake_flows("notify", &self.diag, n.min(waiters.len()));
        let mut woken = 0;
        while woken < n {
            match waiters.pop() {
                Some(slot) => {
                    slot.signal_with_flow(flow);
                    flow += u64::from(flow != 0);
                    woken += 1;
                }
                None => break,
            }
        }
        self.n_waiters.store(waiters.len(), Ordering::Release);
        woken
    }

    /// Wakes one waiter (Python's `notify()` with its default `n=1`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Condition;
    /// assert_eq!(Condition::new().notify_one(), 0);
    /// ```
    pub fn notify_one(&self) -> usize {
        self.notify(1)
    }

    /// Wakes every waiter; returns how many were woken.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Condition;
    /// assert_eq!(Condition::new().notify_all(), 0);
    /// ```
    #[doc(alias = "notifyAll")]
    pub fn notify_all(&self) -> usize {
        self.notify(usize::MAX)
    }

    /// How many threads are waiting now.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Condition;
    /// assert_eq!(Condition::new().n_waiting(), 0);
    /// ```
    pub fn n_waiting(&self) -> usize {
        self.n_waiters.load(Ordering::Acquire)
    }
}

impl Default for Condition {
    fn default() -> Self {
        Condition::new()
    }
}

impl fmt::Debug for Condition {
    /// Python's repr shape: `<Condition(<lock repr>, n_waiters)>` (E-17).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.lock {
            ConditionLock::Lock(l) => write!(f, "<Condition({l:?}, {})>", self.n_waiting()),
            ConditionLock::RLock(l) => write!(f, "<Condition({l:?}, {})>", self.n_waiting()),
        }
    }
}

/// Holds a [`Condition`]'s lock (one level of it); needed to wait. Not `Send`.
///
/// # Examples
///
/// ```
/// # use pythreading::threading::Condition;
/// let cond = Condition::new();
/// let guard = cond.lock();
/// drop(guard);
/// assert!(!cond.locked());
/// ```
#[must_use = "if unused the lock will immediately unlock"]
pub struct ConditionGuard<'a> {
    cond: &'a Condition,
    // An RLock level belongs to its thread.
    _not_send: PhantomData<*const ()>,
}

impl Drop for ConditionGuard<'_> {
    fn drop(&mut self) {
        let _ = self.cond.release();
    }
}

impl fmt::Debug for ConditionGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConditionGuard")
            .field("cond", self.cond)
            .finish()
    }
}
