//! Errors of the pickle layer.
//!
//! | Python (`pickle.loads`) | Rust |
//! |---|---|
//! | `UnpicklingError: pickle data was truncated` / `EOFError` | [`ErrorKind::Truncated`] |
//! | `UnpicklingError: invalid load key, '\x..'` | [`ErrorKind::UnknownOpcode`] |
//! | `ValueError: unsupported pickle protocol: N` | [`ErrorKind::UnsupportedProtocol`] |
//! | `UnpicklingError: could not find MARK` | [`ErrorKind::MissingMark`] |
//! | `UnpicklingError: unpickling stack underflow` | [`ErrorKind::StackUnderflow`] |
//! | `KeyError` / `UnpicklingError: Memo value not found at index N` | [`ErrorKind::MemoMissing`] |
//! | `UnicodeDecodeError` | [`ErrorKind::InvalidString`] |
//! | `UnpicklingError: pickle stream refers to out-of-band data but no *buffers* argument was given` | [`ErrorKind::OutOfBandBuffer`] |
//! | `UnpicklingError: A load persistent id instruction was encountered, ...` | [`ErrorKind::PersistentId`] |
//! | `ValueError: unregistered extension code N` | [`ErrorKind::Extension`] |
//! | `RecursionError` / `MemoryError` | [`ErrorKind::DepthExceeded`], [`ErrorKind::LimitExceeded`] |
//! | (CPython builds it) a self-referencing container | [`ErrorKind::Recursive`] |
//! | other malformed input (`TypeError`, `AttributeError`, ... raised while loading) | [`ErrorKind::Invalid`] |

use std::error::Error;
use std::fmt;

/// Why unpickling failed, and where.
///
/// `position` is the byte offset of the opcode that failed (or of the end of the input for
/// truncated data), so a hex dump of the payload points straight at the culprit.
///
/// # Examples
///
/// ```
/// use pythreading_mp::pickle::{self, ErrorKind};
///
/// let err = pickle::loads(b"\x80\x04\xff").unwrap_err();
/// assert_eq!(err.kind(), &ErrorKind::UnknownOpcode(0xff));
/// assert_eq!(err.position(), 2);
/// assert_eq!(err.to_string(), "invalid pickle at byte 2: unknown opcode 0xff");
/// ```
#[doc(alias = "UnpicklingError")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PickleError {
    position: usize,
    kind: ErrorKind,
}

impl PickleError {
    /// Creates an error of `kind` at byte offset `position`.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::{ErrorKind, PickleError};
    ///
    /// let err = PickleError::new(3, ErrorKind::Truncated);
    /// assert_eq!(err.position(), 3);
    /// ```
    pub fn new(position: usize, kind: ErrorKind) -> PickleError {
        PickleError { position, kind }
    }

    /// The byte offset in the input where the problem was found.
    ///
    /// # Examples
    ///
    /// ```
    /// let err = pythreading_mp::pickle::loads(b"\x80\x04K").unwrap_err();
    /// assert_eq!(err.position(), 3);
    /// ```
    pub fn position(&self) -> usize {
        self.position
    }

    /// What went wrong.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::{self, ErrorKind};
    ///
    /// let err = pickle::loads(b"\x80\x04K").unwrap_err();
    /// assert_eq!(err.kind(), &ErrorKind::Truncated);
    /// ```
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }
}

impl fmt::Display for PickleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid pickle at byte {}: {}", self.position, self.kind)
    }
}

impl Error for PickleError {}

/// Which limit of [`Limits`](super::Limits) an input ran into.
///
/// # Examples
///
/// ```
/// use pythreading_mp::pickle::{self, ErrorKind, Limit, Limits};
///
/// let err = pickle::loads_with(b"\x80\x04N.", &Limits::new().with_max_input_len(2)).unwrap_err();
/// assert_eq!(err.kind(), &ErrorKind::LimitExceeded(Limit::InputLen));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Limit {
    /// The input is longer than `max_input_len`.
    InputLen,
    /// The decoded value would be bigger than the expansion budget (shared references copied out).
    Expansion,
    /// Decoding would hold more than `max_decoded` bytes.
    Decoded,
}

/// The reason a pickle was refused. See the table in the module docs for the Python equivalents.
///
/// # Examples
///
/// ```
/// use pythreading_mp::pickle::{self, ErrorKind};
///
/// // protocol 6 does not exist (yet)
/// let err = pickle::loads(b"\x80\x06N.").unwrap_err();
/// assert_eq!(err.kind(), &ErrorKind::UnsupportedProtocol(6));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input ended in the middle of an opcode or before `STOP`.
    Truncated,
    /// A byte that is not a pickle opcode.
    UnknownOpcode(u8),
    /// `PROTO` with a version above 5.
    UnsupportedProtocol(u8),
    /// An opcode needed a `MARK` and there was none.
    MissingMark,
    /// An opcode needed more items on the stack than there were.
    StackUnderflow,
    /// `STOP` with nothing on the stack. (Extra items below the top are ignored, as CPython
    /// ignores them.)
    EmptyStack,
    /// A memo read (`GET`, `BINGET`, `LONG_BINGET`) named an index that was never stored.
    MemoMissing(u64),
    /// A string is not valid UTF-8 (even with lone surrogates allowed), or a protocol-0/1
    /// byte string is not ASCII.
    InvalidString,
    /// A text argument (protocol 0 `INT`, `LONG`, `FLOAT`, `GET`, `PUT`, `GLOBAL`, ...) could not be parsed.
    InvalidText,
    /// A declared length is negative or larger than what is left of the input.
    BadLength,
    /// `NEXT_BUFFER` / `READONLY_BUFFER`: out-of-band buffers are never used on the wire.
    OutOfBandBuffer,
    /// `PERSID` / `BINPERSID`: persistent ids need a `persistent_load` hook, which we do not have.
    PersistentId,
    /// `EXT1` / `EXT2` / `EXT4`: the extension registry is empty in CPython by default.
    Extension(u32),
    /// An opcode was given operands of the wrong type (for example `STACK_GLOBAL` with a
    /// non-`str` module, `APPENDS` on a dict, `BUILD` twice on one object).
    Invalid(&'static str),
    /// A container contains itself. CPython can build such values; the tree-shaped
    /// [`Value`](super::Value) cannot.
    Recursive,
    /// The value nests deeper than `max_depth`.
    DepthExceeded,
    /// A size limit was reached.
    LimitExceeded(Limit),
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Truncated => f.write_str("pickle data was truncated"),
            ErrorKind::UnknownOpcode(op) => write!(f, "unknown opcode {op:#04x}"),
            ErrorKind::UnsupportedProtocol(p) => write!(f, "unsupported pickle protocol {p}"),
            ErrorKind::MissingMark => f.write_str("could not find mark"),
            ErrorKind::StackUnderflow => f.write_str("unpickling stack underflow"),
            ErrorKind::EmptyStack => f.write_str("stop with an empty stack"),
            ErrorKind::MemoMissing(i) => write!(f, "memo value not found at index {i}"),
            ErrorKind::InvalidString => f.write_str("invalid string encoding"),
            ErrorKind::InvalidText => f.write_str("invalid text argument"),
            ErrorKind::BadLength => f.write_str("declared length is negative or exceeds the input"),
            ErrorKind::OutOfBandBuffer => f.write_str("out-of-band buffers are not supported"),
            ErrorKind::PersistentId => f.write_str("persistent ids are not supported"),
            ErrorKind::Extension(code) => write!(f, "unregistered extension code {code}"),
            ErrorKind::Invalid(why) => f.write_str(why),
            ErrorKind::Recursive => f.write_str("recursive structures are not supported"),
            ErrorKind::DepthExceeded => f.write_str("value nests too deeply"),
            ErrorKind::LimitExceeded(Limit::InputLen) => f.write_str("input is too long"),
            ErrorKind::LimitExceeded(Limit::Expansion) => {
                f.write_str("decoded value would be too big")
            }
            ErrorKind::LimitExceeded(Limit::Decoded) => {
                f.write_str("decoding would take more memory than the limit allows")
            }
        }
    }
}
