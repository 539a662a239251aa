//! SyncManager's `Lock` and `RLock` (proxied by `AcquirerProxy`: `acquire`, `release`).
//!
//! Each client connection has its own server thread, so an `RLock`'s owner is the connection
//! that acquired it, as in CPython.

use std::time::Duration;

use pythreading::threading::{Lock, RLock};

use super::acquirer::Acquirer;
use super::{Method, MethodResult, Served, method, ret};
use crate::managers::protocol::{CallArgs, Wait, runtime_error};
use crate::pickle::{PyException, Value};

/// A lock's `acquire(blocking=True, timeout=-1)` on anything with a timed acquire.
fn acquire<P>(
    qualname: &str,
    args: CallArgs,
    lock: &Acquirer<P>,
    acquire_timeout: fn(&P, Duration) -> bool,
) -> MethodResult {
    let caller = args.caller.clone();
    let a = args.bind(qualname, &["blocking", "timeout"], 0)?;
    let wait = Wait::acquire(a[0].as_ref(), a[1].as_ref())?;
    lock.acquire(wait, caller.as_ref(), acquire_timeout)
}

pub(crate) struct SharedLock(Acquirer<Lock>);

impl SharedLock {
    fn acquire(&self, args: CallArgs) -> MethodResult {
        acquire("lock.acquire", args, &self.0, Lock::acquire_timeout)
    }

    fn release(&self, args: CallArgs) -> MethodResult {
        args.none("lock.release")?;
        self.0
            .release()
            .map_err(|_| runtime_error("release unlocked lock"))?;
        ret(Value::None)
    }
}

impl Served for SharedLock {
    const TYPEIDS: &'static [&'static str] = &["Lock"];
    const CLASS: &'static str = "_thread.lock";
    const METHODS: &'static [Method<Self>] = &[
        method("acquire", Self::acquire),
        method("release", Self::release),
    ];

    fn construct(args: CallArgs) -> Result<Self, PyException> {
        args.none("Lock")?;
        Ok(SharedLock(Acquirer::new(Lock::new())))
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
        self.0.release_waiters();
    }
}

pub(crate) struct SharedRLock(Acquirer<RLock>);

impl SharedRLock {
    fn acquire(&self, args: CallArgs) -> MethodResult {
        acquire("RLock.acquire", args, &self.0, RLock::acquire_timeout)
    }

    fn release(&self, args: CallArgs) -> MethodResult {
        args.none("RLock.release")?;
        self.0
            .release()
            .map_err(|_| runtime_error("cannot release un-acquired lock"))?;
        ret(Value::None)
    }
}

impl Served for SharedRLock {
    const TYPEIDS: &'static [&'static str] = &["RLock"];
    const CLASS: &'static str = "_thread.RLock";
    const METHODS: &'static [Method<Self>] = &[
        method("acquire", Self::acquire),
        method("release", Self::release),
    ];

    fn construct(args: CallArgs) -> Result<Self, PyException> {
        args.none("RLock")?;
        Ok(SharedRLock(Acquirer::new(RLock::new())))
    }

    fn release_waiters(&self) {
        self.0.release_waiters();
    }
}
