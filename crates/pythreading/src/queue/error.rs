//! Errors of the queue operations.
//!
//! | Python | Rust |
//! |---|---|
//! | `queue.Full` from `put_nowait(x)` / `put(x, block=False)` | [`TryPutError::Full`]`(x)` |
//! | `queue.Full` from `put(x, timeout=t)` | [`PutTimeoutError::Timeout`]`(x)` |
//! | `queue.ShutDown` from any `put` | [`PutError::ShutDown`]`(x)`, [`TryPutError::ShutDown`]`(x)`, [`PutTimeoutError::ShutDown`]`(x)` |
//! | `queue.Empty` from `get_nowait()` / `get(block=False)` | [`TryGetError::Empty`] |
//! | `queue.Empty` from `get(timeout=t)` | [`GetTimeoutError::Timeout`] |
//! | `queue.ShutDown` from any `get` | [`GetError::ShutDown`], [`TryGetError::ShutDown`], [`GetTimeoutError::ShutDown`] |
//! | `ValueError('task_done() called too many times')` | [`TaskDoneError`] |
//! | `ValueError("'timeout' must be a non-negative number")` | no Rust meaning: a [`Duration`](std::time::Duration) is never negative |
//! | `queue.Empty` from `SimpleQueue.get_nowait()` | `None` from [`SimpleQueue::try_get`](super::SimpleQueue::try_get) (it cannot be shut down) |
//!
//! Every put error hands the refused item back ([`into_inner`](TryPutError::into_inner)), so
//! nothing is lost on `Full` or `ShutDown`. `Debug` never requires `T: Debug`.

use std::error::Error;
use std::fmt;

// -------------------------------------------------------------------------------------------
// put
// -------------------------------------------------------------------------------------------

/// Why a blocking [`put`](super::Queue::put) failed: the queue was shut down. The item comes back.
///
/// # Examples
///
/// ```
/// use pythreading::queue::{PutError, Queue};
///
/// let q = Queue::bounded(1);
/// q.shutdown();
/// match q.put("job") {
///     Err(PutError::ShutDown(item)) => assert_eq!(item, "job"),
///     Ok(()) => unreachable!("a shut-down queue refuses puts"),
/// }
/// ```
#[doc(alias = "ShutDown")]
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum PutError<T> {
    /// The queue was shut down (Python's `queue.ShutDown`); the item is handed back.
    ShutDown(T),
}

/// Why [`try_put`](super::Queue::try_put) failed. The item comes back.
///
/// # Examples
///
/// ```
/// use pythreading::queue::{Queue, TryPutError};
///
/// let q = Queue::bounded(1);
/// q.try_put(1).unwrap();
/// match q.try_put(2) {
///     Err(TryPutError::Full(item)) => assert_eq!(item, 2),
///     other => panic!("expected Full, got {other:?}"),
/// }
/// ```
#[doc(alias = "Full")]
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TryPutError<T> {
    /// The queue is at capacity (Python's `queue.Full`).
    Full(T),
    /// The queue was shut down (Python's `queue.ShutDown`).
    ShutDown(T),
}

/// Why [`put_timeout`](super::Queue::put_timeout) failed. The item comes back.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use pythreading::queue::{PutTimeoutError, Queue};
///
/// let q = Queue::bounded(1);
/// q.put(1).unwrap();
/// let err = q.put_timeout(2, Duration::from_millis(10)).unwrap_err();
/// assert!(err.is_timeout());
/// assert_eq!(err.into_inner(), 2);
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum PutTimeoutError<T> {
    /// No room came free before the timeout (Python's `queue.Full`).
    Timeout(T),
    /// The queue was shut down (Python's `queue.ShutDown`).
    ShutDown(T),
}

impl<T> PutError<T> {
    /// The refused item.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading::queue::PutError;
    /// assert_eq!(PutError::ShutDown(7).into_inner(), 7);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            PutError::ShutDown(item) => item,
        }
    }

    /// Always `true`: a blocking put only fails because of a shutdown.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading::queue::PutError;
    /// assert!(PutError::ShutDown(()).is_shut_down());
    /// ```
    pub fn is_shut_down(&self) -> bool {
        true
    }
}

impl<T> TryPutError<T> {
    /// The refused item.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading::queue::TryPutError;
    /// assert_eq!(TryPutError::Full(7).into_inner(), 7);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            TryPutError::Full(item) | TryPutError::ShutDown(item) => item,
        }
    }

    /// Whether the queue was full.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading::queue::TryPutError;
    /// assert!(TryPutError::Full(()).is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        matches!(self, TryPutError::Full(_))
    }

    /// Whether the queue was shut down.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading::queue::TryPutError;
    /// assert!(TryPutError::ShutDown(()).is_shut_down());
    /// ```
    pub fn is_shut_down(&self) -> bool {
        matches!(self, TryPutError::ShutDown(_))
    }
}

impl<T> PutTimeoutError<T> {
    /// The refused item.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading::queue::PutTimeoutError;
    /// assert_eq!(PutTimeoutError::Timeout(7).into_inner(), 7);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            PutTimeoutError::Timeout(item) | PutTimeoutError::ShutDown(item) => item,
        }
    }

    /// Whether the timeout expired with the queue still full.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading::queue::PutTimeoutError;
    /// assert!(PutTimeoutError::Timeout(()).is_timeout());
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self, PutTimeoutError::Timeout(_))
    }

    /// Whether the queue was shut down.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading::queue::PutTimeoutError;
    /// assert!(PutTimeoutError::ShutDown(()).is_shut_down());
    /// ```
    pub fn is_shut_down(&self) -> bool {
        matches!(self, PutTimeoutError::ShutDown(_))
    }
}

impl<T> From<PutError<T>> for TryPutError<T> {
    fn from(err: PutError<T>) -> Self {
        TryPutError::ShutDown(err.into_inner())
    }
}

impl<T> From<PutError<T>> for PutTimeoutError<T> {
    fn from(err: PutError<T>) -> Self {
        PutTimeoutError::ShutDown(err.into_inner())
    }
}

impl<T> fmt::Debug for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ShutDown(..)")
    }
}

impl<T> fmt::Debug for TryPutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryPutError::Full(_) => f.write_str("Full(..)"),
            TryPutError::ShutDown(_) => f.write_str("ShutDown(..)"),
        }
    }
}

impl<T> fmt::Debug for PutTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PutTimeoutError::Timeout(_) => f.write_str("Timeout(..)"),
            PutTimeoutError::ShutDown(_) => f.write_str("ShutDown(..)"),
        }
    }
}

const SHUT_DOWN: &str = "the queue is shut down";

impl<T> fmt::Display for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(SHUT_DOWN)
    }
}

impl<T> fmt::Display for TryPutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryPutError::Full(_) => f.write_str("the queue is full"),
            TryPutError::ShutDown(_) => f.write_str(SHUT_DOWN),
        }
    }
}

impl<T> fmt::Display for PutTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PutTimeoutError::Timeout(_) => f.write_str("timed out waiting for room in the queue"),
            PutTimeoutError::ShutDown(_) => f.write_str(SHUT_DOWN),
        }
    }
}

impl<T> Error for PutError<T> {}
impl<T> Error for TryPutError<T> {}
impl<T> Error for PutTimeoutError<T> {}

// -------------------------------------------------------------------------------------------
// get
// -------------------------------------------------------------------------------------------

/// Why a blocking [`get`](super::Queue::get) failed: the queue was shut down and holds nothing.
///
/// # Examples
///
/// ```
/// use pythreading::queue::{GetError, Queue};
///
/// let q = Queue::<u32>::unbounded();
/// q.shutdown();
/// assert_eq!(q.get(), Err(GetError::ShutDown));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GetError {
    /// Shut down and empty (Python's `queue.ShutDown`).
    ShutDown,
}

/// Why [`try_get`](super::Queue::try_get) failed.
///
/// # Examples
///
/// ```
/// use pythreading::queue::{Queue, TryGetError};
///
/// let q = Queue::<u32>::unbounded();
/// assert_eq!(q.try_get(), Err(TryGetError::Empty));
/// q.shutdown();
/// assert_eq!(q.try_get(), Err(TryGetError::ShutDown));
/// ```
#[doc(alias = "Empty")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TryGetError {
    /// Nothing to take now (Python's `queue.Empty`).
    Empty,
    /// Shut down and empty (Python's `queue.ShutDown`).
    ShutDown,
}

/// Why [`get_timeout`](super::Queue::get_timeout) failed.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use pythreading::queue::{GetTimeoutError, Queue};
///
/// let q = Queue::<u32>::unbounded();
/// assert_eq!(q.get_timeout(Duration::from_millis(10)), Err(GetTimeoutError::Timeout));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GetTimeoutError {
    /// Nothing arrived before the timeout (Python's `queue.Empty`).
    Timeout,
    /// Shut down and empty (Python's `queue.ShutDown`).
    ShutDown,
}

impl GetError {
    /// Always `true`: a blocking get only fails because of a shutdown.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading::queue::GetError;
    /// assert!(GetError::ShutDown.is_shut_down());
    /// ```
    pub fn is_shut_down(&self) -> bool {
        true
    }
}

impl TryGetError {
    /// Whether the queue was merely empty.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading::queue::TryGetError;
    /// assert!(TryGetError::Empty.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        matches!(self, TryGetError::Empty)
    }

    /// Whether the queue was shut down (and empty).
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading::queue::TryGetError;
    /// assert!(TryGetError::ShutDown.is_shut_down());
    /// ```
    pub fn is_shut_down(&self) -> bool {
        matches!(self, TryGetError::ShutDown)
    }
}

impl GetTimeoutError {
    /// Whether the timeout expired.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading::queue::GetTimeoutError;
    /// assert!(GetTimeoutError::Timeout.is_timeout());
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self, GetTimeoutError::Timeout)
    }

    /// Whether the queue was shut down (and empty).
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading::queue::GetTimeoutError;
    /// assert!(GetTimeoutError::ShutDown.is_shut_down());
    /// ```
    pub fn is_shut_down(&self) -> bool {
        matches!(self, GetTimeoutError::ShutDown)
    }
}

impl From<GetError> for TryGetError {
    fn from(_: GetError) -> Self {
        TryGetError::ShutDown
    }
}

impl From<GetError> for GetTimeoutError {
    fn from(_: GetError) -> Self {
        GetTimeoutError::ShutDown
    }
}

impl fmt::Display for GetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(SHUT_DOWN)
    }
}

impl fmt::Display for TryGetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryGetError::Empty => f.write_str("the queue is empty"),
            TryGetError::ShutDown => f.write_str(SHUT_DOWN),
        }
    }
}

impl fmt::Display for GetTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GetTimeoutError::Timeout => f.write_str("timed out waiting for an item"),
            GetTimeoutError::ShutDown => f.write_str(SHUT_DOWN),
        }
    }
}

impl Error for GetError {}
impl Error for TryGetError {}
impl Error for GetTimeoutError {}

// -------------------------------------------------------------------------------------------
// task_done
// -------------------------------------------------------------------------------------------

/// [`task_done`](super::Queue::task_done) was called more times than items were put
/// (Python's `ValueError('task_done() called too many times')`). The count is left at zero.
///
/// # Examples
///
/// ```
/// use pythreading::queue::{Queue, TaskDoneError};
///
/// let q = Queue::<u32>::unbounded();
/// assert_eq!(q.task_done(), Err(TaskDoneError));
/// assert_eq!(TaskDoneError.to_string(), "task_done() called too many times");
/// ```
#[doc(alias = "ValueError")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct TaskDoneError;

impl fmt::Display for TaskDoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task_done() called too many times")
    }
}

impl Error for TaskDoneError {}
