//! The errors of a [`RedisQueue`](crate::RedisQueue): typed, lowercase, and handing back what
//! was refused.

use std::fmt;

/// Why a call to Redis failed.
///
/// # Examples
///
/// ```
/// use pythreading_redis::RedisQueueError;
/// let e = RedisQueueError::Refused("WRONGTYPE".into());
/// assert_eq!(e.to_string(), "redis refused the command: WRONGTYPE");
/// assert!(!e.is_connection_lost());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RedisQueueError {
    /// The connection to Redis could not be made, broke during the call, or the server is not
    /// ready yet (still loading its data after a restart); the next call connects again. What the call did on the server is unknown: an item taken under a lease
    /// is redelivered after the lease time, an item put may or may not be in the queue.
    ConnectionLost(String),
    /// Redis answered with an error (a wrong key type, out of memory, a script error).
    Refused(String),
    /// An item in the stream is not a pickle this side can read, or does not fit the item type.
    /// It was moved to the dead-letter stream (`<queue>:dead`) with its bytes, so nothing is lost.
    Decode {
        /// The stream id the item had.
        id: String,
        /// Why it could not be read.
        reason: String,
        /// The item's bytes, as stored.
        bytes: Vec<u8>,
    },
    /// An item could not be turned into a pickle.
    Encode(String),
    /// Redis answered something this crate does not expect (a different server, a key of
    /// another shape).
    Protocol(String),
}

impl RedisQueueError {
    /// Whether the connection was lost (a retry after reconnecting may succeed).
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_redis::RedisQueueError;
    /// assert!(RedisQueueError::ConnectionLost("reset".into()).is_connection_lost());
    /// ```
    pub fn is_connection_lost(&self) -> bool {
        matches!(self, RedisQueueError::ConnectionLost(_))
    }

    pub(crate) fn from_redis(e: &redis::RedisError) -> Self {
        if e.kind() == redis::ErrorKind::AuthenticationFailed {
            return RedisQueueError::Refused(e.to_string());
        }
        // A server still loading its data after a restart (or a replica whose master is down)
        // answers `LOADING`/`MASTERDOWN`/`TRYAGAIN`: not there yet, like a connection refused.
        // A transaction (`put`'s `MULTI`/`EXEC`) refused for that reason is aborted as a whole
        // with the reason inside.
        let not_there_yet = |e: &redis::RedisError| {
            e.clone().into_server_errors().is_some_and(|errs| {
                errs.iter().any(|(_, s)| {
                    matches!(
                        s.kind(),
                        Some(
                            redis::ServerErrorKind::BusyLoading
                                | redis::ServerErrorKind::TryAgain
                                | redis::ServerErrorKind::MasterDown
                                | redis::ServerErrorKind::ClusterDown
                        )
                    )
                })
            })
        };
        if e.is_io_error()
            || e.is_unrecoverable_error()
            || e.is_connection_dropped()
            || matches!(e.retry_method(), redis::RetryMethod::WaitAndRetry)
            || not_there_yet(e)
        {
            RedisQueueError::ConnectionLost(e.to_string())
        } else {
            RedisQueueError::Refused(e.to_string())
        }
    }
}

impl fmt::Display for RedisQueueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RedisQueueError::ConnectionLost(e) => write!(f, "lost the connection to redis: {e}"),
            RedisQueueError::Refused(e) => write!(f, "redis refused the command: {e}"),
            RedisQueueError::Decode { id, reason, .. } => write!(
                f,
                "cannot decode stream item {id} ({reason}); it was moved to the dead-letter stream"
            ),
            RedisQueueError::Encode(e) => write!(f, "cannot encode the item: {e}"),
            RedisQueueError::Protocol(e) => write!(f, "unexpected reply from redis: {e}"),
        }
    }
}

impl std::error::Error for RedisQueueError {}

/// A failed put, with the item back.
///
/// # Examples
///
/// ```
/// use pythreading_redis::{RedisPutError, RedisQueueError};
/// let e = RedisPutError { error: RedisQueueError::Refused("OOM".into()), item: 7 };
/// assert_eq!(e.into_inner(), 7);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisPutError<T> {
    /// Why the put failed.
    pub error: RedisQueueError,
    /// The item that was not put (it may still be in the queue when the connection was lost
    /// after Redis took it; see [`RedisQueueError::ConnectionLost`]).
    pub item: T,
}

impl<T> RedisPutError<T> {
    /// The item that was not put.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_redis::{RedisPutError, RedisQueueError};
    /// let e = RedisPutError { error: RedisQueueError::Encode("x".into()), item: "job" };
    /// assert_eq!(e.into_inner(), "job");
    /// ```
    pub fn into_inner(self) -> T {
        self.item
    }
}

impl<T> fmt::Display for RedisPutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "put failed: {}", self.error)
    }
}

impl<T: fmt::Debug> std::error::Error for RedisPutError<T> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// A failed get: nothing there, nothing in time, or a [`RedisQueueError`].
///
/// # Examples
///
/// ```
/// use pythreading_redis::RedisGetError;
/// assert!(RedisGetError::Empty.is_empty());
/// assert!(RedisGetError::Timeout.is_timeout());
/// assert_eq!(RedisGetError::Timeout.to_string(), "no item arrived in time");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RedisGetError {
    /// `try_get`: the queue had no item (Python's `queue.Empty`).
    Empty,
    /// `get_timeout`: no item arrived in time (Python's `queue.Empty` after a timeout).
    Timeout,
    /// Redis failed.
    Failed(RedisQueueError),
}

impl RedisGetError {
    /// Whether the queue was empty.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(pythreading_redis::RedisGetError::Empty.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        matches!(self, RedisGetError::Empty)
    }

    /// Whether the wait timed out.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(pythreading_redis::RedisGetError::Timeout.is_timeout());
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self, RedisGetError::Timeout)
    }
}

impl From<RedisQueueError> for RedisGetError {
    fn from(e: RedisQueueError) -> Self {
        RedisGetError::Failed(e)
    }
}

impl fmt::Display for RedisGetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RedisGetError::Empty => f.write_str("the queue is empty"),
            RedisGetError::Timeout => f.write_str("no item arrived in time"),
            RedisGetError::Failed(e) => write!(f, "get failed: {e}"),
        }
    }
}

impl std::error::Error for RedisGetError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RedisGetError::Failed(e) => Some(e),
            _ => None,
        }
    }
}
