//! The std-or-loom facade every parking primitive is built on.
//!
//! Normal builds use `std`; `RUSTFLAGS="--cfg loom"` swaps in loom's instrumented versions so the
//! models in `tests/loom.rs` explore every interleaving of the same code. Only code that parks
//! threads goes through here; process-wide registries use `std` directly, because loom types may
//! not live in statics or outside `loom::model`.
#![allow(unused_imports, dead_code)]

#[cfg(not(loom))]
pub(crate) use std::sync::{Arc, Condvar, Mutex, MutexGuard, WaitTimeoutResult};
#[cfg(not(loom))]
pub(crate) mod atomic {
    pub(crate) use std::sync::atomic::{
        AtomicBool, AtomicU8, AtomicU32, AtomicU64, AtomicUsize, Ordering, fence,
    };
}
#[cfg(not(loom))]
pub(crate) mod thread {
    pub(crate) use std::thread::{Thread, current, park, park_timeout, yield_now};
}

#[cfg(loom)]
pub(crate) use loom::sync::{Arc, Condvar, Mutex, MutexGuard, WaitTimeoutResult};
#[cfg(loom)]
pub(crate) mod atomic {
    pub(crate) use loom::sync::atomic::{
        AtomicBool, AtomicU8, AtomicU32, AtomicU64, AtomicUsize, Ordering, fence,
    };
}
#[cfg(loom)]
pub(crate) mod thread {
    pub(crate) use loom::thread::{Thread, current, park, yield_now};

    /// loom has no timed park; a timed park in a model is an untimed one that may wake early.
    pub(crate) fn park_timeout(_: std::time::Duration) {
        loom::thread::park();
    }
}

/// Locks a facade mutex, ignoring poison: the crate's own critical sections never panic while
/// holding a lock, and user code never runs under one.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}
