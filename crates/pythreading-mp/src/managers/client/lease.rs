//! Leased gets on a [`RemoteQueue`]: at-least-once delivery for Rust workers.
//!
//! [`RemoteQueue::get_leased`] returns a [`Lease`] guard holding the item. The item stays on
//! the server, leased to this thread's connection, until [`Lease::ack`]. Dropping the guard
//! unacked, or the connection closing (the worker process killed), puts the item back at the
//! head of its queue with its delivery count raised; so does the server's lease timeout
//! (`ServerConfig::with_lease_timeout`) if the worker hangs. After the server's
//! `max_deliveries` an item goes to the queue's dead-letter queue (`<typeid>_dead`).
//!
//! At least once means the *work* may run twice (a worker killed after its work, before its
//! ack): results must carry the task's id and be deduplicated by it. See
//! [`store`](crate::managers::store).
//!
//! The lease belongs to the connection of the thread that took it (each thread has its own):
//! ack it from the same thread, or keep that thread's connection open until acked.

use std::fmt;
use std::ops::Deref;
use std::time::Duration;

use super::codec::{RemoteValue, from_value};
use super::error::{ManagerError, RemoteGetError, RemoteGetTimeoutError, RemoteTryGetError};
use super::proxy::timeout_arg;
use super::{Manager, RemoteQueue};
use crate::pickle::Value;

/// An item taken from a [`RemoteQueue`] under a lease: [`ack`](Lease::ack) it when its work is
/// done; dropped unacked, it goes back to the head of its queue.
///
/// # Examples
///
/// ```
/// use pythreading_mp::managers::{Manager, ServerBuilder};
/// let server = ServerBuilder::new("k").queue("jobs").bind("127.0.0.1:0").unwrap().spawn().unwrap();
/// let q = Manager::connect(server.address(), "k").unwrap().queue::<i64>("jobs").unwrap();
/// q.put(42).unwrap();
/// let lease = q.get_leased().unwrap();
/// assert_eq!((*lease, lease.deliveries()), (42, 1));
/// drop(lease); // not acked: back in the queue
/// let again = q.get_leased().unwrap();
/// assert_eq!((*again, again.deliveries()), (42, 2));
/// again.ack().unwrap();
/// assert!(q.try_get().unwrap_err().is_empty());
/// ```
pub struct Lease<T> {
    manager: Manager,
    ident: String,
    id: String,
    deliveries: u32,
    /// `None` once acked or released (nothing left for `drop` to do).
    item: Option<T>,
}

impl<T: fmt::Debug> fmt::Debug for Lease<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lease")
            .field("id", &self.id)
            .field("deliveries", &self.deliveries)
            .field("item", &self.item)
            .finish()
    }
}

/// [`Lease::ack`] or [`Lease::release`] failed; the item is handed back.
///
/// The usual cause: the lease had already ended (its timeout ran out, or the connection that
/// took it closed), so the item was or will be delivered again: [`is_lease_lost`](Self::is_lease_lost).
///
/// # Examples
///
/// ```
/// use pythreading_mp::managers::{LeaseError, ManagerError};
/// let e = LeaseError::new(ManagerError::Remote("gone".into()), 7);
/// assert!(!e.is_lease_lost());
/// assert_eq!(e.into_item(), 7);
/// ```
pub struct LeaseError<T> {
    error: ManagerError,
    item: T,
}

impl<T> LeaseError<T> {
    /// An error with the item it hands back.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{LeaseError, ManagerError};
    /// let e = LeaseError::new(ManagerError::Remote("x".into()), "task");
    /// assert_eq!(*e.item(), "task");
    /// ```
    pub fn new(error: ManagerError, item: T) -> Self {
        LeaseError { error, item }
    }

    /// Whether the server no longer knew the lease (expired, or its connection closed): the
    /// item is (or will be) delivered to someone again.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{LeaseError, ManagerError};
    /// assert!(!LeaseError::new(ManagerError::Remote("x".into()), ()).is_lease_lost());
    /// ```
    pub fn is_lease_lost(&self) -> bool {
        self.error.as_exception().is_some_and(|e| {
            e.is_builtin("ValueError") && e.message().is_some_and(|m| m.starts_with("no lease"))
        })
    }

    /// The underlying error.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{LeaseError, ManagerError};
    /// let e = LeaseError::new(ManagerError::Remote("x".into()), ());
    /// assert!(matches!(e.error(), ManagerError::Remote(_)));
    /// ```
    pub fn error(&self) -> &ManagerError {
        &self.error
    }

    /// The item, by reference.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{LeaseError, ManagerError};
    /// assert_eq!(*LeaseError::new(ManagerError::Remote("x".into()), 3).item(), 3);
    /// ```
    pub fn item(&self) -> &T {
        &self.item
    }

    /// The item back.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{LeaseError, ManagerError};
    /// assert_eq!(LeaseError::new(ManagerError::Remote("x".into()), 3).into_item(), 3);
    /// ```
    pub fn into_item(self) -> T {
        self.item
    }
}

impl<T> fmt::Debug for LeaseError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LeaseError")
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl<T> fmt::Display for LeaseError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "lease not settled: {}", self.error)
    }
}

impl<T> std::error::Error for LeaseError<T> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl<T> Lease<T> {
    /// How many times the item has been delivered, this time included (1 the first time).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # let server = ServerBuilder::new("k").queue("q").bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// # let q = Manager::connect(server.address(), "k").unwrap().queue::<i64>("q").unwrap();
    /// q.put(1).unwrap();
    /// assert_eq!(q.get_leased().unwrap().deliveries(), 1);
    /// ```
    pub fn deliveries(&self) -> u32 {
        self.deliveries
    }

    /// The server's name of this lease.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # let server = ServerBuilder::new("k").queue("q").bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// # let q = Manager::connect(server.address(), "k").unwrap().queue::<i64>("q").unwrap();
    /// q.put(1).unwrap();
    /// assert!(!q.get_leased().unwrap().id().is_empty());
    /// ```
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The item.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # let server = ServerBuilder::new("k").queue("q").bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// # let q = Manager::connect(server.address(), "k").unwrap().queue::<String>("q").unwrap();
    /// q.put("job".into()).unwrap();
    /// assert_eq!(q.get_leased().unwrap().item(), "job");
    /// ```
    pub fn item(&self) -> &T {
        self.item
            .as_ref()
            .expect("a lease holds its item until acked or released")
    }

    fn settle(&mut self, method: &str) -> Result<T, LeaseError<T>> {
        let item = self
            .item
            .take()
            .expect("a lease holds its item until acked or released");
        match self.manager.call_value(
            &self.ident,
            method,
            vec![Value::from(self.id.as_str())],
            Vec::new(),
        ) {
            Ok(_) => Ok(item),
            Err(error) => Err(LeaseError { error, item }),
        }
    }

    /// The work is done: the item leaves the queue for good (and counts as done for `join()`).
    /// Returns the item.
    ///
    /// # Errors
    ///
    /// [`LeaseError`] with the item: the lease had ended already
    /// ([`is_lease_lost`](LeaseError::is_lease_lost): the item goes to someone else, so the
    /// work may be done twice), or the call failed.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # let server = ServerBuilder::new("k").queue("q").bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// # let q = Manager::connect(server.address(), "k").unwrap().queue::<i64>("q").unwrap();
    /// q.put(1).unwrap();
    /// let lease = q.get_leased().unwrap();
    /// assert_eq!(lease.ack().unwrap(), 1);
    /// q.join().unwrap(); // nothing unfinished
    /// ```
    #[doc(alias = "task_done")]
    pub fn ack(mut self) -> Result<T, LeaseError<T>> {
        self.settle("_lease_ack")
    }

    /// Gives the item back now, unfinished: it goes to the head of its queue and its next
    /// delivery counts one more (what dropping the lease does, with the outcome reported).
    ///
    /// # Errors
    ///
    /// As [`ack`](Lease::ack).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # let server = ServerBuilder::new("k").queue("q").bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// # let q = Manager::connect(server.address(), "k").unwrap().queue::<i64>("q").unwrap();
    /// q.put(1).unwrap();
    /// q.get_leased().unwrap().release().unwrap();
    /// assert_eq!(q.get_leased().unwrap().deliveries(), 2);
    /// ```
    #[doc(alias = "nack")]
    pub fn release(mut self) -> Result<T, LeaseError<T>> {
        self.settle("_lease_release")
    }
}

impl<T> Deref for Lease<T> {
    type Target = T;

    fn deref(&self) -> &T {
        self.item()
    }
}

impl<T> Drop for Lease<T> {
    fn drop(&mut self) {
        if self.item.is_some() {
            // Best effort: if this fails, the connection's close or the lease timeout returns
            // the item instead.
            let _ = self.settle("_lease_release");
        }
    }
}

impl<T: RemoteValue> RemoteQueue<T> {
    /// `_lease_get(**kwargs)`, decoded; an item that does not decode is released at once.
    fn get_leased_with<E: From<ManagerError>>(
        &self,
        kwargs: Vec<(&str, Value)>,
    ) -> Result<Lease<T>, E> {
        let reply = self.core.call_kw("_lease_get", Vec::new(), kwargs)?;
        let (id, deliveries, item) = match reply {
            Value::Tuple(mut t) if t.len() == 3 => {
                let item = t.pop().unwrap_or(Value::None);
                let deliveries = t.pop();
                let id = t.pop();
                match (id, deliveries) {
                    (Some(Value::Str(id)), Some(Value::Int(n))) => {
                        (id.to_string(), u32::try_from(n).unwrap_or(u32::MAX), item)
                    }
                    _ => return Err(ManagerError::Protocol("malformed lease reply".into()).into()),
                }
            }
            other => {
                return Err(ManagerError::Protocol(format!(
                    "expected a lease, got {}",
                    other.type_name()
                ))
                .into());
            }
        };
        let manager = self.core.manager().clone();
        let ident = self.core.ident().to_owned();
        match from_value(item) {
            Ok(item) => Ok(Lease {
                manager,
                ident,
                id,
                deliveries,
                item: Some(item),
            }),
            Err(e) => {
                let _ =
                    manager.call_value(&ident, "_lease_release", vec![Value::from(id)], Vec::new());
                Err(e.into())
            }
        }
    }

    /// Takes an item under a lease, waiting for one: the at-least-once `get()`.
    ///
    /// # Errors
    ///
    /// [`RemoteGetError::ShutDown`] or [`RemoteGetError::Failed`] (a CPython server, which has
    /// no leases, fails here with `ManagerError::Remote`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # let server = ServerBuilder::new("k").queue("q").bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// # let q = Manager::connect(server.address(), "k").unwrap().queue::<i64>("q").unwrap();
    /// q.put(3).unwrap();
    /// let lease = q.get_leased().unwrap();
    /// assert_eq!(*lease * 2, 6);
    /// lease.ack().unwrap();
    /// ```
    #[doc(alias = "acks_late")]
    pub fn get_leased(&self) -> Result<Lease<T>, RemoteGetError> {
        self.get_leased_with(Vec::new())
    }

    /// Takes an item under a lease if one is there now.
    ///
    /// # Errors
    ///
    /// [`RemoteTryGetError::Empty`], [`RemoteTryGetError::ShutDown`],
    /// [`RemoteTryGetError::Failed`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # let server = ServerBuilder::new("k").queue("q").bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// # let q = Manager::connect(server.address(), "k").unwrap().queue::<i64>("q").unwrap();
    /// assert!(q.try_get_leased().unwrap_err().is_empty());
    /// ```
    pub fn try_get_leased(&self) -> Result<Lease<T>, RemoteTryGetError> {
        self.get_leased_with(vec![("block", Value::Bool(false))])
    }

    /// Takes an item under a lease, waiting at most `timeout` (`Duration::MAX`: for ever).
    ///
    /// # Errors
    ///
    /// [`RemoteGetTimeoutError::Timeout`], [`RemoteGetTimeoutError::ShutDown`],
    /// [`RemoteGetTimeoutError::Failed`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # use std::time::Duration;
    /// # let server = ServerBuilder::new("k").queue("q").bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// # let q = Manager::connect(server.address(), "k").unwrap().queue::<i64>("q").unwrap();
    /// assert!(q.get_leased_timeout(Duration::from_millis(10)).unwrap_err().is_timeout());
    /// ```
    pub fn get_leased_timeout(&self, timeout: Duration) -> Result<Lease<T>, RemoteGetTimeoutError> {
        self.get_leased_with(vec![("timeout", timeout_arg(timeout))])
    }
}
