//! Errors of the `futures` area.
//!
//! | Python (`concurrent.futures`) | pythreading |
//! |---|---|
//! | `CancelledError` from `result()` / `exception()` | [`TaskError::Cancelled`] |
//! | the task's own exception, re-raised by `result()` | [`TaskError::Panicked`] carrying a [`TaskPanic`] (message + payload) |
//! | `BrokenThreadPool` (a `BrokenExecutor`) on a queued future | [`TaskError::BrokenPool`] carrying a [`BrokenPool`] |
//! | `TimeoutError` from `result(timeout)` / `exception(timeout)` | [`ResultTimeoutError::Timeout`], [`WaitTimeoutError`] |
//! | `TimeoutError("2 (of 4) futures unfinished")` from `as_completed` | [`AsCompletedTimeout`] |
//! | `RuntimeError('cannot schedule new futures after shutdown')` | [`SubmitError::Shutdown`] (hands the callable back) |
//! | `BrokenThreadPool` raised by `submit` | [`SubmitError::Broken`] (hands the callable back) |
//! | `RuntimeError("can't start new thread")` | [`SubmitError::Spawn`] (hands the callable back) |
//! | `ValueError('max_workers must be greater than 0')` | [`BuildError`] |
//! | `InvalidStateError` (a second `set_result`) | no counterpart: only the pool completes a [`TaskFuture`](super::TaskFuture) |
//! | `TypeError` (non-callable initializer, missing `fn`) | no counterpart: the compiler checks it |

use std::any::Any;
use std::error::Error;
use std::fmt;
use std::io;
use std::sync::{Arc, Mutex};

/// Why a task produced no value: it was cancelled, it panicked, or its pool broke first.
///
/// Returned by [`TaskFuture::result`](super::TaskFuture::result) and friends.
///
/// # Examples
///
/// ```
/// use pythreading::futures::{TaskError, ThreadPoolExecutor};
///
/// let pool = ThreadPoolExecutor::new(1).unwrap();
/// let f = pool.submit(|| -> u32 { panic!("boom") }).unwrap();
/// match f.result() {
///     Err(TaskError::Panicked(p)) => assert_eq!(p.message(), "boom"),
///     other => panic!("unexpected: {other:?}"),
/// }
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum TaskError {
    /// The future was cancelled before it ran (Python's `CancelledError`).
    #[doc(alias = "CancelledError")]
    Cancelled,
    /// The task panicked; the panic is kept here (Python re-raises the task's exception).
    Panicked(TaskPanic),
    /// The pool broke (its initializer failed) before the task could run.
    #[doc(alias = "BrokenThreadPool")]
    #[doc(alias = "BrokenExecutor")]
    BrokenPool(BrokenPool),
    /// The value was already moved out by [`take_result`](super::TaskFuture::take_result) or
    /// by awaiting the future. Python has no counterpart: its values are shared references.
    Taken,
}

impl TaskError {
    /// Whether this is [`TaskError::Cancelled`].
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(pythreading::futures::TaskError::Cancelled.is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self, TaskError::Cancelled)
    }

    /// Whether the task failed (panicked, or its pool broke) rather than being cancelled:
    /// what Python's `FIRST_EXCEPTION` counts as an exception.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!pythreading::futures::TaskError::Cancelled.is_failure());
    /// ```
    pub fn is_failure(&self) -> bool {
        matches!(self, TaskError::Panicked(_) | TaskError::BrokenPool(_))
    }
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskError::Cancelled => f.write_str("the task was cancelled"),
            TaskError::Panicked(p) => write!(f, "the task panicked: {}", p.message()),
            TaskError::BrokenPool(b) => fmt::Display::fmt(b, f),
            TaskError::Taken => f.write_str("the task's value was already taken"),
        }
    }
}

impl Error for TaskError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            TaskError::Panicked(p) => Some(p),
            TaskError::BrokenPool(b) => Some(b),
            _ => None,
        }
    }
}

/// A timed wait for a task's value ended without one.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use pythreading::futures::{ResultTimeoutError, ThreadPoolExecutor};
///
/// let pool = ThreadPoolExecutor::new(1).unwrap();
/// let f = pool.submit(|| std::thread::sleep(Duration::from_millis(200))).unwrap();
/// assert!(matches!(f.result_timeout(Duration::ZERO), Err(ResultTimeoutError::Timeout)));
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
#[doc(alias = "TimeoutError")]
pub enum ResultTimeoutError {
    /// The deadline passed first (Python's `TimeoutError`); the task may still finish later.
    #[doc(alias = "TimeoutError")]
    Timeout,
    /// The task finished without a value in time.
    Task(TaskError),
}

impl ResultTimeoutError {
    /// Whether the deadline passed first.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(pythreading::futures::ResultTimeoutError::Timeout.is_timeout());
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self, ResultTimeoutError::Timeout)
    }
}

impl From<TaskError> for ResultTimeoutError {
    fn from(e: TaskError) -> Self {
        ResultTimeoutError::Task(e)
    }
}

impl fmt::Display for ResultTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResultTimeoutError::Timeout => f.write_str("timed out waiting for the task"),
            ResultTimeoutError::Task(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl Error for ResultTimeoutError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            ResultTimeoutError::Timeout => None,
            ResultTimeoutError::Task(e) => Some(e),
        }
    }
}

/// A timed wait for a task to finish ended first (Python's `TimeoutError` from `exception(timeout)`).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use pythreading::futures::ThreadPoolExecutor;
///
/// let pool = ThreadPoolExecutor::new(1).unwrap();
/// let f = pool.submit(|| std::thread::sleep(Duration::from_millis(200))).unwrap();
/// assert!(f.exception_timeout(Duration::ZERO).is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[doc(alias = "TimeoutError")]
pub struct WaitTimeoutError;

impl fmt::Display for WaitTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("timed out waiting for the task")
    }
}

impl Error for WaitTimeoutError {}

/// `as_completed_timeout` ran out of time: `unfinished` of `total` futures had not completed.
///
/// Displays as Python's message, `"2 (of 4) futures unfinished"`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use pythreading::futures::{as_completed_timeout, ThreadPoolExecutor};
///
/// let pool = ThreadPoolExecutor::new(1).unwrap();
/// let slow = pool.submit(|| std::thread::sleep(Duration::from_millis(300))).unwrap();
/// let mut it = as_completed_timeout([slow], Duration::ZERO);
/// let err = it.next().unwrap().unwrap_err();
/// assert_eq!(err.to_string(), "1 (of 1) futures unfinished");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[doc(alias = "TimeoutError")]
pub struct AsCompletedTimeout {
    pub(crate) unfinished: usize,
    pub(crate) total: usize,
}

impl AsCompletedTimeout {
    /// How many futures had not completed when the deadline passed.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use pythreading::futures::{as_completed_timeout, ThreadPoolExecutor};
    /// # let pool = ThreadPoolExecutor::new(1).unwrap();
    /// # let slow = pool.submit(|| std::thread::sleep(Duration::from_millis(300))).unwrap();
    /// let err = as_completed_timeout([slow], Duration::ZERO).next().unwrap().unwrap_err();
    /// assert_eq!(err.unfinished(), 1);
    /// ```
    pub fn unfinished(&self) -> usize {
        self.unfinished
    }

    /// How many distinct futures the iterator was given.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use pythreading::futures::{as_completed_timeout, ThreadPoolExecutor};
    /// # let pool = ThreadPoolExecutor::new(1).unwrap();
    /// # let slow = pool.submit(|| std::thread::sleep(Duration::from_millis(300))).unwrap();
    /// let err = as_completed_timeout([slow.clone(), slow], Duration::ZERO).next().unwrap().unwrap_err();
    /// assert_eq!(err.total(), 1);
    /// ```
    pub fn total(&self) -> usize {
        self.total
    }
}

impl fmt::Display for AsCompletedTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (of {}) futures unfinished",
            self.unfinished, self.total
        )
    }
}

impl Error for AsCompletedTimeout {}

/// The panic of a task: its message and, once, its payload.
///
/// Cloning shares the payload; the first [`take_payload`](TaskPanic::take_payload) gets it (to
/// re-raise it with [`std::panic::resume_unwind`]).
///
/// # Examples
///
/// ```
/// use pythreading::futures::ThreadPoolExecutor;
///
/// let pool = ThreadPoolExecutor::new(1).unwrap();
/// let f = pool.submit(|| -> () { panic!("bad input {}", 7) }).unwrap();
/// let panic = f.exception().unwrap();
/// assert_eq!(panic.to_string(), "the task panicked: bad input 7");
/// ```
#[derive(Clone)]
pub struct TaskPanic {
    // One pointer: keeps every task's result slot small.
    inner: Arc<PanicInner>,
}

struct PanicInner {
    message: String,
    payload: Mutex<Option<Box<dyn Any + Send>>>,
}

impl TaskPanic {
    pub(crate) fn new(payload: Box<dyn Any + Send>) -> Self {
        let message = if let Some(s) = payload.downcast_ref::<&'static str>() {
            (*s).to_string()
        } else if let Some(s) = payload.downcast_ref::<String>() {
            s.clone()
        } else {
            "Box<dyn Any>".to_string()
        };
        TaskPanic {
            inner: Arc::new(PanicInner {
                message,
                payload: Mutex::new(Some(payload)),
            }),
        }
    }

    /// The panic message (`"Box<dyn Any>"` when the payload is not a string).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::futures::{TaskError, ThreadPoolExecutor};
    /// # let pool = ThreadPoolExecutor::new(1).unwrap();
    /// let f = pool.submit(|| -> u8 { panic!("boom") }).unwrap();
    /// if let Err(TaskError::Panicked(p)) = f.result() {
    ///     assert_eq!(p.message(), "boom");
    /// }
    /// ```
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// Takes the original panic payload, for [`std::panic::resume_unwind`]; `None` once taken.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::futures::{TaskError, ThreadPoolExecutor};
    /// # let pool = ThreadPoolExecutor::new(1).unwrap();
    /// let f = pool.submit(|| -> u8 { std::panic::panic_any(42_i32) }).unwrap();
    /// let Some(TaskError::Panicked(p)) = f.exception() else { unreachable!() };
    /// let payload = p.take_payload().unwrap();
    /// assert_eq!(payload.downcast_ref::<i32>(), Some(&42));
    /// assert!(p.take_payload().is_none());
    /// ```
    pub fn take_payload(&self) -> Option<Box<dyn Any + Send>> {
        match self.inner.payload.lock() {
            Ok(mut g) => g.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        }
    }
}

impl fmt::Debug for TaskPanic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskPanic")
            .field("message", &self.inner.message)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for TaskPanic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the task panicked: {}", self.inner.message)
    }
}

impl Error for TaskPanic {}

/// The pool is broken: a worker's initializer failed, so it runs nothing more
/// (Python's `BrokenThreadPool`).
///
/// # Examples
///
/// ```
/// use pythreading::futures::{SubmitError, ThreadPoolExecutor};
///
/// let pool = ThreadPoolExecutor::builder()
///     .max_workers(1)
///     .initializer(|| panic!("no database"))
///     .build()
///     .unwrap();
/// let first = pool.submit(|| 1).unwrap();
/// assert!(first.result().is_err());
/// match pool.submit(|| 2) {
///     Err(SubmitError::Broken(_, broken)) => assert!(broken.to_string().contains("no database")),
///     other => panic!("unexpected: {:?}", other.map(|_| ())),
/// }
/// ```
#[derive(Clone, Debug)]
#[doc(alias = "BrokenThreadPool")]
#[doc(alias = "BrokenExecutor")]
pub struct BrokenPool {
    // `Arc<String>`, not `Arc<str>`: one pointer, so a task's result slot stays small.
    pub(crate) reason: Arc<String>,
}

impl BrokenPool {
    /// Why the pool broke (the initializer's failure).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::futures::{TaskError, ThreadPoolExecutor};
    /// let pool = ThreadPoolExecutor::builder()
    ///     .try_initializer(|| Err("no config"))
    ///     .build()
    ///     .unwrap();
    /// if let Err(TaskError::BrokenPool(b)) = pool.submit(|| 1).unwrap().result() {
    ///     assert!(b.reason().contains("no config"));
    /// }
    /// ```
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for BrokenPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a thread initializer failed, the thread pool is not usable anymore ({})",
            self.reason
        )
    }
}

impl Error for BrokenPool {}

/// `submit` refused a task; the callable is handed back.
///
/// # Examples
///
/// ```
/// use pythreading::futures::{SubmitError, ThreadPoolExecutor};
///
/// let pool = ThreadPoolExecutor::new(2).unwrap();
/// pool.shutdown();
/// let err = pool.submit(|| 5).unwrap_err();
/// assert_eq!(err.to_string(), "cannot schedule new futures after shutdown");
/// let f = err.into_inner();
/// assert_eq!(f(), 5);
/// ```
#[non_exhaustive]
pub enum SubmitError<F> {
    /// The executor was shut down (Python's `RuntimeError('cannot schedule new futures after shutdown')`).
    #[doc(alias = "RuntimeError")]
    Shutdown(F),
    /// The pool is broken (Python's `BrokenThreadPool`).
    #[doc(alias = "BrokenThreadPool")]
    #[doc(alias = "BrokenExecutor")]
    Broken(F, BrokenPool),
    /// No worker thread existed and the OS refused to start one.
    Spawn(F, io::Error),
}

impl<F> SubmitError<F> {
    /// The refused callable.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::futures::ThreadPoolExecutor;
    /// let pool = ThreadPoolExecutor::new(1).unwrap();
    /// pool.shutdown();
    /// assert_eq!(pool.submit(|| "back").unwrap_err().into_inner()(), "back");
    /// ```
    pub fn into_inner(self) -> F {
        match self {
            SubmitError::Shutdown(f) | SubmitError::Broken(f, _) | SubmitError::Spawn(f, _) => f,
        }
    }

    /// Whether the executor had been shut down.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::futures::ThreadPoolExecutor;
    /// let pool = ThreadPoolExecutor::new(1).unwrap();
    /// pool.shutdown();
    /// assert!(pool.submit(|| ()).unwrap_err().is_shutdown());
    /// ```
    pub fn is_shutdown(&self) -> bool {
        matches!(self, SubmitError::Shutdown(_))
    }

    /// Whether the pool was broken.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::futures::ThreadPoolExecutor;
    /// let pool = ThreadPoolExecutor::new(1).unwrap();
    /// pool.shutdown();
    /// assert!(!pool.submit(|| ()).unwrap_err().is_broken());
    /// ```
    pub fn is_broken(&self) -> bool {
        matches!(self, SubmitError::Broken(..))
    }

    /// The same error without the payload.
    pub(crate) fn map_payload<G>(self, g: G) -> SubmitError<G> {
        match self {
            SubmitError::Shutdown(_) => SubmitError::Shutdown(g),
            SubmitError::Broken(_, b) => SubmitError::Broken(g, b),
            SubmitError::Spawn(_, e) => SubmitError::Spawn(g, e),
        }
    }
}

impl<F> fmt::Debug for SubmitError<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SubmitError::Shutdown(_) => f.write_str("Shutdown(..)"),
            SubmitError::Broken(_, b) => f.debug_tuple("Broken").field(&"..").field(b).finish(),
            SubmitError::Spawn(_, e) => f.debug_tuple("Spawn").field(&"..").field(e).finish(),
        }
    }
}

impl<F> fmt::Display for SubmitError<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SubmitError::Shutdown(_) => f.write_str("cannot schedule new futures after shutdown"),
            SubmitError::Broken(_, b) => fmt::Display::fmt(b, f),
            SubmitError::Spawn(_, e) => write!(f, "can't start new thread: {e}"),
        }
    }
}

impl<F> Error for SubmitError<F> {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            SubmitError::Shutdown(_) => None,
            SubmitError::Broken(_, b) => Some(b),
            SubmitError::Spawn(_, e) => Some(e),
        }
    }
}

/// The executor could not be built: `max_workers` was 0
/// (Python's `ValueError('max_workers must be greater than 0')`).
///
/// # Examples
///
/// ```
/// use pythreading::futures::ThreadPoolExecutor;
///
/// let err = ThreadPoolExecutor::new(0).unwrap_err();
/// assert_eq!(err.to_string(), "max_workers must be greater than 0");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[doc(alias = "ValueError")]
pub struct BuildError {
    pub(crate) _private: (),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("max_workers must be greater than 0")
    }
}

impl Error for BuildError {}
