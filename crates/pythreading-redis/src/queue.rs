//! `RedisQueue<T>`: a FIFO queue stored in a Redis stream, read through one consumer group.

use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use pythreading_mp::managers::RemoteValue;
use pythreading_mp::pickle;
use redis::{Client, Connection, Value};

use crate::error::{RedisGetError, RedisPutError, RedisQueueError};
use crate::lease::Lease;
use crate::link::Link;
use crate::options::QueueOptions;
use crate::scripts;

/// The longest single `XREADGROUP ... BLOCK` a waiting `get` issues: between two, it looks for
/// leases that ran out, so a dead consumer's item is picked up within about the lease time.
const MAX_BLOCK: Duration = Duration::from_secs(1);
/// Extra read time given to a blocking command beyond its own wait.
const BLOCK_MARGIN: Duration = Duration::from_secs(5);

/// An item taken from the stream, not yet decoded.
pub(crate) struct Taken {
    pub(crate) id: String,
    pub(crate) pickle: Vec<u8>,
    pub(crate) deliveries: u64,
}

/// How long a take may wait.
#[derive(Clone, Copy)]
enum Wait {
    Poll,
    Until(Option<Instant>),
}

impl Wait {
    fn timeout(t: Duration) -> Wait {
        Wait::Until(Instant::now().checked_add(t))
    }
}

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
/// stream `<name>:dead` instead. The queue is unbounded (CPython's `Queue(0)`).
///
/// One `RedisQueue` holds one connection: threads sharing it take turns (a waiting `get`
/// holds the connection for up to a second at a time); give each thread its own with
/// [`try_clone`](RedisQueue::try_clone).
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
    link: Mutex<Link>,
    name: String,
    dead: String,
    unfinished: String,
    consumer: String,
    options: QueueOptions,
    _items: PhantomData<fn(T) -> T>,
}

impl<T> fmt::Debug for RedisQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisQueue")
            .field("name", &self.name)
            .field("consumer", &self.consumer)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// A consumer name unique to this queue handle: process id, time and a counter.
fn consumer_name() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "c-{}-{:x}-{}",
        std::process::id(),
        nanos,
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

fn bulk(v: &Value) -> Option<Vec<u8>> {
    match v {
        Value::BulkString(b) => Some(b.clone()),
        Value::SimpleString(s) => Some(s.clone().into_bytes()),
        _ => None,
    }
}

fn int(v: &Value) -> Option<i64> {
    match v {
        Value::Int(n) => Some(*n),
        _ => None,
    }
}

fn protocol(what: &str, v: &Value) -> RedisQueueError {
    RedisQueueError::Protocol(format!("{what}: {v:?}"))
}

/// Reads `TAKE`'s reply: nil, or `{id, pickle, deliveries}`.
fn parse_take(v: &Value) -> Result<Option<Taken>, RedisQueueError> {
    match v {
        Value::Nil => Ok(None),
        Value::Array(a) if a.len() == 3 => {
            let (Some(id), Some(pickle), Some(d)) = (bulk(&a[0]), bulk(&a[1]), int(&a[2])) else {
                return Err(protocol("take", v));
            };
            Ok(Some(Taken {
                id: String::from_utf8_lossy(&id).into_owned(),
                pickle,
                deliveries: d.max(0) as u64,
            }))
        }
        _ => Err(protocol("take", v)),
    }
}

/// Reads an `XREADGROUP` reply for one stream and one entry: nil, or
/// `[[key, [[id, [field, value, ...]]]]]`.
fn parse_read(v: &Value) -> Result<Option<Taken>, RedisQueueError> {
    let Value::Array(streams) = v else {
        return match v {
            Value::Nil => Ok(None),
            _ => Err(protocol("xreadgroup", v)),
        };
    };
    let Some(Value::Array(stream)) = streams.first() else {
        return Ok(None);
    };
    let Some(Value::Array(entries)) = stream.get(1) else {
        return Err(protocol("xreadgroup", v));
    };
    let Some(Value::Array(entry)) = entries.first() else {
        return Ok(None);
    };
    let (Some(id), Some(Value::Array(fields))) = (entry.first().and_then(bulk), entry.get(1))
    else {
        return Err(protocol("xreadgroup entry", v));
    };
    let pickle = fields
        .chunks(2)
        .find(|kv| bulk(&kv[0]).as_deref() == Some(b"p"))
        .and_then(|kv| kv.get(1).and_then(bulk))
        .unwrap_or_default();
    Ok(Some(Taken {
        id: String::from_utf8_lossy(&id).into_owned(),
        pickle,
        deliveries: 1,
    }))
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
        let q = RedisQueue {
            link: Mutex::new(Link::new(client)),
            name: name.to_string(),
            dead: format!("{name}:dead"),
            unfinished: format!("{name}:unfinished"),
            consumer: consumer_name(),
            options,
            _items: PhantomData,
        };
        q.create_group()?;
        Ok(q)
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
        let client = self.lock().client().clone();
        let q = RedisQueue {
            link: Mutex::new(Link::new(client)),
            name: self.name.clone(),
            dead: self.dead.clone(),
            unfinished: self.unfinished.clone(),
            consumer: consumer_name(),
            options: self.options.clone(),
            _items: PhantomData,
        };
        q.create_group()?;
        Ok(q)
    }

    fn lock(&self) -> MutexGuard<'_, Link> {
        self.link.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `XGROUP CREATE name group 0 MKSTREAM`, where an existing group is fine.
    fn create_group(&self) -> Result<(), RedisQueueError> {
        let r = self.lock().run(None, |c| {
            redis::cmd("XGROUP")
                .arg("CREATE")
                .arg(&self.name)
                .arg(self.options.group())
                .arg("0")
                .arg("MKSTREAM")
                .query::<()>(c)
        });
        match r {
            Err(RedisQueueError::Refused(e)) if e.contains("BUSYGROUP") => Ok(()),
            r => r,
        }
    }

    /// Runs `f`; when the group is missing (a Redis restarted without its data, or keys
    /// deleted), creates it and runs `f` once more.
    fn call<R>(
        &self,
        read_timeout: Option<Duration>,
        f: impl Fn(&mut Connection) -> redis::RedisResult<R>,
    ) -> Result<R, RedisQueueError> {
        match self.lock().run(read_timeout, &f) {
            Err(RedisQueueError::Refused(e)) if e.contains("NOGROUP") => {}
            r => return r,
        }
        self.create_group()?;
        self.lock().run(read_timeout, &f)
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
        &self.name
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
        &self.options
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
        self.call(None, |c| {
            scripts::PUT
                .key(&self.name)
                .key(&self.dead)
                .key(&self.unfinished)
                .arg(pickle)
                .invoke::<String>(c)
        })
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

    fn lease_ms(&self) -> i64 {
        self.options.lease_time().as_millis().min(i64::MAX as u128) as i64
    }

    /// One attempt: the `TAKE` script, then (if `block` is not zero and nothing came) one
    /// blocking `XREADGROUP`.
    fn take_once(&self, ack: bool, block: Duration) -> Result<Option<Taken>, RedisQueueError> {
        let lease_ms = self.lease_ms();
        let reply: Value = self.call(None, |c| {
            scripts::TAKE
                .key(&self.name)
                .key(&self.dead)
                .key(&self.unfinished)
                .arg(self.options.group())
                .arg(&self.consumer)
                .arg(lease_ms)
                .arg(self.options.max_deliveries())
                .arg(if ack { "1" } else { "0" })
                .invoke(c)
        })?;
        if let Some(t) = parse_take(&reply)? {
            return Ok(Some(t));
        }
        if block.is_zero() {
            return Ok(None);
        }
        let block_ms = block.as_millis().max(1) as u64;
        let reply: Value = self.call(Some(block + BLOCK_MARGIN), |c| {
            redis::cmd("XREADGROUP")
                .arg("GROUP")
                .arg(self.options.group())
                .arg(&self.consumer)
                .arg("COUNT")
                .arg(1)
                .arg("BLOCK")
                .arg(block_ms)
                .arg("STREAMS")
                .arg(&self.name)
                .arg(">")
                .query(c)
        })?;
        let Some(t) = parse_read(&reply)? else {
            return Ok(None);
        };
        if ack {
            self.call(None, |c| {
                scripts::REMOVE
                    .key(&self.name)
                    .key(&self.dead)
                    .key(&self.unfinished)
                    .arg(self.options.group())
                    .arg(&t.id)
                    .invoke::<i64>(c)
            })?;
        }
        Ok(Some(t))
    }

    /// Takes one item's pickle, waiting as `wait` says, reconnecting to a Redis that went away
    /// for up to [`QueueOptions::reconnect_for`].
    fn take(&self, ack: bool, wait: Wait) -> Result<Taken, RedisGetError> {
        let step = (self.options.lease_time() / 2).clamp(Duration::from_millis(10), MAX_BLOCK);
        let mut lost_since: Option<Instant> = None;
        loop {
            let block = match wait {
                Wait::Poll => Duration::ZERO,
                Wait::Until(None) => step,
                Wait::Until(Some(deadline)) => {
                    deadline.saturating_duration_since(Instant::now()).min(step)
                }
            };
            match self.take_once(ack, block) {
                Ok(Some(t)) => return Ok(t),
                Ok(None) => lost_since = None,
                Err(e) if e.is_connection_lost() && !matches!(wait, Wait::Poll) => {
                    let since = *lost_since.get_or_insert_with(Instant::now);
                    if since.elapsed() >= self.options.reconnect_for() {
                        return Err(e.into());
                    }
                    std::thread::sleep(
                        Duration::from_millis(100).min(block.max(Duration::from_millis(1))),
                    );
                }
                Err(e) => return Err(e.into()),
            }
            match wait {
                Wait::Poll => return Err(RedisGetError::Empty),
                Wait::Until(Some(deadline)) if Instant::now() >= deadline => {
                    return Err(RedisGetError::Timeout);
                }
                Wait::Until(_) => {}
            }
        }
    }

    /// Decodes a taken pickle; one that cannot be read goes to the dead-letter stream.
    pub(crate) fn decode(&self, t: Taken) -> Result<(String, T, u64), RedisQueueError> {
        let decoded = pickle::loads(&t.pickle)
            .map_err(|e| e.to_string())
            .and_then(|v| T::from_remote(v).map_err(|e| e.to_string()));
        match decoded {
            Ok(item) => Ok((t.id, item, t.deliveries)),
            Err(reason) => {
                self.call(None, |c| {
                    scripts::BURY
                        .key(&self.name)
                        .key(&self.dead)
                        .key(&self.unfinished)
                        .arg(self.options.group())
                        .arg(&t.id)
                        .arg(&t.pickle[..])
                        .arg(&reason)
                        .invoke::<i64>(c)
                })?;
                Err(RedisQueueError::Decode {
                    id: t.id,
                    reason,
                    bytes: t.pickle,
                })
            }
        }
    }

    fn get_item(&self, wait: Wait) -> Result<T, RedisGetError> {
        let t = self.take(true, wait)?;
        Ok(self.decode(t)?.1)
    }

    fn get_lease(&self, wait: Wait) -> Result<Lease<'_, T>, RedisGetError> {
        let t = self.take(false, wait)?;
        let (id, item, deliveries) = self.decode(t)?;
        Ok(Lease::new(self, id, item, deliveries))
    }

    /// Takes an item for good, waiting for one (`get()`): at most once, as CPython.
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
        self.get_item(Wait::Until(None))
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
        self.get_item(Wait::Poll)
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
        self.get_item(Wait::timeout(timeout))
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
        self.get_lease(Wait::Until(None))
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
        self.get_lease(Wait::Poll)
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
        self.get_lease(Wait::timeout(timeout))
    }

    /// Finishes item `id`: acknowledged, deleted, one fewer unfinished. `Ok(false)` when it
    /// was already finished.
    pub(crate) fn finish(&self, id: &str) -> Result<bool, RedisQueueError> {
        let n: i64 = self.call(None, |c| {
            scripts::ACK
                .key(&self.name)
                .key(&self.dead)
                .key(&self.unfinished)
                .arg(self.options.group())
                .arg(id)
                .invoke(c)
        })?;
        Ok(n == 1)
    }

    /// Runs `RELEASE` or `RENEW` on a lease of this consumer's.
    pub(crate) fn lease_op(
        &self,
        script: &redis::Script,
        id: &str,
    ) -> Result<bool, RedisQueueError> {
        let n: i64 = self.call(None, |c| {
            script
                .key(&self.name)
                .key(&self.dead)
                .key(&self.unfinished)
                .arg(self.options.group())
                .arg(&self.consumer)
                .arg(id)
                .invoke(c)
        })?;
        Ok(n == 1)
    }

    /// `{waiting, leased, dead, unfinished}`.
    fn counts(&self) -> Result<[u64; 4], RedisQueueError> {
        let v: Vec<i64> = self.call(None, |c| {
            scripts::COUNTS
                .key(&self.name)
                .key(&self.dead)
                .key(&self.unfinished)
                .arg(self.options.group())
                .arg(self.lease_ms())
                .invoke(c)
        })?;
        match v[..] {
            [a, b, c, d] => Ok([a, b, c, d].map(|n| n.max(0) as u64)),
            _ => Err(RedisQueueError::Protocol(format!("counts: {v:?}"))),
        }
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

    /// The number of items in the dead-letter stream `<name>:dead`.
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
        Ok(self.counts()?[3] as usize)
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
        self.call(None, |c| {
            scripts::TASK_DONE
                .key(&self.name)
                .key(&self.dead)
                .key(&self.unfinished)
                .invoke::<i64>(c)
        })
        .map(|_| ())
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
        let deadline = Instant::now().checked_add(timeout);
        let mut pause = Duration::from_millis(1);
        loop {
            if self.unfinished()? == 0 {
                return Ok(true);
            }
            let now = Instant::now();
            if deadline.is_some_and(|d| now >= d) {
                return Ok(false);
            }
            let left = deadline.map_or(pause, |d| d - now);
            std::thread::sleep(pause.min(left));
            pause = (pause * 2).min(Duration::from_millis(50));
        }
    }
}
