//! The types a manager server serves, and the one trait each states itself through.
//!
//! A served type implements [`Served`]: its typeids, its Python class, its constructor and a
//! table of [`Method`]s. The table *is* the exposed list (in CPython's order) and the dispatch:
//! they cannot disagree. The server sees every object as a [`SharedObject`], which every
//! [`Served`] type is.

mod array;
mod barrier;
mod condition;
mod dict;
mod event;
mod iterator;
mod list;
mod lock;
mod namespace;
mod pool;
mod pydict;
mod queue;
mod semaphore;
mod sort;
mod value;

use std::sync::Arc;

use super::store::QueueStats;
use crate::managers::protocol::{CallArgs, attribute_error};
use crate::pickle::{PyException, Value};

pub(crate) use array::SharedArray;
pub(crate) use barrier::SharedBarrier;
pub(crate) use condition::SharedCondition;
pub(crate) use dict::SharedDict;
pub(crate) use event::SharedEvent;
pub(crate) use iterator::SharedIterator;
pub(crate) use list::SharedList;
pub(crate) use lock::{SharedLock, SharedRLock};
pub(crate) use namespace::SharedNamespace;
pub(crate) use pool::RefusedPool;
pub(crate) use queue::{LeasePolicy, SharedQueue};
pub(crate) use semaphore::{SharedBoundedSemaphore, SharedSemaphore};
pub(crate) use value::SharedValue;

/// What a method call produced.
pub(crate) enum Outcome {
    /// `('#RETURN', value)`.
    Return(Value),
    /// `('#RETURN', [items...])` of items the object shares (a list's `*`, slices): pickled
    /// with each distinct item once, as CPython does.
    ReturnShared(Vec<Arc<Value>>),
    /// `('#RETURN', value)` of a value the call removed from the object (a queue's `get`): if
    /// it cannot be delivered, the server hands it back with [`Served::give_back`].
    Taken(Value),
    /// `('#PROXY', ...)`: the result stays on the server as a new object of this typeid.
    Proxy(&'static str, Arc<dyn SharedObject>),
}

/// What a method returns: an outcome, or the exception it raised (`('#ERROR', exc)`).
pub(crate) type MethodResult = Result<Outcome, PyException>;

/// One exposed method: its Python name and the function that runs it.
pub(crate) struct Method<T> {
    pub(crate) name: &'static str,
    pub(crate) call: fn(&T, CallArgs) -> MethodResult,
}

/// A method table entry: `method("get", Self::get)`.
pub(crate) const fn method<T>(
    name: &'static str,
    call: fn(&T, CallArgs) -> MethodResult,
) -> Method<T> {
    Method { name, call }
}

/// A `#RETURN` of `value`: the usual end of a method.
pub(crate) fn ret(value: Value) -> MethodResult {
    Ok(Outcome::Return(value))
}

/// A type a manager server serves: stated once, registered with one line
/// ([`Registry::register`](super::registry::Registry::register)).
pub(crate) trait Served: Send + Sync + Sized + 'static {
    /// The typeids `create` builds this type for (SyncManager's `Queue` and `JoinableQueue` are
    /// one type).
    const TYPEIDS: &'static [&'static str];
    /// `type(obj)`'s qualified name, as CPython's tracebacks and `repr` show it.
    const CLASS: &'static str;
    /// The exposed methods, in CPython's order: the proxy's `_exposed_` and the dispatch.
    const METHODS: &'static [Method<Self>];

    /// Methods dispatched by name but not in the exposed list (CPython clients never see them:
    /// the Rust client's lease calls on a queue).
    const HIDDEN: &'static [Method<Self>] = &[];

    /// Builds one from `create(typeid, *args, **kwds)`'s arguments.
    fn construct(args: CallArgs) -> Result<Self, PyException>;

    /// Python's `repr(obj)` (the `__repr__`/`__str__` fallbacks).
    fn repr(&self) -> String {
        format!(
            "<{} object at 0x{:x}>",
            Self::CLASS,
            self as *const Self as usize
        )
    }

    /// The object by value (`#GETVALUE`), or the traceback line saying why it cannot be pickled.
    fn value(&self) -> Result<Value, String> {
        Err(format!("TypeError: cannot pickle '{}' object", Self::CLASS))
    }

    /// Called once when the server stops: wake every connection thread blocked in this object
    /// for good (a `get()` with no timeout would otherwise keep its thread, and everything it
    /// holds, alive forever after the clients are gone). Objects that never block keep the default.
    fn release_waiters(&self) {}

    /// Takes back a value an [`Outcome::Taken`] removed but the server could not deliver (the
    /// caller's connection closed). Types that never return `Taken` keep the default.
    fn give_back(&self, _value: Value) {}

    /// A queue's counts (depth, leased, dead-lettered), for the status page; `None` for
    /// everything that is not a queue.
    fn queue_stats(&self) -> Option<QueueStats> {
        None
    }
}

/// An object living in the server, called by name with pickled arguments (what the object
/// table holds; every [`Served`] type is one).
pub(crate) trait SharedObject: Send + Sync + 'static {
    /// The method names clients may call, in order.
    fn exposed(&self) -> Vec<&'static str>;
    /// Calls `method`; a name not exposed raises `AttributeError`.
    fn call(&self, method: &str, args: CallArgs) -> MethodResult;
    /// See [`Served::repr`].
    fn repr(&self) -> String;
    /// See [`Served::CLASS`].
    fn class(&self) -> &'static str;
    /// See [`Served::value`].
    fn value(&self) -> Result<Value, String>;
    /// See [`Served::release_waiters`].
    fn release_waiters(&self);
    /// See [`Served::give_back`].
    fn give_back(&self, value: Value);
    /// Whether `method` is one of [`Served::HIDDEN`].
    fn has_hidden(&self, _method: &str) -> bool {
        false
    }
    /// See [`Served::queue_stats`].
    fn queue_stats(&self) -> Option<QueueStats> {
        None
    }
}

impl<T: Served> SharedObject for T {
    fn exposed(&self) -> Vec<&'static str> {
        T::METHODS.iter().map(|m| m.name).collect()
    }

    fn call(&self, method: &str, args: CallArgs) -> MethodResult {
        match T::METHODS
            .iter()
            .chain(T::HIDDEN)
            .find(|m| m.name == method)
        {
            Some(m) => (m.call)(self, args),
            None => Err(attribute_error(format!(
                "'{}' object has no attribute '{method}'",
                T::CLASS
            ))),
        }
    }

    fn repr(&self) -> String {
        Served::repr(self)
    }

    fn class(&self) -> &'static str {
        T::CLASS
    }

    fn value(&self) -> Result<Value, String> {
        Served::value(self)
    }

    fn release_waiters(&self) {
        Served::release_waiters(self);
    }

    fn give_back(&self, value: Value) {
        Served::give_back(self, value);
    }

    fn has_hidden(&self, method: &str) -> bool {
        T::HIDDEN.iter().any(|m| m.name == method)
    }

    fn queue_stats(&self) -> Option<QueueStats> {
        Served::queue_stats(self)
    }
}
