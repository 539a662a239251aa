//! SyncManager's `Barrier` proxy (`BarrierProxy`) and its error.

use std::error::Error;
use std::fmt;
use std::time::Duration;

use super::Manager;
use super::error::ManagerError;
use super::proxy::{ProxyCore, expect_bool, expect_usize, timeout_arg};
use crate::pickle::Value;

/// A `Barrier` in a manager server (`BarrierProxy`): `parties` clients meet in
/// [`wait`](Self::wait).
///
/// # Examples
///
/// ```
/// # use pythreading_mp::managers::{Manager, ServerBuilder};
/// # let server = ServerBuilder::new("k").sync_manager().bind("127.0.0.1:0").unwrap().spawn().unwrap();
/// let m = Manager::connect(server.address(), "k").unwrap();
/// let b = m.barrier(1).unwrap();
/// assert_eq!(b.wait().unwrap(), 0); // one party: passes at once
/// assert_eq!(b.parties().unwrap(), 1);
/// ```
#[derive(Debug)]
#[doc(alias = "Barrier")]
#[doc(alias = "BarrierProxy")]
pub struct RemoteBarrier(ProxyCore);

/// A remote barrier `wait` failed.
///
/// # Examples
///
/// ```
/// use pythreading_mp::managers::RemoteBarrierError;
/// assert!(RemoteBarrierError::Broken.is_broken());
/// assert_eq!(RemoteBarrierError::Broken.to_string(), "remote barrier is broken");
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum RemoteBarrierError {
    /// The barrier is or became broken (`threading.BrokenBarrierError`): aborted, reset, or a
    /// wait timed out.
    Broken,
    /// The call itself failed.
    Failed(ManagerError),
}

impl RemoteBarrierError {
    /// Whether this is `BrokenBarrierError`.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::managers::{ManagerError, RemoteBarrierError};
    /// assert!(!RemoteBarrierError::Failed(ManagerError::Protocol("x".into())).is_broken());
    /// ```
    pub fn is_broken(&self) -> bool {
        matches!(self, RemoteBarrierError::Broken)
    }
}

impl fmt::Display for RemoteBarrierError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RemoteBarrierError::Broken => f.write_str("remote barrier is broken"),
            RemoteBarrierError::Failed(_) => f.write_str("remote barrier wait failed"),
        }
    }
}

impl Error for RemoteBarrierError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            RemoteBarrierError::Failed(e) => Some(e),
            RemoteBarrierError::Broken => None,
        }
    }
}

impl From<ManagerError> for RemoteBarrierError {
    fn from(e: ManagerError) -> Self {
        match e.as_exception() {
            Some(x) if x.name == "BrokenBarrierError" => RemoteBarrierError::Broken,
            _ => RemoteBarrierError::Failed(e),
        }
    }
}

impl Manager {
    /// A new SyncManager `Barrier(parties)`.
    ///
    /// # Errors
    ///
    /// [`ManagerError::Remote`] for 0 parties on a pythreading server or CPython 3.13+; any
    /// other [`ManagerError`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # let server = ServerBuilder::new("k").sync_manager().bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// let b = Manager::connect(server.address(), "k").unwrap().barrier(3).unwrap();
    /// # drop(b);
    /// ```
    #[doc(alias = "Barrier")]
    pub fn barrier(&self, parties: usize) -> Result<RemoteBarrier, ManagerError> {
        ProxyCore::create(
            self,
            "Barrier",
            vec![Value::Int(i64::try_from(parties).unwrap_or(i64::MAX))],
        )
        .map(RemoteBarrier)
    }
}

fn attribute(b: &RemoteBarrier, name: &str) -> Result<Value, ManagerError> {
    b.0.call("__getattribute__", vec![Value::from(name)])
}

impl RemoteBarrier {
    /// Waits until every party has arrived; this one's arrival index, in `0..parties`.
    ///
    /// # Errors
    ///
    /// [`RemoteBarrierError::Broken`] if the barrier is or becomes broken.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # let server = ServerBuilder::new("k").sync_manager().bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// # let b = Manager::connect(server.address(), "k").unwrap().barrier(2).unwrap();
    /// b.abort().unwrap();
    /// assert!(b.wait().unwrap_err().is_broken());
    /// ```
    pub fn wait(&self) -> Result<usize, RemoteBarrierError> {
        Ok(expect_usize(self.0.call("wait", vec![Value::None])?)?)
    }

    /// Like [`wait`](Self::wait) for at most `timeout`; a timeout breaks the barrier.
    ///
    /// # Errors
    ///
    /// [`RemoteBarrierError::Broken`] on timeout or if the barrier is or becomes broken.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # use std::time::Duration;
    /// # let server = ServerBuilder::new("k").sync_manager().bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// # let b = Manager::connect(server.address(), "k").unwrap().barrier(2).unwrap();
    /// assert!(b.wait_timeout(Duration::from_millis(10)).unwrap_err().is_broken());
    /// assert!(b.is_broken().unwrap());
    /// ```
    pub fn wait_timeout(&self, timeout: Duration) -> Result<usize, RemoteBarrierError> {
        Ok(expect_usize(
            self.0.call("wait", vec![timeout_arg(timeout)])?,
        )?)
    }

    /// Breaks the barrier: every waiter, now and later, gets `Broken`.
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
    /// # let b = Manager::connect(server.address(), "k").unwrap().barrier(2).unwrap();
    /// b.abort().unwrap();
    /// assert!(b.is_broken().unwrap());
    /// ```
    pub fn abort(&self) -> Result<(), ManagerError> {
        self.0.call("abort", Vec::new()).map(|_| ())
    }

    /// Back to the initial state; waiters at the time get `Broken`.
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
    /// # let b = Manager::connect(server.address(), "k").unwrap().barrier(2).unwrap();
    /// b.abort().unwrap();
    /// b.reset().unwrap();
    /// assert!(!b.is_broken().unwrap());
    /// ```
    pub fn reset(&self) -> Result<(), ManagerError> {
        self.0.call("reset", Vec::new()).map(|_| ())
    }

    /// How many parties must arrive.
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
    /// # let b = Manager::connect(server.address(), "k").unwrap().barrier(4).unwrap();
    /// assert_eq!(b.parties().unwrap(), 4);
    /// ```
    pub fn parties(&self) -> Result<usize, ManagerError> {
        expect_usize(attribute(self, "parties")?)
    }

    /// How many are waiting now.
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
    /// # let b = Manager::connect(server.address(), "k").unwrap().barrier(4).unwrap();
    /// assert_eq!(b.n_waiting().unwrap(), 0);
    /// ```
    pub fn n_waiting(&self) -> Result<usize, ManagerError> {
        expect_usize(attribute(self, "n_waiting")?)
    }

    /// Whether the barrier is broken.
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
    /// # let b = Manager::connect(server.address(), "k").unwrap().barrier(4).unwrap();
    /// assert!(!b.is_broken().unwrap());
    /// ```
    #[doc(alias = "broken")]
    pub fn is_broken(&self) -> Result<bool, ManagerError> {
        expect_bool(attribute(self, "broken")?)
    }
}
