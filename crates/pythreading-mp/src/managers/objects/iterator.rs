//! The `Iterator` typeid: what `__iter__` of a shared dict returns, kept on the server.

use std::collections::VecDeque;
use std::sync::Mutex;

use super::super::pyvalue::{builtin_exc, exception};
use super::{CallArgs, Outcome, SharedObject};
use crate::pickle::Value;

/// Iterates over a snapshot taken when `__iter__` was called.
pub(crate) struct SharedIterator(Mutex<VecDeque<Value>>);

impl SharedIterator {
    pub(crate) fn new(items: Vec<Value>) -> Self {
        SharedIterator(Mutex::new(items.into()))
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
                let next = self.0.lock().unwrap_or_else(|p| p.into_inner()).pop_front();
                match next {
                    Some(v) => Outcome::Return(v),
                    None => Outcome::Raise(exception("builtins", "StopIteration", Vec::new())),
                }
            }
            "close" => {
                self.0.lock().unwrap_or_else(|p| p.into_inner()).clear();
                Outcome::Return(Value::None)
            }
            _ => Outcome::Raise(builtin_exc(
                "AttributeError",
                format!("'dict_keyiterator' object has no attribute '{method}'"),
            )),
        }
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
