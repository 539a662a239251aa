//! SyncManager's `Lock` and `RLock` (proxied by `AcquirerProxy`: `acquire`, `release`).
//!
//! Each client connection has its own server thread, so an `RLock`'s owner is the connection
//! that acquired it, as in CPython.

use pythreading::threading::{Lock, RLock};

use super::super::pyvalue::{builtin_exc, runtime_error, timeout_of, truthy, value_error};
use super::{CallArgs, Outcome, SharedObject};
use crate::pickle::Value;

/// `acquire(blocking=True, timeout=-1)` arguments: `None` = forever, `Some(ZERO)` = poll.
fn acquire_mode(args: CallArgs, qualname: &str) -> Result<Option<std::time::Duration>, Value> {
    let a = args.bind(qualname, &["blocking", "timeout"], 0)?;
    let blocking = a[0].as_ref().is_none_or(truthy);
    let timeout = match &a[1] {
        Some(Value::Int(-1)) | None => None,
        Some(Value::Float(f)) if *f == -1.0 => None,
        Some(t) => {
            if !blocking {
                return Err(value_error(
                    "can't specify a timeout for a non-blocking call",
                ));
            }
            match timeout_of(Some(t)) {
                Ok(t) => t,
                Err(_) => return Err(value_error("timeout value must be a non-negative number")),
            }
        }
    };
    Ok(if blocking {
        timeout
    } else {
        Some(std::time::Duration::ZERO)
    })
}

pub(crate) struct SharedLock(Lock);

impl SharedLock {
    pub(crate) fn new() -> Self {
        SharedLock(Lock::new())
    }
}

impl SharedObject for SharedLock {
    fn exposed(&self) -> &'static [&'static str] {
        &["acquire", "release"]
    }

    fn call(&self, method: &str, args: CallArgs) -> Outcome {
        let r = match method {
            "acquire" => acquire_mode(args, "lock.acquire").map(|mode| {
                Value::Bool(match mode {
                    None => {
                        self.0.acquire();
                        true
                    }
                    Some(d) => self.0.acquire_timeout(d),
                })
            }),
            "release" => args.none("lock.release").and_then(|()| {
                self.0
                    .release()
                    .map(|()| Value::None)
                    .map_err(|_| runtime_error("release unlocked lock"))
            }),
            _ => Err(builtin_exc("AttributeError", method)),
        };
        r.into()
    }

    fn repr(&self) -> String {
        let state = if self.0.locked() {
            "locked"
        } else {
            "unlocked"
        };
        format!(
            "<{state} _thread.lock object at 0x{:x}>",
            self as *const Self as usize
        )
    }

    fn value(&self) -> Result<Value, String> {
        Err("TypeError: cannot pickle '_thread.lock' object".into())
    }
}

pub(crate) struct SharedRLock(RLock);

impl SharedRLock {
    pub(crate) fn new() -> Self {
        SharedRLock(RLock::new())
    }
}

impl SharedObject for SharedRLock {
    fn exposed(&self) -> &'static [&'static str] {
        &["acquire", "release"]
    }

    fn call(&self, method: &str, args: CallArgs) -> Outcome {
        let r = match method {
            "acquire" => acquire_mode(args, "RLock.acquire").map(|mode| {
                Value::Bool(match mode {
                    None => {
                        self.0.acquire();
                        true
                    }
                    Some(d) => self.0.acquire_timeout(d),
                })
            }),
            "release" => args.none("RLock.release").and_then(|()| {
                self.0
                    .release()
                    .map(|()| Value::None)
                    .map_err(|_| runtime_error("cannot release un-acquired lock"))
            }),
            _ => Err(builtin_exc("AttributeError", method)),
        };
        r.into()
    }

    fn repr(&self) -> String {
        format!(
            "<_thread.RLock object at 0x{:x}>",
            self as *const Self as usize
        )
    }

    fn value(&self) -> Result<Value, String> {
        Err("TypeError: cannot pickle '_thread.RLock' object".into())
    }
}
