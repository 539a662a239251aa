//! Errors of the thread layer.
//!
//! | Python | Rust |
//! |---|---|
//! | an exception escaping `Thread.run()` (seen by `join()` in Rust, not in Python) | [`Panicked`] |
//! | `RuntimeError("cannot join current thread")` | [`JoinError::CurrentThread`] |
//! | `RuntimeError("cannot join a dummy thread")` | [`JoinError::DummyThread`] |
//! | `RuntimeError("can't register atexit after shutdown")` | [`AtexitError`] |
//! | `ValueError("size not valid")` from `stack_size(n)` | [`StackSizeError`] |

use std::any::Any;
use std::error::Error;
use std::fmt;

/// The payload of a panic that ended a thread, as [`JoinHandle::join`] reports it (or, from a
/// thread joining its own handle, the refusal: see [`Panicked::join_error`]).
///
/// Python's `join()` never sees the exception of the thread (only `excepthook` does); in Rust the
/// panic reaches both: the excepthook reports it when it happens, and `join()` hands the payload
/// back, so it can be inspected or re-raised with [`Panicked::resume`].
///
/// [`JoinHandle::join`]: crate::threading::JoinHandle::join
///
/// # Examples
///
/// ```
/// use pythreading::threading::{self, Builder};
///
/// threading::set_excepthook(|_| {}); // keep the doc test quiet
/// let handle = Builder::new().spawn(|| -> u32 { panic!("boom") }).unwrap();
/// let err = handle.join().unwrap_err();
/// assert_eq!(err.message(), "boom");
/// # threading::set_excepthook(threading::default_excepthook);
/// ```
pub struct Panicked {
    payload: Box<dyn Any + Send + 'static>,
}

/// The marker payload `low_level::exit()` unwinds with: a quiet end of the thread.
#[derive(Debug)]
pub(crate) struct ExitThread;

impl Panicked {
    pub(crate) fn new(payload: Box<dyn Any + Send + 'static>) -> Self {
        Panicked { payload }
    }

    /// The panic message when the payload is a string (`panic!("...")`), or a placeholder.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading;
    /// # threading::set_excepthook(|_| {});
    /// let err = threading::spawn(|| panic!("disk full")).join().unwrap_err();
    /// assert_eq!(err.message(), "disk full");
    /// # threading::set_excepthook(threading::default_excepthook);
    /// ```
    pub fn message(&self) -> &str {
        payload_message(&*self.payload)
    }

    /// Whether the thread ended through [`low_level::exit`](crate::threading::low_level::exit)
    /// (Python's `SystemExit` in a thread) rather than a real panic.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading::threading::{self, low_level};
    ///
    /// let err = threading::spawn(|| -> u8 { low_level::exit() }).join().unwrap_err();
    /// assert!(err.is_exit());
    /// ```
    pub fn is_exit(&self) -> bool {
        self.payload.is::<ExitThread>()
    }

    /// The refusal, when `join` did not wait because it could not: a thread joining its own
    /// [`JoinHandle`](crate::threading::JoinHandle) gets [`JoinError::CurrentThread`] here, the
    /// same error [`Thread::join`](crate::threading::Thread::join) returns. `None` when the thread
    /// really panicked or exited.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading;
    /// # threading::set_excepthook(|_| {});
    /// let err = threading::spawn(|| panic!("boom")).join().unwrap_err();
    /// assert_eq!(err.join_error(), None);
    /// # threading::set_excepthook(threading::default_excepthook);
    /// ```
    pub fn join_error(&self) -> Option<JoinError> {
        self.payload.downcast_ref::<JoinError>().copied()
    }

    /// The payload itself, e.g. to downcast a typed panic value.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading;
    /// # threading::set_excepthook(|_| {});
    /// let err = threading::spawn(|| std::panic::panic_any(42_i32)).join().unwrap_err();
    /// assert_eq!(err.into_payload().downcast_ref::<i32>(), Some(&42));
    /// # threading::set_excepthook(threading::default_excepthook);
    /// ```
    pub fn into_payload(self) -> Box<dyn Any + Send + 'static> {
        self.payload
    }

    /// Re-raises the panic in the calling thread (`std::panic::resume_unwind`).
    ///
    /// # Examples
    ///
    /// ```should_panic
    /// # use pythreading::threading;
    /// # threading::set_excepthook(|_| {});
    /// if let Err(p) = threading::spawn(|| panic!("again")).join() {
    ///     p.resume();
    /// }
    /// ```
    pub fn resume(self) -> ! {
        std::panic::resume_unwind(self.payload)
    }
}

/// The text of a panic payload: the `&str` or `String` it carries, or a placeholder.
pub(crate) fn payload_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else if payload.is::<ExitThread>() {
        "thread exited"
    } else if let Some(refused) = payload.downcast_ref::<JoinError>() {
        match refused {
            JoinError::CurrentThread => "cannot join current thread",
            JoinError::DummyThread => "cannot join a dummy thread",
        }
    } else {
        "Box<dyn Any>"
    }
}

impl fmt::Debug for Panicked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Panicked")
            .field("message", &self.message())
            .finish()
    }
}

impl fmt::Display for Panicked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the thread panicked: {}", self.message())
    }
}

impl Error for Panicked {}

/// Why a join refused to wait: [`Thread::join`](crate::threading::Thread::join) and
/// `join_timeout` return it, and so does
/// [`JoinHandle::join_timeout`](crate::threading::JoinHandle::join_timeout) (its `join`
/// hands it back through [`Panicked::join_error`]).
///
/// # Examples
///
/// ```
/// use pythreading::threading::{self, JoinError};
///
/// assert_eq!(threading::current_thread().join(), Err(JoinError::CurrentThread));
/// ```
#[doc(alias = "RuntimeError")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JoinError {
    /// A thread cannot wait for itself (Python: "cannot join current thread").
    CurrentThread,
    /// A dummy thread was not started by this library and has nothing to wait for
    /// (Python: "cannot join a dummy thread").
    DummyThread,
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            JoinError::CurrentThread => "cannot join current thread",
            JoinError::DummyThread => "cannot join a dummy thread",
        })
    }
}

impl Error for JoinError {}

/// An exit callback registered after its phase of [`shutdown`](crate::threading::shutdown())
/// began; the callback is handed back.
///
/// # Examples
///
/// ```
/// use pythreading::threading::{self, AtexitError};
///
/// let err: Option<AtexitError> = threading::atexit_register(|| {}).err();
/// assert!(err.is_none()); // accepted: shutdown has not run in this process
/// ```
pub struct AtexitError {
    // In a Mutex only so that the error is `Sync` (`Box<dyn Error + Send + Sync>` works).
    callback: std::sync::Mutex<Box<dyn FnOnce() + Send + 'static>>,
}

impl AtexitError {
    pub(crate) fn new(callback: Box<dyn FnOnce() + Send + 'static>) -> Self {
        AtexitError {
            callback: std::sync::Mutex::new(callback),
        }
    }

    /// The callback that was refused.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading;
    /// if let Err(e) = threading::atexit_register(|| println!("bye")) {
    ///     (e.into_inner())(); // run it now instead
    /// }
    /// ```
    pub fn into_inner(self) -> Box<dyn FnOnce() + Send + 'static> {
        self.callback
            .into_inner()
            .unwrap_or_else(|p| p.into_inner())
    }
}

impl fmt::Debug for AtexitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AtexitError").finish_non_exhaustive()
    }
}

impl fmt::Display for AtexitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("can't register atexit after shutdown")
    }
}

impl Error for AtexitError {}

/// A stack size below the platform minimum (Python's `ValueError: size not valid`).
///
/// # Examples
///
/// ```
/// use pythreading::threading::low_level;
///
/// let err = low_level::set_stack_size(4096).unwrap_err();
/// assert_eq!(err.size(), 4096);
/// ```
#[doc(alias = "ValueError")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StackSizeError {
    pub(crate) size: usize,
}

impl StackSizeError {
    /// The refused size in bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::low_level;
    /// assert_eq!(low_level::set_stack_size(1).unwrap_err().size(), 1);
    /// ```
    pub fn size(&self) -> usize {
        self.size
    }
}

impl fmt::Display for StackSizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "stack size {} not valid: 0 or at least 32 KiB is required",
            self.size
        )
    }
}

impl Error for StackSizeError {}
