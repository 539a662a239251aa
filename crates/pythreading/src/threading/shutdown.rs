//! Python's exit semantics, made explicit: [`shutdown`], [`exit`], [`atexit_register`] and
//! [`register_shutdown_hook`].
//!
//! A Rust process ends when `main` returns, whatever its other threads are doing. Python instead
//! waits for every non-daemon thread and then runs the `atexit` callbacks. Calling
//! [`shutdown()`] at the end of `main` gives a Rust program Python's behaviour, in CPython's order:
//!
//! 1. the main thread is marked finished, so threads joining it are released (N-02);
//! 2. the hooks of [`register_shutdown_hook`] run, newest first (CPython's
//!    `threading._register_atexit`: executors use it to stop accepting work and wind down);
//! 3. it waits for every non-daemon thread, including threads started by other threads after
//!    `main` finished its own work (N-01, N-03). Daemon threads are not waited for (N-04);
//! 4. the callbacks of [`atexit_register`] run, newest first (Python's `atexit.register`, which
//!    CPython runs after `threading._shutdown`).
//!
//! Each callback runs once, even if `shutdown()` is called again (N-06).
//!
//! # `std::process::exit` is `os._exit`
//!
//! `std::process::exit(code)` ends the process at once: no non-daemon thread is waited for, no
//! callback runs — Python's `os._exit`. [`exit(code)`](exit) is Python's `sys.exit(code)` from the
//! main thread: [`shutdown()`] and then `std::process::exit(code)`.

use std::panic::{self, AssertUnwindSafe};
use std::sync::{Condvar, Mutex, MutexGuard};

use super::registry;
use super::thread_error::{AtexitError, payload_message};
use super::thread_handle::Kind;

type Callback = Box<dyn FnOnce() + Send + 'static>;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    /// Nothing has run yet: both kinds of callbacks are accepted.
    Open,
    /// Shutdown hooks have started; `atexit` callbacks are still accepted.
    Hooks,
    /// `atexit` callbacks have started.
    Atexit,
}

struct State {
    phase: Phase,
    hooks: Vec<Callback>,
    atexit: Vec<Callback>,
    /// A `shutdown()` is running its callbacks: a concurrent call waits for it.
    busy: bool,
}

static STATE: Mutex<State> = Mutex::new(State {
    phase: Phase::Open,
    hooks: Vec::new(),
    atexit: Vec::new(),
    busy: false,
});
static IDLE: Condvar = Condvar::new();

fn state() -> MutexGuard<'static, State> {
    STATE.lock().unwrap_or_else(|p| p.into_inner())
}

/// Registers `f` to run at [`shutdown`], after every non-daemon thread has finished, newest
/// registration first: Python's `atexit.register(f)`.
///
/// # Errors
///
/// [`AtexitError`] (with `f` inside) once the `atexit` phase of shutdown has begun.
///
/// # Examples
///
/// ```
/// use pythreading::threading;
///
/// threading::atexit_register(|| println!("second")).unwrap();
/// threading::atexit_register(|| println!("first")).unwrap();
/// threading::shutdown(); // prints "first", then "second"
/// ```
#[doc(alias = "register")]
#[doc(alias = "atexit.register")]
pub fn atexit_register<F>(f: F) -> Result<(), AtexitError>
where
    F: FnOnce() + Send + 'static,
{
    let mut s = state();
    if s.phase >= Phase::Atexit {
        return Err(AtexitError::new(Box::new(f)));
    }
    s.atexit.push(Box::new(f));
    Ok(())
}

/// Registers `f` to run at the start of [`shutdown`], *before* it waits for non-daemon threads,
/// newest registration first: CPython's `threading._register_atexit`. Use it to tell long-lived
/// non-daemon threads (pool workers) to finish, so the wait that follows can end.
///
/// # Errors
///
/// [`AtexitError`] (with `f` inside) once shutdown has begun (Python: "can't register atexit
/// after shutdown").
///
/// # Examples
///
/// ```
/// use pythreading::threading;
///
/// threading::register_shutdown_hook(|| println!("stop the workers")).unwrap();
/// threading::shutdown();
/// assert!(threading::register_shutdown_hook(|| ()).is_err());
/// ```
#[doc(alias = "_register_atexit")]
pub fn register_shutdown_hook<F>(f: F) -> Result<(), AtexitError>
where
    F: FnOnce() + Send + 'static,
{
    let mut s = state();
    if s.phase >= Phase::Hooks {
        return Err(AtexitError::new(Box::new(f)));
    }
    s.hooks.push(Box::new(f));
    Ok(())
}

/// Python's end of program. Call it at the end of `main`.
///
/// A Rust process ends when `main` returns, whatever its other threads are doing; Python instead
/// waits for every non-daemon thread and then runs the `atexit` callbacks. `shutdown()` does it
/// in CPython's order:
///
/// 1. the main thread is marked finished, so threads joining it are released (N-02);
/// 2. the hooks of [`register_shutdown_hook`] run, newest first (CPython's
///    `threading._register_atexit`: executors use it to stop accepting work and wind down);
/// 3. it waits for every non-daemon thread, including threads started by other threads after
///    `main` finished its own work (N-01, N-03), and pending non-daemon [`Timer`]s. Daemon
///    threads are not waited for (N-04);
/// 4. the callbacks of [`atexit_register`] run, newest first (Python's `atexit.register`, which
///    CPython runs after `threading._shutdown`).
///
/// Each callback runs once, even if `shutdown()` is called again (N-06).
///
/// `std::process::exit(code)` skips all of this — it is Python's `os._exit`; [`exit`] is
/// `shutdown()` followed by `std::process::exit`.
///
/// [`Timer`]: crate::threading::Timer
///
/// Called from a non-daemon thread other than main, it waits for every *other* non-daemon
/// thread. A panicking callback is reported to stderr and the others still run.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use std::time::Duration;
/// use pythreading::threading::{self, Builder};
///
/// let done = Arc::new(AtomicBool::new(false));
/// let flag = done.clone();
/// Builder::new().daemon(false).spawn(move || {
///     std::thread::sleep(Duration::from_millis(50));
///     flag.store(true, Ordering::SeqCst);
/// })?;
/// threading::shutdown(); // waits for the non-daemon thread
/// assert!(done.load(Ordering::SeqCst));
/// # Ok::<(), std::io::Error>(())
/// ```
#[doc(alias = "_shutdown")]
pub fn shutdown() {
    let me = registry::current_thread();
    if me.kind() == Kind::Main {
        me.finish();
    }
    let hooks = {
        let mut s = state();
        while s.busy {
            s = IDLE.wait(s).unwrap_or_else(|p| p.into_inner());
        }
        s.busy = true;
        if s.phase < Phase::Hooks {
            s.phase = Phase::Hooks;
        }
        std::mem::take(&mut s.hooks)
    };
    run_callbacks(hooks);
    let allowed = usize::from(me.kind() == Kind::Spawned && !me.is_daemon() && me.is_alive());
    registry::wait_non_daemon(allowed);
    let atexit = {
        let mut s = state();
        s.phase = Phase::Atexit;
        std::mem::take(&mut s.atexit)
    };
    run_callbacks(atexit);
    state().busy = false;
    IDLE.notify_all();
}

fn run_callbacks(mut callbacks: Vec<Callback>) {
    while let Some(f) = callbacks.pop() {
        if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(f)) {
            let text = format!(
                "Error in atexit._run_exitfuncs:\n{}\n",
                payload_message(&*payload)
            );
            // A failing stderr must not stop the remaining callbacks.
            super::excepthook::write_stderr(&text);
        }
    }
}

/// Python's `sys.exit(code)` at the end of a program: [`shutdown()`], then ends the process with
/// `code`. Unlike Python's `sys.exit` in a thread, it ends the whole process from any thread.
///
/// # Examples
///
/// ```no_run
/// use pythreading::threading;
///
/// threading::spawn(|| println!("work"));
/// threading::exit(0); // waits for the thread, runs atexit callbacks, exits
/// ```
#[doc(alias = "sys.exit")]
pub fn exit(code: i32) -> ! {
    shutdown();
    std::process::exit(code)
}
