//! Process-shared [`Queue`], [`JoinableQueue`] and [`SimpleQueue`].

use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::codec::{decode, encode};
use crate::synchronize::SharedError;
use crate::synchronize::host::{Handle, Op, State, timeout};

/// The operations every queue kind shares.
#[derive(Clone, Serialize, Deserialize)]
struct Core {
    handle: Handle,
    maxsize: u64,
}

impl Core {
    fn new(maxsize: u64) -> Result<Core, SharedError> {
        Ok(Core {
            handle: Handle::create(State::queue(maxsize))?,
            maxsize,
        })
    }

    fn put<T: Serialize + ?Sized>(&self, item: &T, t: Option<Duration>) -> Result<(), SharedError> {
        // Encoded before anything is sent: an item that cannot be serialized fails here, and
        // the queue is untouched (MP-Q07 without a feeder thread).
        let bytes = encode(item)?;
        match self.handle.call(Op::Put, t, 0, bytes)? {
            Some(_) => Ok(()),
            None => Err(SharedError::Full),
        }
    }

    fn get<T: DeserializeOwned>(&self, t: Option<Duration>) -> Result<T, SharedError> {
        match self.handle.call(Op::Get, t, 0, Vec::new())? {
            Some(r) => decode(r.payload),
            None => Err(SharedError::Empty),
        }
    }

    fn qsize(&self) -> Result<usize, SharedError> {
        Ok(self.handle.value(Op::QSize, 0, Vec::new())? as usize)
    }
}

macro_rules! queue_methods {
    ($t:ident, $new:expr) => {
        /// Puts `item`, waiting for room if the queue is bounded and full (Python's `put`).
        ///
        /// # Errors
        ///
        /// [`SharedError::Serialize`] when the item cannot be serialized (the queue is
        /// untouched); [`SharedError::Host`] when the hosting process is gone.
        ///
        /// # Examples
        ///
        /// ```
        #[doc = concat!("let q = ", $new, ";")]
        /// q.put(&1)?;
        /// assert_eq!(q.get()?, 1);
        /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
        /// ```
        pub fn put(&self, item: &T) -> Result<(), SharedError> {
            self.core.put(item, None)
        }

        /// Puts only if there is room now (Python's `put_nowait` / `put(x, False)`).
        ///
        /// # Errors
        ///
        /// [`SharedError::Full`]; otherwise as `put`.
        ///
        /// # Examples
        ///
        /// ```
        #[doc = concat!("let q = ", $new, ";")]
        /// q.try_put(&1)?;
        /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
        /// ```
        #[doc(alias = "put_nowait")]
        pub fn try_put(&self, item: &T) -> Result<(), SharedError> {
            self.core.put(item, Some(Duration::ZERO))
        }

        /// Waits up to `t` for room (Python's `put(x, True, t)`); `Duration::MAX` waits forever.
        ///
        /// # Errors
        ///
        /// [`SharedError::Full`] after `t`; otherwise as `put`.
        ///
        /// # Examples
        ///
        /// ```
        /// use std::time::Duration;
        #[doc = concat!("let q = ", $new, ";")]
        /// q.put_timeout(&1, Duration::from_secs(1))?;
        /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
        /// ```
        pub fn put_timeout(&self, item: &T, t: Duration) -> Result<(), SharedError> {
            self.core.put(item, timeout(t))
        }

        /// Removes and returns the oldest item, waiting for one (Python's `get`).
        ///
        /// # Errors
        ///
        /// [`SharedError::Deserialize`] (with the item's bytes) when it is not a `T`;
        /// [`SharedError::Host`].
        ///
        /// # Examples
        ///
        /// ```
        #[doc = concat!("let q = ", $new, ";")]
        /// q.put(&7)?;
        /// assert_eq!(q.get()?, 7);
        /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
        /// ```
        pub fn get(&self) -> Result<T, SharedError> {
            self.core.get(None)
        }

        /// Returns an item only if one is there now (Python's `get_nowait`).
        ///
        /// # Errors
        ///
        /// [`SharedError::Empty`]; otherwise as `get`.
        ///
        /// # Examples
        ///
        /// ```
        /// use pythreading_mp::synchronize::SharedError;
        #[doc = concat!("let q = ", $new, ";")]
        /// assert!(matches!(q.try_get(), Err(SharedError::Empty)));
        /// # Ok::<(), SharedError>(())
        /// ```
        #[doc(alias = "get_nowait")]
        pub fn try_get(&self) -> Result<T, SharedError> {
            self.core.get(Some(Duration::ZERO))
        }

        /// Waits up to `t` for an item (Python's `get(True, t)`).
        ///
        /// # Errors
        ///
        /// [`SharedError::Empty`] after `t`; otherwise as `get`.
        ///
        /// # Examples
        ///
        /// ```
        /// use std::time::Duration;
        #[doc = concat!("let q = ", $new, ";")]
        /// assert!(q.get_timeout(Duration::from_millis(10)).is_err());
        /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
        /// ```
        pub fn get_timeout(&self, t: Duration) -> Result<T, SharedError> {
            self.core.get(timeout(t))
        }

        /// How many items are queued now.
        ///
        /// # Errors
        ///
        /// [`SharedError::Host`].
        ///
        /// # Examples
        ///
        /// ```
        #[doc = concat!("let q = ", $new, ";")]
        /// q.put(&1)?;
        /// assert_eq!(q.qsize()?, 1);
        /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
        /// ```
        pub fn qsize(&self) -> Result<usize, SharedError> {
            self.core.qsize()
        }

        /// Whether no item is queued now.
        ///
        /// # Errors
        ///
        /// [`SharedError::Host`].
        ///
        /// # Examples
        ///
        /// ```
        #[doc = concat!("let q = ", $new, ";")]
        /// assert!(q.empty()?);
        /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
        /// ```
        pub fn empty(&self) -> Result<bool, SharedError> {
            Ok(self.core.qsize()? == 0)
        }

        /// Whether a bounded queue has no room now (never for an unbounded one).
        ///
        /// # Errors
        ///
        /// [`SharedError::Host`].
        ///
        /// # Examples
        ///
        /// ```
        #[doc = concat!("let q = ", $new, ";")]
        /// assert!(!q.full()?);
        /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
        /// ```
        pub fn full(&self) -> Result<bool, SharedError> {
            Ok(self.core.maxsize > 0 && self.core.qsize()? as u64 >= self.core.maxsize)
        }
    };
}

/// A FIFO queue usable from several processes (Python's `multiprocessing.Queue`).
///
/// Items are any serde values, stored as pickles in the hosting process. There is no feeder
/// thread: `put` hands the item over before it returns, so `empty()`/`qsize()` are exact at
/// once (CPython's lag after a `put`, MP-Q01, does not happen), and an item that cannot be
/// serialized fails at the `put` itself.
///
/// # Examples
///
/// ```
/// use pythreading_mp::queues::Queue;
/// let q = Queue::<String>::with_maxsize(2)?;
/// q.put(&"a".to_string())?;
/// q.put(&"b".to_string())?;
/// assert!(q.full()?);
/// assert_eq!(q.get()?, "a");
/// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
/// ```
#[derive(Serialize, Deserialize)]
pub struct Queue<T> {
    core: Core,
    #[serde(skip)]
    _item: PhantomData<fn(T) -> T>,
}

impl<T> Clone for Queue<T> {
    fn clone(&self) -> Self {
        Queue {
            core: self.core.clone(),
            _item: PhantomData,
        }
    }
}

impl<T> fmt::Debug for Queue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Queue")
            .field("maxsize", &self.core.maxsize)
            .finish_non_exhaustive()
    }
}

impl<T: Serialize + DeserializeOwned> Queue<T> {
    /// An unbounded queue hosted by this process (Python's `Queue()`).
    ///
    /// # Errors
    ///
    /// [`SharedError::Host`] if this process's host cannot start.
    ///
    /// # Examples
    ///
    /// ```
    /// let q = pythreading_mp::queues::Queue::<i32>::new()?;
    /// assert!(q.empty()?);
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn new() -> Result<Queue<T>, SharedError> {
        Queue::with_maxsize(0)
    }

    /// A queue of at most `maxsize` items; 0 is unbounded (Python's `Queue(maxsize)`).
    ///
    /// # Errors
    ///
    /// As [`new`](Queue::new).
    ///
    /// # Examples
    ///
    /// ```
    /// let q = pythreading_mp::queues::Queue::<i32>::with_maxsize(1)?;
    /// q.put(&1)?;
    /// assert!(q.try_put(&2).is_err());
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn with_maxsize(maxsize: u64) -> Result<Queue<T>, SharedError> {
        Ok(Queue {
            core: Core::new(maxsize)?,
            _item: PhantomData,
        })
    }

    queue_methods!(Queue, "pythreading_mp::queues::Queue::<i32>::new()?");
}

/// A [`Queue`] that also counts unfinished tasks (Python's `multiprocessing.JoinableQueue`):
/// every `put` adds one, every [`task_done`](JoinableQueue::task_done) removes one, and
/// [`join`](JoinableQueue::join) waits until none is left — across processes (MP-Q06).
///
/// # Examples
///
/// ```
/// use pythreading_mp::queues::JoinableQueue;
/// let q = JoinableQueue::<u32>::new()?;
/// q.put(&1)?;
/// let q2 = q.clone();
/// std::thread::spawn(move || {
///     let _ = q2.get().unwrap();
///     q2.task_done().unwrap();
/// });
/// q.join()?;
/// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
/// ```
#[derive(Serialize, Deserialize)]
pub struct JoinableQueue<T> {
    core: Core,
    #[serde(skip)]
    _item: PhantomData<fn(T) -> T>,
}

impl<T> Clone for JoinableQueue<T> {
    fn clone(&self) -> Self {
        JoinableQueue {
            core: self.core.clone(),
            _item: PhantomData,
        }
    }
}

impl<T> fmt::Debug for JoinableQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinableQueue")
            .field("maxsize", &self.core.maxsize)
            .finish_non_exhaustive()
    }
}

impl<T: Serialize + DeserializeOwned> JoinableQueue<T> {
    /// An unbounded joinable queue hosted by this process.
    ///
    /// # Errors
    ///
    /// [`SharedError::Host`] if this process's host cannot start.
    ///
    /// # Examples
    ///
    /// ```
    /// let q = pythreading_mp::queues::JoinableQueue::<i32>::new()?;
    /// q.join()?; // nothing unfinished
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn new() -> Result<JoinableQueue<T>, SharedError> {
        JoinableQueue::with_maxsize(0)
    }

    /// A joinable queue of at most `maxsize` items; 0 is unbounded.
    ///
    /// # Errors
    ///
    /// As [`new`](JoinableQueue::new).
    ///
    /// # Examples
    ///
    /// ```
    /// let q = pythreading_mp::queues::JoinableQueue::<i32>::with_maxsize(3)?;
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn with_maxsize(maxsize: u64) -> Result<JoinableQueue<T>, SharedError> {
        Ok(JoinableQueue {
            core: Core::new(maxsize)?,
            _item: PhantomData,
        })
    }

    queue_methods!(
        JoinableQueue,
        "pythreading_mp::queues::JoinableQueue::<i32>::new()?"
    );

    /// Marks one item as processed.
    ///
    /// # Errors
    ///
    /// [`SharedError::TaskDoneTooManyTimes`] when called more times than items were put.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::synchronize::SharedError;
    /// let q = pythreading_mp::queues::JoinableQueue::<i32>::new()?;
    /// assert!(matches!(q.task_done(), Err(SharedError::TaskDoneTooManyTimes)));
    /// # Ok::<(), SharedError>(())
    /// ```
    pub fn task_done(&self) -> Result<(), SharedError> {
        self.core
            .handle
            .value(Op::TaskDone, 0, Vec::new())
            .map(|_| ())
    }

    /// Blocks until every item put has been marked done.
    ///
    /// # Errors
    ///
    /// [`SharedError::Host`].
    ///
    /// # Examples
    ///
    /// ```
    /// let q = pythreading_mp::queues::JoinableQueue::<i32>::new()?;
    /// q.put(&1)?;
    /// q.get()?;
    /// q.task_done()?;
    /// q.join()?;
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn join(&self) -> Result<(), SharedError> {
        self.join_timeout(Duration::MAX).map(|_| ())
    }

    /// Waits up to `t` for every item to be done; `false` if some are still unfinished.
    ///
    /// # Errors
    ///
    /// [`SharedError::Host`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let q = pythreading_mp::queues::JoinableQueue::<i32>::new()?;
    /// q.put(&1)?;
    /// assert!(!q.join_timeout(Duration::from_millis(10))?);
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn join_timeout(&self, t: Duration) -> Result<bool, SharedError> {
        Ok(self
            .core
            .handle
            .call(Op::Join, timeout(t), 0, Vec::new())?
            .is_some_and(|r| r.value != 0))
    }
}

/// An unbounded FIFO with only `put`, `get` and `empty` (Python's
/// `multiprocessing.SimpleQueue`).
///
/// # Examples
///
/// ```
/// use pythreading_mp::queues::SimpleQueue;
/// let q = SimpleQueue::<bool>::new()?;
/// assert!(q.empty()?);
/// q.put(&true)?;
/// assert!(q.get()?);
/// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
/// ```
#[derive(Serialize, Deserialize)]
pub struct SimpleQueue<T> {
    core: Core,
    #[serde(skip)]
    _item: PhantomData<fn(T) -> T>,
}

impl<T> Clone for SimpleQueue<T> {
    fn clone(&self) -> Self {
        SimpleQueue {
            core: self.core.clone(),
            _item: PhantomData,
        }
    }
}

impl<T> fmt::Debug for SimpleQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimpleQueue").finish_non_exhaustive()
    }
}

impl<T: Serialize + DeserializeOwned> SimpleQueue<T> {
    /// A new queue hosted by this process.
    ///
    /// # Errors
    ///
    /// [`SharedError::Host`] if this process's host cannot start.
    ///
    /// # Examples
    ///
    /// ```
    /// let q = pythreading_mp::queues::SimpleQueue::<i32>::new()?;
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn new() -> Result<SimpleQueue<T>, SharedError> {
        Ok(SimpleQueue {
            core: Core::new(0)?,
            _item: PhantomData,
        })
    }

    /// Puts `item`.
    ///
    /// # Errors
    ///
    /// [`SharedError::Serialize`], [`SharedError::Host`].
    ///
    /// # Examples
    ///
    /// ```
    /// let q = pythreading_mp::queues::SimpleQueue::<i32>::new()?;
    /// q.put(&1)?;
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn put(&self, item: &T) -> Result<(), SharedError> {
        self.core.put(item, None)
    }

    /// Removes and returns the oldest item, waiting for one.
    ///
    /// # Errors
    ///
    /// [`SharedError::Deserialize`], [`SharedError::Host`].
    ///
    /// # Examples
    ///
    /// ```
    /// let q = pythreading_mp::queues::SimpleQueue::<i32>::new()?;
    /// q.put(&1)?;
    /// q.put(&2)?;
    /// assert_eq!((q.get()?, q.get()?), (1, 2));
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn get(&self) -> Result<T, SharedError> {
        self.core.get(None)
    }

    /// Whether no item is queued now.
    ///
    /// # Errors
    ///
    /// [`SharedError::Host`].
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(pythreading_mp::queues::SimpleQueue::<i32>::new()?.empty()?);
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn empty(&self) -> Result<bool, SharedError> {
        Ok(self.core.qsize()? == 0)
    }
}
