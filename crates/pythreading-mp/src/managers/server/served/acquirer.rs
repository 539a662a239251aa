//! What the served `Lock`, `RLock`, `Semaphore` and `BoundedSemaphore` share (CPython proxies
//! all four with `AcquirerProxy`): acquiring, once the call's `blocking`/`timeout` arguments
//! have been read by each type's own rules.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::{MethodResult, ret};
use crate::managers::protocol::{ClientWatch, WATCH_SLICE, Wait, runtime_error};
use crate::pickle::Value;

/// Acquires with `acquire_timeout` as `wait` says; `True` or `False` as Python returns.
///
/// Waiting forever goes in slices of [`WATCH_SLICE`], so that a stopping server (`stopped`,
/// set by [`Served::release_waiters`](super::Served::release_waiters)) or a `caller` that went
/// away ends it: the thread would otherwise stay parked for good. (A lock acquired for a client
/// that is gone stays held, as in CPython: its owner's connection is what held it.)
pub(super) fn acquire_waiting(
    wait: Wait,
    stopped: &AtomicBool,
    caller: Option<&Arc<ClientWatch>>,
    acquire_timeout: impl Fn(Duration) -> bool,
) -> MethodResult {
    let got = match wait {
        Wait::Poll => acquire_timeout(Duration::ZERO),
        Wait::For(d) => acquire_timeout(d),
        Wait::Forever => loop {
            if stopped.load(Ordering::Acquire) {
                return Err(runtime_error("the manager server is stopping"));
            }
            if acquire_timeout(WATCH_SLICE) {
                break true;
            }
            if caller.is_some_and(|c| c.gone()) {
                return Err(runtime_error("the client went away while waiting"));
            }
        },
    };
    ret(Value::Bool(got))
}
