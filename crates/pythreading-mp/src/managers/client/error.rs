//! Errors of the manager client.

use std::error::Error;
use std::fmt;
use std::io;

use crate::managers::protocol::ReplyError;
use crate::pickle::{PickleError, PyException};
use crate::wire::{AuthenticationError, FrameError, HandshakeError};

/// Anything a manager client call can fail with.
///
/// # Examples
///
/// ```
/// use pythreading_mp::managers::{Manager, ManagerError, ServerBuilder};
///
/// let server = ServerBuilder::new("k").bind("127.0.0.1:0").unwrap().spawn().unwrap();
/// let m = Manager::connect(server.address(), "k").unwrap();
/// // An unknown typeid: the server's KeyError comes back as a traceback.
/// match m.queue::<i64>("nope") {
///     Err(ManagerError::Remote(tb)) => assert!(tb.contains("KeyError")),
///     other => panic!("{other:?}"),
/// }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum ManagerError {
    /// Connecting or talking to the server failed.
    Io(io::Error),
    /// The handshake failed; see [`ManagerError::as_authentication`] for a refused key.
    Handshake(HandshakeError),
    /// A frame could not be read (the server went away mid-call, an oversized reply, ...).
    Frame(FrameError),
    /// A reply was not a valid pickle.
    Pickle(PickleError),
    /// The remote method raised (`#ERROR`).
    Exception(PyException),
    /// The server failed outside the method (`#TRACEBACK`; CPython's `RemoteError`).
    Remote(String),
    /// The server could not pickle its reply (`#UNSERIALIZABLE`).
    Unserializable(String),
    /// A reply the protocol does not allow here.
    Protocol(String),
    /// A value could not be converted to or from a pickle `Value`.
    Convert(String),
}

impl ManagerError {
    /// The authentication error, if the server refused our key (or we refused its).
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::managers::ManagerError;
    /// let e = ManagerError::Remote("boom".into());
    /// assert!(e.as_authentication().is_none());
    /// ```
    pub fn as_authentication(&self) -> Option<&AuthenticationError> {
        match self {
            ManagerError::Handshake(h) => h.as_auth(),
            _ => None,
        }
    }

    /// The remote exception, if the method raised.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::managers::ManagerError;
    /// use pythreading_mp::pickle::PyException;
    /// let e = ManagerError::Exception(PyException::builtin("KeyError", vec![]));
    /// assert!(e.as_exception().unwrap().is_builtin("KeyError"));
    /// ```
    pub fn as_exception(&self) -> Option<&PyException> {
        match self {
            ManagerError::Exception(e) => Some(e),
            _ => None,
        }
    }
}

impl fmt::Display for ManagerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ManagerError::Io(e) => write!(f, "manager connection failed: {e}"),
            ManagerError::Handshake(e) => write!(f, "{e}"),
            ManagerError::Frame(e) => write!(f, "manager connection failed: {e}"),
            ManagerError::Pickle(e) => write!(f, "bad reply: {e}"),
            ManagerError::Exception(e) => write!(f, "remote method raised {e}"),
            ManagerError::Remote(tb) => write!(f, "remote error:\n{tb}"),
            ManagerError::Unserializable(tb) => write!(f, "unserializable message: {tb}"),
            ManagerError::Protocol(m) => write!(f, "protocol error: {m}"),
            ManagerError::Convert(m) => write!(f, "conversion failed: {m}"),
        }
    }
}

impl Error for ManagerError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            ManagerError::Io(e) => Some(e),
            ManagerError::Handshake(e) => Some(e),
            ManagerError::Frame(e) => Some(e),
            ManagerError::Pickle(e) => Some(e),
            ManagerError::Exception(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for ManagerError {
    fn from(e: io::Error) -> Self {
        ManagerError::Io(e)
    }
}

impl From<HandshakeError> for ManagerError {
    fn from(e: HandshakeError) -> Self {
        ManagerError::Handshake(e)
    }
}

impl From<FrameError> for ManagerError {
    fn from(e: FrameError) -> Self {
        ManagerError::Frame(e)
    }
}

impl From<ReplyError> for ManagerError {
    fn from(e: ReplyError) -> Self {
        match e {
            ReplyError::Pickle(e) => ManagerError::Pickle(e),
            ReplyError::Shape(m) => ManagerError::Protocol(m),
        }
    }
}

impl From<PickleError> for ManagerError {
    fn from(e: PickleError) -> Self {
        ManagerError::Pickle(e)
    }
}

/// `get` on a remote queue failed.
///
/// # Examples
///
/// ```
/// use pythreading_mp::managers::RemoteGetError;
/// assert!(RemoteGetError::Empty.is_empty());
/// assert_eq!(RemoteGetError::Empty.to_string(), "remote queue is empty");
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum RemoteGetError {
    /// Nothing arrived in time (`queue.Empty`).
    Empty,
    /// The queue was shut down (`queue.ShutDown`).
    ShutDown,
    /// The call itself failed.
    Failed(ManagerError),
}

impl RemoteGetError {
    /// Whether this is `queue.Empty`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!pythreading_mp::managers::RemoteGetError::ShutDown.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        matches!(self, RemoteGetError::Empty)
    }
}

impl fmt::Display for RemoteGetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RemoteGetError::Empty => f.write_str("remote queue is empty"),
            RemoteGetError::ShutDown => f.write_str("remote queue is shut down"),
            RemoteGetError::Failed(e) => write!(f, "{e}"),
        }
    }
}

impl Error for RemoteGetError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            RemoteGetError::Failed(e) => Some(e),
            _ => None,
        }
    }
}

impl From<ManagerError> for RemoteGetError {
    fn from(e: ManagerError) -> Self {
        match e.as_exception() {
            Some(x) if x.is_queue_empty() => RemoteGetError::Empty,
            Some(x) if x.is_queue_shut_down() => RemoteGetError::ShutDown,
            _ => RemoteGetError::Failed(e),
        }
    }
}

/// `put` on a remote queue failed; the item comes back.
///
/// # Examples
///
/// ```
/// use pythreading_mp::managers::RemotePutError;
/// let e = RemotePutError::Full(5);
/// assert!(e.is_full());
/// assert_eq!(e.into_inner(), 5);
/// ```
#[non_exhaustive]
pub enum RemotePutError<T> {
    /// No room in time (`queue.Full`).
    Full(T),
    /// The queue was shut down.
    ShutDown(T),
    /// The call itself failed.
    Failed(ManagerError, T),
}

impl<T> RemotePutError<T> {
    /// The item that was not put.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(pythreading_mp::managers::RemotePutError::ShutDown("x").into_inner(), "x");
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            RemotePutError::Full(t)
            | RemotePutError::ShutDown(t)
            | RemotePutError::Failed(_, t) => t,
        }
    }

    /// Whether this is `queue.Full`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(pythreading_mp::managers::RemotePutError::Full(()).is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        matches!(self, RemotePutError::Full(_))
    }

    pub(crate) fn from_manager(e: ManagerError, item: T) -> Self {
        match e.as_exception() {
            Some(x) if x.is_queue_full() => RemotePutError::Full(item),
            Some(x) if x.is_queue_shut_down() => RemotePutError::ShutDown(item),
            _ => RemotePutError::Failed(e, item),
        }
    }
}

impl<T> fmt::Debug for RemotePutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RemotePutError::Full(_) => f.write_str("Full(..)"),
            RemotePutError::ShutDown(_) => f.write_str("ShutDown(..)"),
            RemotePutError::Failed(e, _) => f.debug_tuple("Failed").field(e).finish(),
        }
    }
}

impl<T> fmt::Display for RemotePutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RemotePutError::Full(_) => f.write_str("remote queue is full"),
            RemotePutError::ShutDown(_) => f.write_str("remote queue is shut down"),
            RemotePutError::Failed(e, _) => write!(f, "{e}"),
        }
    }
}

impl<T> Error for RemotePutError<T> {}
