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

/// The cause is part of the message (`Display`), so `source()` is `None`: an error shows its
/// cause once. The variants hold the typed causes.
impl Error for ManagerError {}

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

/// The failure of a queue operation that is neither of its expected outcomes: the transport,
/// the server, or the value.
fn failed(f: &mut fmt::Formatter<'_>, e: &ManagerError) -> fmt::Result {
    write!(f, "{e}")
}

/// [`RemoteQueue::get`](super::RemoteQueue::get) failed: a blocking get cannot time out or find
/// the queue empty, so these are the only ways.
///
/// # Examples
///
/// ```
/// use pythreading_mp::managers::RemoteGetError;
/// assert_eq!(RemoteGetError::ShutDown.to_string(), "remote queue is shut down");
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum RemoteGetError {
    /// The queue was shut down (`queue.ShutDown`).
    ShutDown,
    /// The call itself failed.
    Failed(ManagerError),
}

/// [`RemoteQueue::try_get`](super::RemoteQueue::try_get) failed.
///
/// # Examples
///
/// ```
/// use pythreading_mp::managers::RemoteTryGetError;
/// assert!(RemoteTryGetError::Empty.is_empty());
/// assert_eq!(RemoteTryGetError::Empty.to_string(), "remote queue is empty");
/// ```
#[doc(alias = "Empty")]
#[derive(Debug)]
#[non_exhaustive]
pub enum RemoteTryGetError {
    /// Nothing to take now (`queue.Empty`).
    Empty,
    /// The queue was shut down (`queue.ShutDown`).
    ShutDown,
    /// The call itself failed.
    Failed(ManagerError),
}

/// [`RemoteQueue::get_timeout`](super::RemoteQueue::get_timeout) failed.
///
/// # Examples
///
/// ```
/// use pythreading_mp::managers::RemoteGetTimeoutError;
/// assert!(RemoteGetTimeoutError::Timeout.is_timeout());
/// assert_eq!(RemoteGetTimeoutError::Timeout.to_string(), "nothing arrived in the remote queue in time");
/// ```
#[doc(alias = "Empty")]
#[derive(Debug)]
#[non_exhaustive]
pub enum RemoteGetTimeoutError {
    /// Nothing arrived in time (`queue.Empty` after `get(timeout=t)`).
    Timeout,
    /// The queue was shut down (`queue.ShutDown`).
    ShutDown,
    /// The call itself failed.
    Failed(ManagerError),
}

impl RemoteTryGetError {
    /// Whether this is `queue.Empty`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!pythreading_mp::managers::RemoteTryGetError::ShutDown.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        matches!(self, RemoteTryGetError::Empty)
    }
}

impl RemoteGetTimeoutError {
    /// Whether nothing arrived in time.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!pythreading_mp::managers::RemoteGetTimeoutError::ShutDown.is_timeout());
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self, RemoteGetTimeoutError::Timeout)
    }
}

impl fmt::Display for RemoteGetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RemoteGetError::ShutDown => f.write_str("remote queue is shut down"),
            RemoteGetError::Failed(e) => failed(f, e),
        }
    }
}

impl fmt::Display for RemoteTryGetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RemoteTryGetError::Empty => f.write_str("remote queue is empty"),
            RemoteTryGetError::ShutDown => f.write_str("remote queue is shut down"),
            RemoteTryGetError::Failed(e) => failed(f, e),
        }
    }
}

impl fmt::Display for RemoteGetTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RemoteGetTimeoutError::Timeout => {
                f.write_str("nothing arrived in the remote queue in time")
            }
            RemoteGetTimeoutError::ShutDown => f.write_str("remote queue is shut down"),
            RemoteGetTimeoutError::Failed(e) => failed(f, e),
        }
    }
}

impl Error for RemoteGetError {}
impl Error for RemoteTryGetError {}
impl Error for RemoteGetTimeoutError {}

/// What a remote `get`'s exception means, if it is one of the queue's own.
enum QueueOutcome {
    Empty,
    Full,
    ShutDown,
    Other,
}

fn queue_outcome(e: &ManagerError) -> QueueOutcome {
    match e.as_exception() {
        Some(x) if x.is_queue_empty() => QueueOutcome::Empty,
        Some(x) if x.is_queue_full() => QueueOutcome::Full,
        Some(x) if x.is_queue_shut_down() => QueueOutcome::ShutDown,
        _ => QueueOutcome::Other,
    }
}

impl From<ManagerError> for RemoteGetError {
    /// A blocking get that raised `queue.Empty` broke the protocol: it stays a failure.
    fn from(e: ManagerError) -> Self {
        match queue_outcome(&e) {
            QueueOutcome::ShutDown => RemoteGetError::ShutDown,
            _ => RemoteGetError::Failed(e),
        }
    }
}

impl From<ManagerError> for RemoteTryGetError {
    fn from(e: ManagerError) -> Self {
        match queue_outcome(&e) {
            QueueOutcome::Empty => RemoteTryGetError::Empty,
            QueueOutcome::ShutDown => RemoteTryGetError::ShutDown,
            _ => RemoteTryGetError::Failed(e),
        }
    }
}

impl From<ManagerError> for RemoteGetTimeoutError {
    fn from(e: ManagerError) -> Self {
        match queue_outcome(&e) {
            QueueOutcome::Empty => RemoteGetTimeoutError::Timeout,
            QueueOutcome::ShutDown => RemoteGetTimeoutError::ShutDown,
            _ => RemoteGetTimeoutError::Failed(e),
        }
    }
}

/// [`RemoteQueue::put`](super::RemoteQueue::put) failed; the item comes back.
///
/// # Examples
///
/// ```
/// use pythreading_mp::managers::RemotePutError;
/// let e = RemotePutError::ShutDown(5);
/// assert_eq!(e.to_string(), "remote queue is shut down");
/// assert_eq!(e.into_inner(), 5);
/// ```
#[non_exhaustive]
pub enum RemotePutError<T> {
    /// The queue was shut down.
    ShutDown(T),
    /// The call itself failed.
    Failed(ManagerError, T),
}

/// [`RemoteQueue::try_put`](super::RemoteQueue::try_put) failed; the item comes back.
///
/// # Examples
///
/// ```
/// use pythreading_mp::managers::RemoteTryPutError;
/// let e = RemoteTryPutError::Full(5);
/// assert!(e.is_full());
/// assert_eq!(e.into_inner(), 5);
/// ```
#[doc(alias = "Full")]
#[non_exhaustive]
pub enum RemoteTryPutError<T> {
    /// No room now (`queue.Full`).
    Full(T),
    /// The queue was shut down.
    ShutDown(T),
    /// The call itself failed.
    Failed(ManagerError, T),
}

/// [`RemoteQueue::put_timeout`](super::RemoteQueue::put_timeout) failed; the item comes back.
///
/// # Examples
///
/// ```
/// use pythreading_mp::managers::RemotePutTimeoutError;
/// let e = RemotePutTimeoutError::Timeout("x");
/// assert!(e.is_timeout());
/// assert_eq!(e.into_inner(), "x");
/// ```
#[doc(alias = "Full")]
#[non_exhaustive]
pub enum RemotePutTimeoutError<T> {
    /// No room in time (`queue.Full` after `put(item, timeout=t)`).
    Timeout(T),
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
            RemotePutError::ShutDown(t) | RemotePutError::Failed(_, t) => t,
        }
    }

    pub(crate) fn from_manager(e: ManagerError, item: T) -> Self {
        match queue_outcome(&e) {
            QueueOutcome::ShutDown => RemotePutError::ShutDown(item),
            _ => RemotePutError::Failed(e, item),
        }
    }
}

impl<T> RemoteTryPutError<T> {
    /// The item that was not put.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(pythreading_mp::managers::RemoteTryPutError::Full(1).into_inner(), 1);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            RemoteTryPutError::Full(t)
            | RemoteTryPutError::ShutDown(t)
            | RemoteTryPutError::Failed(_, t) => t,
        }
    }

    /// Whether this is `queue.Full`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(pythreading_mp::managers::RemoteTryPutError::Full(()).is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        matches!(self, RemoteTryPutError::Full(_))
    }

    pub(crate) fn from_manager(e: ManagerError, item: T) -> Self {
        match queue_outcome(&e) {
            QueueOutcome::Full => RemoteTryPutError::Full(item),
            QueueOutcome::ShutDown => RemoteTryPutError::ShutDown(item),
            _ => RemoteTryPutError::Failed(e, item),
        }
    }
}

impl<T> RemotePutTimeoutError<T> {
    /// The item that was not put.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(pythreading_mp::managers::RemotePutTimeoutError::Timeout(1).into_inner(), 1);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            RemotePutTimeoutError::Timeout(t)
            | RemotePutTimeoutError::ShutDown(t)
            | RemotePutTimeoutError::Failed(_, t) => t,
        }
    }

    /// Whether there was no room in time.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(pythreading_mp::managers::RemotePutTimeoutError::Timeout(()).is_timeout());
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self, RemotePutTimeoutError::Timeout(_))
    }

    pub(crate) fn from_manager(e: ManagerError, item: T) -> Self {
        match queue_outcome(&e) {
            QueueOutcome::Full => RemotePutTimeoutError::Timeout(item),
            QueueOutcome::ShutDown => RemotePutTimeoutError::ShutDown(item),
            _ => RemotePutTimeoutError::Failed(e, item),
        }
    }
}

impl<T> fmt::Debug for RemotePutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RemotePutError::ShutDown(_) => f.write_str("ShutDown(..)"),
            RemotePutError::Failed(e, _) => f.debug_tuple("Failed").field(e).finish(),
        }
    }
}

impl<T> fmt::Debug for RemoteTryPutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RemoteTryPutError::Full(_) => f.write_str("Full(..)"),
            RemoteTryPutError::ShutDown(_) => f.write_str("ShutDown(..)"),
            RemoteTryPutError::Failed(e, _) => f.debug_tuple("Failed").field(e).finish(),
        }
    }
}

impl<T> fmt::Debug for RemotePutTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RemotePutTimeoutError::Timeout(_) => f.write_str("Timeout(..)"),
            RemotePutTimeoutError::ShutDown(_) => f.write_str("ShutDown(..)"),
            RemotePutTimeoutError::Failed(e, _) => f.debug_tuple("Failed").field(e).finish(),
        }
    }
}

impl<T> fmt::Display for RemotePutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RemotePutError::ShutDown(_) => f.write_str("remote queue is shut down"),
            RemotePutError::Failed(e, _) => failed(f, e),
        }
    }
}

impl<T> fmt::Display for RemoteTryPutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RemoteTryPutError::Full(_) => f.write_str("remote queue is full"),
            RemoteTryPutError::ShutDown(_) => f.write_str("remote queue is shut down"),
            RemoteTryPutError::Failed(e, _) => failed(f, e),
        }
    }
}

impl<T> fmt::Display for RemotePutTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RemotePutTimeoutError::Timeout(_) => f.write_str("no room in the remote queue in time"),
            RemotePutTimeoutError::ShutDown(_) => f.write_str("remote queue is shut down"),
            RemotePutTimeoutError::Failed(e, _) => failed(f, e),
        }
    }
}

impl<T> Error for RemotePutError<T> {}
impl<T> Error for RemoteTryPutError<T> {}
impl<T> Error for RemotePutTimeoutError<T> {}
