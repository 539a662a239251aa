//! SyncManager's `Event`, `Lock` and `RLock` proxies.

use std::time::Duration;

use super::Manager;
use super::error::ManagerError;
use super::proxy::{ProxyCore, expect_bool, timeout_arg};
use crate::pickle::Value;

/// An `Event` in a manager server (`EventProxy`).
///
/// # Examples
///
/// ```
/// # use pythreading_mp::managers::{Manager, ServerBuilder};
/// # use std::time::Duration;
/// # let server = ServerBuilder::new("k").sync_manager().bind("127.0.0.1:0").unwrap().spawn().unwrap();
/// let m = Manager::connect(server.address(), "k").unwrap();
/// let e = m.event().unwrap();
/// assert!(!e.wait_timeout(Duration::from_millis(10)).unwrap());
/// e.set().unwrap();
/// assert!(e.is_set().unwrap());
/// ```
#[derive(Debug)]
pub struct RemoteEvent(ProxyCore);

/// A `Lock` in a manager server (`AcquirerProxy`).
///
/// # Examples
///
/// ```
/// # use pythreading_mp::managers::{Manager, ServerBuilder};
/// # let server = ServerBuilder::new("k").sync_manager().bind("127.0.0.1:0").unwrap().spawn().unwrap();
/// let m = Manager::connect(server.address(), "k").unwrap();
/// let l = m.lock().unwrap();
/// l.acquire().unwrap();
/// assert!(!l.try_acquire().unwrap());
/// l.release().unwrap();
/// assert!(l.release().is_err()); // RuntimeError: release unlocked lock
/// ```
#[derive(Debug)]
pub struct RemoteLock(ProxyCore);

/// An `RLock` in a manager server: owned by the connection (this thread) that acquired it.
///
/// # Examples
///
/// ```
/// # use pythreading_mp::managers::{Manager, ServerBuilder};
/// # let server = ServerBuilder::new("k").sync_manager().bind("127.0.0.1:0").unwrap().spawn().unwrap();
/// let m = Manager::connect(server.address(), "k").unwrap();
/// let r = m.rlock().unwrap();
/// r.acquire().unwrap();
/// r.acquire().unwrap();
/// r.release().unwrap();
/// r.release().unwrap();
/// ```
#[derive(Debug)]
pub struct RemoteRLock(ProxyCore);

impl Manager {
    /// A new SyncManager `Event()`.
    ///
    /// # Errors
    ///
    /// Any [`ManagerError`] (the server must serve SyncManager types).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # let server = ServerBuilder::new("k").sync_manager().bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// let e = Manager::connect(server.address(), "k").unwrap().event().unwrap();
    /// # drop(e);
    /// ```
    #[doc(alias = "Event")]
    pub fn event(&self) -> Result<RemoteEvent, ManagerError> {
        ProxyCore::create(self, "Event", Vec::new()).map(RemoteEvent)
    }

    /// A new SyncManager `Lock()`.
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
    /// let l = Manager::connect(server.address(), "k").unwrap().lock().unwrap();
    /// # drop(l);
    /// ```
    #[doc(alias = "Lock")]
    pub fn lock(&self) -> Result<RemoteLock, ManagerError> {
        ProxyCore::create(self, "Lock", Vec::new()).map(RemoteLock)
    }

    /// A new SyncManager `RLock()`.
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
    /// let r = Manager::connect(server.address(), "k").unwrap().rlock().unwrap();
    /// # drop(r);
    /// ```
    #[doc(alias = "RLock")]
    pub fn rlock(&self) -> Result<RemoteRLock, ManagerError> {
        ProxyCore::create(self, "RLock", Vec::new()).map(RemoteRLock)
    }
}

impl RemoteEvent {
    /// Sets the flag, waking every waiter.
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
    /// # let e = Manager::connect(server.address(), "k").unwrap().event().unwrap();
    /// e.set().unwrap();
    /// e.wait().unwrap();
    /// ```
    pub fn set(&self) -> Result<(), ManagerError> {
        self.0.call("set", Vec::new()).map(|_| ())
    }

    /// Clears the flag.
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
    /// # let e = Manager::connect(server.address(), "k").unwrap().event().unwrap();
    /// e.set().unwrap();
    /// e.clear().unwrap();
    /// assert!(!e.is_set().unwrap());
    /// ```
    pub fn clear(&self) -> Result<(), ManagerError> {
        self.0.call("clear", Vec::new()).map(|_| ())
    }

    /// Whether the flag is set.
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
    /// # let e = Manager::connect(server.address(), "k").unwrap().event().unwrap();
    /// assert!(!e.is_set().unwrap());
    /// ```
    pub fn is_set(&self) -> Result<bool, ManagerError> {
        expect_bool(self.0.call("is_set", Vec::new())?)
    }

    /// Waits until the flag is set.
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
    /// # let e = Manager::connect(server.address(), "k").unwrap().event().unwrap();
    /// e.set().unwrap();
    /// e.wait().unwrap();
    /// ```
    pub fn wait(&self) -> Result<(), ManagerError> {
        self.0.call("wait", Vec::new()).map(|_| ())
    }

    /// Waits at most `timeout`; whether the flag was set.
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
    /// # let e = Manager::connect(server.address(), "k").unwrap().event().unwrap();
    /// assert!(!e.wait_timeout(Duration::from_millis(5)).unwrap());
    /// ```
    pub fn wait_timeout(&self, timeout: Duration) -> Result<bool, ManagerError> {
        expect_bool(self.0.call("wait", vec![timeout_arg(timeout)])?)
    }
}

macro_rules! acquirer {
    ($ty:ident, $ctor:ident) => {
        impl $ty {
            /// Acquires, waiting as long as it takes.
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
            #[doc = concat!("let l = Manager::connect(server.address(), \"k\").unwrap().", stringify!($ctor), "().unwrap();")]
            /// l.acquire().unwrap();
            /// l.release().unwrap();
            /// ```
            pub fn acquire(&self) -> Result<(), ManagerError> {
                self.0.call("acquire", Vec::new()).map(|_| ())
            }

            /// Acquires if free now; whether it was acquired (`acquire(False)`).
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
            #[doc = concat!("let l = Manager::connect(server.address(), \"k\").unwrap().", stringify!($ctor), "().unwrap();")]
            /// assert!(l.try_acquire().unwrap());
            /// l.release().unwrap();
            /// ```
            pub fn try_acquire(&self) -> Result<bool, ManagerError> {
                expect_bool(self.0.call("acquire", vec![Value::Bool(false)])?)
            }

            /// Acquires, waiting at most `timeout`; whether it was acquired.
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
            #[doc = concat!("let l = Manager::connect(server.address(), \"k\").unwrap().", stringify!($ctor), "().unwrap();")]
            /// assert!(l.acquire_timeout(Duration::from_millis(5)).unwrap());
            /// l.release().unwrap();
            /// ```
            pub fn acquire_timeout(&self, timeout: Duration) -> Result<bool, ManagerError> {
                // A lock's "for ever" is `timeout=-1` (CPython's `acquire` refuses `None`).
                let timeout = match timeout_arg(timeout) {
                    Value::None => Value::Int(-1),
                    secs => secs,
                };
                expect_bool(self.0.call_kw("acquire", Vec::new(), vec![("timeout", timeout)])?)
            }

            /// Releases.
            ///
            /// # Errors
            ///
            /// [`ManagerError::Exception`] `RuntimeError` when not held.
            ///
            /// # Examples
            ///
            /// ```
            /// # use pythreading_mp::managers::{Manager, ServerBuilder};
            /// # let server = ServerBuilder::new("k").sync_manager().bind("127.0.0.1:0").unwrap().spawn().unwrap();
            #[doc = concat!("let l = Manager::connect(server.address(), \"k\").unwrap().", stringify!($ctor), "().unwrap();")]
            /// assert!(l.release().unwrap_err().as_exception().unwrap().is_builtin("RuntimeError"));
            /// ```
            pub fn release(&self) -> Result<(), ManagerError> {
                self.0.call("release", Vec::new()).map(|_| ())
            }
        }
    };
}

acquirer!(RemoteLock, lock);
acquirer!(RemoteRLock, rlock);
