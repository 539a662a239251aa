//! Python's `threading` and `_thread`: threads, and every synchronization primitive.
//!
//! (Being built: see the foundation issue.)

// ---------------------------------------------------------------------------------------------
// Threads: spawning, the registry, excepthook, exit semantics, Local, Timer, `_thread`.
// ---------------------------------------------------------------------------------------------

// (threads section)
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

mod excepthook;
mod local;
#[doc(alias = "_thread")]
pub mod low_level;
mod registry;
mod shutdown;
mod stop;
mod thread;
mod thread_error;
mod timer;
mod timer_scheduler;

pub use excepthook::{
    ExceptHook, ExceptHookArgs, default_excepthook, excepthook, restore_excepthook, set_excepthook,
};
pub use local::Local;
pub use registry::{
    Thread, active_count, current_thread, enumerate, get_ident, get_native_id, main_thread,
};
pub use shutdown::{atexit_register, exit, register_shutdown_hook, shutdown};
pub use stop::StopFlag;
pub use thread::{Builder, JoinHandle, Run, spawn};
pub use thread_error::{AtexitError, JoinError, Panicked, StackSizeError};
pub use timer::{RepeatingTimer, Timer};

// ---------------------------------------------------------------------------------------------
// Synchronization primitives: Lock, RLock, Condition, Semaphore, BoundedSemaphore, Event, Barrier.
// ---------------------------------------------------------------------------------------------

// (primitives section)
