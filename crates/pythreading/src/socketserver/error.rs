//! What can go wrong while serving, as types.

use std::fmt;
use std::io;
use std::net::SocketAddr;

/// Why [`serve_forever`](super::TcpServer::serve_forever) or
/// [`handle_request`](super::TcpServer::handle_request) refused to run.
///
/// # Examples
///
/// ```
/// use pythreading::socketserver::{ServeError, TcpServer};
///
/// let server = TcpServer::bind("127.0.0.1:0").build_fn(|_| Ok(())).unwrap();
/// let _ = server.server_close();
/// assert_eq!(server.serve_forever(), Err(ServeError::Closed));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServeError {
    /// Another thread is already running the accept loop of this server.
    AlreadyServing,
    /// [`server_close`](super::TcpServer::server_close) has closed the listening socket.
    Closed,
}

impl fmt::Display for ServeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServeError::AlreadyServing => f.write_str("the server is already serving"),
            ServeError::Closed => f.write_str("the server is closed"),
        }
    }
}

impl std::error::Error for ServeError {}

/// A failure reported to the server's [`handle_error`](super::TcpServerBuilder::handle_error)
/// hook: Python's `handle_error(request, client_address)` with the exception.
///
/// # Examples
///
/// ```
/// use pythreading::socketserver::HandlerError;
///
/// fn log(error: &HandlerError) {
///     if error.is_timeout() {
///         eprintln!("client {} too slow", error.peer_addr().unwrap());
///     } else {
///         eprintln!("{error}");
///     }
/// }
/// # let _ = log;
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum HandlerError {
    /// The handler returned an I/O error for this client (a read or write timeout among them).
    Io {
        /// The client.
        peer: SocketAddr,
        /// What the handler returned.
        error: io::Error,
    },
    /// The handler panicked; the panic stopped at the server, which carries on.
    Panicked {
        /// The client.
        peer: SocketAddr,
        /// The panic's message, when it was a string.
        message: String,
    },
    /// `accept` failed (for example the process ran out of file descriptors); the server
    /// waits a moment and accepts again.
    Accept(io::Error),
    /// The operating system refused a new handler thread and none was running to take the
    /// connection, so it was closed unanswered.
    Spawn {
        /// The client whose connection was closed.
        peer: SocketAddr,
        /// Why the thread was refused.
        error: io::Error,
    },
}

impl HandlerError {
    /// The client concerned, when there is one.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::socketserver::HandlerError;
    /// let e = HandlerError::Accept(std::io::Error::other("no fds"));
    /// assert_eq!(e.peer_addr(), None);
    /// ```
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        match self {
            HandlerError::Io { peer, .. }
            | HandlerError::Panicked { peer, .. }
            | HandlerError::Spawn { peer, .. } => Some(*peer),
            HandlerError::Accept(_) => None,
        }
    }

    /// Whether this is a read or write timeout of a connection (a client that sent nothing,
    /// or never read its replies).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::socketserver::HandlerError;
    /// let e = HandlerError::Io {
    ///     peer: "127.0.0.1:9000".parse().unwrap(),
    ///     error: std::io::ErrorKind::WouldBlock.into(),
    /// };
    /// assert!(e.is_timeout());
    /// ```
    pub fn is_timeout(&self) -> bool {
        // A socket timeout surfaces as EAGAIN (`WouldBlock`) on Unix and as `TimedOut` elsewhere.
        matches!(
            self,
            HandlerError::Io { error, .. }
                if matches!(error.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut)
        )
    }
}

impl fmt::Display for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandlerError::Io { peer, error } => {
                write!(f, "error while serving {peer}: {error}")
            }
            HandlerError::Panicked { peer, message } => {
                write!(f, "handler panicked while serving {peer}: {message}")
            }
            HandlerError::Accept(error) => write!(f, "accept failed: {error}"),
            HandlerError::Spawn { peer, error } => {
                write!(f, "no handler thread for {peer}: {error}")
            }
        }
    }
}

impl std::error::Error for HandlerError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            HandlerError::Io { error, .. }
            | HandlerError::Accept(error)
            | HandlerError::Spawn { error, .. } => Some(error),
            HandlerError::Panicked { .. } => None,
        }
    }
}
