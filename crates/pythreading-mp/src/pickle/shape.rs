//! The error of the typed views ([`Token`](super::Token), [`PyException`](super::PyException)):
//! a [`Value`](super::Value) that does not have the expected shape.

use std::error::Error;
use std::fmt;

/// A [`Value`](super::Value) did not have the shape a typed view expects (for example a
/// `Token` whose state is not a 3-tuple). Carries what was expected and the Python type name of
/// what was found.
///
/// # Examples
///
/// ```
/// use pythreading_mp::pickle::{Token, Value};
///
/// let err = Token::from_value(&Value::Int(1)).unwrap_err();
/// assert_eq!(err.expected(), "multiprocessing.managers.Token");
/// assert_eq!(err.found(), "int");
/// assert_eq!(err.to_string(), "expected multiprocessing.managers.Token, found int");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShapeError {
    expected: &'static str,
    found: String,
}

impl ShapeError {
    pub(crate) fn new(expected: &'static str, found: &super::Value) -> ShapeError {
        ShapeError {
            expected,
            found: found.type_name().to_owned(),
        }
    }

    /// What the typed view wanted.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::{PyException, Value};
    ///
    /// let err = PyException::from_value(&Value::None).unwrap_err();
    /// assert_eq!(err.expected(), "an exception (REDUCE of a class with an argument tuple)");
    /// ```
    pub fn expected(&self) -> &'static str {
        self.expected
    }

    /// The Python type name of what was found.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::{PyException, Value};
    ///
    /// let err = PyException::from_value(&Value::None).unwrap_err();
    /// assert_eq!(err.found(), "NoneType");
    /// ```
    pub fn found(&self) -> &str {
        &self.found
    }
}

impl fmt::Display for ShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "expected {}, found {}", self.expected, self.found)
    }
}

impl Error for ShapeError {}
