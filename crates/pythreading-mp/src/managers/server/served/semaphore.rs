//! SyncManager's `Semaphore` and `BoundedSemaphore` (served as `threading.Semaphore` /
//! `threading.BoundedSemaphore`, proxied by `AcquirerProxy`: `acquire`, `release`).

use std::time::Duration;

use pythreading::threading::{BoundedSemaphore, Semaphore};

use super::acquirer::Acquirer;
use super::{Method, MethodResult, Served, method, ret};
use crate::managers::protocol::{CallArgs, Wait, truthy, type_error, value_error};
use crate::pickle::{PyException, Value};

/// `Semaphore.acquire(blocking=True, timeout=None)`. Unlike a lock's, a semaphore's timeout has
/// no `-1`: `None` waits forever, a timeout that is not positive only polls (CPython gives up at
/// once), and a timeout on a non-blocking call is a `ValueError`.
fn acquire<P>(
    qualname: &str,
    args: CallArgs,
    sem: &Acquirer<P>,
    acquire_timeout: fn(&P, Duration) -> bool,
) -> MethodResult {
    let caller = args.caller.clone();
    let a = args.bind(qualname, &["blocking", "timeout"], 0)?;
    let blocking = a[0].as_ref().is_none_or(truthy);
    let timeout = a[1].as_ref().filter(|t| !t.is_none());
    let wait = match (blocking, timeout) {
        (false, Some(_)) => {
            return Err(value_error(
                "can't specify timeout for non-blocking acquire",
            ));
        }
        (false, None) => Wait::Poll,
        (true, t) => Wait::event_timeout(t)?,
    };
    sem.acquire(wait, caller.as_ref(), acquire_timeout)
}

/// An int argument (a bool counts, as in Python).
fn int_param(v: &Value) -> Result<i64, PyException> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::Bool(b) => Ok(i64::from(*b)),
        Value::BigInt(b) if b.is_negative() => Ok(i64::MIN),
        Value::BigInt(_) => Ok(i64::MAX),
        other => Err(type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            other.type_name()
        ))),
    }
}

/// `release(n=1)`: how many permits, at least one.
fn release_count(qualname: &str, args: CallArgs) -> Result<usize, PyException> {
    let a = args.bind(qualname, &["n"], 0)?;
    let n = match &a[0] {
        None => 1,
        Some(v) => int_param(v)?,
    };
    if n < 1 {
        return Err(value_error("n must be one or more"));
    }
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

/// `Semaphore(value=1)`: a non-negative int.
fn initial_value(qualname: &str, args: CallArgs) -> Result<usize, PyException> {
    let a = args.bind(qualname, &["value"], 0)?;
    let value = match &a[0] {
        None => 1,
        Some(v) => int_param(v)?,
    };
    usize::try_from(value).map_err(|_| value_error("semaphore initial value must be >= 0"))
}

pub(crate) struct SharedSemaphore(Acquirer<Semaphore>);

impl SharedSemaphore {
    fn acquire(&self, args: CallArgs) -> MethodResult {
        acquire(
            "Semaphore.acquire",
            args,
            &self.0,
            Semaphore::acquire_timeout,
        )
    }

    fn release(&self, args: CallArgs) -> MethodResult {
        let n = release_count("Semaphore.release", args)?;
        self.0.release(n);
        ret(Value::None)
    }
}

impl Served for SharedSemaphore {
    const TYPEIDS: &'static [&'static str] = &["Semaphore"];
    const CLASS: &'static str = "threading.Semaphore";
    const METHODS: &'static [Method<Self>] = &[
        method("acquire", Self::acquire),
        method("release", Self::release),
    ];

    fn construct(args: CallArgs) -> Result<Self, PyException> {
        let value = initial_value("Semaphore.__init__", args)?;
        Ok(SharedSemaphore(Acquirer::new(Semaphore::new(value))))
    }

    fn repr(&self) -> String {
        format!(
            "<threading.Semaphore at 0x{:x}: value={}>",
            self as *const Self as usize,
            self.0.value()
        )
    }

    fn release_waiters(&self) {
        self.0.release_waiters();
    }
}

pub(crate) struct SharedBoundedSemaphore(Acquirer<BoundedSemaphore>);

impl SharedBoundedSemaphore {
    fn acquire(&self, args: CallArgs) -> MethodResult {
        acquire(
            "BoundedSemaphore.acquire",
            args,
            &self.0,
            BoundedSemaphore::acquire_timeout,
        )
    }

    fn release(&self, args: CallArgs) -> MethodResult {
        let n = release_count("BoundedSemaphore.release", args)?;
        self.0
            .release(n)
            .map_err(|_| value_error("Semaphore released too many times"))?;
        ret(Value::None)
    }
}

impl Served for SharedBoundedSemaphore {
    const TYPEIDS: &'static [&'static str] = &["BoundedSemaphore"];
    const CLASS: &'static str = "threading.BoundedSemaphore";
    const METHODS: &'static [Method<Self>] = &[
        method("acquire", Self::acquire),
        method("release", Self::release),
    ];

    fn construct(args: CallArgs) -> Result<Self, PyException> {
        let value = initial_value("BoundedSemaphore.__init__", args)?;
        Ok(SharedBoundedSemaphore(Acquirer::new(
            BoundedSemaphore::new(value),
        )))
    }

    fn repr(&self) -> String {
        format!(
            "<threading.BoundedSemaphore at 0x{:x}: value={}/{}>",
            self as *const Self as usize,
            self.0.value(),
            self.0.initial_value()
        )
    }

    fn release_waiters(&self) {
        self.0.release_waiters();
    }
}
