//! Errors of the manager client.

use std::error::Error;
use std::fmt;
use std::io;

use super::pyvalue::repr;
use crate::pickle::{PickleError, Value};
use crate::wire::{AuthenticationError, FrameError, HandshakeError};

/// An exception a remote method raised (`('#ERROR', exc)`), by value: its class and arguments.
///
/// # Examples
///
/// ```
/// use pythreading_mp::managers::RemoteException;
/// use pythreading_mp::pickle::Value;
/// let e = RemoteException::new("builtins", "KeyError", vec![Value::from("k")]);
/// assert!(e.is("KeyError"));
/// assert_eq!(e.to_string(), "KeyError('k')");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteException {
    module: String,
    name: String,
    args: Vec<Value>,
}

impl RemoteException {
    /// An exception of class `module.name` with these arguments.
    ///
    /// # Examples
    ///
    /// ```
    /// let e = pythreading_mp::managers::RemoteException::new("queue", "Full", vec![]);
    /// assert!(e.is_full());
    /// ```
    pub fn new(module: impl Into<String>, name: impl Into<String>, args: Vec<Value>) -> Self {
        RemoteException {
            module: module.into(),
            name: name.into(),
            args,
        }
    }

    /// The class's module (`builtins`, `_queue`, ...).
    ///
    /// # Examples
    ///
    /// ```
    /// let e = pythreading_mp::managers::RemoteException::new("_queue", "Empty", vec![]);
    /// assert_eq!(e.module(), "_queue");
    /// ```
    pub fn module(&self) -> &str {
        &self.module
    }

    /// The class's name (`KeyError`, `Empty`, ...).
    ///
    /// # Examples
    ///
    /// ```
    /// let e = pythreading_mp::managers::RemoteException::new("_queue", "Empty", vec![]);
    /// assert_eq!(e.name(), "Empty");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The exception's `args`.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::Value;
    /// let e = pythreading_mp::managers::RemoteException::new("builtins", "ValueError", vec![Value::from(1)]);
    /// assert_eq!(e.args(), &[Value::from(1)]);
    /// ```
    pub fn args(&self) -> &[Value] {
        &self.args
    }

    /// Whether the class is named `name` (any module).
    ///
    /// # Examples
    ///
    /// ```
    /// let e = pythreading_mp::managers::RemoteException::new("builtins", "IndexError", vec![]);
    /// assert!(e.is("IndexError"));
    /// ```
    pub fn is(&self, name: &str) -> bool {
        self.name == name
    }

    /// `queue.Empty` (sent by CPython as `_queue.Empty`).
    ///
    /// # Examples
    ///
    /// ```
    /// let e = pythreading_mp::managers::RemoteException::new("queue", "Empty", vec![]);
    /// assert!(e.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.name == "Empty" && (self.module == "_queue" || self.module == "queue")
    }

    /// `queue.Full`.
    ///
    /// # Examples
    ///
    /// ```
    /// let e = pythreading_mp::managers::RemoteException::new("queue", "Full", vec![]);
    /// assert!(e.is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        self.name == "Full" && self.module == "queue"
    }

    /// `queue.ShutDown` (3.13+).
    ///
    /// # Examples
    ///
    /// ```
    /// let e = pythreading_mp::managers::RemoteException::new("queue", "ShutDown", vec![]);
    /// assert!(e.is_shut_down());
    /// ```
    pub fn is_shut_down(&self) -> bool {
        self.name == "ShutDown" && self.module == "queue"
    }
}

impl fmt::Display for RemoteException {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let args = repr(&Value::Tuple(self.args.clone()));
        if self.args.len() == 1 {
            // "(x,)" → "(x)" as Python's exception repr shows it.
            write!(f, "{}({})", self.name, &args[1..args.len() - 2])
        } else {
            write!(f, "{}{}", self.name, args)
        }
    }
}

impl Error for RemoteException {}

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
    Exception(RemoteException),
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
    /// use pythreading_mp::managers::{ManagerError, RemoteException};
    /// let e = ManagerError::Exception(RemoteException::new("builtins", "KeyError", vec![]));
    /// assert!(e.as_exception().unwrap().is("KeyError"));
    /// ```
    pub fn as_exception(&self) -> Option<&RemoteException> {
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
            Some(x) if x.is_empty() => RemoteGetError::Empty,
            Some(x) if x.is_shut_down() => RemoteGetError::ShutDown,
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
            Some(x) if x.is_full() => RemotePutError::Full(item),
            Some(x) if x.is_shut_down() => RemotePutError::ShutDown(item),
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
