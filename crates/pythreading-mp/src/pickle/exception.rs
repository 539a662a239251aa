//! Exceptions as they travel in `#ERROR` replies: by value, without traceback.

use std::fmt;

use super::shape::ShapeError;
use super::value::{Reduce, Value};

const EXPECTED: &str = "an exception (REDUCE of a class with an argument tuple)";

/// A Python exception instance as pickled by `BaseException.__reduce__`:
/// `REDUCE(module.qualname, args)`, followed by `BUILD(__dict__)` when the instance has
/// attributes (`__notes__`, custom fields).
///
/// How CPython pickles the ones managers send (all checked against CPython 3.11–3.13):
///
/// | Python | module, name | args |
/// |---|---|---|
/// | `queue.Empty()` raised by `Queue.get` | `_queue`, `Empty` (the C accelerator) | `()` |
/// | `queue.Full()` | `queue`, `Full` | `()` |
/// | `KeyError('k')` | `builtins`, `KeyError` | `('k',)` |
/// | `StopIteration()` | `builtins`, `StopIteration` | `()` |
/// | `OSError(2, 'x')` | `builtins`, `FileNotFoundError` (errno mapping) | `(2, 'x')` |
/// | `RemoteError('tb')` | `multiprocessing.managers`, `RemoteError` | `('tb',)` |
///
/// This is a *shape*: any `REDUCE` of a global with a tuple of arguments reads as a
/// `PyException` (a `complex` would too); use it where the protocol says an exception is due.
///
/// # Examples
///
/// ```
/// use pythreading_mp::pickle::{self, PyException, Value};
///
/// let reply = pickle::loads(b"\x80\x04\x95\"\0\0\0\0\0\0\0\x8c\x06#ERROR\x94\x8c\x06_queue\x94\x8c\x05Empty\x94\x93\x94)R\x94\x86\x94.")?;
/// let [_, exc] = reply.as_tuple().unwrap() else { panic!() };
/// let exc = PyException::from_value(exc)?;
/// assert!(exc.is_queue_empty());
/// assert_eq!(exc.to_string(), "_queue.Empty()");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[doc(alias = "BaseException")]
#[derive(Clone, Debug, PartialEq)]
pub struct PyException {
    /// The class's module, e.g. `"builtins"`, `"_queue"`.
    pub module: String,
    /// The class's qualified name, e.g. `"KeyError"`.
    pub name: String,
    /// `exc.args`.
    pub args: Vec<Value>,
    /// The `BUILD` state (the instance `__dict__`), if any.
    pub state: Option<Value>,
}

impl PyException {
    /// An exception `module.name(*args)` without state.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::{PyException, Value};
    ///
    /// let e = PyException::new("builtins", "ValueError", vec!["bad".into(), 42.into()]);
    /// assert_eq!(e.to_string(), "builtins.ValueError('bad', 42)");
    /// ```
    pub fn new(
        module: impl Into<String>,
        name: impl Into<String>,
        args: Vec<Value>,
    ) -> PyException {
        PyException {
            module: module.into(),
            name: name.into(),
            args,
            state: None,
        }
    }

    /// A built-in exception, `builtins.name(*args)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::PyException;
    ///
    /// let e = PyException::builtin("TypeError", vec!["no".into()]);
    /// assert!(e.is_builtin("TypeError"));
    /// ```
    pub fn builtin(name: impl Into<String>, args: Vec<Value>) -> PyException {
        PyException::new("builtins", name, args)
    }

    /// `queue.Empty()` as CPython's server sends it: global `_queue.Empty`.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::{self, PyException};
    ///
    /// let e = PyException::queue_empty();
    /// assert_eq!((e.module.as_str(), e.name.as_str()), ("_queue", "Empty"));
    /// // byte-identical to CPython's pickle of queue.Empty()
    /// assert_eq!(
    ///     pickle::dumps(&e.to_value()),
    ///     b"\x80\x04\x95\x17\0\0\0\0\0\0\0\x8c\x06_queue\x94\x8c\x05Empty\x94\x93\x94)R\x94."
    /// );
    /// ```
    #[doc(alias = "queue.Empty")]
    pub fn queue_empty() -> PyException {
        PyException::new("_queue", "Empty", Vec::new())
    }

    /// `queue.Full()`: global `queue.Full` (pure Python).
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::PyException;
    ///
    /// assert!(PyException::queue_full().is_queue_full());
    /// ```
    #[doc(alias = "queue.Full")]
    pub fn queue_full() -> PyException {
        PyException::new("queue", "Full", Vec::new())
    }

    /// `StopIteration()`, the end of a remote iterator.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::PyException;
    ///
    /// assert!(PyException::stop_iteration().is_stop_iteration());
    /// ```
    pub fn stop_iteration() -> PyException {
        PyException::builtin("StopIteration", Vec::new())
    }

    /// `KeyError(key)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::{PyException, Value};
    ///
    /// let e = PyException::key_error("k".into());
    /// assert_eq!(e.args, [Value::from("k")]);
    /// ```
    pub fn key_error(key: Value) -> PyException {
        PyException::builtin("KeyError", vec![key])
    }

    /// `multiprocessing.managers.RemoteError(text)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::PyException;
    ///
    /// let e = PyException::remote_error("Traceback ...");
    /// assert_eq!(e.message(), Some("Traceback ..."));
    /// ```
    #[doc(alias = "RemoteError")]
    pub fn remote_error(text: impl Into<String>) -> PyException {
        PyException::new(
            "multiprocessing.managers",
            "RemoteError",
            vec![Value::Str(text.into())],
        )
    }

    /// Whether this is `queue.Empty` (global `_queue.Empty` or `queue.Empty`).
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::PyException;
    ///
    /// assert!(PyException::new("queue", "Empty", vec![]).is_queue_empty());
    /// assert!(PyException::queue_empty().is_queue_empty());
    /// ```
    pub fn is_queue_empty(&self) -> bool {
        matches!(self.module.as_str(), "_queue" | "queue") && self.name == "Empty"
    }

    /// Whether this is `queue.Full`.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::PyException;
    ///
    /// assert!(!PyException::queue_empty().is_queue_full());
    /// ```
    pub fn is_queue_full(&self) -> bool {
        self.module == "queue" && self.name == "Full"
    }

    /// Whether this is `queue.ShutDown` (3.13+).
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::PyException;
    ///
    /// assert!(PyException::new("queue", "ShutDown", vec![]).is_queue_shut_down());
    /// ```
    #[doc(alias = "queue.ShutDown")]
    pub fn is_queue_shut_down(&self) -> bool {
        self.module == "queue" && self.name == "ShutDown"
    }

    /// Whether this is `StopIteration`.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::PyException;
    ///
    /// assert!(!PyException::queue_empty().is_stop_iteration());
    /// ```
    pub fn is_stop_iteration(&self) -> bool {
        self.is_builtin("StopIteration")
    }

    /// Whether this is the built-in exception `name` (`KeyError`, `TypeError`, ...).
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::{PyException, Value};
    ///
    /// assert!(PyException::key_error(Value::None).is_builtin("KeyError"));
    /// ```
    pub fn is_builtin(&self, name: &str) -> bool {
        self.module == "builtins" && self.name == name
    }

    /// The message: the single `str` argument, if `args` is exactly that.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::PyException;
    ///
    /// assert_eq!(PyException::builtin("ValueError", vec!["bad".into()]).message(), Some("bad"));
    /// assert_eq!(PyException::queue_empty().message(), None);
    /// ```
    pub fn message(&self) -> Option<&str> {
        match self.args.as_slice() {
            [v] => v.as_str(),
            _ => None,
        }
    }

    /// The value to pickle: `REDUCE(module.name, args)`, then `BUILD(state)` if there is state.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::{PyException, Value};
    ///
    /// let v = PyException::stop_iteration().to_value();
    /// assert_eq!(PyException::from_value(&v)?, PyException::stop_iteration());
    /// # Ok::<(), pythreading_mp::pickle::ShapeError>(())
    /// ```
    pub fn to_value(&self) -> Value {
        Value::Reduce(Box::new(Reduce {
            callable: Value::global(self.module.as_str(), self.name.as_str()),
            args: Value::Tuple(self.args.clone()),
            state: self.state.clone(),
            list_items: Vec::new(),
            dict_items: Vec::new(),
        }))
    }

    /// Reads an exception from its pickled shape.
    ///
    /// # Errors
    ///
    /// [`ShapeError`] unless `v` is a [`Value::Reduce`] of a [`Value::Global`] with a tuple of
    /// arguments and no appended items.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::{PyException, Value};
    ///
    /// assert!(PyException::from_value(&Value::from("KeyError")).is_err());
    /// ```
    pub fn from_value(v: &Value) -> Result<PyException, ShapeError> {
        let err = || ShapeError::new(EXPECTED, v);
        let Value::Reduce(r) = v else {
            return Err(err());
        };
        let (module, name) = r.callable.as_global().ok_or_else(err)?;
        let args = r.args.as_tuple().ok_or_else(err)?;
        if !r.list_items.is_empty() || !r.dict_items.is_empty() {
            return Err(err());
        }
        Ok(PyException {
            module: module.to_owned(),
            name: name.to_owned(),
            args: args.to_vec(),
            state: r.state.clone(),
        })
    }
}

impl fmt::Display for PyException {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Like repr(exc), qualified: `builtins.KeyError('k')`.
        write!(f, "{}.{}(", self.module, self.name)?;
        for (i, a) in self.args.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write_repr(f, a)?;
        }
        f.write_str(")")
    }
}

impl std::error::Error for PyException {}

impl From<&PyException> for Value {
    fn from(e: &PyException) -> Value {
        e.to_value()
    }
}

/// A short Python-like repr for exception arguments.
fn write_repr(f: &mut fmt::Formatter<'_>, v: &Value) -> fmt::Result {
    match v {
        Value::None => f.write_str("None"),
        Value::Bool(true) => f.write_str("True"),
        Value::Bool(false) => f.write_str("False"),
        Value::Int(i) => write!(f, "{i}"),
        Value::BigInt(b) => write!(f, "{b}"),
        Value::Float(x) => write!(f, "{x:?}"),
        Value::Str(s) => write!(f, "'{}'", s.escape_debug()),
        other => write!(f, "<{}>", other.type_name()),
    }
}
