//! Spawning threads: [`Builder`], [`spawn`], [`JoinHandle`], and the [`Run`] trait.
//!
//! Python starts a thread three ways — `Thread(target=f)`, `Thread(target=callable_object)`, and a
//! subclass overriding `run()`. In Rust all three are a value implementing [`Run`]: every
//! `FnOnce() -> T` closure does, and a type with its own `run` method implements it by hand.

use crate::diagnostics;
use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use super::excepthook;
use super::local;
use super::registry;
use super::thread_error::{ExitThread, JoinError, Panicked};
use super::thread_handle::{Kind, Thread};
use crate::deadline::Deadline;

// The async face (`.await` on a `JoinHandle`) shares this file's private handle.
#[path = "thread_async.rs"]
mod async_face;
pub use async_face::JoinHandleFuture;

/// Default stack size for new threads, set by `low_level::set_stack_size` (0 = the platform's).
pub(crate) static DEFAULT_STACK_SIZE: AtomicUsize = AtomicUsize::new(0);

/// What a thread runs: Python's `Thread.run()`.
///
/// Every `FnOnce() -> T + Send + 'static` closure implements it, so closures spawn directly.
/// A type playing the role of a `Thread` subclass (or of a callable object passed as `target`)
/// implements it to be spawned the same way.
///
/// # Examples
///
/// ```
/// use pythreading::threading::{self, Run};
///
/// struct Countdown {
///     from: u32,
/// }
///
/// impl Run for Countdown {
///     type Output = u32;
///     fn run(self) -> u32 {
///         (1..=self.from).rev().count() as u32
///     }
/// }
///
/// let handle = threading::spawn(Countdown { from: 5 });
/// assert_eq!(handle.join().unwrap(), 5);
/// ```
pub trait Run: Send + 'static {
    /// What `run` returns; [`JoinHandle::join`] hands it back.
    type Output: Send + 'static;

    /// The thread's body.
    fn run(self) -> Self::Output;
}

impl<F, T> Run for F
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    type Output = T;

    fn run(self) -> T {
        self()
    }
}

/// Configures a thread before it starts: Python's `Thread(name=..., daemon=...)` plus
/// `threading.stack_size`.
///
/// # Examples
///
/// ```
/// use pythreading::threading::Builder;
///
/// let handle = Builder::new()
///     .name("loader")
///     .daemon(true)
///     .stack_size(256 * 1024)
///     .spawn(|| 40 + 2)?;
/// assert_eq!(handle.thread().name(), "loader");
/// assert_eq!(handle.join().unwrap(), 42);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
#[must_use = "a Builder does nothing until `spawn` is called"]
pub struct Builder {
    name: Option<String>,
    daemon: Option<bool>,
    stack_size: Option<usize>,
}

impl Builder {
    /// A builder with Python's defaults: name `Thread-N`, daemon flag inherited from the creating
    /// thread (the main thread is non-daemon; dummy threads are daemons), default stack size.
    ///
    /// # Examples
    ///
    /// ```
    /// let h = pythreading::threading::Builder::new().spawn(|| ()).unwrap();
    /// assert!(h.thread().name().starts_with("Thread-"));
    /// # h.join().unwrap();
    /// ```
    pub fn new() -> Self {
        Builder::default()
    }

    /// The thread's name. An empty name means the default `Thread-N` (as Python's `name=""`).
    /// The OS-level name is set from it too (Linux keeps the first 15 bytes).
    ///
    /// # Examples
    ///
    /// ```
    /// let h = pythreading::threading::Builder::new().name("io").spawn(|| ()).unwrap();
    /// assert_eq!(h.thread().name(), "io");
    /// # h.join().unwrap();
    /// ```
    #[doc(alias = "setName")]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        let name = name.into();
        self.name = if name.is_empty() { None } else { Some(name) };
        self
    }

    /// Whether the thread is a daemon: [`shutdown`](crate::threading::shutdown()) does not
    /// wait for daemon threads.
    ///
    /// # Examples
    ///
    /// ```
    /// let h = pythreading::threading::Builder::new().daemon(true).spawn(|| ()).unwrap();
    /// assert!(h.thread().is_daemon());
    /// # h.join().unwrap();
    /// ```
    #[doc(alias = "setDaemon")]
    pub fn daemon(mut self, daemon: bool) -> Self {
        self.daemon = Some(daemon);
        self
    }

    /// The new thread's stack size in bytes (Python's `threading.stack_size(n)` before `start`,
    /// for this thread only). The OS may round it up.
    ///
    /// # Examples
    ///
    /// ```
    /// let h = pythreading::threading::Builder::new().stack_size(1 << 20).spawn(|| 1).unwrap();
    /// assert_eq!(h.join().unwrap(), 1);
    /// ```
    pub fn stack_size(mut self, bytes: usize) -> Self {
        self.stack_size = Some(bytes);
        self
    }

    /// Starts the thread. When this returns the thread is listed by
    /// [`enumerate`](crate::threading::enumerate) and its `ident` is set; its `native_id` is
    /// available as soon as the thread has recorded it.
    ///
    /// A panic in `body` is reported by the [excepthook](crate::threading::set_excepthook) and
    /// then returned by [`JoinHandle::join`].
    ///
    /// # Errors
    ///
    /// The operating system's error when it refuses to create a thread; nothing stays registered.
    ///
    /// # Examples
    ///
    /// ```
    /// let h = pythreading::threading::Builder::new().spawn(|| "done")?;
    /// assert_eq!(h.join().unwrap(), "done");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[doc(alias = "start")]
    pub fn spawn<R: Run>(self, body: R) -> io::Result<JoinHandle<R::Output>> {
        excepthook::install_panic_hook();
        let name = self
            .name
            .unwrap_or_else(|| format!("Thread-{}", registry::next_name_number()));
        let daemon = self
            .daemon
            .unwrap_or_else(|| registry::current_thread().is_daemon());
        let mut os = std::thread::Builder::new().name(name.clone());
        let stack = match self.stack_size {
            Some(n) => n,
            None => DEFAULT_STACK_SIZE.load(Ordering::Relaxed),
        };
        if stack != 0 {
            os = os.stack_size(stack);
        }
        let thread = Thread::new(name, registry::next_ident(), daemon, Kind::Spawned, 0);
        // Registered before the OS thread exists, so `enumerate()` lists it once `spawn` returns
        // and `shutdown()` cannot miss it (J-09, N-03).
        registry::register(&thread);
        if !daemon {
            registry::non_daemon_enter();
        }
        let child = thread.clone();
        match os.spawn(move || bootstrap(child, body)) {
            Ok(native) => Ok(JoinHandle { native, thread }),
            Err(e) => {
                // J-10: nothing leaks when the OS refuses.
                leave(&thread);
                Err(e)
            }
        }
    }
}

/// The new thread's whole life: register itself, run the body, report a panic, unregister.
fn bootstrap<R: Run>(thread: Thread, body: R) -> Result<R::Output, Box<dyn std::any::Any + Send>> {
    registry::enter(&thread);
    excepthook::set_reporting(true);
    let result = panic::catch_unwind(AssertUnwindSafe(move || body.run()));
    if let Err(payload) = &result
        && !payload.is::<ExitThread>()
    {
        excepthook::report(Some(&thread), None, &**payload);
    }
    excepthook::set_reporting(false);
    // Drop this thread's `Local` values before `finish()` wakes the joiners (O-07): the
    // thread-local destructors that would otherwise do it run only after this function returns.
    local::forget_current_thread();
    leave(&thread);
    result
}

fn leave(thread: &Thread) {
    // Unregister before finishing: whoever `join`s then never sees it in `enumerate()` (J-18).
    registry::unregister(thread);
    thread.finish();
    if !thread.is_daemon() {
        registry::non_daemon_exit();
    }
}

/// Starts a thread with the default [`Builder`]: Python's `Thread(target=f).start()`.
///
/// # Panics
///
/// If the operating system refuses to create a thread (as `std::thread::spawn`); use
/// [`Builder::spawn`] to get the error instead.
///
/// # Examples
///
/// ```
/// use pythreading::threading;
///
/// let handle = threading::spawn(|| 6 * 7);
/// assert_eq!(handle.join().unwrap(), 42);
/// ```
#[doc(alias = "start")]
pub fn spawn<R: Run>(body: R) -> JoinHandle<R::Output> {
    match Builder::new().spawn(body) {
        Ok(handle) => handle,
        Err(e) => panic!("failed to spawn thread: {e}"),
    }
}

/// Owns a spawned thread's result: [`join`](Self::join) waits and returns it.
///
/// Dropping the handle detaches the thread, which keeps running (and is still waited for by
/// [`shutdown`](crate::threading::shutdown()) unless it is a daemon).
///
/// # Examples
///
/// ```
/// let handle = pythreading::threading::spawn(|| vec![1, 2, 3]);
/// assert_eq!(handle.join().unwrap().len(), 3);
/// ```
pub struct JoinHandle<T> {
    native: std::thread::JoinHandle<Result<T, Box<dyn std::any::Any + Send>>>,
    thread: Thread,
}

impl<T> std::fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JoinHandle")
            .field("thread", &self.thread)
            .finish_non_exhaustive()
    }
}

impl<T> JoinHandle<T> {
    /// The cloneable [`Thread`] handle of this thread.
    ///
    /// # Examples
    ///
    /// ```
    /// let handle = pythreading::threading::spawn(|| ());
    /// let thread = handle.thread().clone();
    /// handle.join().unwrap();
    /// assert!(!thread.is_alive());
    /// ```
    pub fn thread(&self) -> &Thread {
        &self.thread
    }

    /// Waits for the thread to finish and returns what its body returned.
    ///
    /// # Errors
    ///
    /// [`Panicked`] with the payload when the body panicked (or ended with
    /// [`low_level::exit`](crate::threading::low_level::exit)). A thread holding its own handle
    /// cannot wait for itself: `join` then returns at once with an error whose
    /// [`join_error`](Panicked::join_error) is [`JoinError::CurrentThread`] (the same typed
    /// error as [`join_timeout`](Self::join_timeout) and [`Thread::join`]), and the thread runs on.
    ///
    /// # Examples
    ///
    /// ```
    /// let handle = pythreading::threading::spawn(|| "result");
    /// assert_eq!(handle.join().unwrap(), "result");
    /// ```
    #[track_caller]
    pub fn join(self) -> Result<T, Panicked> {
        if self.thread.ident() == registry::get_ident() {
            return Err(Panicked::new(Box::new(JoinError::CurrentThread)));
        }
        let _waiting = diagnostics::joining(self.thread.ident(), self.thread.name());
        match self.native.join() {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(payload)) | Err(payload) => Err(Panicked::new(payload)),
        }
    }

    /// Waits at most `timeout` for the thread to finish; `Ok(true)` when it has (then
    /// [`join`](Self::join) returns at once). `Duration::ZERO` polls; `Duration::MAX` waits forever.
    ///
    /// # Errors
    ///
    /// [`JoinError::CurrentThread`] when called from the thread itself, as [`Thread::join_timeout`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let handle = pythreading::threading::spawn(|| ());
    /// assert_eq!(handle.join_timeout(Duration::from_secs(10)), Ok(true));
    /// ```
    #[track_caller]
    pub fn join_timeout(&self, timeout: Duration) -> Result<bool, JoinError> {
        if self.thread.ident() == registry::get_ident() {
            return Err(JoinError::CurrentThread);
        }
        Ok(self.thread.wait_finished(Deadline::after(timeout)))
    }

    /// Whether the thread's body has finished (Python's `not t.is_alive()`).
    ///
    /// # Examples
    ///
    /// ```
    /// let handle = pythreading::threading::spawn(|| ());
    /// handle.thread().join().unwrap();
    /// assert!(handle.is_finished());
    /// ```
    #[doc(alias = "is_alive")]
    #[doc(alias = "isAlive")]
    pub fn is_finished(&self) -> bool {
        !self.thread.is_alive()
    }
}
