//! The objects a manager server shares, and the one trait the server calls them through.

mod args;
mod dict;
mod event;
mod iterator;
mod list;
mod lock;
mod queue;

use std::sync::Arc;

use crate::pickle::Value;

pub(crate) use args::CallArgs;
pub(crate) use dict::SharedDict;
pub(crate) use event::SharedEvent;
pub(crate) use iterator::SharedIterator;
pub(crate) use list::SharedList;
pub(crate) use lock::{SharedLock, SharedRLock};
pub(crate) use queue::SharedQueue;

/// What a method call produced.
pub(crate) enum Outcome {
    /// `('#RETURN', value)`.
    Return(Value),
    /// `('#ERROR', exception)`: the method raised.
    Raise(Value),
    /// `('#PROXY', ...)`: the result stays on the server as a new object of this typeid.
    Proxy(&'static str, Arc<dyn SharedObject>),
}

impl From<Result<Value, Value>> for Outcome {
    fn from(r: Result<Value, Value>) -> Self {
        match r {
            Ok(v) => Outcome::Return(v),
            Err(e) => Outcome::Raise(e),
        }
    }
}

/// An object living in the server, called by name with pickled arguments.
pub(crate) trait SharedObject: Send + Sync + 'static {
    /// The method names clients may call (the proxy's `_exposed_`), in CPython's order.
    fn exposed(&self) -> &'static [&'static str];
    /// Calls an exposed method. Blocking methods block only the calling connection's thread.
    fn call(&self, method: &str, args: CallArgs) -> Outcome;
    /// Python's `repr(obj)` (the `__repr__`/`__str__` fallbacks).
    fn repr(&self) -> String;
    /// `type(obj)`'s qualified name, as CPython's tracebacks show it (`queue.Queue`).
    fn class(&self) -> &'static str;
    /// The object by value (`#GETVALUE`), or why it cannot be pickled.
    fn value(&self) -> Result<Value, String>;
    /// Called once when the server stops: wake every connection thread blocked in this object
    /// for good (a `get()` with no timeout would otherwise keep its thread, and everything it
    /// holds, alive forever after the clients are gone). Objects that never block keep the default.
    fn release_waiters(&self) {}
}
