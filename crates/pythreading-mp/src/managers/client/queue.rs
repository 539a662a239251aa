//! `RemoteQueue<T>`: a `queue.Queue` in a manager server.

use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

use super::Manager;
use super::codec::{RemoteValue, from_value, to_value};
use super::error::{
    ManagerError, RemoteGetError, RemoteGetTimeoutError, RemotePutError, RemotePutTimeoutError,
    RemoteTryGetError, RemoteTryPutError,
};
use super::proxy::{ProxyCore, expect_bool, expect_usize, timeout_arg};
use crate::pickle::Value;

/// A queue living in a manager server (CPython's queue proxy), typed on the Rust side.
///
/// Items travel as pickles, so Python peers see ordinary Python values.
///
/// # Examples
///
/// ```
/// use pythreading_mp::managers::{Manager, ServerBuilder};
/// use std::time::Duration;
/// let server = ServerBuilder::new("k").queue("jobs").bind("127.0.0.1:0").unwrap().spawn().unwrap();
/// let m = Manager::connect(server.address(), "k").unwrap();
/// let q = m.queue::<String>("jobs").unwrap();
/// q.put("hello".to_string()).unwrap();
/// assert_eq!(q.len().unwrap(), 1);
/// assert_eq!(q.get_timeout(Duration::from_secs(1)).unwrap(), "hello");
/// assert!(q.try_get().unwrap_err().is_empty());
/// ```
pub struct RemoteQueue<T> {
    pub(super) core: ProxyCore,
    _items: PhantomData<fn(T) -> T>,
}

impl<T> fmt::Debug for RemoteQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RemoteQueue").field(&self.core).finish()
    }
}

impl Manager {
    /// A proxy for the server's typeid `typeid` (a named queue such as `get_task_queue`).
    ///
    /// # Errors
    ///
    /// [`ManagerError::Remote`] if the server does not know the typeid; any transport error.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # let server = ServerBuilder::new("k").queue("get_task_queue").bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// let m = Manager::connect(server.address(), "k").unwrap();
    /// let q = m.queue::<i64>("get_task_queue").unwrap();
    /// assert!(m.queue::<i64>("no_such_typeid").is_err());
    /// # drop(q);
    /// ```
    pub fn queue<T: RemoteValue>(&self, typeid: &str) -> Result<RemoteQueue<T>, ManagerError> {
        Ok(RemoteQueue {
            core: ProxyCore::create(self, typeid, Vec::new())?,
            _items: PhantomData,
        })
    }

    /// A new SyncManager `Queue(maxsize)` (0 = unbounded).
    ///
    /// # Errors
    ///
    /// As [`Manager::queue`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # let server = ServerBuilder::new("k").sync_manager().bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// let m = Manager::connect(server.address(), "k").unwrap();
    /// let q = m.new_queue::<i64>(1).unwrap();
    /// q.put(1).unwrap();
    /// assert!(q.try_put(2).unwrap_err().is_full());
    /// ```
    #[doc(alias = "Queue")]
    pub fn new_queue<T: RemoteValue>(
        &self,
        maxsize: usize,
    ) -> Result<RemoteQueue<T>, ManagerError> {
        Ok(RemoteQueue {
            core: ProxyCore::create(self, "Queue", vec![Value::Int(maxsize as i64)])?,
            _items: PhantomData,
        })
    }

    /// A new SyncManager `JoinableQueue(maxsize)`.
    ///
    /// # Errors
    ///
    /// As [`Manager::queue`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # let server = ServerBuilder::new("k").sync_manager().bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// let m = Manager::connect(server.address(), "k").unwrap();
    /// let q = m.new_joinable_queue::<i64>(0).unwrap();
    /// q.put(1).unwrap();
    /// q.get().unwrap();
    /// q.task_done().unwrap();
    /// q.join().unwrap();
    /// ```
    #[doc(alias = "JoinableQueue")]
    pub fn new_joinable_queue<T: RemoteValue>(
        &self,
        maxsize: usize,
    ) -> Result<RemoteQueue<T>, ManagerError> {
        Ok(RemoteQueue {
            core: ProxyCore::create(self, "JoinableQueue", vec![Value::Int(maxsize as i64)])?,
            _items: PhantomData,
        })
    }
}

impl<T: RemoteValue> RemoteQueue<T> {
    /// `put(item, **kwargs)`; on failure, `wrap` gets the error and the item back.
    fn put_with<E>(
        &self,
        item: T,
        kwargs: Vec<(&str, Value)>,
        wrap: impl FnOnce(ManagerError, T) -> E,
    ) -> Result<(), E> {
        let v = match to_value(&item) {
            Ok(v) => v,
            Err(e) => return Err(wrap(e, item)),
        };
        match self.core.call_kw("put", vec![v], kwargs) {
            Ok(_) => Ok(()),
            Err(e) => Err(wrap(e, item)),
        }
    }

    /// Puts an item, waiting for room (`put(item)`).
    ///
    /// # Errors
    ///
    /// [`RemotePutError::ShutDown`] or [`RemotePutError::Failed`], with the item.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # let server = ServerBuilder::new("k").queue("q").bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// # let q = Manager::connect(server.address(), "k").unwrap().queue::<i64>("q").unwrap();
    /// q.put(5).unwrap();
    /// ```
    pub fn put(&self, item: T) -> Result<(), RemotePutError<T>> {
        self.put_with(item, Vec::new(), RemotePutError::from_manager)
    }

    /// Puts an item if there is room now (`put_nowait(item)`).
    ///
    /// # Errors
    ///
    /// [`RemoteTryPutError::Full`] when there is no room, [`RemoteTryPutError::ShutDown`],
    /// [`RemoteTryPutError::Failed`]; each with the item.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # let server = ServerBuilder::new("k").queue("q").bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// # let q = Manager::connect(server.address(), "k").unwrap().queue::<i64>("q").unwrap();
    /// q.try_put(5).unwrap();
    /// ```
    #[doc(alias = "put_nowait")]
    pub fn try_put(&self, item: T) -> Result<(), RemoteTryPutError<T>> {
        self.put_with(
            item,
            vec![("block", Value::Bool(false))],
            RemoteTryPutError::from_manager,
        )
    }

    /// Puts an item, waiting at most `timeout` for room (`put(item, timeout=t)`;
    /// `Duration::MAX`, or anything beyond CPython's `threading.TIMEOUT_MAX`, waits for ever).
    ///
    /// # Errors
    ///
    /// [`RemotePutTimeoutError::Timeout`] when there was no room in time,
    /// [`RemotePutTimeoutError::ShutDown`], [`RemotePutTimeoutError::Failed`]; each with the item.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # use std::time::Duration;
    /// # let server = ServerBuilder::new("k").queue("q").bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// # let q = Manager::connect(server.address(), "k").unwrap().queue::<i64>("q").unwrap();
    /// q.put_timeout(5, Duration::from_millis(10)).unwrap();
    /// ```
    pub fn put_timeout(&self, item: T, timeout: Duration) -> Result<(), RemotePutTimeoutError<T>> {
        self.put_with(
            item,
            vec![("timeout", timeout_arg(timeout))],
            RemotePutTimeoutError::from_manager,
        )
    }

    /// `get(**kwargs)`, its failures mapped to the operation's error type.
    fn get_with<E: From<ManagerError>>(&self, kwargs: Vec<(&str, Value)>) -> Result<T, E> {
        let v = self.core.call_kw("get", Vec::new(), kwargs)?;
        from_value(v).map_err(E::from)
    }

    /// Takes an item, waiting for one (`get()`).
    ///
    /// # Errors
    ///
    /// [`RemoteGetError::ShutDown`] or [`RemoteGetError::Failed`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # let server = ServerBuilder::new("k").queue("q").bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// # let q = Manager::connect(server.address(), "k").unwrap().queue::<i64>("q").unwrap();
    /// q.put(1).unwrap();
    /// assert_eq!(q.get().unwrap(), 1);
    /// ```
    pub fn get(&self) -> Result<T, RemoteGetError> {
        self.get_with(Vec::new())
    }

    /// Takes an item if one is there (`get_nowait()`).
    ///
    /// # Errors
    ///
    /// [`RemoteTryGetError::Empty`] when there is none, [`RemoteTryGetError::ShutDown`],
    /// [`RemoteTryGetError::Failed`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # let server = ServerBuilder::new("k").queue("q").bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// # let q = Manager::connect(server.address(), "k").unwrap().queue::<i64>("q").unwrap();
    /// assert!(q.try_get().unwrap_err().is_empty());
    /// ```
    #[doc(alias = "get_nowait")]
    pub fn try_get(&self) -> Result<T, RemoteTryGetError> {
        self.get_with(vec![("block", Value::Bool(false))])
    }

    /// Takes an item, waiting at most `timeout` (`get(timeout=t)`; `Duration::MAX`, or anything
    /// beyond CPython's `threading.TIMEOUT_MAX`, waits for ever).
    ///
    /// # Errors
    ///
    /// [`RemoteGetTimeoutError::Timeout`] when nothing arrived in time,
    /// [`RemoteGetTimeoutError::ShutDown`], [`RemoteGetTimeoutError::Failed`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # use std::time::Duration;
    /// # let server = ServerBuilder::new("k").queue("q").bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// # let q = Manager::connect(server.address(), "k").unwrap().queue::<i64>("q").unwrap();
    /// assert!(q.get_timeout(Duration::from_millis(10)).unwrap_err().is_timeout());
    /// ```
    pub fn get_timeout(&self, timeout: Duration) -> Result<T, RemoteGetTimeoutError> {
        self.get_with(vec![("timeout", timeout_arg(timeout))])
    }

    /// The number of items (`qsize()`).
    ///
    /// # Errors
    ///
    /// Any [`ManagerError`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # let server = ServerBuilder::new("k").queue("q").bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// # let q = Manager::connect(server.address(), "k").unwrap().queue::<i64>("q").unwrap();
    /// assert_eq!(q.len().unwrap(), 0);
    /// ```
    #[doc(alias = "qsize")]
    pub fn len(&self) -> Result<usize, ManagerError> {
        expect_usize(self.core.call("qsize", Vec::new())?)
    }

    /// Whether the queue is empty (`empty()`).
    ///
    /// # Errors
    ///
    /// Any [`ManagerError`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # let server = ServerBuilder::new("k").queue("q").bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// # let q = Manager::connect(server.address(), "k").unwrap().queue::<i64>("q").unwrap();
    /// assert!(q.is_empty().unwrap());
    /// ```
    #[doc(alias = "empty")]
    pub fn is_empty(&self) -> Result<bool, ManagerError> {
        expect_bool(self.core.call("empty", Vec::new())?)
    }

    /// Whether the queue is full (`full()`).
    ///
    /// # Errors
    ///
    /// Any [`ManagerError`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # let server = ServerBuilder::new("k").queue("q").bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// # let q = Manager::connect(server.address(), "k").unwrap().queue::<i64>("q").unwrap();
    /// assert!(!q.is_full().unwrap());
    /// ```
    #[doc(alias = "full")]
    pub fn is_full(&self) -> Result<bool, ManagerError> {
        expect_bool(self.core.call("full", Vec::new())?)
    }

    /// Marks one item done (`task_done()`).
    ///
    /// # Errors
    ///
    /// A [`ManagerError::Exception`] `ValueError` when called more often than items were put.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # let server = ServerBuilder::new("k").queue("q").bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// # let q = Manager::connect(server.address(), "k").unwrap().queue::<i64>("q").unwrap();
    /// assert!(q.task_done().is_err());
    /// ```
    pub fn task_done(&self) -> Result<(), ManagerError> {
        self.core.call("task_done", Vec::new()).map(|_| ())
    }

    /// Waits until every item put was marked done (`join()`).
    ///
    /// # Errors
    ///
    /// Any [`ManagerError`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # let server = ServerBuilder::new("k").queue("q").bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// # let q = Manager::connect(server.address(), "k").unwrap().queue::<i64>("q").unwrap();
    /// q.join().unwrap();
    /// ```
    pub fn join(&self) -> Result<(), ManagerError> {
        self.core.call("join", Vec::new()).map(|_| ())
    }

    /// Shuts the queue down (`shutdown(immediate=False)`, Python 3.13).
    ///
    /// # Errors
    ///
    /// Any [`ManagerError`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder, RemoteGetError};
    /// # let server = ServerBuilder::new("k").queue("q").bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// # let q = Manager::connect(server.address(), "k").unwrap().queue::<i64>("q").unwrap();
    /// q.shutdown().unwrap();
    /// assert!(matches!(q.get(), Err(RemoteGetError::ShutDown)));
    /// ```
    pub fn shutdown(&self) -> Result<(), ManagerError> {
        self.core.call("shutdown", Vec::new()).map(|_| ())
    }

    /// The server's ident of this queue.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # let server = ServerBuilder::new("k").queue("q").bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// # let q = Manager::connect(server.address(), "k").unwrap().queue::<i64>("q").unwrap();
    /// assert!(q.ident().chars().all(|c| c.is_ascii_hexdigit()));
    /// ```
    pub fn ident(&self) -> &str {
        self.core.ident()
    }

    /// The manager this proxy talks to.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # let server = ServerBuilder::new("k").queue("q").bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// # let q = Manager::connect(server.address(), "k").unwrap().queue::<i64>("q").unwrap();
    /// assert_eq!(q.manager().address(), server.address());
    /// ```
    pub fn manager(&self) -> &Manager {
        self.core.manager()
    }
}
