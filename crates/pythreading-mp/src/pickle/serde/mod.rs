//! serde support: Rust types to and from [`Value`](super::Value), so a
//! `#[derive(Serialize, Deserialize)]` type can travel on a remote queue.
//!
//! The mapping is documented on [`to_value`].
//!
//! # Examples
//!
//! ```
//! use pythreading_mp::pickle::{self, Value};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize, Debug, PartialEq)]
//! struct Task {
//!     n: u32,
//!     label: String,
//!     tags: Vec<String>,
//! }
//!
//! let task = Task { n: 7, label: "square".into(), tags: vec!["fast".into()] };
//! let value = pickle::to_value(&task)?;
//! assert_eq!(value.dict_get("n"), Some(&Value::Int(7)));
//! // what goes on the wire, and back
//! let back: Task = pickle::from_value(&pickle::loads(&pickle::dumps(&value))?)?;
//! assert_eq!(back, task);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod de;
mod ser;

use std::error::Error;
use std::fmt;

use super::value::Value;

/// Converts any `Serialize` type to a [`Value`].
///
/// The mapping is the one `json.dumps`/`json.loads` users would expect on the Python side:
///
/// | Rust (serde data model) | Python |
/// |---|---|
/// | `bool` | `bool` |
/// | `i8`..`i64`, `u8`..`u64`, `i128`, `u128` | `int` (big ints as needed) |
/// | `f32`, `f64` | `float` |
/// | `char`, `&str`, `String` | `str` |
/// | `&[u8]` via `serde_bytes` / `serialize_bytes` | `bytes` (`bytearray` also reads back) |
/// | `None`, `()`, unit struct | `None` |
/// | `Some(x)`, newtype struct `W(x)` | `x` |
/// | sequences (`Vec`, slices, sets) | `list` (any of tuple/list/set/frozenset reads back) |
/// | tuples, tuple structs | `tuple` (any sequence reads back) |
/// | maps (`HashMap`, `BTreeMap`) | `dict` |
/// | structs | `dict` of field name → value |
/// | unit variant `E::A` | `'A'` |
/// | newtype / tuple / struct variant `E::B(..)` | `{'B': value}` / `{'B': (..)}` / `{'B': {field: ..}}` |
///
/// `Some(())` and `None` both become `None`, as in JSON. Python objects with no data-model
/// equivalent (globals, `REDUCE`/`NEWOBJ` objects, strs with lone surrogates) are refused by
/// [`from_value`] with a [`FromValueError`].
///
/// # Errors
///
/// [`ToValueError`] if the type's `Serialize` implementation reports an error (for example a
/// `Mutex` that is poisoned, or a custom error).
///
/// # Examples
///
/// ```
/// use pythreading_mp::pickle::{self, Value};
///
/// assert_eq!(pickle::to_value(&(1, "a"))?, Value::tuple([1.into(), "a".into()]));
/// assert_eq!(pickle::to_value(&vec![1u8, 2])?, Value::list([1.into(), 2.into()]));
/// assert_eq!(pickle::to_value(&Option::<i32>::None)?, Value::None);
/// # Ok::<(), pickle::ToValueError>(())
/// ```
pub fn to_value<T: ::serde::Serialize + ?Sized>(value: &T) -> Result<Value, ToValueError> {
    value.serialize(ser::ValueSerializer)
}

/// Converts a [`Value`] to any `Deserialize` type, with the mapping documented on [`to_value`].
///
/// # Errors
///
/// [`FromValueError`] if the value does not fit the type (a `str` where an `int` is wanted, an
/// int out of range, a missing struct field, a Python object with no data-model equivalent).
///
/// # Examples
///
/// ```
/// use std::collections::BTreeMap;
/// use pythreading_mp::pickle::{self, Value};
///
/// let v = Value::dict([("a".into(), 1.into()), ("b".into(), 2.into())]);
/// let m: BTreeMap<String, u8> = pickle::from_value(&v)?;
/// assert_eq!(m["b"], 2);
/// assert!(pickle::from_value::<u8>(&Value::Int(300)).is_err());
/// # Ok::<(), pickle::FromValueError>(())
/// ```
pub fn from_value<'de, T: ::serde::Deserialize<'de>>(
    value: &'de Value,
) -> Result<T, FromValueError> {
    T::deserialize(de::ValueDeserializer(value))
}

/// A `Serialize` implementation failed while converting to a [`Value`].
///
/// # Examples
///
/// ```
/// use pythreading_mp::pickle::ToValueError;
/// use serde::ser::Error as _;
///
/// let e = ToValueError::custom("nope");
/// assert_eq!(e.to_string(), "cannot convert to a python value: nope");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToValueError(String);

impl fmt::Display for ToValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot convert to a python value: {}", self.0)
    }
}

impl Error for ToValueError {}

impl ::serde::ser::Error for ToValueError {
    fn custom<T: fmt::Display>(msg: T) -> ToValueError {
        ToValueError(msg.to_string())
    }
}

/// A [`Value`] did not fit the Rust type it was converted to.
///
/// # Examples
///
/// ```
/// use pythreading_mp::pickle::{self, Value};
///
/// let err = pickle::from_value::<String>(&Value::Int(1)).unwrap_err();
/// assert_eq!(err.to_string(), "cannot convert python value: invalid type: integer `1`, expected a string");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FromValueError(String);

impl fmt::Display for FromValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot convert python value: {}", self.0)
    }
}

impl Error for FromValueError {}

impl ::serde::de::Error for FromValueError {
    fn custom<T: fmt::Display>(msg: T) -> FromValueError {
        FromValueError(msg.to_string())
    }
}
