//! [`ProcessError`]: why a process operation was refused or failed.

use std::error::Error;
use std::fmt;
use std::io;

/// Why a [`Process`](super::Process) (or a pool starting workers) could not do what was asked.
///
/// Python raises `ValueError` / `AssertionError` for most of these; each is a variant here and
/// carries what was refused.
///
/// # Examples
///
/// ```
/// use pythreading_mp::process::{Process, ProcessError};
///
/// fn work() {}
/// pythreading_mp::register!(work);
///
/// let p = Process::new(work);
/// assert!(matches!(p.join(), Err(ProcessError::NotStarted)));
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum ProcessError {
    /// `pythreading_mp::init()` was not called in this program before starting a process.
    /// The message says exactly which line to add.
    NotInitialized,
    /// This process was started as a child but reached `start()` without being dispatched by
    /// `init()`: starting another child would fork-bomb, so it is refused.
    UndispatchedChild,
    /// The function was never passed to [`register!`](crate::register), so a child cannot find it.
    NotRegistered {
        /// The function's name (`std::any::type_name` of its type).
        name: &'static str,
    },
    /// Several registered entries share this name: only named `fn` items can be registered.
    AmbiguousTarget {
        /// The shared name.
        name: &'static str,
    },
    /// The arguments could not be encoded (Python: the pickling error from `start()`).
    #[doc(alias = "PicklingError")]
    Encode(String),
    /// `start()` was called twice (Python: "cannot start a process twice").
    AlreadyStarted,
    /// An operation needs a started process (Python: "can only join a started process").
    NotStarted,
    /// `close()` on a process that is still running (Python's `ValueError`).
    StillRunning,
    /// The process object was closed (Python: "process object is closed").
    Closed,
    /// A daemonic process tried to start a child (Python: "daemonic processes are not allowed to have children").
    DaemonChildren,
    /// The child exited before connecting back; `code` is its exit code (−signal when killed).
    ExitedBeforeConnect {
        /// The child's exit code.
        code: i32,
    },
    /// The child did not connect back in time and was killed.
    ConnectTimeout,
    /// Spawning or talking to the child failed.
    Io(io::Error),
}

impl fmt::Display for ProcessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProcessError::NotInitialized => f.write_str(
                "pythreading_mp::init() was not called: add `pythreading_mp::init();` as the first \
                 line of `main` (in a test: as the first line of the test function)",
            ),
            ProcessError::UndispatchedChild => f.write_str(
                "this is a child process that was not dispatched by pythreading_mp::init(): add \
                 `pythreading_mp::init();` as the first line of `main` (in a test: of the test \
                 function); refusing to start another child",
            ),
            ProcessError::NotRegistered { name } => write!(
                f,
                "function `{name}` is not registered: add `pythreading_mp::register!({});` at module level",
                short_name(name)
            ),
            ProcessError::AmbiguousTarget { name } => write!(
                f,
                "`{name}` names several registered functions: register named `fn` items only"
            ),
            ProcessError::Encode(e) => write!(f, "cannot encode the arguments: {e}"),
            ProcessError::AlreadyStarted => f.write_str("cannot start a process twice"),
            ProcessError::NotStarted => f.write_str("process not started"),
            ProcessError::StillRunning => {
                f.write_str("cannot close a process while it is still running")
            }
            ProcessError::Closed => f.write_str("process object is closed"),
            ProcessError::DaemonChildren => {
                f.write_str("daemonic processes are not allowed to have children")
            }
            ProcessError::ExitedBeforeConnect { code } => write!(
                f,
                "the child exited with code {code} before connecting back (does its `main` call \
                 `pythreading_mp::init();` first?)"
            ),
            ProcessError::ConnectTimeout => {
                f.write_str("the child did not connect back in time and was killed")
            }
            ProcessError::Io(e) => write!(f, "process i/o failed: {e}"),
        }
    }
}

impl Error for ProcessError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            ProcessError::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for ProcessError {
    fn from(e: io::Error) -> Self {
        ProcessError::Io(e)
    }
}

/// The path to write in `register!(..)` for a function whose type name is `name`:
/// `my_crate::square` → `square`, `pythreading_mp::process::run_object<app::Job>` →
/// `run_object::<app::Job>`.
pub(crate) fn short_name(name: &str) -> String {
    let (path, generics) = match name.find('<') {
        Some(i) => name.split_at(i),
        None => (name, ""),
    };
    let last = path.rsplit("::").next().unwrap_or(path);
    if generics.is_empty() {
        last.to_owned()
    } else {
        format!("{last}::{generics}")
    }
}
