//! SyncManager's `Lock` and `RLock` (proxied by `AcquirerProxy`: `acquire`, `release`).
//!
//! Each client connection has its own server thread, so an `RLock`'s owner is the connection
//! that acquired it, as in CPython.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use pythreading::threading::{Lock, RLock};

use super::{Method, MethodResult, Served, method, ret};
use crate::managers::protocol::{CallArgs, WATCH_SLICE, Wait, runtime_error};
use crate::pickle::{PyException, Value};

/// `acquire(blocking=True, timeout=-1)` on anything with a timed acquire. With no timeout it
/// waits in slices, so that a stopping server ([`Served::release_waiters`]) or a client that
/// went away ends it: the thread would otherwise stay parked for good. (A lock acquired for a
/// client that is gone stays held, as in CPython: its owner's connection is what held it.)
fn acquire(
    qualname: &str,
    args: CallArgs,
    stopped: &AtomicBool,
    acquire_timeout: impl Fn(Duration) -> bool,
) -> MethodResult {
    let caller = args.caller.clone();
    let a = args.bind(qualname, &["blocking", "timeout"], 0)?;
    let got = match Wait::acquire(a[0].as_ref(), a[1].as_ref())? {
        Wait::Poll => acquire_timeout(Duration::ZERO),
        Wait::For(d) => acquire_timeout(d),
        Wait::Forever => loop {
            if stopped.load(Ordering::Acquire) {
                return Err(runtime_error("the manager server is stopping"));
            }
            if acquire_timeout(WATCH_SLICE) {
                break true;
            }
            if caller.as_ref().is_some_and(|c| c.gone()) {
                return Err(runtime_error("the client went away while waiting"));
            }
        },
    };
    ret(Value::Bool(got))
}

pub(crate) struct SharedLock(Lock, AtomicBool);

impl SharedLock {
    fn acquire(&self, args: CallArgs) -> MethodResult {
        acquire("lock.acquire", args, &self.1, |d| self.0.acquire_timeout(d))
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
        Ok(SharedLock(Lock::new(), AtomicBool::new(false)))
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
}

pub(crate) struct SharedRLock(RLock, AtomicBool);

impl SharedRLock {
    fn acquire(&self, args: CallArgs) -> MethodResult {
        acquire("RLock.acquire", args, &self.1, |d| {
            self.0.acquire_timeout(d)
        })
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
        Ok(SharedRLock(RLock::new(), AtomicBool::new(false)))
    }

    fn release_waiters(&self) {
        self.1.store(true, Ordering::Release);
    }
}
