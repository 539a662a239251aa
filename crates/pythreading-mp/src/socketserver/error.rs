//! What can go wrong in a forking server, as types.

use std::fmt;
use std::io;
use std::net::SocketAddr;

use crate::process::ProcessError;

/// A failure reported to a [`ForkingTcpServer`](super::ForkingTcpServer)'s
/// [`handle_error`](super::ForkingTcpServerBuilder::handle_error) hook (Python's
/// `handle_error(request, client_address)`); the server carries on.
///
/// # Examples
///
/// ```
/// use pythreading_mp::socketserver::ForkingError;
///
/// fn log(error: &ForkingError) {
///     match error {
///         ForkingError::WorkerDied { pid, exitcode, .. } => {
///             eprintln!("worker {pid} died ({exitcode}); a new one takes its place")
///         }
///         other => eprintln!("{other}"),
///     }
/// }
/// # let _ = log;
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum ForkingError {
    /// The handler returned an I/O error for this client (a read or write timeout among them).
    /// The error crossed a process boundary: its kind is kept when it is one of the common
    /// socket kinds (`Other` otherwise) and its text always.
    Io {
        /// The client.
        peer: SocketAddr,
        /// What the handler returned.
        error: io::Error,
    },
    /// The handler panicked in its worker; the worker caught it and serves on.
    Panicked {
        /// The client.
        peer: SocketAddr,
        /// The panic's message, when it was a string.
        message: String,
    },
    /// A worker process died (killed, crashed, exited). The connection it was serving, if
    /// any, is closed; the next connection starts a new worker.
    WorkerDied {
        /// The client it was serving, if it was serving one.
        peer: Option<SocketAddr>,
        /// The worker's pid.
        pid: u32,
        /// Its exit code, Python style (`-9` after SIGKILL).
        exitcode: i32,
    },
    /// No worker process could be started for this client; its connection was closed
    /// unanswered.
    Start {
        /// The client whose connection was closed.
        peer: SocketAddr,
        /// Why the worker did not start.
        error: ProcessError,
    },
    /// The accepted socket could not be passed to any worker; its connection was closed.
    HandOff {
        /// The client whose connection was closed.
        peer: SocketAddr,
        /// Why the last attempt failed.
        error: io::Error,
    },
    /// `accept` failed (for example the process ran out of file descriptors); the server
    /// waits a moment and accepts again.
    Accept(io::Error),
}

impl ForkingError {
    /// The client concerned, when there is one.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::socketserver::ForkingError;
    /// let e = ForkingError::Accept(std::io::Error::other("no fds"));
    /// assert_eq!(e.peer_addr(), None);
    /// ```
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        match self {
            ForkingError::Io { peer, .. }
            | ForkingError::Panicked { peer, .. }
            | ForkingError::Start { peer, .. }
            | ForkingError::HandOff { peer, .. } => Some(*peer),
            ForkingError::WorkerDied { peer, .. } => *peer,
            ForkingError::Accept(_) => None,
        }
    }

    /// Whether this is a read or write timeout of a connection.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::socketserver::ForkingError;
    /// let e = ForkingError::Io {
    ///     peer: "127.0.0.1:9000".parse().unwrap(),
    ///     error: std::io::ErrorKind::WouldBlock.into(),
    /// };
    /// assert!(e.is_timeout());
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(
            self,
            ForkingError::Io { error, .. }
                if matches!(error.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut)
        )
    }
}

impl fmt::Display for ForkingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ForkingError::Io { peer, error } => write!(f, "error while serving {peer}: {error}"),
            ForkingError::Panicked { peer, message } => {
                write!(f, "handler panicked while serving {peer}: {message}")
            }
            ForkingError::WorkerDied {
                peer: Some(peer),
                pid,
                exitcode,
            } => write!(
                f,
                "worker process {pid} died (exit code {exitcode}) while serving {peer}"
            ),
            ForkingError::WorkerDied {
                peer: None,
                pid,
                exitcode,
            } => write!(f, "idle worker process {pid} died (exit code {exitcode})"),
            ForkingError::Start { peer, error } => {
                write!(f, "no worker process for {peer}: {error}")
            }
            ForkingError::HandOff { peer, error } => {
                write!(f, "cannot pass {peer}'s connection to a worker: {error}")
            }
            ForkingError::Accept(error) => write!(f, "accept failed: {error}"),
        }
    }
}

impl std::error::Error for ForkingError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ForkingError::Io { error, .. }
            | ForkingError::HandOff { error, .. }
            | ForkingError::Accept(error) => Some(error),
            ForkingError::Start { error, .. } => Some(error),
            ForkingError::Panicked { .. } | ForkingError::WorkerDied { .. } => None,
        }
    }
}

/// Why [`ForkingTcpServerBuilder::build`](super::ForkingTcpServerBuilder::build) refused.
///
/// # Examples
///
/// ```
/// use pythreading::socketserver::Connection;
/// use pythreading_mp::socketserver::{BuildError, ForkingTcpServer};
///
/// fn never_registered(_: &mut Connection) -> std::io::Result<()> { Ok(()) }
///
/// let refused = ForkingTcpServer::bind("127.0.0.1:0").build(never_registered);
/// assert!(matches!(refused, Err(BuildError::NotRegistered { .. })));
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum BuildError {
    /// The handler was not passed to [`register_handler!`](crate::register_handler) (or is a
    /// closure, which a worker process cannot find).
    NotRegistered {
        /// The handler's registry name.
        name: &'static str,
    },
    /// This program cannot start worker processes (`pythreading_mp::init()` missing, or
    /// called in a daemonic child).
    Process(ProcessError),
    /// Binding or listening failed.
    Io(io::Error),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::NotRegistered { name } => write!(
                f,
                "handler `{name}` is not registered: add `pythreading_mp::register_handler!({});` at module level",
                crate::process::short_name(name)
            ),
            BuildError::Process(e) => write!(f, "cannot start worker processes: {e}"),
            BuildError::Io(e) => write!(f, "cannot listen: {e}"),
        }
    }
}

impl std::error::Error for BuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BuildError::NotRegistered { .. } => None,
            BuildError::Process(e) => Some(e),
            BuildError::Io(e) => Some(e),
        }
    }
}

impl From<io::Error> for BuildError {
    fn from(e: io::Error) -> Self {
        BuildError::Io(e)
    }
}
