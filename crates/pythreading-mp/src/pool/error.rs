//! [`PoolError`]: why a pool call or one of its tasks failed.

use std::error::Error;
use std::fmt;

use crate::process::ProcessError;

/// Why a pool refused a call, or why one task produced no value.
///
/// A task's own failure ([`Panicked`](PoolError::Panicked), [`WorkerDied`](PoolError::WorkerDied),
/// [`Encode`](PoolError::Encode)) is that task's error only: the pool goes on.
///
/// # Examples
///
/// ```
/// use pythreading_mp::pool::{Pool, PoolError};
///
/// let err = Pool::new(0).unwrap_err();
/// assert!(matches!(err, PoolError::InvalidSize));
/// assert_eq!(err.to_string(), "number of processes must be at least 1");
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum PoolError {
    /// `Pool::new(0)` (Python: "Number of processes must be at least 1").
    InvalidSize,
    /// `max_tasks_per_child(0)` (Python: "maxtasksperchild must be a positive int or None").
    InvalidMaxTasks,
    /// The task panicked in the worker; `message` is the child's panic message and location
    /// (Python re-raises the exception with the child's traceback as its `__cause__`).
    #[doc(alias = "RemoteTraceback")]
    Panicked {
        /// The panic message, with the file and line where it happened.
        message: String,
    },
    /// The worker running the task died (killed, crashed, or called `exit`). Only that task
    /// fails; the worker is replaced. CPython's `Pool` hangs forever here (gh-66587).
    ///
    /// When the worker was running a chunk of several tasks (`chunksize` > 1), the pool cannot
    /// tell which one it died in, so it runs that chunk's tasks again one at a time: the task
    /// that kills its worker again fails alone with this error, and the others complete (a task
    /// of that chunk that had already finished may run twice; with chunk size 1, the default of
    /// `imap`, `apply` and the executor, no task ever runs twice).
    WorkerDied {
        /// The dead worker's pid.
        pid: u32,
        /// Its exit code: `n` for `exit(n)`, `-signal` when killed (`-9` for SIGKILL).
        exitcode: i32,
    },
    /// A task's argument or value could not be encoded or decoded (Python's
    /// `MaybeEncodingError` / pickling errors).
    #[doc(alias = "MaybeEncodingError")]
    Encode(String),
    /// The pool was closed or terminated (Python: "Pool not running").
    NotRunning,
    /// `join()` before `close()` or `terminate()` (Python: "Pool is still running").
    StillRunning,
    /// The pool was terminated before the task finished.
    Terminated,
    /// A timed wait ended first (Python's `multiprocessing.TimeoutError`).
    #[doc(alias = "TimeoutError")]
    Timeout,
    /// `successful()` asked before the result was ready (Python's `ValueError`).
    NotReady,
    /// A worker could not be started (bad setup: no `init()`, unregistered function, spawn failure).
    Start(String),
    /// The function was never passed to [`register!`](crate::register).
    NotRegistered {
        /// The function's name.
        name: &'static str,
    },
}

impl PoolError {
    /// For [`PoolError::WorkerDied`] from a signal: the signal number (9 for SIGKILL).
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pool::PoolError;
    /// assert_eq!(PoolError::WorkerDied { pid: 1, exitcode: -9 }.signal(), Some(9));
    /// assert_eq!(PoolError::WorkerDied { pid: 1, exitcode: 3 }.signal(), None);
    /// ```
    pub fn signal(&self) -> Option<i32> {
        match self {
            PoolError::WorkerDied { exitcode, .. } if *exitcode < 0 => Some(-exitcode),
            _ => None,
        }
    }
}

impl fmt::Display for PoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PoolError::InvalidSize => f.write_str("number of processes must be at least 1"),
            PoolError::InvalidMaxTasks => {
                f.write_str("max_tasks_per_child must be a positive number")
            }
            PoolError::Panicked { message } => {
                write!(f, "the task panicked in the worker: {message}")
            }
            PoolError::WorkerDied { pid, exitcode } if *exitcode < 0 => write!(
                f,
                "the worker (pid {pid}) running the task was killed by signal {}",
                -exitcode
            ),
            PoolError::WorkerDied { pid, exitcode } => write!(
                f,
                "the worker (pid {pid}) running the task exited with code {exitcode}"
            ),
            PoolError::Encode(e) => write!(f, "cannot encode or decode a task's value: {e}"),
            PoolError::NotRunning => f.write_str("pool not running"),
            PoolError::StillRunning => f.write_str("pool is still running"),
            PoolError::Terminated => {
                f.write_str("the pool was terminated before the task finished")
            }
            PoolError::Timeout => f.write_str("timed out waiting for the result"),
            PoolError::NotReady => f.write_str("the result is not ready"),
            PoolError::Start(e) => write!(f, "cannot start a pool worker: {e}"),
            PoolError::NotRegistered { name } => write!(
                f,
                "function `{name}` is not registered: add `pythreading_mp::register!({});` at module level",
                crate::process::short_name(name)
            ),
        }
    }
}

impl Error for PoolError {}

impl From<ProcessError> for PoolError {
    fn from(e: ProcessError) -> Self {
        match e {
            ProcessError::NotRegistered { name } => PoolError::NotRegistered { name },
            ProcessError::Encode(e) => PoolError::Encode(e),
            other => PoolError::Start(other.to_string()),
        }
    }
}
