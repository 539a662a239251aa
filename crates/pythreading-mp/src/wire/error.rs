//! Errors of the wire layer: framing, and the authentication handshake.

use std::error::Error;
use std::fmt;
use std::io;

/// Reading or writing one length-prefixed frame failed.
///
/// # Examples
///
/// ```
/// use pythreading_mp::wire::{read_frame, FrameError};
///
/// // A header announcing 5 bytes, followed by 2.
/// let err = read_frame(&mut &[0, 0, 0, 5, 1, 2][..], 16).unwrap_err();
/// assert!(matches!(err, FrameError::EofInFrame));
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum FrameError {
    /// The peer closed the stream before the first byte of a frame (Python's `EOFError`).
    Eof,
    /// The peer closed the stream in the middle of a frame (`OSError("got end of file during message")`).
    EofInFrame,
    /// The header declared a negative length other than the `-1` escape.
    BadLength(i32),
    /// The header declared more bytes than this reader accepts (`OSError("bad message length")`).
    TooLarge {
        /// The declared payload length.
        len: u64,
        /// The largest length this reader accepts.
        max: usize,
    },
    /// The underlying stream failed (timeouts included).
    Io(io::Error),
}

impl FrameError {
    /// Whether the peer closed the connection cleanly between frames.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::wire::FrameError;
    /// assert!(FrameError::Eof.is_eof());
    /// ```
    pub fn is_eof(&self) -> bool {
        matches!(self, FrameError::Eof)
    }
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::Eof => f.write_str("end of file before a frame"),
            FrameError::EofInFrame => f.write_str("got end of file during message"),
            FrameError::BadLength(n) => write!(f, "bad message length: {n}"),
            FrameError::TooLarge { len, max } => {
                write!(
                    f,
                    "bad message length: {len} bytes exceeds the limit of {max}"
                )
            }
            FrameError::Io(e) => write!(f, "i/o error: {e}"),
        }
    }
}

/// The cause is part of the message (`Display`), so `source()` is `None`; the variant holds it.
impl Error for FrameError {}

impl From<io::Error> for FrameError {
    fn from(e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            FrameError::EofInFrame
        } else {
            FrameError::Io(e)
        }
    }
}

/// What went wrong in an authentication exchange.
///
/// # Examples
///
/// ```
/// use pythreading_mp::wire::AuthErrorKind;
///
/// assert_ne!(AuthErrorKind::DigestReceivedWrong, AuthErrorKind::DigestSentRejected);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthErrorKind {
    /// We challenged the peer and its digest did not match (CPython: "digest received was wrong").
    DigestReceivedWrong,
    /// We answered a challenge and the peer did not welcome us (CPython: "digest sent was rejected").
    DigestSentRejected,
    /// The peer's challenge did not start with `#CHALLENGE#`.
    NotAChallenge,
    /// The peer's challenge body was shorter than 20 bytes.
    ChallengeTooShort,
    /// A body that is neither legacy (16 or 20 bytes) nor `{digest}`-prefixed with an allowed digest.
    UnsupportedDigest,
}

/// The authentication handshake was refused (Python's `multiprocessing.AuthenticationError`).
///
/// # Examples
///
/// ```
/// use pythreading_mp::wire::{AuthErrorKind, AuthenticationError};
/// let e = AuthenticationError::new(AuthErrorKind::DigestSentRejected);
/// assert_eq!(e.to_string(), "digest sent was rejected");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticationError {
    kind: AuthErrorKind,
}

impl AuthenticationError {
    /// An error of the given kind.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::wire::{AuthErrorKind, AuthenticationError};
    /// assert_eq!(
    ///     AuthenticationError::new(AuthErrorKind::ChallengeTooShort).kind(),
    ///     AuthErrorKind::ChallengeTooShort
    /// );
    /// ```
    pub fn new(kind: AuthErrorKind) -> Self {
        AuthenticationError { kind }
    }

    /// What went wrong.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::wire::{AuthErrorKind, AuthenticationError};
    /// let e = AuthenticationError::new(AuthErrorKind::DigestReceivedWrong);
    /// assert_eq!(e.kind(), AuthErrorKind::DigestReceivedWrong);
    /// ```
    pub fn kind(&self) -> AuthErrorKind {
        self.kind
    }
}

impl fmt::Display for AuthenticationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.kind {
            AuthErrorKind::DigestReceivedWrong => "digest received was wrong",
            AuthErrorKind::DigestSentRejected => "digest sent was rejected",
            AuthErrorKind::NotAChallenge => "protocol error, expected challenge",
            AuthErrorKind::ChallengeTooShort => "challenge too short",
            AuthErrorKind::UnsupportedDigest => {
                "unsupported message length, missing digest prefix, or unsupported digest"
            }
        })
    }
}

impl Error for AuthenticationError {}

/// The handshake failed: either the transport, or the authentication itself.
///
/// # Examples
///
/// ```
/// use pythreading_mp::wire::{Connection, HandshakeError};
///
/// // A peer that hangs up instead of challenging: a transport failure, not a wrong key.
/// let mut c = Connection::new(std::io::Cursor::new(Vec::new()));
/// let err = c.client_handshake(b"k").unwrap_err();
/// assert!(matches!(err, HandshakeError::Frame(_)));
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum HandshakeError {
    /// The transport failed (including a handshake frame over the 256-byte cap).
    Frame(FrameError),
    /// The peer was refused, or refused us.
    Auth(AuthenticationError),
}

impl HandshakeError {
    /// The authentication error, if that is what this is.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::wire::{AuthErrorKind, AuthenticationError, HandshakeError};
    /// let e = HandshakeError::from(AuthenticationError::new(AuthErrorKind::DigestSentRejected));
    /// assert!(e.as_auth().is_some());
    /// ```
    pub fn as_auth(&self) -> Option<&AuthenticationError> {
        match self {
            HandshakeError::Auth(a) => Some(a),
            HandshakeError::Frame(_) => None,
        }
    }
}

impl fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandshakeError::Frame(e) => write!(f, "handshake failed: {e}"),
            HandshakeError::Auth(e) => write!(f, "authentication failed: {e}"),
        }
    }
}

/// The cause is part of the message (`Display`), so `source()` is `None`; the variants hold it.
impl Error for HandshakeError {}

impl From<FrameError> for HandshakeError {
    fn from(e: FrameError) -> Self {
        HandshakeError::Frame(e)
    }
}

impl From<AuthenticationError> for HandshakeError {
    fn from(e: AuthenticationError) -> Self {
        HandshakeError::Auth(e)
    }
}
