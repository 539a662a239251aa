//! The `pickle` layer: bytes ↔ [`Value`], as CPython's `pickle` module writes and reads them.
//!
//! This is the first layer of the manager protocol: every message after the handshake is one
//! pickle. It **never executes or imports anything**: class references, constructor calls and
//! object state stay inert data ([`Value::Global`], [`Value::Reduce`], [`Value::Object`]) that
//! the layers above interpret, or not.
//!
//! # API at a glance
//!
//! | item | what |
//! |---|---|
//! | [`loads(&[u8]) -> Result<Value, PickleError>`](loads) | read a pickle of protocol 0 to 5 (`pickle.loads`) with [`Limits::default()`] |
//! | [`loads_with(&[u8], &Limits)`](loads_with) | the same with explicit limits |
//! | [`dumps(&Value) -> Vec<u8>`](dumps) | write protocol 4 (`pickle.dumps(v, 4)`, what 3.8–3.13 send) |
//! | [`Value`] | None, Bool, Int, BigInt, Float, Str, SurrogateStr, Bytes, ByteArray, Tuple, List, Dict, Set, FrozenSet, Global, Reduce, Object |
//! | [`Reduce`], [`Object`] | the parts of `REDUCE` / `NEWOBJ` (+ `BUILD`) values |
//! | [`BigInt`], [`SurrogateStr`] | ints beyond `i64`; strs with lone surrogates |
//! | [`PickleError`], [`ErrorKind`], [`Limit`] | why a pickle was refused, and where |
//! | [`Limits`] | depth, input-length and expansion bounds for hostile input |
//! | [`Token`], [`Address`] | typed view of `multiprocessing.managers.Token` (`NEWOBJ` + `BUILD`) |
//! | [`PyException`] | typed view of a pickled exception (`_queue.Empty`, `KeyError`, `RemoteError`, ...) |
//! | [`ShapeError`] | a `Value` did not have the shape a typed view expects |
//! | [`to_value`], [`from_value`], [`ToValueError`], [`FromValueError`] | serde: any `Serialize` type to a `Value` and back (structs ↔ dicts, sequences ↔ lists, tuples ↔ tuples, unit ↔ None; the full table is on [`to_value`]) |
//!
//! # How it reads and writes
//!
//! * Reading accepts protocols 0 to 5 and every opcode of `pickletools` except the ones that
//!   need a hook (persistent ids, the extension registry, out-of-band buffers), which are
//!   refused with a typed error. Unknown globals are kept, never resolved. The few
//!   constructor calls older protocols use for plain data (`_codecs.encode` for bytes,
//!   `builtins.bytearray`, `builtins.set`, `builtins.frozenset`) are recognized by shape and
//!   read as the plain variants, so a value reads the same whatever protocol wrote it.
//! * A [`Value`] is a tree: shared references (`BINGET`) are copied, within the expansion
//!   budget of [`Limits`]; a value that contains itself is refused.
//! * Writing produces protocol 4 the way CPython's C pickler does (frames, `MEMOIZE`, batches
//!   of 1000), byte-identical to CPython 3.8–3.13 for the values in the golden vectors and
//!   loadable by any CPython 3.4+.
//!
//! # Examples
//!
//! A manager request as CPython 3.11 sends it (`m.connect()` → `(None, 'dummy', (), {})`):
//!
//! ```
//! use pythreading_mp::pickle::{self, Value};
//!
//! let wire = b"\x80\x04\x95\x10\0\0\0\0\0\0\0(N\x8c\x05dummy\x94)}\x94t\x94.";
//! let v = pickle::loads(wire)?;
//! assert_eq!(v, Value::tuple([Value::None, "dummy".into(), Value::tuple([]), Value::dict([])]));
//! // Our writer produces the same bytes.
//! assert_eq!(pickle::dumps(&v), wire);
//! # Ok::<(), pickle::PickleError>(())
//! ```
//!
//! An exception as it arrives in an `#ERROR` reply stays inert:
//!
//! ```
//! use pythreading_mp::pickle::{self, Value};
//!
//! let v = pickle::loads(b"\x80\x04\x95\x16\0\0\0\0\0\0\0\x8c\x06_queue\x94\x8c\x05Empty\x94\x93\x94)R\x94.")?;
//! let Value::Reduce(r) = &v else { panic!() };
//! assert_eq!(r.callable.as_global(), Some(("_queue", "Empty")));
//! assert_eq!(r.args, Value::tuple([]));
//! # Ok::<(), pickle::PickleError>(())
//! ```

mod bigint;
mod error;
mod exception;
mod limits;
mod opcodes;
mod pystr;
mod read;
mod serde;
mod shape;
mod token;
mod value;
mod write;

pub use self::serde::{FromValueError, ToValueError, from_value, to_value};
pub use bigint::BigInt;
pub use error::{ErrorKind, Limit, PickleError};
pub use exception::PyException;
pub use limits::Limits;
pub use pystr::SurrogateStr;
pub use shape::ShapeError;
pub use token::{Address, Token};
pub use value::{Object, Reduce, Value};

/// Reads one pickle (protocol 0 to 5) with the default [`Limits`].
///
/// Bytes after the `STOP` opcode are ignored, as `pickle.loads` ignores them.
///
/// # Errors
///
/// A [`PickleError`] for anything malformed, unsupported (out-of-band buffers, persistent ids,
/// extension codes, self-containing values) or over a limit.
///
/// # Examples
///
/// ```
/// use pythreading_mp::pickle::{self, Value};
///
/// assert_eq!(pickle::loads(b"\x80\x04K\x2a.")?, Value::Int(42));
/// assert!(pickle::loads(b"\x80\x04K").is_err());
/// # Ok::<(), pickle::PickleError>(())
/// ```
#[doc(alias = "pickle.loads")]
pub fn loads(data: &[u8]) -> Result<Value, PickleError> {
    read::loads_with(data, &Limits::default())
}

/// Reads one pickle with explicit [`Limits`].
///
/// # Errors
///
/// As [`loads`], plus [`ErrorKind::LimitExceeded`] and [`ErrorKind::DepthExceeded`] per `limits`.
///
/// # Examples
///
/// ```
/// use pythreading_mp::pickle::{self, ErrorKind, Limits};
///
/// let deep = b"\x80\x04]]]\x85\x85.";
/// let err = pickle::loads_with(deep, &Limits::new().with_max_depth(2)).unwrap_err();
/// assert_eq!(err.kind(), &ErrorKind::DepthExceeded);
/// ```
pub fn loads_with(data: &[u8], limits: &Limits) -> Result<Value, PickleError> {
    read::loads_with(data, limits)
}

/// Writes `value` as a protocol-4 pickle, the protocol CPython 3.8–3.13 managers send and
/// every CPython 3.4+ reads.
///
/// Writing recurses once per nesting level, like dropping a `Value` does; values read by
/// [`loads`] nest at most [`Limits::max_depth`] deep (1000 by default), which is fine on any
/// thread stack.
///
/// # Examples
///
/// ```
/// use pythreading_mp::pickle::{self, Value};
///
/// assert_eq!(pickle::dumps(&Value::None), b"\x80\x04N.");
/// let reply = Value::tuple(["#RETURN".into(), 7622.into()]);
/// assert_eq!(pickle::loads(&pickle::dumps(&reply)).unwrap(), reply);
/// ```
#[doc(alias = "pickle.dumps")]
pub fn dumps(value: &Value) -> Vec<u8> {
    write::dumps(value)
}

pub(crate) use write::{dumps_pair, dumps_pair_of_shared_list, dumps_request};
