//! What the served `Lock`, `RLock`, `Semaphore` and `BoundedSemaphore` share (CPython proxies
//! all four with `AcquirerProxy`): the primitive with its stop flag, and acquiring, once the
//! call's `blocking`/`timeout` arguments have been read by each type's own rules.

use std::ops::Deref;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::{MethodResult, ret};
use crate::managers::protocol::{ClientWatch, WATCH_SLICE, Wait, runtime_error};
use crate::pickle::Value;

/// A served primitive `P` and the flag that ends the waits in it when the server stops.
pub(super) struct Acquirer<P> {
    primitive: P,
    /// Set by [`release_waiters`](Acquirer::release_waiters).
    stopped: AtomicBool,
}

impl<P> Acquirer<P> {
    pub(super) fn new(primitive: P) -> Self {
        Acquirer {
            primitive,
            stopped: AtomicBool::new(false),
        }
    }

    /// Acquires with `acquire_timeout` as `wait` says; `True` or `False` as Python returns.
    ///
    /// Waiting forever goes in slices of [`WATCH_SLICE`], so that a stopping server (see
    /// [`release_waiters`](Acquirer::release_waiters)) or a `caller` that went away ends it:
    /// the thread would otherwise stay parked for good. (A lock acquired for a client that is
    /// gone stays held, as in CPython: its owner's connection is what held it.)
    pub(super) fn acquire(
        &self,
        wait: Wait,
        caller: Option<&Arc<ClientWatch>>,
        acquire_timeout: fn(&P, Duration) -> bool,
    ) -> MethodResult {
        let p = &self.primitive;
        let got = match wait {
            Wait::Poll => acquire_timeout(p, Duration::ZERO),
            Wait::For(d) => acquire_timeout(p, d),
            Wait::Forever => loop {
                if self.stopped.load(Ordering::Acquire) {
                    return Err(runtime_error("the manager server is stopping"));
                }
                if acquire_timeout(p, WATCH_SLICE) {
                    break true;
                }
                if caller.is_some_and(|c| c.gone()) {
                    return Err(runtime_error("the client went away while waiting"));
                }
            },
        };
        ret(Value::Bool(got))
    }

    /// Ends every forever-wait in [`acquire`](Acquirer::acquire), now and later: what each
    /// type's [`Served::release_waiters`](super::Served::release_waiters) does.
    pub(super) fn release_waiters(&self) {
        self.stopped.store(true, Ordering::Release);
    }
}

/// The primitive itself, for everything but acquiring (`release`, `locked`, `value`).
impl<P> Deref for Acquirer<P> {
    type Target = P;

    fn deref(&self) -> &P {
        &self.primitive
    }
}
