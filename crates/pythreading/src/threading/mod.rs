//! Python's `threading` and `_thread`: threads, and every synchronization primitive.
//!
//! ```
//! use std::sync::Arc;
//! use pythreading::threading::{self, Lock};
//!
//! let balance = Arc::new(Lock::new());
//! let handles: Vec<_> = (0..4)
//!     .map(|i| {
//!         let lock = Arc::clone(&balance);
//!         threading::Builder::new()
//!             .name(format!("depositor-{i}"))
//!             .spawn(move || {
//!                 let _guard = lock.lock(); // `with lock:`
//!                 i
//!             })
//!             .unwrap()
//!     })
//!     .collect();
//! let total: i32 = handles.into_iter().map(|h| h.join().unwrap()).sum();
//! assert_eq!(total, 6);
//! threading::shutdown(); // Python's exit: wait for non-daemon threads, run atexit callbacks
//! ```
//!
//! ## Threads
//!
//! | Python | pythreading |
//! |---|---|
//! | `Thread(target=f, name=n, daemon=d).start()` | [`Builder`]`::new().name(n).daemon(d).spawn(f)`, [`spawn`] |
//! | subclass `Thread`, override `run()` | implement [`Run`] |
//! | `t.join()`, `t.join(timeout)`, `t.is_alive()`, `t.name`, `t.ident`, `t.native_id`, `t.daemon` | [`JoinHandle`], [`Thread`] |
//! | `current_thread`, `main_thread`, `enumerate`, `active_count`, `get_ident`, `get_native_id` | same names |
//! | `threading.excepthook`, `__excepthook__` | [`set_excepthook`], [`default_excepthook`] |
//! | end of program, `atexit.register`, `_register_atexit`, `sys.exit` | [`shutdown()`], [`atexit_register`], [`register_shutdown_hook`], [`exit()`] |
//! | `threading.local()` | [`Local`] |
//! | `Timer(t, f)`, re-armed Timer | [`Timer`], [`RepeatingTimer`] |
//! | `kill_received` flag | [`StopFlag`] |
//! | `_thread` | [`low_level`] |
//!
//! Run `shutdown()` at the end of `main` to get Python's exit: non-daemon threads are waited
//! for, `atexit` callbacks run.
//!
//! ## Synchronization primitives
//!
//! | Python | pythreading |
//! |---|---|
//! | `Lock()`, `_thread.allocate_lock()` | [`Lock`]: `acquire`, `try_acquire`, `acquire_timeout`, `release`, `locked`, `lock()` guard |
//! | `RLock()` | [`RLock`]: the same verbs, owner + count; `lock()` gives a `!Send` [`RLockGuard`] |
//! | `Condition(lock=None)` | [`Condition`]: `new`/`with_lock`, `lock()`, `wait`, `wait_timeout`, `wait_for`, `wait_for_timeout`, `notify(n)`, `notify_all` |
//! | `Semaphore(n)`, `BoundedSemaphore(n)` | [`Semaphore`], [`BoundedSemaphore`]: `acquire`, `try_acquire`, `acquire_timeout`, `release(n)`, `permit()` |
//! | `Event()` | [`Event`]: `set`, `clear`, `is_set`, `wait`, `wait_timeout` |
//! | `Barrier(n, action, timeout)` | [`Barrier`]: `new`/`builder`, `wait`, `wait_timeout`, `abort`, `reset`, `n_waiting`, `parties`, `is_broken` |
//! | `BrokenBarrierError`, `RuntimeError`, `ValueError` | [`BrokenBarrierError`], [`ReleaseError`], [`BoundedReleaseError`], [`BarrierBuildError`] |
//!
//! ## Async faces: coroutines meet threads
//!
//! Every blocking wait has a face that parks the *task*, not the thread, so threads and async
//! tasks can share one primitive (what Python needs `janus` or `asyncio.to_thread` for). The
//! futures use only the task's `Waker`: any executor runs them (tokio, smol, a hand-written
//! `block_on`), and the crate depends on none. Threads and tasks wait in one queue: where the
//! blocking face is FIFO (semaphores, `Condition::notify`), a release or notify serves threads
//! and tasks in arrival order. Dropping a pending future is always safe: it leaves no waiter
//! behind, and a permit, wake-up or notify handed to it meanwhile goes on to the next waiter.
//!
//! | asyncio / Python | pythreading |
//! |---|---|
//! | `await lock.acquire()`, `async with lock:` | [`Lock::acquire_async`], [`Lock::lock_async`] |
//! | `await sem.acquire()`, `async with sem:` | [`Semaphore::acquire_async`], [`Semaphore::permit_async`] (and [`BoundedSemaphore`]'s) |
//! | `await event.wait()` | [`Event::wait_async`] |
//! | `async with cond:`, `await cond.wait()` | [`Condition::lock_async`], [`Condition::wait_async`] (a condition built on a [`Lock`]) |
//! | `await barrier.wait()` | [`Barrier::wait_async`] |
//! | `await asyncio.to_thread(f)` / joining a thread | `.await` on a [`JoinHandle`], [`Thread::join_async`] |
//! | `await fut` on a `concurrent.futures.Future` | `.await` on a [`TaskFuture`](crate::futures::TaskFuture) |
//!
//! ```
//! use std::sync::Arc;
//! use pythreading::threading::{self, Semaphore};
//! # fn block_on<F: std::future::Future>(f: F) -> F::Output {
//! #     let waker = std::task::Waker::noop();
//! #     let mut cx = std::task::Context::from_waker(waker);
//! #     let mut f = std::pin::pin!(f);
//! #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } std::thread::yield_now(); }
//! # }
//!
//! let sem = Arc::new(Semaphore::new(0));
//! let s = Arc::clone(&sem);
//! let producer = threading::spawn(move || s.release(1)); // a thread releases…
//! block_on(async {
//!     sem.acquire_async().await; // …a task takes the permit without blocking its thread
//!     producer.await.unwrap(); // and joins the thread
//! });
//! ```

// Threads: spawning, the registry, excepthook, exit semantics, Local, Timer, `_thread`.
mod excepthook;
mod local;
#[doc(alias = "_thread")]
pub mod low_level;
mod registry;
mod shutdown;
mod stop;
mod thread;
mod thread_error;
mod thread_handle;
mod timer;
mod timer_scheduler;

pub use excepthook::{
    ExceptHook, ExceptHookArgs, default_excepthook, excepthook, restore_excepthook, set_excepthook,
};
pub use local::Local;
pub use registry::{
    active_count, current_thread, enumerate, get_ident, get_native_id, main_thread,
};
pub use shutdown::{atexit_register, exit, register_shutdown_hook, shutdown};
pub use stop::StopFlag;
pub use thread::{Builder, JoinHandle, Run, spawn};
pub use thread_error::{AtexitError, JoinError, Panicked, StackSizeError};
pub use thread_handle::Thread;
pub use timer::{RepeatingTimer, Timer};

// Who waits for whom (the `diagnostics` module), where Python users look: next to `enumerate`.
pub use crate::diagnostics::{deadlock_watchdog, dump, find_deadlocks};

// Synchronization primitives: Lock, RLock, Condition, Semaphore, BoundedSemaphore, Event, Barrier.
mod barrier;
mod condition;
mod error;
mod event;
mod lock;
mod rlock;
mod semaphore;
mod wait_queue;

pub use barrier::{Barrier, BarrierBuilder, BarrierWaitResult};
pub use condition::{Condition, ConditionGuard, ConditionLock};
pub use error::{BarrierBuildError, BoundedReleaseError, BrokenBarrierError, ReleaseError};
pub use event::Event;
pub use lock::{Lock, LockGuard};
pub use rlock::{RLock, RLockGuard};
pub use semaphore::{BoundedSemaphore, BoundedSemaphorePermit, Semaphore, SemaphorePermit};
// The async faces' futures (issue 11 §2).
pub use barrier::BarrierWait;
pub use condition::{ConditionLockFuture, ConditionTaskGuard, ConditionWait, RLockConditionError};
pub use event::EventWait;
pub use lock::{LockAcquire, LockGuardFuture};
pub use semaphore::{
    BoundedSemaphoreAcquire, BoundedSemaphorePermitFuture, SemaphoreAcquire, SemaphorePermitFuture,
};
pub use thread::JoinHandleFuture;
pub use thread_handle::ThreadJoin;
