//! `RedisQueue<T>`: a FIFO queue stored in a Redis stream, read through one consumer group.

use std::fmt;
use std::marker::PhantomData;
use std::time::{Duration, Instant};

use pythreading_mp::managers::RemoteValue;
use pythreading_mp::pickle;
use redis::Client;

use crate::error::{RedisGetError, RedisPutError, RedisQueueError};
use crate::lease::Lease;
use crate::options::QueueOptions;
use crate::stream::{Stream, TakeEnd, Taken, Wait, unique_name};

/// The longest single `XREADGROUP ... BLOCK` a waiting `get` issues: between two, it looks for
/// leases that ran out, so a dead consumer's item is picked up within about the lease time.
const MAX_BLOCK: Duration = Duration::from_secs(1);

/// A queue whose items live in a Redis stream (`XADD` to put, `XREADGROUP` to get), shared by
/// every process that opens the same name on the same Redis.
///
/// Items are stored as the pickles CPython's manager clients send, so a Rust master on Redis
/// and a CPython worker behind `pythreading serve --broker` see the same items. A plain
/// [`get`](RedisQueue::get) takes an item for good (CPython's at-most-once); a
/// [`get_leased`](RedisQueue::get_leased) holds it under a [`Lease`] until
/// [`ack`](Lease::ack): dropped unacknowledged it is redelivered at once, and if its consumer
/// dies it is claimed by the next `get` after the [lease time](QueueOptions::with_lease_time).
/// After [`max_deliveries`](QueueOptions::with_max_deliveries) it goes to the dead-letter
/// stream `<name>_dead` instead (the name the manager server gives a queue's dead-letter
/// queue). The queue is unbounded (CPython's `Queue(0)`).
///
/// A `RedisQueue` is `Sync`: threads may share it, each call taking a pooled connection of
/// its own. All its leases are held by one consumer name; [`try_clone`](RedisQueue::try_clone)
/// makes a handle with another.
///
/// # Examples
///
/// ```no_run
/// use pythreading_redis::RedisQueue;
/// let q = RedisQueue::<String>::connect("redis://127.0.0.1:6379/", "jobs")?;
/// q.put("hello".to_string())?;
/// let lease = q.get_leased()?;
/// assert_eq!(lease.item(), "hello");
/// lease.ack()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct RedisQueue<T> {
    stream: Stream,
    consumer: String,
    _items: PhantomData<fn(T) -> T>,
}

impl<T> fmt::Debug for RedisQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisQueue")
            .field("name", &self.stream.name())
            .field("consumer", &self.consumer)
            .field("options", self.stream.options())
            .finish_non_exhaustive()
    }
}

/// How long a get waits.
#[derive(Clone, Copy)]
pub(crate) enum Waiting {
    Poll,
    Until(Option<Instant>),
}

impl Waiting {
    pub(crate) fn timeout(t: Duration) -> Waiting {
        Waiting::Until(Instant::now().checked_add(t))
    }
}

impl<T: RemoteValue> RedisQueue<T> {
    /// Opens the queue `name` on the Redis at `url` (`redis://HOST:PORT/`) with the default
    /// [`QueueOptions`], creating its stream and consumer group if needed.
    ///
    /// # Errors
    ///
    /// [`RedisQueueError::ConnectionLost`] when Redis cannot be reached,
    /// [`RedisQueueError::Refused`] for a bad URL or a key of another type.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_redis::RedisQueue;
    /// // Nothing listens on port 1.
    /// let e = RedisQueue::<i64>::connect("redis://127.0.0.1:1/", "jobs").unwrap_err();
    /// assert!(e.is_connection_lost());
    /// ```
    pub fn connect(url: &str, name: &str) -> Result<Self, RedisQueueError> {
        Self::connect_with(url, name, QueueOptions::default())
    }

    /// Opens the queue `name` with explicit options.
    ///
    /// # Errors
    ///
    /// As [`RedisQueue::connect`].
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_redis::{QueueOptions, RedisQueue};
    /// let e = RedisQueue::<i64>::connect_with("not a url", "jobs", QueueOptions::new());
    /// assert!(e.is_err());
    /// ```
    pub fn connect_with(
        url: &str,
        name: &str,
        options: QueueOptions,
    ) -> Result<Self, RedisQueueError> {
        let client = Client::open(url).map_err(|e| RedisQueueError::Refused(e.to_string()))?;
        Ok(RedisQueue {
            stream: Stream::open(client, name, options)?,
            consumer: unique_name("c"),
            _items: PhantomData,
        })
    }

    /// Another handle on the same queue with a connection (and consumer name) of its own, for
    /// another thread.
    ///
    /// # Errors
    ///
    /// As [`RedisQueue::connect`].
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use pythreading_redis::RedisQueue;
    /// let q = RedisQueue::<i64>::connect("redis://127.0.0.1:6379/", "jobs")?;
    /// let q2 = q.try_clone()?;
    /// std::thread::spawn(move || q2.put(1).unwrap()).join().unwrap();
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn try_clone(&self) -> Result<Self, RedisQueueError> {
        Ok(RedisQueue {
            stream: Stream::open(
                self.stream.client().clone(),
                self.stream.name(),
                self.stream.options().clone(),
            )?,
            consumer: unique_name("c"),
            _items: PhantomData,
        })
    }

    /// The queue's name (its stream's key).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use pythreading_redis::RedisQueue;
    /// let q = RedisQueue::<i64>::connect("redis://127.0.0.1:6379/", "jobs")?;
    /// assert_eq!(q.name(), "jobs");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn name(&self) -> &str {
        self.stream.name()
    }

    /// This handle's consumer name in the group (leases are held by it).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use pythreading_redis::RedisQueue;
    /// let q = RedisQueue::<i64>::connect("redis://127.0.0.1:6379/", "jobs")?;
    /// assert!(q.consumer().starts_with("c-"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn consumer(&self) -> &str {
        &self.consumer
    }

    /// The options the queue was opened with.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use pythreading_redis::RedisQueue;
    /// let q = RedisQueue::<i64>::connect("redis://127.0.0.1:6379/", "jobs")?;
    /// assert_eq!(q.options().max_deliveries(), 5);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn options(&self) -> &QueueOptions {
        self.stream.options()
    }

    /// Appends an already pickled item (the bytes a CPython client sent) and returns its
    /// stream id.
    ///
    /// # Errors
    ///
    /// A [`RedisQueueError`].
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use pythreading_redis::RedisQueue;
    /// use pythreading_mp::pickle::{self, Value};
    /// let q = RedisQueue::<i64>::connect("redis://127.0.0.1:6379/", "jobs")?;
    /// q.put_pickle(&pickle::dumps(&Value::Int(5)))?;
    /// assert_eq!(q.get()?, 5);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn put_pickle(&self, pickle: &[u8]) -> Result<String, RedisQueueError> {
        self.stream.put(pickle)
    }

    fn put_with<E>(&self, item: T, wrap: impl FnOnce(RedisQueueError, T) -> E) -> Result<(), E> {
        let bytes = match item.to_remote() {
            Ok(v) => pickle::dumps(&v),
            Err(e) => return Err(wrap(RedisQueueError::Encode(e.to_string()), item)),
        };
        match self.put_pickle(&bytes) {
            Ok(_) => Ok(()),
            Err(e) => Err(wrap(e, item)),
        }
    }

    /// Puts an item (`put(item)`); the queue is unbounded, so this never waits for room.
    ///
    /// # Errors
    ///
    /// A [`RedisPutError`] with the item.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use pythreading_redis::RedisQueue;
    /// let q = RedisQueue::<i64>::connect("redis://127.0.0.1:6379/", "jobs")?;
    /// q.put(5)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn put(&self, item: T) -> Result<(), RedisPutError<T>> {
        self.put_with(item, |error, item| RedisPutError { error, item })
    }

    /// Puts an item (`put_nowait(item)`); the same as [`put`](RedisQueue::put), the queue
    /// being unbounded.
    ///
    /// # Errors
    ///
    /// A [`RedisPutError`] with the item.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use pythreading_redis::RedisQueue;
    /// let q = RedisQueue::<i64>::connect("redis://127.0.0.1:6379/", "jobs")?;
    /// q.try_put(5)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[doc(alias = "put_nowait")]
    pub fn try_put(&self, item: T) -> Result<(), RedisPutError<T>> {
        self.put(item)
    }

    /// Puts an item (`put(item, timeout=t)`); the same as [`put`](RedisQueue::put), the queue
    /// being unbounded (`timeout` bounds nothing).
    ///
    /// # Errors
    ///
    /// A [`RedisPutError`] with the item.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use pythreading_redis::RedisQueue;
    /// # use std::time::Duration;
    /// let q = RedisQueue::<i64>::connect("redis://127.0.0.1:6379/", "jobs")?;
    /// q.put_timeout(5, Duration::from_millis(10))?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn put_timeout(&self, item: T, _timeout: Duration) -> Result<(), RedisPutError<T>> {
        self.put(item)
    }

    /// Takes one item's pickle, for good (`ack`) or under a lease of this handle's consumer.
    fn take(&self, ack: bool, waiting: Waiting) -> Result<Taken, RedisGetError> {
        self.finish_and_take(None, ack, waiting).1
    }

    /// As [`take`](RedisQueue::take), first finishing this handle's lease `finish` in the
    /// same round trip; returns the finish's outcome too.
    fn finish_and_take(
        &self,
        finish: Option<&str>,
        ack: bool,
        waiting: Waiting,
    ) -> (Result<bool, RedisQueueError>, Result<Taken, RedisGetError>) {
        let options = self.stream.options();
        let never = || false;
        let wait = Wait {
            poll: matches!(waiting, Waiting::Poll),
            deadline: match waiting {
                Waiting::Poll => None,
                Waiting::Until(d) => d,
            },
            // Between two blocking reads a waiting get claims leases that ran out.
            slice: (options.lease_time() / 2).clamp(Duration::from_millis(10), MAX_BLOCK),
            gone: &never,
        };
        let most = i64::from(options.max_deliveries());
        let (finished, taken) = self.stream.finish_and_take(
            &self.consumer,
            finish,
            ack,
            options.lease_time(),
            most,
            &wait,
        );
        let taken = match taken {
            Ok(t) => Ok(t),
            Err(TakeEnd::Nothing | TakeEnd::Gone) if wait.poll => Err(RedisGetError::Empty),
            Err(TakeEnd::Nothing | TakeEnd::Gone) => Err(RedisGetError::Timeout),
            Err(TakeEnd::Failed(e)) => Err(RedisGetError::Failed(e)),
        };
        (finished, taken)
    }

    /// Decodes a taken pickle; one that cannot be read goes to the dead-letter stream.
    pub(crate) fn decode(&self, t: Taken) -> Result<(String, T, u64), RedisQueueError> {
        let decoded = pickle::loads(&t.pickle)
            .map_err(|e| e.to_string())
            .and_then(|v| T::from_remote(v).map_err(|e| e.to_string()));
        match decoded {
            Ok(item) => Ok((t.id, item, t.deliveries)),
            Err(reason) => {
                self.stream.bury(&t, &reason)?;
                Err(RedisQueueError::Decode {
                    id: t.id,
                    reason,
                    bytes: t.pickle,
                })
            }
        }
    }

    fn get_item(&self, wait: Waiting) -> Result<T, RedisGetError> {
        let t = self.take(true, wait)?;
        Ok(self.decode(t)?.1)
    }

    fn get_lease(&self, wait: Waiting) -> Result<Lease<'_, T>, RedisGetError> {
        self.ack_and_get_lease(None, wait).1
    }

    /// Finishes the lease `finish` (if any) and takes the next item under a lease, in one
    /// round trip when an item is there.
    pub(crate) fn ack_and_get_lease(
        &self,
        finish: Option<&str>,
        wait: Waiting,
    ) -> (
        Result<bool, RedisQueueError>,
        Result<Lease<'_, T>, RedisGetError>,
    ) {
        let (finished, taken) = self.finish_and_take(finish, false, wait);
        let lease = taken.and_then(|t| {
            let (id, item, deliveries) = self.decode(t)?;
            Ok(Lease::new(self, id, item, deliveries))
        });
        (finished, lease)
    }

    /// Takes an item for good, waiting for one (`get()`): at most once, as CPython.
    ///
    /// One `XREADGROUP ... NOACK` when a new item is there, no script. Items whose lease was
    /// given back or ran out are claimed by a sweep, which a plain get runs every 100 takes
    /// or at least every half lease time (at most a second), or when no new item is there:
    /// between two sweeps a plain get may take new items before them.
    ///
    /// # Errors
    ///
    /// [`RedisGetError::Failed`], e.g. when Redis stayed away longer than
    /// [`QueueOptions::reconnect_for`].
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use pythreading_redis::RedisQueue;
    /// let q = RedisQueue::<i64>::connect("redis://127.0.0.1:6379/", "jobs")?;
    /// q.put(1)?;
    /// assert_eq!(q.get()?, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn get(&self) -> Result<T, RedisGetError> {
        self.get_item(Waiting::Until(None))
    }

    /// Takes an item if one is there (`get_nowait()`).
    ///
    /// # Errors
    ///
    /// [`RedisGetError::Empty`], or [`RedisGetError::Failed`].
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use pythreading_redis::RedisQueue;
    /// let q = RedisQueue::<i64>::connect("redis://127.0.0.1:6379/", "empty")?;
    /// assert!(q.try_get().unwrap_err().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[doc(alias = "get_nowait")]
    pub fn try_get(&self) -> Result<T, RedisGetError> {
        self.get_item(Waiting::Poll)
    }

    /// Takes an item, waiting at most `timeout` (`get(timeout=t)`; `Duration::MAX` waits for
    /// ever).
    ///
    /// # Errors
    ///
    /// [`RedisGetError::Timeout`], or [`RedisGetError::Failed`].
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use pythreading_redis::RedisQueue;
    /// # use std::time::Duration;
    /// let q = RedisQueue::<i64>::connect("redis://127.0.0.1:6379/", "empty")?;
    /// assert!(q.get_timeout(Duration::from_millis(10)).unwrap_err().is_timeout());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn get_timeout(&self, timeout: Duration) -> Result<T, RedisGetError> {
        self.get_item(Waiting::timeout(timeout))
    }

    /// Takes an item under a lease, waiting for one: it stays this consumer's until
    /// [`Lease::ack`]; dropped unacknowledged it is redelivered.
    ///
    /// # Errors
    ///
    /// As [`RedisQueue::get`].
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use pythreading_redis::RedisQueue;
    /// let q = RedisQueue::<i64>::connect("redis://127.0.0.1:6379/", "jobs")?;
    /// q.put(1)?;
    /// let lease = q.get_leased()?;
    /// assert_eq!(*lease.item(), 1);
    /// lease.ack()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn get_leased(&self) -> Result<Lease<'_, T>, RedisGetError> {
        self.get_lease(Waiting::Until(None))
    }

    /// Takes an item under a lease if one is there.
    ///
    /// # Errors
    ///
    /// As [`RedisQueue::try_get`].
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use pythreading_redis::RedisQueue;
    /// let q = RedisQueue::<i64>::connect("redis://127.0.0.1:6379/", "empty")?;
    /// assert!(q.try_get_leased().unwrap_err().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn try_get_leased(&self) -> Result<Lease<'_, T>, RedisGetError> {
        self.get_lease(Waiting::Poll)
    }

    /// Takes an item under a lease, waiting at most `timeout`.
    ///
    /// # Errors
    ///
    /// As [`RedisQueue::get_timeout`].
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use pythreading_redis::RedisQueue;
    /// # use std::time::Duration;
    /// let q = RedisQueue::<i64>::connect("redis://127.0.0.1:6379/", "empty")?;
    /// assert!(q.get_leased_timeout(Duration::from_millis(10)).unwrap_err().is_timeout());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn get_leased_timeout(&self, timeout: Duration) -> Result<Lease<'_, T>, RedisGetError> {
        self.get_lease(Waiting::timeout(timeout))
    }

    /// Finishes a lease of this handle's: `Ok(false)` if it is no longer held.
    pub(crate) fn ack_lease(&self, id: &str) -> Result<bool, RedisQueueError> {
        self.stream.ack(&self.consumer, id)
    }

    /// Gives a lease of this handle's back: `Ok(false)` if it is no longer held.
    pub(crate) fn release_lease(&self, id: &str) -> Result<bool, RedisQueueError> {
        self.stream.release(&self.consumer, id)
    }

    /// Starts a lease's time again: `Ok(false)` if it is no longer held.
    pub(crate) fn renew_lease(&self, id: &str) -> Result<bool, RedisQueueError> {
        self.stream.renew(&self.consumer, id)
    }

    /// `{waiting, leased, dead, unfinished}`.
    fn counts(&self) -> Result<[u64; 4], RedisQueueError> {
        self.stream.counts(self.stream.options().lease_time())
    }

    /// The number of items waiting to be taken (`qsize()`; leased items are not counted).
    ///
    /// # Errors
    ///
    /// A [`RedisQueueError`].
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use pythreading_redis::RedisQueue;
    /// let q = RedisQueue::<i64>::connect("redis://127.0.0.1:6379/", "fresh")?;
    /// assert_eq!(q.len()?, 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[doc(alias = "qsize")]
    pub fn len(&self) -> Result<usize, RedisQueueError> {
        Ok(self.counts()?[0] as usize)
    }

    /// Whether no item waits to be taken (`empty()`).
    ///
    /// # Errors
    ///
    /// A [`RedisQueueError`].
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use pythreading_redis::RedisQueue;
    /// let q = RedisQueue::<i64>::connect("redis://127.0.0.1:6379/", "fresh")?;
    /// assert!(q.is_empty()?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[doc(alias = "empty")]
    pub fn is_empty(&self) -> Result<bool, RedisQueueError> {
        Ok(self.len()? == 0)
    }

    /// The number of items taken under a lease and not yet acknowledged, by any consumer.
    ///
    /// # Errors
    ///
    /// A [`RedisQueueError`].
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use pythreading_redis::RedisQueue;
    /// let q = RedisQueue::<i64>::connect("redis://127.0.0.1:6379/", "fresh")?;
    /// q.put(1)?;
    /// let lease = q.get_leased()?;
    /// assert_eq!(q.leased()?, 1);
    /// # drop(lease);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn leased(&self) -> Result<usize, RedisQueueError> {
        Ok(self.counts()?[1] as usize)
    }

    /// The number of items in the dead-letter stream `<name>_dead` not yet taken from it (by
    /// a queue opened on that name).
    ///
    /// # Errors
    ///
    /// A [`RedisQueueError`].
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use pythreading_redis::RedisQueue;
    /// let q = RedisQueue::<i64>::connect("redis://127.0.0.1:6379/", "fresh")?;
    /// assert_eq!(q.dead_len()?, 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn dead_len(&self) -> Result<usize, RedisQueueError> {
        Ok(self.counts()?[2] as usize)
    }

    /// The number of tasks put and not yet done (what [`join`](RedisQueue::join) waits on).
    ///
    /// # Errors
    ///
    /// A [`RedisQueueError`].
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use pythreading_redis::RedisQueue;
    /// let q = RedisQueue::<i64>::connect("redis://127.0.0.1:6379/", "fresh")?;
    /// assert_eq!(q.unfinished()?, 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[doc(alias = "unfinished_tasks")]
    pub fn unfinished(&self) -> Result<usize, RedisQueueError> {
        Ok(self.stream.unfinished()? as usize)
    }

    /// Marks one task done (`task_done()`) after a plain [`get`](RedisQueue::get); a
    /// [`Lease::ack`] does this itself.
    ///
    /// # Errors
    ///
    /// [`RedisQueueError::Refused`] when called more often than tasks were put (CPython's
    /// `ValueError`).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use pythreading_redis::RedisQueue;
    /// let q = RedisQueue::<i64>::connect("redis://127.0.0.1:6379/", "fresh")?;
    /// assert!(q.task_done().is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn task_done(&self) -> Result<(), RedisQueueError> {
        if self.stream.task_done()? {
            Ok(())
        } else {
            Err(RedisQueueError::Refused(
                "task_done() called too many times".to_string(),
            ))
        }
    }

    /// Waits until every task put was done (`join()`).
    ///
    /// # Errors
    ///
    /// A [`RedisQueueError`].
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use pythreading_redis::RedisQueue;
    /// let q = RedisQueue::<i64>::connect("redis://127.0.0.1:6379/", "fresh")?;
    /// q.join()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn join(&self) -> Result<(), RedisQueueError> {
        self.join_timeout(Duration::MAX).map(|_| ())
    }

    /// Waits at most `timeout` until every task put was done; `Ok(false)` on a timeout.
    /// Redis has no wake-up for a counter reaching zero, so this polls (every 1 ms at first,
    /// backing off to 50 ms).
    ///
    /// # Errors
    ///
    /// A [`RedisQueueError`].
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use pythreading_redis::RedisQueue;
    /// # use std::time::Duration;
    /// let q = RedisQueue::<i64>::connect("redis://127.0.0.1:6379/", "fresh")?;
    /// q.put(1)?;
    /// assert!(!q.join_timeout(Duration::from_millis(20))?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn join_timeout(&self, timeout: Duration) -> Result<bool, RedisQueueError> {
        self.stream
            .join(Instant::now().checked_add(timeout), &|| false)
    }
}
