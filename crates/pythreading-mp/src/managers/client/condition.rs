//! SyncManager's `Condition` proxy (`ConditionProxy`).

use std::time::{Duration, Instant};

use super::Manager;
use super::error::ManagerError;
use super::proxy::{ProxyCore, expect_bool, timeout_arg};
use crate::pickle::Value;

/// A `Condition` in a manager server (`ConditionProxy`). Its lock belongs to the connection
/// (this thread's) that acquired it, as the server runs each connection on a thread of its own.
///
/// # Examples
///
/// ```
/// # use pythreading_mp::managers::{Manager, ServerBuilder};
/// # use std::time::Duration;
/// # let server = ServerBuilder::new("k").sync_manager().bind("127.0.0.1:0").unwrap().spawn().unwrap();
/// let m = Manager::connect(server.address(), "k").unwrap();
/// let c = m.condition().unwrap();
/// c.acquire().unwrap();
/// assert!(!c.wait_timeout(Duration::from_millis(10)).unwrap()); // nobody notifies
/// c.notify_all().unwrap();
/// c.release().unwrap();
/// ```
#[derive(Debug)]
#[doc(alias = "Condition")]
#[doc(alias = "ConditionProxy")]
pub struct RemoteCondition(ProxyCore);

impl Manager {
    /// A new SyncManager `Condition()` (over its own `RLock`).
    ///
    /// # Errors
    ///
    /// Any [`ManagerError`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # let server = ServerBuilder::new("k").sync_manager().bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// let c = Manager::connect(server.address(), "k").unwrap().condition().unwrap();
    /// # drop(c);
    /// ```
    #[doc(alias = "Condition")]
    pub fn condition(&self) -> Result<RemoteCondition, ManagerError> {
        ProxyCore::create(self, "Condition", Vec::new()).map(RemoteCondition)
    }
}

impl RemoteCondition {
    /// Acquires the lock, waiting as long as it takes.
    ///
    /// # Errors
    ///
    /// Any [`ManagerError`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # let server = ServerBuilder::new("k").sync_manager().bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// # let c = Manager::connect(server.address(), "k").unwrap().condition().unwrap();
    /// c.acquire().unwrap();
    /// c.acquire().unwrap(); // re-entrant
    /// c.release().unwrap();
    /// c.release().unwrap();
    /// ```
    pub fn acquire(&self) -> Result<(), ManagerError> {
        self.0.call("acquire", Vec::new()).map(|_| ())
    }

    /// Acquires the lock if it is free now; whether it did.
    ///
    /// # Errors
    ///
    /// Any [`ManagerError`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # let server = ServerBuilder::new("k").sync_manager().bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// # let c = Manager::connect(server.address(), "k").unwrap().condition().unwrap();
    /// assert!(c.try_acquire().unwrap());
    /// c.release().unwrap();
    /// ```
    pub fn try_acquire(&self) -> Result<bool, ManagerError> {
        expect_bool(self.0.call("acquire", vec![Value::Bool(false)])?)
    }

    /// Acquires the lock, waiting at most `timeout`; whether it did.
    ///
    /// # Errors
    ///
    /// Any [`ManagerError`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # use std::time::Duration;
    /// # let server = ServerBuilder::new("k").sync_manager().bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// # let c = Manager::connect(server.address(), "k").unwrap().condition().unwrap();
    /// assert!(c.acquire_timeout(Duration::from_millis(5)).unwrap());
    /// c.release().unwrap();
    /// ```
    pub fn acquire_timeout(&self, timeout: Duration) -> Result<bool, ManagerError> {
        // The lock is an RLock: `timeout=None` is not its "forever" (-1 is), so a timeout
        // too long to send is no timeout at all.
        let args = match timeout_arg(timeout) {
            Value::None => vec![Value::Bool(true)],
            t => vec![Value::Bool(true), t],
        };
        expect_bool(self.0.call("acquire", args)?)
    }

    /// Releases one level of the lock.
    ///
    /// # Errors
    ///
    /// [`ManagerError::Exception`] `RuntimeError` if this connection does not hold it.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # let server = ServerBuilder::new("k").sync_manager().bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// # let c = Manager::connect(server.address(), "k").unwrap().condition().unwrap();
    /// assert!(c.release().unwrap_err().as_exception().unwrap().is_builtin("RuntimeError"));
    /// ```
    pub fn release(&self) -> Result<(), ManagerError> {
        self.0.call("release", Vec::new()).map(|_| ())
    }

    /// Releases the lock, waits for a notification, and takes the lock back. The lock must be
    /// held.
    ///
    /// # Errors
    ///
    /// [`ManagerError::Exception`] `RuntimeError` if the lock is not held; any other
    /// [`ManagerError`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # let server = ServerBuilder::new("k").sync_manager().bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// # let c = Manager::connect(server.address(), "k").unwrap().condition().unwrap();
    /// assert!(c.wait().is_err()); // RuntimeError: cannot wait on un-acquired lock
    /// ```
    pub fn wait(&self) -> Result<(), ManagerError> {
        self.0.call("wait", vec![Value::None]).map(|_| ())
    }

    /// Like [`wait`](Self::wait) for at most `timeout`: whether it was notified.
    ///
    /// # Errors
    ///
    /// As [`wait`](Self::wait).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # use std::time::Duration;
    /// # let server = ServerBuilder::new("k").sync_manager().bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// # let c = Manager::connect(server.address(), "k").unwrap().condition().unwrap();
    /// c.acquire().unwrap();
    /// assert!(!c.wait_timeout(Duration::from_millis(5)).unwrap());
    /// c.release().unwrap();
    /// ```
    pub fn wait_timeout(&self, timeout: Duration) -> Result<bool, ManagerError> {
        expect_bool(self.0.call("wait", vec![timeout_arg(timeout)])?)
    }

    /// Waits until `predicate` holds, checking it first and after every wake-up; runs here, on
    /// the client, as CPython's `ConditionProxy.wait_for` does. The lock must be held.
    ///
    /// # Errors
    ///
    /// As [`wait`](Self::wait).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # let server = ServerBuilder::new("k").sync_manager().bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// # let c = Manager::connect(server.address(), "k").unwrap().condition().unwrap();
    /// c.acquire().unwrap();
    /// c.wait_for(|| true).unwrap(); // already true: no wait
    /// c.release().unwrap();
    /// ```
    pub fn wait_for(&self, mut predicate: impl FnMut() -> bool) -> Result<(), ManagerError> {
        while !predicate() {
            self.wait()?;
        }
        Ok(())
    }

    /// Like [`wait_for`](Self::wait_for), giving up once `timeout` has passed in total; the
    /// predicate's last value.
    ///
    /// # Errors
    ///
    /// As [`wait`](Self::wait).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # use std::time::Duration;
    /// # let server = ServerBuilder::new("k").sync_manager().bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// # let c = Manager::connect(server.address(), "k").unwrap().condition().unwrap();
    /// c.acquire().unwrap();
    /// assert!(!c.wait_for_timeout(Duration::from_millis(10), || false).unwrap());
    /// c.release().unwrap();
    /// ```
    pub fn wait_for_timeout(
        &self,
        timeout: Duration,
        mut predicate: impl FnMut() -> bool,
    ) -> Result<bool, ManagerError> {
        let deadline = Instant::now().checked_add(timeout);
        loop {
            if predicate() {
                return Ok(true);
            }
            let left = match deadline {
                Some(d) => d.saturating_duration_since(Instant::now()),
                None => Duration::MAX,
            };
            if left.is_zero() {
                return Ok(false);
            }
            if left == Duration::MAX {
                self.wait()?;
            } else {
                self.wait_timeout(left)?;
            }
        }
    }

    /// Wakes at most `n` waiters. The lock must be held.
    ///
    /// # Errors
    ///
    /// [`ManagerError::Exception`] `RuntimeError` if the lock is not held.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # let server = ServerBuilder::new("k").sync_manager().bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// # let c = Manager::connect(server.address(), "k").unwrap().condition().unwrap();
    /// c.acquire().unwrap();
    /// c.notify(1).unwrap();
    /// c.release().unwrap();
    /// ```
    pub fn notify(&self, n: usize) -> Result<(), ManagerError> {
        self.0
            .call(
                "notify",
                vec![Value::Int(i64::try_from(n).unwrap_or(i64::MAX))],
            )
            .map(|_| ())
    }

    /// Wakes every waiter. The lock must be held.
    ///
    /// # Errors
    ///
    /// [`ManagerError::Exception`] `RuntimeError` if the lock is not held.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # let server = ServerBuilder::new("k").sync_manager().bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// # let c = Manager::connect(server.address(), "k").unwrap().condition().unwrap();
    /// assert!(c.notify_all().is_err()); // not held
    /// ```
    #[doc(alias = "notifyAll")]
    pub fn notify_all(&self) -> Result<(), ManagerError> {
        self.0.call("notify_all", Vec::new()).map(|_| ())
    }
}
