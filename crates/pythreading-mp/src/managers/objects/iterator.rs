//! The `Iterator` typeid: what `__iter__` of a shared dict returns, kept on the server.

use std::collections::VecDeque;
use std::sync::Mutex;

use super::super::pyvalue::{builtin_exc, exception};
use super::{CallArgs, Outcome, SharedObject};
use crate::pickle::Value;

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
}

impl SharedObject for SharedIterator {
    fn exposed(&self) -> &'static [&'static str] {
        &["__next__", "send", "throw", "close"]
    }

    fn call(&self, method: &str, args: CallArgs) -> Outcome {
        match method {
            "__next__" => {
                if let Err(e) = args.none("__next__") {
                    return Outcome::Raise(e);
                }
                let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
                if st.exhausted {
                    return Outcome::Raise(exception("builtins", "StopIteration", Vec::new()));
                }
                // A dropped container counts as changed (its size is no longer the same).
                if st.size.is_none() || (self.probe)() != st.size {
                    st.size = None;
                    return Outcome::Raise(builtin_exc(
                        "RuntimeError",
                        "dictionary changed size during iteration",
                    ));
                }
                match st.items.pop_front() {
                    Some(v) => Outcome::Return(v),
                    None => {
                        st.exhausted = true;
                        Outcome::Raise(exception("builtins", "StopIteration", Vec::new()))
                    }
                }
            }
            "close" => {
                let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
                st.items.clear();
                st.exhausted = true;
                Outcome::Return(Value::None)
            }
            _ => Outcome::Raise(builtin_exc(
                "AttributeError",
                format!("'dict_keyiterator' object has no attribute '{method}'"),
            )),
        }
    }

    fn class(&self) -> &'static str {
        "dict_keyiterator"
    }

    fn repr(&self) -> String {
        format!(
            "<dict_keyiterator object at 0x{:x}>",
            self as *const Self as usize
        )
    }

    fn value(&self) -> Result<Value, String> {
        Err("TypeError: cannot pickle 'dict_keyiterator' object".into())
    }
}
