//! The client: [`Manager`] (`BaseManager(address, authkey).connect()`), its factories and the
//! typed proxies.
//!
//! | file | what |
//! |---|---|
//! | `mod.rs` | [`Manager`]: connections, server-level calls, method calls |
//! | `proxy.rs` | the reference every proxy holds (decref'd on drop) |
//! | `queue.rs`, `dict.rs`, `list.rs`, `sync.rs` | the typed proxies and their factories |
//! | `codec.rs` | [`RemoteValue`]: Rust values ↔ pickle values |
//! | `error.rs` | [`ManagerError`] and the per-operation errors |
//!
//! Server-level calls (`dummy`, `create`, `decref`, `shutdown`, ...) each use a fresh connection,
//! as CPython's do. Object-method calls share one persistent connection per thread and server
//! (opened on first use with `accept_connection`), again as CPython does.

use std::cell::RefCell;
use std::fmt;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

mod array;
mod barrier;
mod cell;
mod codec;
mod condition;
mod dict;
mod error;
mod lease;
mod list;
mod namespace;
mod object;
mod proxy;
mod queue;
mod semaphore;
mod sync;

pub use array::RemoteArray;
pub use barrier::{RemoteBarrier, RemoteBarrierError};
pub use cell::RemoteCell;
pub use codec::RemoteValue;
pub use condition::RemoteCondition;
pub use dict::RemoteDict;
pub use error::{
    ManagerError, RemoteGetError, RemoteGetTimeoutError, RemotePutError, RemotePutTimeoutError,
    RemoteTryGetError, RemoteTryPutError,
};
pub use lease::{Lease, LeaseError};
pub use list::RemoteList;
pub use namespace::RemoteNamespace;
pub use object::RemoteObject;
pub use queue::RemoteQueue;
pub use semaphore::{RemoteBoundedSemaphore, RemoteSemaphore};
pub use sync::{RemoteEvent, RemoteLock, RemoteRLock};

use crate::managers::protocol::{Reply, Request};
use crate::pickle::{Limits, Value};
use crate::wire::Connection;

/// How long connecting to a manager may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) struct Endpoint {
    pub(crate) address: SocketAddr,
    pub(crate) authkey: Vec<u8>,
    /// Proxies alive for this endpoint, in every thread.
    live_proxies: AtomicUsize,
}

impl Endpoint {
    fn is(&self, address: SocketAddr, authkey: &[u8]) -> bool {
        self.address == address && self.authkey == authkey
    }
}

/// A connection to a manager server (CPython's `BaseManager(address, authkey).connect()`).
///
/// Cloning is cheap; clones share the address and key.
///
/// # Examples
///
/// ```
/// use pythreading_mp::managers::{Manager, ServerBuilder};
/// let server = ServerBuilder::new("hello world").queue("get_task_queue")
///     .bind("127.0.0.1:0").unwrap().spawn().unwrap();
/// let manager = Manager::connect(server.address(), "hello world").unwrap();
/// let tasks = manager.queue::<i64>("get_task_queue").unwrap();
/// tasks.put(7).unwrap();
/// assert_eq!(tasks.get().unwrap(), 7);
/// ```
#[derive(Clone)]
#[doc(alias = "BaseManager")]
pub struct Manager {
    pub(crate) endpoint: Arc<Endpoint>,
}

impl fmt::Debug for Manager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Manager")
            .field("address", &self.endpoint.address)
            .finish_non_exhaustive()
    }
}

/// A successful reply: a value, or a new server-side object (`#PROXY`).
pub(crate) enum Answer {
    Value(Value),
    Proxy { ident: String },
}

fn open(endpoint: &Endpoint) -> Result<Connection<TcpStream>, ManagerError> {
    let stream = TcpStream::connect_timeout(&endpoint.address, CONNECT_TIMEOUT)?;
    stream.set_nodelay(true)?;
    let mut conn = Connection::new(stream);
    conn.client_handshake(&endpoint.authkey)?;
    Ok(conn)
}

/// Sends one request and reads one reply on `conn`.
fn request(
    conn: &mut Connection<TcpStream>,
    ident: Option<&str>,
    method: &str,
    args: Vec<Value>,
    kwargs: Vec<(Value, Value)>,
) -> Result<Answer, ManagerError> {
    conn.send_bytes(&Request::encode_parts(ident, method, &args, &kwargs))?;
    let reply = conn.recv_bytes_with(|bytes| Reply::decode(bytes, &Limits::default()))?;
    match reply? {
        Reply::Return(v) => Ok(Answer::Value(v)),
        Reply::Proxy { token, .. } => Ok(Answer::Proxy { ident: token.id }),
        Reply::Error(e) => Err(ManagerError::Exception(e)),
        Reply::Traceback(tb) => Err(ManagerError::Remote(tb)),
        Reply::Unserializable(tb) => Err(ManagerError::Unserializable(tb)),
    }
}

/// One persistent connection: the server's address, the key it was opened with, the stream.
type Persistent = (SocketAddr, Vec<u8>, Connection<TcpStream>);

thread_local! {
    /// This thread's persistent connection to each server (CPython keeps one per thread too).
    /// A thread talks to few servers: a short list beats hashing the key on every call.
    static CONNECTIONS: RefCell<Vec<Persistent>> = const { RefCell::new(Vec::new()) };
}

impl Manager {
    /// Connects to a running server and checks the key (sends `dummy`, as `connect()` does).
    ///
    /// # Errors
    ///
    /// [`ManagerError::Io`] if nothing listens there; [`ManagerError::Handshake`] if the key is
    /// refused (`as_authentication()` is then `Some`: "digest sent was rejected").
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::managers::{Manager, ServerBuilder};
    /// let server = ServerBuilder::new("right").bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// let err = Manager::connect(server.address(), "wrong").unwrap_err();
    /// assert!(err.as_authentication().is_some());
    /// ```
    pub fn connect(
        address: impl ToSocketAddrs,
        authkey: impl Into<Vec<u8>>,
    ) -> Result<Manager, ManagerError> {
        let address = address
            .to_socket_addrs()?
            .next()
            .ok_or_else(|| std::io::Error::other("no address to connect to"))?;
        let manager = Manager {
            endpoint: Arc::new(Endpoint {
                address,
                authkey: authkey.into(),
                live_proxies: AtomicUsize::new(0),
            }),
        };
        manager.dispatch("dummy", Vec::new(), Vec::new())?;
        Ok(manager)
    }

    /// The server's address.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # let server = ServerBuilder::new("k").bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// let m = Manager::connect(server.address(), "k").unwrap();
    /// assert_eq!(m.address(), server.address());
    /// ```
    pub fn address(&self) -> SocketAddr {
        self.endpoint.address
    }

    /// A server-level call on a fresh connection; only `#RETURN` is a success.
    pub(crate) fn dispatch(
        &self,
        method: &str,
        args: Vec<Value>,
        kwargs: Vec<(Value, Value)>,
    ) -> Result<Value, ManagerError> {
        let mut conn = open(&self.endpoint)?;
        match request(&mut conn, None, method, args, kwargs)? {
            Answer::Value(v) => Ok(v),
            Answer::Proxy { .. } => Err(ManagerError::Protocol(
                "#PROXY reply to a server-level call".into(),
            )),
        }
    }

    /// `create(typeid, *args)`: the new object's ident (its refcount is 1, ours).
    pub(crate) fn create(&self, typeid: &str, args: Vec<Value>) -> Result<String, ManagerError> {
        let mut all = vec![Value::from(typeid)];
        all.extend(args);
        let reply = self.dispatch("create", all, Vec::new())?;
        match reply.as_tuple() {
            Some([Value::Str(ident), _exposed]) => Ok(ident.clone()),
            _ => Err(ManagerError::Protocol(
                "create() did not return (ident, exposed)".into(),
            )),
        }
    }

    /// Drops one reference to a server object (best effort, as CPython's finalizers are).
    pub(crate) fn decref(&self, ident: &str) {
        let _ = self.dispatch("decref", vec![Value::from(ident)], Vec::new());
    }

    pub(crate) fn proxy_created(&self) {
        self.endpoint.live_proxies.fetch_add(1, Ordering::AcqRel);
    }

    /// After the last proxy for this server is gone, close this thread's persistent connection
    /// (CPython does the same when its id set for the address empties).
    pub(crate) fn proxy_dropped(&self) {
        if self.endpoint.live_proxies.fetch_sub(1, Ordering::AcqRel) == 1 {
            let _ = CONNECTIONS.try_with(|cell| {
                if let Ok(mut conns) = cell.try_borrow_mut() {
                    conns.retain(|(a, k, _)| !self.endpoint.is(*a, k));
                }
            });
        }
    }

    /// A method call on this thread's persistent connection (opened on first use; a broken one
    /// is dropped, and the next call opens a new one).
    pub(crate) fn call_method(
        &self,
        ident: &str,
        method: &str,
        args: Vec<Value>,
        kwargs: Vec<(Value, Value)>,
    ) -> Result<Answer, ManagerError> {
        let unavailable =
            || ManagerError::Protocol("this thread's connection table is unavailable".into());
        CONNECTIONS
            .try_with(|cell| {
                // Not re-entrant: a call made while this thread is already in a call (from a
                // destructor, say) gets an error instead of a panic.
                let Ok(mut conns) = cell.try_borrow_mut() else {
                    return Err(unavailable());
                };
                let found = conns.iter().position(|(a, k, _)| self.endpoint.is(*a, k));
                let index = match found {
                    Some(i) => i,
                    None => {
                        let mut conn = open(&self.endpoint)?;
                        let name = std::thread::current().name().map_or_else(
                            || "MainProcess".to_owned(),
                            |n| format!("MainProcess|{n}"),
                        );
                        request(
                            &mut conn,
                            None,
                            "accept_connection",
                            vec![Value::from(name)],
                            Vec::new(),
                        )?;
                        conns.push((self.endpoint.address, self.endpoint.authkey.clone(), conn));
                        conns.len() - 1
                    }
                };
                let result = request(&mut conns[index].2, Some(ident), method, args, kwargs);
                if matches!(
                    result,
                    Err(ManagerError::Io(_) | ManagerError::Frame(_) | ManagerError::Pickle(_))
                ) {
                    // The stream is no longer in a known state: drop it; the next call reconnects.
                    conns.swap_remove(index);
                }
                result
            })
            .unwrap_or_else(|_| Err(unavailable()))
    }

    /// A method call that must return a value.
    pub(crate) fn call_value(
        &self,
        ident: &str,
        method: &str,
        args: Vec<Value>,
        kwargs: Vec<(Value, Value)>,
    ) -> Result<Value, ManagerError> {
        match self.call_method(ident, method, args, kwargs)? {
            Answer::Value(v) => Ok(v),
            Answer::Proxy { ident, .. } => {
                self.decref(&ident);
                Err(ManagerError::Protocol(format!(
                    "unexpected #PROXY from {method}"
                )))
            }
        }
    }

    /// How many objects the server holds (`_number_of_objects()`).
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
    /// let m = Manager::connect(server.address(), "k").unwrap();
    /// let q = m.queue::<i32>("q").unwrap();
    /// assert_eq!(m.number_of_objects().unwrap(), 1);
    /// drop(q);
    /// assert_eq!(m.number_of_objects().unwrap(), 0);
    /// ```
    pub fn number_of_objects(&self) -> Result<usize, ManagerError> {
        match self.dispatch("number_of_objects", Vec::new(), Vec::new())? {
            Value::Int(n) if n >= 0 => Ok(n as usize),
            _ => Err(ManagerError::Protocol(
                "number_of_objects() is not an int".into(),
            )),
        }
    }

    /// The server's refcount dump (`_debug_info()`).
    ///
    /// # Errors
    ///
    /// Any [`ManagerError`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # let server = ServerBuilder::new("k").bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// let m = Manager::connect(server.address(), "k").unwrap();
    /// assert_eq!(m.debug_info().unwrap(), "");
    /// ```
    pub fn debug_info(&self) -> Result<String, ManagerError> {
        match self.dispatch("debug_info", Vec::new(), Vec::new())? {
            Value::Str(s) => Ok(s),
            _ => Err(ManagerError::Protocol("debug_info() is not a str".into())),
        }
    }

    /// Asks the server to stop (`manager.shutdown()`).
    ///
    /// # Errors
    ///
    /// Any [`ManagerError`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// let server = ServerBuilder::new("k").bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// Manager::connect(server.address(), "k").unwrap().shutdown().unwrap();
    /// server.join().unwrap();
    /// ```
    pub fn shutdown(&self) -> Result<(), ManagerError> {
        self.dispatch("shutdown", Vec::new(), Vec::new())
            .map(|_| ())
    }
}
