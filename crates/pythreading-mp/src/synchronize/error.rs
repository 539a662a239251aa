//! [`SharedError`]: why an operation on a process-shared object failed.

use std::error::Error;
use std::fmt;

use crate::connection::ConnectionError;

/// Why an operation on a process-shared object (a lock, a queue, a value, ...) failed.
///
/// | Python | Rust |
/// |---|---|
/// | `ValueError: semaphore or lock released too many times` | [`SharedError::NotHeld`], [`SharedError::TooManyReleases`] |
/// | `AssertionError: attempt to release recursive lock not owned by thread`, `RuntimeError: cannot wait on un-acquired lock` | [`SharedError::NotOwner`] |
/// | `threading.BrokenBarrierError` | [`SharedError::BrokenBarrier`] |
/// | `ValueError: task_done() called too many times` | [`SharedError::TaskDoneTooManyTimes`] |
/// | `queue.Empty` / `queue.Full` | [`SharedError::Empty`] / [`SharedError::Full`] |
/// | `IndexError`, `ValueError: Can only assign sequence of same size` | [`SharedError::IndexOutOfRange`], [`SharedError::LengthMismatch`] |
/// | a pickling error | [`SharedError::Serialize`] / [`SharedError::Deserialize`] |
///
/// # Examples
///
/// ```
/// use pythreading_mp::synchronize::{Lock, SharedError};
/// let lock = Lock::new()?;
/// assert!(matches!(lock.release(), Err(SharedError::NotHeld)));
/// # Ok::<(), SharedError>(())
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum SharedError {
    /// Releasing a `Lock` nobody holds.
    NotHeld,
    /// Releasing an `RLock`, or waiting on / notifying a `Condition`, without holding the lock.
    NotOwner,
    /// Releasing a `BoundedSemaphore` above its initial value.
    TooManyReleases,
    /// A `Barrier` was broken (aborted, reset during a wait, or a wait timed out).
    BrokenBarrier,
    /// `JoinableQueue::task_done` called more times than items were put.
    TaskDoneTooManyTimes,
    /// A queue had no item within the timeout (Python's `queue.Empty`).
    Empty,
    /// A bounded queue had no room within the timeout (Python's `queue.Full`).
    Full,
    /// An `Array` index outside the array.
    IndexOutOfRange {
        /// The refused index.
        index: usize,
        /// The array's length.
        len: usize,
    },
    /// Assigning a whole `Array` from a slice of another length.
    LengthMismatch {
        /// The array's length.
        expected: usize,
        /// The slice's length.
        got: usize,
    },
    /// The object no longer exists: every handle in the process that created it was dropped
    /// before this handle first reached it.
    ObjectGone {
        /// The object's number in its host.
        id: u64,
    },
    /// The handle names an object of another kind (a handle deserialized as the wrong type).
    WrongKind,
    /// The value could not be serialized; nothing was sent or stored.
    Serialize(String),
    /// A stored item did not deserialize as the requested type; its bytes are handed back.
    Deserialize {
        /// Why it did not decode.
        reason: String,
        /// The item as stored (a protocol-4 pickle).
        bytes: Vec<u8>,
    },
    /// The process hosting the object could not be reached (it exited, or refused us).
    Host(ConnectionError),
    /// The host answered something this version does not understand.
    Protocol(String),
}

impl fmt::Display for SharedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SharedError::NotHeld => f.write_str("semaphore or lock released too many times"),
            SharedError::NotOwner => f.write_str("the lock is not held by this thread"),
            SharedError::TooManyReleases => {
                f.write_str("semaphore or lock released too many times")
            }
            SharedError::BrokenBarrier => f.write_str("the barrier is broken"),
            SharedError::TaskDoneTooManyTimes => f.write_str("task_done() called too many times"),
            SharedError::Empty => f.write_str("the queue is empty"),
            SharedError::Full => f.write_str("the queue is full"),
            SharedError::IndexOutOfRange { index, len } => {
                write!(f, "index {index} out of range for length {len}")
            }
            SharedError::LengthMismatch { expected, got } => write!(
                f,
                "can only assign a sequence of the same size ({expected}, not {got})"
            ),
            SharedError::ObjectGone { id } => write!(f, "shared object {id} no longer exists"),
            SharedError::WrongKind => {
                f.write_str("the handle names a shared object of another kind")
            }
            SharedError::Serialize(why) => write!(f, "cannot serialize the value: {why}"),
            SharedError::Deserialize { reason, bytes } => write!(
                f,
                "cannot deserialize an item of {} bytes: {reason}",
                bytes.len()
            ),
            SharedError::Host(e) => write!(f, "the hosting process is unreachable: {e}"),
            SharedError::Protocol(why) => write!(f, "unexpected reply from the host: {why}"),
        }
    }
}

impl Error for SharedError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            SharedError::Host(e) => Some(e),
            _ => None,
        }
    }
}
