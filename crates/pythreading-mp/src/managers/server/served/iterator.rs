//! The `Iterator` typeid: what `__iter__` of a shared dict returns, kept on the server.

use std::collections::VecDeque;
use std::sync::Mutex;

use super::{Method, MethodResult, Served, method, ret};
use crate::managers::protocol::{CallArgs, attribute_error, runtime_error, value_error};
use crate::pickle::{PyException, Value};

/// The current size of the container being iterated (`None` once it is gone).
pub(crate) type SizeProbe = Box<dyn Fn() -> Option<usize> + Send + Sync>;

/// Iterates over a snapshot taken when `__iter__` was called. Like CPython's `dict_keyiterator`,
/// a watched iterator raises `RuntimeError` on every `__next__` (until exhausted) once the
/// container's size differs from its size at `__iter__` time (MP-M17).
pub(crate) struct SharedIterator {
    state: Mutex<State>,
    probe: SizeProbe,
}

struct State {
    items: VecDeque<Value>,
    /// The size seen at `__iter__`; `None` once a size change was reported (CPython then keeps
    /// raising, as its `di_used` is set to -1).
    size: Option<usize>,
    exhausted: bool,
}

impl SharedIterator {
    /// An iterator that checks the container's size through `probe` on each `__next__`.
    pub(crate) fn watching(items: Vec<Value>, probe: SizeProbe) -> Self {
        let size = Some(items.len());
        SharedIterator {
            state: Mutex::new(State {
                items: items.into(),
                size,
                exhausted: false,
            }),
            probe,
        }
    }

    fn next(&self, args: CallArgs) -> MethodResult {
        args.none("__next__")?;
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if st.exhausted {
            return Err(PyException::stop_iteration());
        }
        // A dropped container counts as changed (its size is no longer the same).
        if st.size.is_none() || (self.probe)() != st.size {
            st.size = None;
            return Err(runtime_error("dictionary changed size during iteration"));
        }
        match st.items.pop_front() {
            Some(v) => ret(v),
            None => {
                st.exhausted = true;
                Err(PyException::stop_iteration())
            }
        }
    }

    fn close(&self, _args: CallArgs) -> MethodResult {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        st.items.clear();
        st.exhausted = true;
        ret(Value::None)
    }

    /// `send` is exposed (CPython's `IteratorProxy` lists it) but a key iterator has none, as
    /// in CPython.
    fn send(&self, _args: CallArgs) -> MethodResult {
        Err(attribute_error(
            "'dict_keyiterator' object has no attribute 'send'",
        ))
    }

    /// As `send`.
    fn throw(&self, _args: CallArgs) -> MethodResult {
        Err(attribute_error(
            "'dict_keyiterator' object has no attribute 'throw'",
        ))
    }
}

impl Served for SharedIterator {
    const TYPEIDS: &'static [&'static str] = &["Iterator"];
    const CLASS: &'static str = "dict_keyiterator";
    const METHODS: &'static [Method<Self>] = &[
        method("__next__", Self::next),
        method("send", Self::send),
        method("throw", Self::throw),
        method("close", Self::close),
    ];

    /// SyncManager registers `Iterator` without a callable (`#PROXY` results only); `create`
    /// fails as CPython's does.
    fn construct(_args: CallArgs) -> Result<Self, PyException> {
        Err(value_error(
            "Without callable, must have one non-keyword argument",
        ))
    }
}
