//! The errors of a [`Connection`](super::Connection), a [`Listener`](super::Listener) and a
//! [`Client`](super::Client).

use std::error::Error;
use std::fmt;
use std::io;

use crate::pickle::PickleError;
use crate::wire::{AuthenticationError, FrameError, HandshakeError};

/// Why a connection operation failed.
///
/// | Python | Rust |
/// |---|---|
/// | `EOFError` from `recv` | [`ConnectionError::Eof`] |
/// | `OSError("handle is closed")` | [`ConnectionError::Closed`] |
/// | `OSError("bad message length")` | [`ConnectionError::TooLarge`] / [`ConnectionError::BadLength`] |
/// | `OSError("got end of file during message")` | [`ConnectionError::Truncated`] |
/// | `OSError("connection is read-only")` | [`ConnectionError::ReadOnly`] / [`ConnectionError::WriteOnly`] |
/// | `AuthenticationError` | [`ConnectionError::Authentication`] |
/// | a pickling error | [`ConnectionError::Serialize`] / [`ConnectionError::Deserialize`] |
///
/// # Examples
///
/// ```
/// use pythreading_mp::connection::{ConnectionError, Pipe};
/// let (a, b) = Pipe::new()?;
/// drop(b);
/// assert!(matches!(a.recv::<i64>(), Err(ConnectionError::Eof)));
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
#[non_exhaustive]
#[doc(alias = "EOFError")]
pub enum ConnectionError {
    /// The peer closed its end and every message before that has been read (Python's `EOFError`).
    Eof,
    /// This end was closed with [`close`](super::Connection::close), or is unusable after an
    /// earlier error in the middle of a frame.
    Closed,
    /// A frame declared more bytes than this connection accepts; the connection is closed, as
    /// the rest of the stream can no longer be framed.
    TooLarge {
        /// The declared payload length.
        len: u64,
        /// The largest payload this connection accepts.
        max: usize,
    },
    /// A frame header declared a negative length other than the `-1` escape.
    BadLength(i32),
    /// The peer closed the stream in the middle of a frame.
    Truncated,
    /// `send` on the receiving end of a one-way pipe.
    ReadOnly,
    /// `recv` on the sending end of a one-way pipe.
    WriteOnly,
    /// The value could not be converted to a pickle; nothing was sent.
    Serialize(String),
    /// A message arrived but did not decode as the requested type; the bytes are handed back.
    Deserialize {
        /// Why it did not decode.
        reason: String,
        /// The frame's payload, as received.
        bytes: Vec<u8>,
    },
    /// The authentication handshake was refused (Python's `AuthenticationError`).
    Authentication(AuthenticationError),
    /// The handshake did not complete within its deadline.
    HandshakeTimeout,
    /// The operating system reported an error.
    Io(io::Error),
}

impl ConnectionError {
    /// Whether this is the clean end of the stream (Python's `EOFError`).
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(pythreading_mp::connection::ConnectionError::Eof.is_eof());
    /// ```
    pub fn is_eof(&self) -> bool {
        matches!(self, ConnectionError::Eof)
    }

    pub(crate) fn from_frame(e: FrameError) -> Self {
        match e {
            FrameError::Eof => ConnectionError::Eof,
            FrameError::EofInFrame => ConnectionError::Truncated,
            FrameError::BadLength(n) => ConnectionError::BadLength(n),
            FrameError::TooLarge { len, max } => ConnectionError::TooLarge { len, max },
            FrameError::Io(e) => ConnectionError::Io(e),
        }
    }

    pub(crate) fn from_handshake(e: HandshakeError) -> Self {
        match e {
            HandshakeError::Auth(a) => ConnectionError::Authentication(a),
            HandshakeError::Frame(FrameError::Io(io))
                if matches!(
                    io.kind(),
                    io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
                ) =>
            {
                ConnectionError::HandshakeTimeout
            }
            HandshakeError::Frame(f) => ConnectionError::from_frame(f),
        }
    }

    pub(crate) fn from_pickle(e: PickleError, bytes: Vec<u8>) -> Self {
        ConnectionError::Deserialize {
            reason: e.to_string(),
            bytes,
        }
    }
}

impl fmt::Display for ConnectionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectionError::Eof => f.write_str("end of file: the peer closed the connection"),
            ConnectionError::Closed => f.write_str("handle is closed"),
            ConnectionError::TooLarge { len, max } => write!(
                f,
                "bad message length: {len} bytes exceeds the limit of {max}"
            ),
            ConnectionError::BadLength(n) => write!(f, "bad message length: {n}"),
            ConnectionError::Truncated => f.write_str("got end of file during message"),
            ConnectionError::ReadOnly => f.write_str("connection is read-only"),
            ConnectionError::WriteOnly => f.write_str("connection is write-only"),
            ConnectionError::Serialize(why) => write!(f, "cannot serialize the value: {why}"),
            ConnectionError::Deserialize { reason, bytes } => write!(
                f,
                "cannot deserialize a message of {} bytes: {reason}",
                bytes.len()
            ),
            ConnectionError::Authentication(e) => write!(f, "authentication failed: {e}"),
            ConnectionError::HandshakeTimeout => {
                f.write_str("the handshake did not complete within its deadline")
            }
            ConnectionError::Io(e) => write!(f, "i/o error: {e}"),
        }
    }
}

impl Error for ConnectionError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            ConnectionError::Authentication(e) => Some(e),
            ConnectionError::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for ConnectionError {
    fn from(e: io::Error) -> Self {
        ConnectionError::Io(e)
    }
}
