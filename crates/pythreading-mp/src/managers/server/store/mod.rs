//! Where a served queue keeps its items and leases: the queue storage backend trait.
//!
//! A served `queue.Queue` does not hold its items itself: it talks to a [`QueueStore`], made by
//! a [`QueueBackend`] for each named queue. The server ships two backends: [`MemoryBackend`]
//! (the default: items live in the server's memory, as in CPython) and the durable backend of
//! `serve --data DIR`. Another crate can bring its own (Redis Streams: put = `XADD`, take =
//! `XREADGROUP`, ack = `XACK`, expired leases claimed with `XAUTOCLAIM`).
//!
//! # At-least-once delivery
//!
//! A *leased* take ([`QueueStore::take`] with [`LeaseTerms`]) does not remove the item for
//! good: the item stays in the store, held by the taking consumer (one client connection),
//! until that consumer [acks](QueueStore::ack) it. If the consumer
//! [releases](QueueStore::release) it, goes away ([`QueueStore::release_consumer`]) or keeps it
//! past the lease's timeout, the item goes back to the **head** of its queue, and its next
//! delivery carries a delivery count one higher. So every item put is delivered until some
//! consumer acks it: **at least once**. What this does *not* promise: exactly once. A worker
//! killed after doing the work but before acking has its item done again by another worker, so
//! the *work* may run twice; results must carry the task's id and be deduplicated by it. A
//! queue's `maxsize` bounds the items waiting, not those leased.
//!
//! # Contract of every method
//!
//! - **Blocking.** Methods that wait take a [`Waiter`]: how long to wait ([`Block`]) and how to
//!   notice the caller going away. A backend waits in slices of at most [`WAIT_SLICE`] and, after
//!   each slice with nothing done, asks [`Waiter::is_gone`]; a gone caller ends the wait with
//!   [`StoreError::CallerGone`] (the server's connection thread is then freed). A backend whose
//!   own blocking read cannot be interrupted (Redis's `XREADGROUP BLOCK`) blocks for one slice
//!   at a time for the same reason.
//! - **Leases** are named by an opaque [`LeaseId`] the backend chooses (a Redis stream entry id;
//!   a counter in memory). A lease ends in exactly one of: [`ack`](QueueStore::ack) (the item
//!   is finished and gone), [`release`](QueueStore::release) /
//!   [`release_consumer`](QueueStore::release_consumer) / its timeout (the item is back at the
//!   head). After that the id is unknown: acking it again is [`StoreError::UnknownLease`].
//! - **Delivery counts** start at 1 for an item's first delivery and rise by one at each
//!   redelivery; a backend keeps the count with the item while it waits again. Which count sends
//!   an item to a dead-letter queue is the served queue's policy, not the store's.
//! - **Unfinished count** (CPython's `unfinished_tasks`): each put adds one; an
//!   [`ack`](QueueStore::ack) or a [`task_done`](QueueStore::task_done) takes one;
//!   [`join`](QueueStore::join) waits for zero.
//! - **`stats()`** is cheap (no I/O beyond a counter read): the items waiting and leased now.
//! - Backends are `Send + Sync` and the trait is object-safe: the server holds
//!   `Arc<dyn QueueStore>`.

mod group_commit;
mod journal;
mod memory;
mod sqlite;

use std::error::Error;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use memory::{MemoryBackend, MemoryStore};
pub use sqlite::{DurableBackend, SyncPolicy, durable_count};

use crate::pickle::Value;

/// How long a [`QueueStore`] method may wait slices at most before looking at its caller again.
///
/// # Examples
///
/// ```
/// assert!(pythreading_mp::managers::store::WAIT_SLICE.as_millis() <= 100);
/// ```
pub const WAIT_SLICE: Duration = Duration::from_millis(100);

/// How long to wait.
///
/// # Examples
///
/// ```
/// use pythreading_mp::managers::store::Block;
/// use std::time::Duration;
/// assert_eq!(Block::from_timeout(Duration::MAX), Block::Forever);
/// assert_eq!(Block::from_timeout(Duration::ZERO), Block::For(Duration::ZERO));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Block {
    /// Do not wait (`block=False`).
    Poll,
    /// Wait at most this long.
    For(Duration),
    /// Wait until done.
    Forever,
}

impl Block {
    /// A timeout as a [`Block`]: `Duration::MAX` waits for ever.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::managers::store::Block;
    /// assert_eq!(Block::from_timeout(std::time::Duration::MAX), Block::Forever);
    /// ```
    pub fn from_timeout(timeout: Duration) -> Block {
        if timeout == Duration::MAX {
            Block::Forever
        } else {
            Block::For(timeout)
        }
    }

    /// When the wait ends (`None`: never, or too far away to name).
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::managers::store::Block;
    /// assert!(Block::Forever.deadline().is_none());
    /// assert!(Block::Poll.deadline().is_some());
    /// ```
    pub fn deadline(self) -> Option<Instant> {
        match self {
            Block::Poll => Some(Instant::now()),
            Block::For(d) => Instant::now().checked_add(d),
            Block::Forever => None,
        }
    }
}

/// A blocking call's wait and its caller: how long, and how to notice the caller going away.
///
/// # Examples
///
/// ```
/// use pythreading_mp::managers::store::{Block, Waiter};
/// let w = Waiter::new(Block::Poll);
/// assert!(!w.is_gone());
/// let gone = || true;
/// assert!(Waiter::new(Block::Forever).watching(&gone).is_gone());
/// ```
#[derive(Clone, Copy)]
pub struct Waiter<'a> {
    /// How long to wait.
    pub block: Block,
    gone: Option<&'a dyn Fn() -> bool>,
}

impl fmt::Debug for Waiter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Waiter")
            .field("block", &self.block)
            .field("watched", &self.gone.is_some())
            .finish()
    }
}

impl<'a> Waiter<'a> {
    /// A wait nobody watches (the caller cannot go away).
    ///
    /// # Examples
    ///
    /// ```
    /// let w = pythreading_mp::managers::store::Waiter::new(pythreading_mp::managers::store::Block::Poll);
    /// # let _ = w;
    /// ```
    pub fn new(block: Block) -> Self {
        Waiter { block, gone: None }
    }

    /// The same wait, ended early when `gone()` says the caller left.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::managers::store::{Block, Waiter};
    /// let gone = || false;
    /// assert!(!Waiter::new(Block::Forever).watching(&gone).is_gone());
    /// ```
    pub fn watching(self, gone: &'a dyn Fn() -> bool) -> Self {
        Waiter {
            gone: Some(gone),
            ..self
        }
    }

    /// Whether the caller has gone away (then stop waiting: [`StoreError::CallerGone`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::managers::store::{Block, Waiter};
    /// assert!(!Waiter::new(Block::Poll).is_gone());
    /// ```
    pub fn is_gone(&self) -> bool {
        self.gone.is_some_and(|g| g())
    }
}

/// Who holds a lease: one client connection of the server (its number, unique while the
/// server runs).
///
/// # Examples
///
/// ```
/// let c = pythreading_mp::managers::store::ConsumerId(7);
/// assert_eq!(c.to_string(), "consumer-7");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConsumerId(pub u64);

impl fmt::Display for ConsumerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "consumer-{}", self.0)
    }
}

/// The name of one lease, chosen by the backend (opaque to everyone else).
///
/// # Examples
///
/// ```
/// let id = pythreading_mp::managers::store::LeaseId::new("1700000000000-0");
/// assert_eq!(id.as_str(), "1700000000000-0");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LeaseId(String);

impl LeaseId {
    /// A lease id.
    ///
    /// # Examples
    ///
    /// ```
    /// let id = pythreading_mp::managers::store::LeaseId::new("7");
    /// assert_eq!(id.to_string(), "7");
    /// ```
    pub fn new(id: impl Into<String>) -> Self {
        LeaseId(id.into())
    }

    /// The id's text.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(pythreading_mp::managers::store::LeaseId::new("x").as_str(), "x");
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LeaseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The terms of a leased take: who holds the item, and for how long at most.
///
/// # Examples
///
/// ```
/// use pythreading_mp::managers::store::{ConsumerId, LeaseTerms};
/// let t = LeaseTerms { consumer: ConsumerId(1), timeout: None };
/// # let _ = t;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeaseTerms {
    /// The connection that holds the lease (its close releases it).
    pub consumer: ConsumerId,
    /// Held longer than this (while connected, unacked), the lease expires and the item goes
    /// back to the head; `None`: no timeout.
    pub timeout: Option<Duration>,
}

/// One item taken from a store.
///
/// # Examples
///
/// ```
/// use pythreading_mp::managers::store::Delivery;
/// use pythreading_mp::pickle::Value;
/// let d = Delivery { item: Value::Int(1), lease: None, deliveries: 1 };
/// assert_eq!(d.deliveries, 1);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// The item.
    pub item: Value,
    /// Its lease, for a leased take; `None`: the item left the store for good.
    pub lease: Option<LeaseId>,
    /// How many times the item has been delivered, this time included (1 the first time).
    pub deliveries: u32,
}

/// A queue's counts now (what the status page shows).
///
/// # Examples
///
/// ```
/// let s = pythreading_mp::managers::store::QueueStats::default();
/// assert_eq!((s.depth, s.leased, s.dead_lettered), (0, 0, 0));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueStats {
    /// Items waiting to be taken.
    pub depth: usize,
    /// Items taken under a lease and not acked yet.
    pub leased: usize,
    /// Items waiting in the queue's dead-letter queue (filled by the served queue; a store
    /// leaves it 0).
    pub dead_lettered: usize,
}

/// Why a store operation did not happen.
///
/// # Examples
///
/// ```
/// use pythreading_mp::managers::store::StoreError;
/// assert_eq!(StoreError::Empty.to_string(), "the queue is empty");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreError {
    /// Nothing to take in time (`queue.Empty`).
    Empty,
    /// No room in time (`queue.Full`).
    Full,
    /// The queue was shut down (`queue.ShutDown`).
    ShutDown,
    /// The caller's connection closed while it waited: nobody is there to answer.
    CallerGone,
    /// No such lease (acked already, released, expired, or never made).
    UnknownLease(LeaseId),
    /// This backend cannot bound a queue (refused when the queue is opened).
    MaxsizeUnsupported {
        /// The maxsize asked for.
        maxsize: usize,
    },
    /// The backend failed (I/O, database, network): its message.
    Backend(String),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Empty => f.write_str("the queue is empty"),
            StoreError::Full => f.write_str("the queue is full"),
            StoreError::ShutDown => f.write_str("the queue is shut down"),
            StoreError::CallerGone => f.write_str("the caller went away while waiting"),
            StoreError::UnknownLease(id) => {
                write!(f, "no lease {id} (acked, released or expired already)")
            }
            StoreError::MaxsizeUnsupported { maxsize } => {
                write!(
                    f,
                    "this queue backend cannot bound a queue (maxsize {maxsize})"
                )
            }
            StoreError::Backend(msg) => write!(f, "queue backend failed: {msg}"),
        }
    }
}

impl Error for StoreError {}

/// The storage of one served queue: items, leases, the unfinished count. See the
/// [module documentation](self) for the contract every method keeps.
///
/// # Examples
///
/// ```
/// use pythreading_mp::managers::store::{
///     Block, ConsumerId, LeaseTerms, MemoryBackend, QueueBackend, QueueStore, Waiter,
/// };
/// use pythreading_mp::pickle::Value;
///
/// let q = MemoryBackend.open("jobs", 0).unwrap();
/// q.put(Value::Int(1), Waiter::new(Block::Poll)).unwrap();
/// let terms = LeaseTerms { consumer: ConsumerId(1), timeout: None };
/// let d = q.take(Some(terms), Waiter::new(Block::Poll)).unwrap();
/// assert_eq!((d.item.clone(), d.deliveries), (Value::Int(1), 1));
/// // Not acked: back at the head, delivered a second time.
/// q.release(d.lease.as_ref().unwrap()).unwrap();
/// let again = q.take(Some(terms), Waiter::new(Block::Poll)).unwrap();
/// assert_eq!(again.deliveries, 2);
/// q.ack(again.lease.as_ref().unwrap()).unwrap();
/// assert_eq!(q.stats().depth + q.stats().leased, 0);
/// ```
pub trait QueueStore: Send + Sync {
    /// Appends `item`, waiting for room as `wait` says; counts one more unfinished task.
    ///
    /// # Errors
    ///
    /// [`StoreError::Full`] (no room in time), [`StoreError::ShutDown`],
    /// [`StoreError::CallerGone`], [`StoreError::Backend`]. When `Ok` returns, the item is stored
    /// as durably as the backend promises.
    fn put(&self, item: Value, wait: Waiter<'_>) -> Result<(), StoreError>;

    /// Takes the head item, waiting for one as `wait` says. With `lease`, the item stays held by
    /// the consumer until acked or released (see the module documentation); without, it leaves
    /// the store (at most once). Expired leases are returned to the head before taking.
    ///
    /// # Errors
    ///
    /// [`StoreError::Empty`] (none in time), [`StoreError::ShutDown`] (shut down and empty),
    /// [`StoreError::CallerGone`], [`StoreError::Backend`].
    fn take(&self, lease: Option<LeaseTerms>, wait: Waiter<'_>) -> Result<Delivery, StoreError>;

    /// Puts back at the head an item an unleased take removed but could not deliver (its
    /// caller went away before the reply was sent). Its delivery count is not raised (it was
    /// not delivered), and it still counts as unfinished.
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`].
    fn give_back(&self, item: Value) -> Result<(), StoreError>;

    /// Finishes a leased item: it is gone for good, and one task less is unfinished.
    ///
    /// # Errors
    ///
    /// [`StoreError::UnknownLease`] if the lease ended already; [`StoreError::Backend`].
    fn ack(&self, lease: &LeaseId) -> Result<(), StoreError>;

    /// Finishes the consumer's **oldest** lease (CPython's `task_done` counts in order):
    /// `Ok(false)` if it holds none.
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`].
    fn ack_oldest(&self, consumer: ConsumerId) -> Result<bool, StoreError>;

    /// Ends a lease without finishing: the item goes back to the head (its next delivery counts
    /// one more).
    ///
    /// # Errors
    ///
    /// [`StoreError::UnknownLease`] if the lease ended already; [`StoreError::Backend`].
    fn release(&self, lease: &LeaseId) -> Result<(), StoreError>;

    /// Releases every lease `consumer` holds (its connection closed), oldest first at the head;
    /// returns how many.
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`].
    fn release_consumer(&self, consumer: ConsumerId) -> Result<usize, StoreError>;

    /// `task_done()` for an item taken without a lease: `Ok(false)` if called more times than
    /// items were put.
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`].
    fn task_done(&self) -> Result<bool, StoreError>;

    /// `join()`: waits until no task is unfinished.
    ///
    /// # Errors
    ///
    /// [`StoreError::Empty`] if the wait ran out (only with a bounded `wait`),
    /// [`StoreError::CallerGone`], [`StoreError::Backend`].
    fn join(&self, wait: Waiter<'_>) -> Result<(), StoreError>;

    /// Items waiting to be taken (`qsize()`).
    fn len(&self) -> usize;

    /// Whether no item waits (`empty()`).
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether a bounded queue has no room (`full()`).
    fn is_full(&self) -> bool;

    /// The counts now; cheap.
    fn stats(&self) -> QueueStats;

    /// `shutdown(immediate)` (3.13): puts fail from now on; takes fail once the queue is empty
    /// (at once with `immediate`, which drops the waiting items and their unfinished counts).
    fn shutdown(&self, immediate: bool);

    /// The server is stopping: wake every waiter for good.
    fn release_all(&self);
}

/// Makes the store of each named queue: the server's memory, a database, a broker.
///
/// # Examples
///
/// ```
/// use pythreading_mp::managers::store::{MemoryBackend, QueueBackend};
/// let q = MemoryBackend.open("get_task_queue", 0).unwrap();
/// assert_eq!(q.len(), 0);
/// ```
pub trait QueueBackend: Send + Sync {
    /// Opens (or creates) the store of queue `name`, bounded to `maxsize` items (0: unbounded).
    /// A durable backend finds the items left by an earlier run; leases an earlier run held are
    /// back in the queue, delivery counts kept.
    ///
    /// # Errors
    ///
    /// [`StoreError::MaxsizeUnsupported`] if the backend cannot bound a queue and `maxsize > 0`;
    /// [`StoreError::Backend`].
    fn open(&self, name: &str, maxsize: usize) -> Result<Arc<dyn QueueStore>, StoreError>;

    /// A short description for logs (`memory`, `sqlite:/var/lib/q`).
    fn describe(&self) -> String;
}
