//! The exceptions served methods raise, as [`PyException`] values (CPython's classes and
//! messages, so a CPython client sees the exception it would see from CPython's server).

use crate::pickle::{PyException, Value};

fn builtin(name: &str, message: impl Into<String>) -> PyException {
    PyException::builtin(name, vec![Value::Str(message.into())])
}

/// `TypeError(message)`.
pub(crate) fn type_error(message: impl Into<String>) -> PyException {
    builtin("TypeError", message)
}

/// `ValueError(message)`.
pub(crate) fn value_error(message: impl Into<String>) -> PyException {
    builtin("ValueError", message)
}

/// `RuntimeError(message)`.
pub(crate) fn runtime_error(message: impl Into<String>) -> PyException {
    builtin("RuntimeError", message)
}

/// `IndexError(message)`.
pub(crate) fn index_error(message: impl Into<String>) -> PyException {
    builtin("IndexError", message)
}

/// `AttributeError(message)`.
pub(crate) fn attribute_error(message: impl Into<String>) -> PyException {
    builtin("AttributeError", message)
}

/// `MemoryError(message)`: what a request that would exceed a server limit raises.
pub(crate) fn memory_error(message: impl Into<String>) -> PyException {
    builtin("MemoryError", message)
}

/// `queue.ShutDown()` (3.13+).
pub(crate) fn queue_shut_down() -> PyException {
    PyException::new("queue", "ShutDown", Vec::new())
}
