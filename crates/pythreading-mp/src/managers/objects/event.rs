//! SyncManager's `Event` (served as `threading.Event`, proxied by `EventProxy`).

use pythreading::threading::Event;

use super::super::pyvalue::timeout_of;
use super::{CallArgs, Outcome, SharedObject};
use crate::pickle::Value;

pub(crate) struct SharedEvent(Event);

impl SharedEvent {
    pub(crate) fn new() -> Self {
        SharedEvent(Event::new())
    }
}

impl SharedObject for SharedEvent {
    fn exposed(&self) -> &'static [&'static str] {
        &["is_set", "set", "clear", "wait"]
    }

    fn call(&self, method: &str, args: CallArgs) -> Outcome {
        let r = match method {
            "is_set" => args
                .none("Event.is_set")
                .map(|()| Value::Bool(self.0.is_set())),
            "set" => args.none("Event.set").map(|()| {
                self.0.set();
                Value::None
            }),
            "clear" => args.none("Event.clear").map(|()| {
                self.0.clear();
                Value::None
            }),
            "wait" => args
                .bind("Event.wait", &["timeout"], 0)
                .and_then(|a| timeout_of(a[0].as_ref()))
                .map(|t| {
                    Value::Bool(match t {
                        None => {
                            self.0.wait();
                            true
                        }
                        Some(d) => self.0.wait_timeout(d),
                    })
                }),
            _ => {
                return Outcome::Raise(super::super::pyvalue::builtin_exc(
                    "AttributeError",
                    method,
                ));
            }
        };
        r.into()
    }

    fn class(&self) -> &'static str {
        "threading.Event"
    }

    fn repr(&self) -> String {
        let state = if self.0.is_set() { "set" } else { "unset" };
        format!(
            "<threading.Event at 0x{:x}: {state}>",
            self as *const Self as usize
        )
    }

    fn release_waiters(&self) {
        // Setting the event ends every `wait()`; the server is stopping, so no client observes it.
        self.0.set();
    }

    fn value(&self) -> Result<Value, String> {
        Err("TypeError: cannot pickle '_thread.lock' object".into())
    }
}
