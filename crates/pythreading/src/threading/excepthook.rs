//! `threading.excepthook`: what happens to a panic that escapes a thread's body.
//!
//! A thread spawned by this library runs its body under `catch_unwind`. A panic is handed to
//! the current excepthook (the default prints `Exception in thread NAME:` and the message to
//! stderr), and the thread then ends normally; [`JoinHandle::join`] still returns the panic.
//!
//! # The global panic hook
//!
//! Rust's default panic hook would print its own `thread 'NAME' panicked at ...` line before the
//! excepthook runs, reporting every panic twice. So the first `spawn` installs a panic hook that
//! *chains* to the one installed before it:
//!
//! - while a thread spawned by this library runs its body (or the excepthook), and in the timer
//!   pool's threads, it records the panic's location (and a backtrace when `RUST_BACKTRACE` asks
//!   for one) for the excepthook to report, and prints nothing itself;
//! - in every other thread (main, `std::thread` threads, test harness threads) it calls the
//!   previous hook unchanged.
//!
//! A panic hook you install *after* the first spawn replaces this one: nothing is lost, but
//! panics in library threads are then reported by both your hook and the excepthook.
//!
//! [`JoinHandle::join`]: crate::threading::JoinHandle::join

use std::any::Any;
use std::backtrace::{Backtrace, BacktraceStatus};
use std::cell::{Cell, RefCell};
use std::fmt;
use std::panic::{self, AssertUnwindSafe, PanicHookInfo};
use std::sync::{Arc, Once, RwLock};

use super::registry;
use super::thread_error::payload_message;
use super::thread_handle::Thread;

type HookFn = dyn Fn(&ExceptHookArgs<'_>) + Send + Sync + 'static;

/// An installed excepthook, as [`set_excepthook`] returns the previous one.
///
/// # Examples
///
/// ```
/// use pythreading::threading;
///
/// let previous = threading::set_excepthook(|args| eprintln!("[{}] {}", args.thread_name(), args.message()));
/// // ... later, put the old one back:
/// threading::restore_excepthook(previous);
/// ```
#[derive(Clone)]
pub struct ExceptHook(Arc<HookFn>);

impl ExceptHook {
    /// Calls the hook.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading;
    /// let hook = threading::excepthook();
    /// let _ = hook; // call it with `hook.call(&args)` from inside another hook
    /// ```
    pub fn call(&self, args: &ExceptHookArgs<'_>) {
        (self.0)(args)
    }
}

impl fmt::Debug for ExceptHook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ExceptHook(..)")
    }
}

/// What the excepthook receives: Python's `ExceptHookArgs` (`exc_type`/`exc_value` are the
/// payload and its message; `thread` the thread; `exc_traceback` the location and backtrace).
///
/// # Examples
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use pythreading::threading;
///
/// let seen = Arc::new(Mutex::new(Vec::new()));
/// let log = seen.clone();
/// let previous = threading::set_excepthook(move |args| {
///     log.lock().unwrap().push((args.thread_name(), args.message().to_owned()));
/// });
/// let h = threading::Builder::new().name("w").spawn(|| panic!("bad input")).unwrap();
/// assert!(h.join().is_err());
/// threading::restore_excepthook(previous);
/// assert_eq!(seen.lock().unwrap()[0], ("w".to_owned(), "bad input".to_owned()));
/// ```
pub struct ExceptHookArgs<'a> {
    thread: Option<&'a Thread>,
    /// A name to report when there is no thread (a timer's `Thread-N`).
    name: Option<&'a str>,
    payload: &'a (dyn Any + Send),
    location: Option<&'a str>,
    backtrace: Option<&'a Backtrace>,
}

impl<'a> ExceptHookArgs<'a> {
    /// The thread that panicked (`None` when unknown, as Python's `thread=None`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading;
    /// threading::set_excepthook(|args| assert!(args.thread().is_some()));
    /// # let _ = threading::spawn(|| panic!()).join();
    /// # threading::set_excepthook(threading::default_excepthook);
    /// ```
    pub fn thread(&self) -> Option<&'a Thread> {
        self.thread
    }

    /// The thread's name; for a [`Timer`](crate::threading::Timer) callback the timer's name;
    /// otherwise the reporting thread's ident in decimal (Python's
    /// `Exception in thread {get_ident()}` header for `thread=None`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading;
    /// threading::set_excepthook(|args| assert_eq!(args.thread_name(), "named"));
    /// # let _ = threading::Builder::new().name("named").spawn(|| panic!()).unwrap().join();
    /// # threading::set_excepthook(threading::default_excepthook);
    /// ```
    pub fn thread_name(&self) -> String {
        match (self.thread, self.name) {
            (Some(t), _) => t.name().to_owned(),
            (None, Some(name)) => name.to_owned(),
            (None, None) => registry::get_ident().to_string(),
        }
    }

    /// The panic payload (`exc_value`): downcast it for typed panics.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading;
    /// threading::set_excepthook(|args| assert_eq!(args.payload().downcast_ref::<u8>(), Some(&7)));
    /// # let _ = threading::spawn(|| std::panic::panic_any(7_u8)).join();
    /// # threading::set_excepthook(threading::default_excepthook);
    /// ```
    #[doc(alias = "exc_value")]
    #[doc(alias = "exc_type")]
    pub fn payload(&self) -> &'a (dyn Any + Send) {
        self.payload
    }

    /// The panic message, when the payload is a string.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading;
    /// threading::set_excepthook(|args| assert_eq!(args.message(), "run failed"));
    /// # let _ = threading::spawn(|| panic!("run failed")).join();
    /// # threading::set_excepthook(threading::default_excepthook);
    /// ```
    pub fn message(&self) -> &'a str {
        payload_message(self.payload)
    }

    /// Where the panic happened (`file:line:column`), when known.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading;
    /// threading::set_excepthook(|args| assert!(args.location().unwrap().contains(".rs:")));
    /// # let _ = threading::spawn(|| panic!()).join();
    /// # threading::set_excepthook(threading::default_excepthook);
    /// ```
    pub fn location(&self) -> Option<&'a str> {
        self.location
    }

    /// The backtrace, when `RUST_BACKTRACE` enabled capturing one.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading;
    /// threading::set_excepthook(|args| { let _ = args.backtrace(); });
    /// # let _ = threading::spawn(|| panic!()).join();
    /// # threading::set_excepthook(threading::default_excepthook);
    /// ```
    #[doc(alias = "exc_traceback")]
    pub fn backtrace(&self) -> Option<&'a Backtrace> {
        self.backtrace
    }
}

impl fmt::Debug for ExceptHookArgs<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExceptHookArgs")
            .field("thread", &self.thread)
            .field("name", &self.name)
            .field("message", &self.message())
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

/// `None` means the default hook.
static HOOK: RwLock<Option<ExceptHook>> = RwLock::new(None);

/// Installs `hook` as the excepthook and returns the previous one.
///
/// A thread spawned by this library runs its body under `catch_unwind`; a panic is handed to the
/// excepthook (by default [`default_excepthook`]: `Exception in thread NAME:` and the message on
/// stderr), then the thread ends normally and [`JoinHandle::join`] returns the panic.
///
/// # The global panic hook
///
/// Rust's default panic hook would print its own `thread 'NAME' panicked at ...` before the
/// excepthook runs, reporting every panic twice. So the first `spawn` installs a panic hook that
/// *chains* to the one installed before it: while a library thread runs its body (or the
/// excepthook), and in the timer pool's threads, it records the panic's location (and a
/// backtrace when `RUST_BACKTRACE` asks for one) for the excepthook and prints nothing; in every
/// other case (main, `std::thread` threads, test harness threads, thread-local destructors) it
/// calls the previous hook unchanged. A panic hook you install *after* the first spawn replaces
/// this one: nothing is lost, but panics in library threads are then reported twice.
///
/// [`JoinHandle::join`]: crate::threading::JoinHandle::join
///
/// # Examples
///
/// ```
/// use pythreading::threading;
///
/// let previous = threading::set_excepthook(|args| eprintln!("worker failed: {}", args.message()));
/// let _ = threading::spawn(|| panic!("oops")).join();
/// threading::restore_excepthook(previous);
/// ```
#[doc(alias = "excepthook")]
pub fn set_excepthook<F>(hook: F) -> ExceptHook
where
    F: Fn(&ExceptHookArgs<'_>) + Send + Sync + 'static,
{
    restore_excepthook(ExceptHook(Arc::new(hook)))
}

/// Installs a hook previously returned by [`set_excepthook`] or [`excepthook`]; returns the one
/// it replaces.
///
/// # Examples
///
/// ```
/// use pythreading::threading;
///
/// let previous = threading::set_excepthook(|_| {});
/// threading::restore_excepthook(previous);
/// ```
pub fn restore_excepthook(hook: ExceptHook) -> ExceptHook {
    let mut slot = HOOK.write().unwrap_or_else(|p| p.into_inner());
    slot.replace(hook).unwrap_or_else(default_hook)
}

/// The excepthook now installed.
///
/// # Examples
///
/// ```
/// let hook = pythreading::threading::excepthook();
/// println!("{hook:?}");
/// ```
pub fn excepthook() -> ExceptHook {
    HOOK.read()
        .unwrap_or_else(|p| p.into_inner())
        .clone()
        .unwrap_or_else(default_hook)
}

fn default_hook() -> ExceptHook {
    ExceptHook(Arc::new(default_excepthook))
}

/// The default excepthook (Python's `threading.__excepthook__`): prints
/// `Exception in thread NAME:`, the location and the message to stderr.
///
/// # Examples
///
/// ```
/// use pythreading::threading;
///
/// threading::set_excepthook(threading::default_excepthook); // back to the default
/// ```
#[doc(alias = "__excepthook__")]
pub fn default_excepthook(args: &ExceptHookArgs<'_>) {
    let mut text = format!("Exception in thread {}:\n", args.thread_name());
    if let Some(location) = args.location() {
        text.push_str(&format!("panicked at {location}:\n"));
    }
    text.push_str(args.message());
    text.push('\n');
    if let Some(bt) = args.backtrace() {
        text.push_str(&format!("stack backtrace:\n{bt}\n"));
    }
    write_stderr(&text);
}

/// Writes a report to stderr in one piece, so reports from several threads do not interleave.
///
/// `eprint!` rather than a raw `io::stderr()` write, so that the test harness captures reports
/// as it captures panic messages. `eprint!` panics when stderr fails (e.g. a closed pipe); that
/// must not turn a report into a second panic (L-07), so the failure is caught and dropped.
pub(crate) fn write_stderr(text: &str) {
    let _ = panic::catch_unwind(|| eprint!("{text}"));
}

struct Recorded {
    location: Option<String>,
    backtrace: Option<Backtrace>,
}

thread_local! {
    static LAST_PANIC: RefCell<Option<Recorded>> = const { RefCell::new(None) };
    /// True while a panic in this thread will be caught and passed to [`report`]: during a
    /// spawned thread's body and its excepthook call, and always in the timer pool's threads.
    static REPORTING: Cell<bool> = const { Cell::new(false) };
}

/// Marks the start or end of a stretch where this thread's panics go to [`report`].
pub(crate) fn set_reporting(on: bool) {
    let _ = REPORTING.try_with(|r| r.set(on));
}

/// Installs the chaining panic hook described in the module docs, once.
pub(crate) fn install_panic_hook() {
    static INSTALL: Once = Once::new();
    if std::thread::panicking() {
        // take_hook/set_hook may not be called while unwinding; a later spawn installs it.
        return;
    }
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info: &PanicHookInfo<'_>| {
            // Outside those stretches (e.g. a destructor panicking during thread-local
            // teardown) nobody else would report the panic, so the previous hook does.
            if REPORTING.try_with(Cell::get).unwrap_or(false) {
                record(info);
            } else {
                previous(info);
            }
        }));
    });
}

fn record(info: &PanicHookInfo<'_>) {
    let backtrace = Backtrace::capture();
    let recorded = Recorded {
        location: info.location().map(|l| l.to_string()),
        backtrace: (backtrace.status() == BacktraceStatus::Captured).then_some(backtrace),
    };
    let _ = LAST_PANIC.try_with(|slot| {
        if let Ok(mut slot) = slot.try_borrow_mut() {
            *slot = Some(recorded);
        }
    });
}

/// Hands a panic that escaped `thread`'s body to the excepthook. A panicking hook is reported
/// as Python does: `Exception in threading.excepthook:` and then the default hook (L-05).
pub(crate) fn report(thread: Option<&Thread>, name: Option<&str>, payload: &(dyn Any + Send)) {
    let recorded = LAST_PANIC
        .try_with(|slot| slot.try_borrow_mut().ok().and_then(|mut s| s.take()))
        .ok()
        .flatten();
    let (location, backtrace) = match &recorded {
        Some(r) => (r.location.as_deref(), r.backtrace.as_ref()),
        None => (None, None),
    };
    let args = ExceptHookArgs {
        thread,
        name,
        payload,
        location,
        backtrace,
    };
    let hook = excepthook();
    if let Err(hook_panic) = panic::catch_unwind(AssertUnwindSafe(|| hook.call(&args))) {
        write_stderr("Exception in threading.excepthook:\n");
        let recorded = LAST_PANIC
            .try_with(|slot| slot.try_borrow_mut().ok().and_then(|mut s| s.take()))
            .ok()
            .flatten();
        default_excepthook(&ExceptHookArgs {
            thread,
            name,
            payload: &*hook_panic,
            location: recorded.as_ref().and_then(|r| r.location.as_deref()),
            backtrace: None,
        });
    }
}
