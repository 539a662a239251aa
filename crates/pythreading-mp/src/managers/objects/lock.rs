//! SyncManager's `Lock` and `RLock` (proxied by `AcquirerProxy`: `acquire`, `release`).
//!
//! Each client connection has its own server thread, so an `RLock`'s owner is the connection
//! that acquired it, as in CPython.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

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

/// How often an `acquire()` with no timeout looks at the stop flag. Acquiring is not delayed
/// by it: each slice wakes at once when the lock is released.
const STOP_CHECK: Duration = Duration::from_millis(100);

/// `acquire()` with no timeout, in slices, so that a stopping server can end it
/// ([`SharedObject::release_waiters`]): its client is gone, and the thread would otherwise stay
/// parked for good.
fn acquire_until_stopped(
    stopped: &AtomicBool,
    acquire_timeout: impl Fn(Duration) -> bool,
) -> Result<bool, Value> {
    loop {
        if stopped.load(Ordering::Acquire) {
            return Err(runtime_error("the manager server is stopping"));
        }
        if acquire_timeout(STOP_CHECK) {
            return Ok(true);
        }
    }
}

pub(crate) struct SharedLock(Lock, AtomicBool);

impl SharedLock {
    pub(crate) fn new() -> Self {
        SharedLock(Lock::new(), AtomicBool::new(false))
    }
}

impl SharedObject for SharedLock {
    fn exposed(&self) -> &'static [&'static str] {
        &["acquire", "release"]
    }

    fn call(&self, method: &str, args: CallArgs) -> Outcome {
        let r = match method {
            "acquire" => acquire_mode(args, "lock.acquire").and_then(|mode| {
                Ok(Value::Bool(match mode {
                    None => acquire_until_stopped(&self.1, |d| self.0.acquire_timeout(d))?,
                    Some(d) => self.0.acquire_timeout(d),
                }))
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

    fn class(&self) -> &'static str {
        "_thread.lock"
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

    fn release_waiters(&self) {
        self.1.store(true, Ordering::Release);
    }

    fn value(&self) -> Result<Value, String> {
        Err("TypeError: cannot pickle '_thread.lock' object".into())
    }
}

pub(crate) struct SharedRLock(RLock, AtomicBool);

impl SharedRLock {
    pub(crate) fn new() -> Self {
        SharedRLock(RLock::new(), AtomicBool::new(false))
    }
}

impl SharedObject for SharedRLock {
    fn exposed(&self) -> &'static [&'static str] {
        &["acquire", "release"]
    }

    fn call(&self, method: &str, args: CallArgs) -> Outcome {
        let r = match method {
            "acquire" => acquire_mode(args, "RLock.acquire").and_then(|mode| {
                Ok(Value::Bool(match mode {
                    None => acquire_until_stopped(&self.1, |d| self.0.acquire_timeout(d))?,
                    Some(d) => self.0.acquire_timeout(d),
                }))
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

    fn class(&self) -> &'static str {
        "_thread.RLock"
    }

    fn repr(&self) -> String {
        format!(
            "<_thread.RLock object at 0x{:x}>",
            self as *const Self as usize
        )
    }

    fn release_waiters(&self) {
        self.1.store(true, Ordering::Release);
    }

    fn value(&self) -> Result<Value, String> {
        Err("TypeError: cannot pickle '_thread.RLock' object".into())
    }
}
