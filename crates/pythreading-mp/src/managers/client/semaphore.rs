//! SyncManager's `Semaphore` and `BoundedSemaphore` proxies (`AcquirerProxy`).

use std::time::Duration;

use super::Manager;
use super::error::ManagerError;
use super::proxy::{ProxyCore, expect_bool, timeout_arg};
use crate::pickle::Value;

/// A `Semaphore` in a manager server (`AcquirerProxy`).
///
/// # Examples
///
/// ```
/// # use pythreading_mp::managers::{Manager, ServerBuilder};
/// # let server = ServerBuilder::new("k").sync_manager().bind("127.0.0.1:0").unwrap().spawn().unwrap();
/// let m = Manager::connect(server.address(), "k").unwrap();
/// let s = m.semaphore(1).unwrap();
/// s.acquire().unwrap();
/// assert!(!s.try_acquire().unwrap());
/// s.release().unwrap();
/// ```
#[derive(Debug)]
#[doc(alias = "Semaphore")]
pub struct RemoteSemaphore(ProxyCore);

/// A `BoundedSemaphore` in a manager server: releasing above the initial value is an error.
///
/// # Examples
///
/// ```
/// # use pythreading_mp::managers::{Manager, ServerBuilder};
/// # let server = ServerBuilder::new("k").sync_manager().bind("127.0.0.1:0").unwrap().spawn().unwrap();
/// let m = Manager::connect(server.address(), "k").unwrap();
/// let s = m.bounded_semaphore(1).unwrap();
/// let e = s.release().unwrap_err(); // ValueError: Semaphore released too many times
/// assert!(e.as_exception().unwrap().is_builtin("ValueError"));
/// ```
#[derive(Debug)]
#[doc(alias = "BoundedSemaphore")]
pub struct RemoteBoundedSemaphore(ProxyCore);

impl Manager {
    /// A new SyncManager `Semaphore(value)`.
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
    /// let s = Manager::connect(server.address(), "k").unwrap().semaphore(2).unwrap();
    /// # drop(s);
    /// ```
    #[doc(alias = "Semaphore")]
    pub fn semaphore(&self, value: usize) -> Result<RemoteSemaphore, ManagerError> {
        ProxyCore::create(
            self,
            "Semaphore",
            vec![Value::Int(i64::try_from(value).unwrap_or(i64::MAX))],
        )
        .map(RemoteSemaphore)
    }

    /// A new SyncManager `BoundedSemaphore(value)`.
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
    /// let s = Manager::connect(server.address(), "k").unwrap().bounded_semaphore(2).unwrap();
    /// # drop(s);
    /// ```
    #[doc(alias = "BoundedSemaphore")]
    pub fn bounded_semaphore(&self, value: usize) -> Result<RemoteBoundedSemaphore, ManagerError> {
        ProxyCore::create(
            self,
            "BoundedSemaphore",
            vec![Value::Int(i64::try_from(value).unwrap_or(i64::MAX))],
        )
        .map(RemoteBoundedSemaphore)
    }
}

macro_rules! semaphore_methods {
    ($ty:ident, $ctor:ident) => {
        impl $ty {
            /// Takes a permit, waiting as long as it takes.
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
            #[doc = concat!("let s = Manager::connect(server.address(), \"k\").unwrap().", stringify!($ctor), "(1).unwrap();")]
            /// s.acquire().unwrap();
            /// ```
            pub fn acquire(&self) -> Result<(), ManagerError> {
                self.0.call("acquire", Vec::new()).map(|_| ())
            }

            /// Takes a permit if one is free now; whether it did (`acquire(False)`).
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
            #[doc = concat!("let s = Manager::connect(server.address(), \"k\").unwrap().", stringify!($ctor), "(0).unwrap();")]
            /// assert!(!s.try_acquire().unwrap());
            /// ```
            pub fn try_acquire(&self) -> Result<bool, ManagerError> {
                expect_bool(self.0.call("acquire", vec![Value::Bool(false)])?)
            }

            /// Takes a permit, waiting at most `timeout`; whether it did.
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
            #[doc = concat!("let s = Manager::connect(server.address(), \"k\").unwrap().", stringify!($ctor), "(0).unwrap();")]
            /// assert!(!s.acquire_timeout(Duration::from_millis(5)).unwrap());
            /// ```
            pub fn acquire_timeout(&self, timeout: Duration) -> Result<bool, ManagerError> {
                expect_bool(
                    self.0
                        .call("acquire", vec![Value::Bool(true), timeout_arg(timeout)])?,
                )
            }

            /// Gives a permit back.
            ///
            /// # Errors
            ///
            /// For a bounded semaphore, [`ManagerError::Exception`] `ValueError` when released
            /// more often than acquired; any other [`ManagerError`].
            ///
            /// # Examples
            ///
            /// ```
            /// # use pythreading_mp::managers::{Manager, ServerBuilder};
            /// # let server = ServerBuilder::new("k").sync_manager().bind("127.0.0.1:0").unwrap().spawn().unwrap();
            #[doc = concat!("let s = Manager::connect(server.address(), \"k\").unwrap().", stringify!($ctor), "(1).unwrap();")]
            /// s.acquire().unwrap();
            /// s.release().unwrap();
            /// ```
            pub fn release(&self) -> Result<(), ManagerError> {
                self.0.call("release", Vec::new()).map(|_| ())
            }
        }
    };
}

semaphore_methods!(RemoteSemaphore, semaphore);
semaphore_methods!(RemoteBoundedSemaphore, bounded_semaphore);
