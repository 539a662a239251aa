//! The Redis queue storage backend of the manager server: `pythreading serve --broker
//! redis://HOST:PORT/` keeps its named queues' items in Redis streams, so several front-ends
//! share one set of queues.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use pythreading_mp::managers::store::{
    Block, ConsumerId, Delivery, LeaseId, LeaseTerms, QueueBackend, QueueStats, QueueStore,
    StoreError, WAIT_SLICE, Waiter,
};
use pythreading_mp::pickle::{self, Value};
use redis::Client;

use crate::error::RedisQueueError;
use crate::options::QueueOptions;
use crate::stream::{Stream, TakeEnd, Wait, unique_name};

/// Opens each named queue of a manager server as a Redis stream ([`RedisStore`]).
///
/// Each backend is one front-end: its connections' leases are held under consumer names
/// unique to it, so the leases of a front-end that dies are claimed by the others after the
/// lease time ([`QueueOptions::with_lease_time`], used when the server sets no lease timeout
/// of its own).
///
/// # Examples
///
/// ```no_run
/// use pythreading_mp::managers::ServerBuilder;
/// use pythreading_redis::{QueueOptions, RedisBackend};
/// use std::sync::Arc;
/// let backend = RedisBackend::connect("redis://127.0.0.1:6379/", QueueOptions::new())?;
/// let server = ServerBuilder::new("key")
///     .queue("get_task_queue")
///     .backend(Arc::new(backend))
///     .bind("127.0.0.1:0")?;
/// # drop(server);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct RedisBackend {
    client: Client,
    url: String,
    options: QueueOptions,
    front_end: String,
}

impl RedisBackend {
    /// A backend on the Redis at `url`; checks that it answers.
    ///
    /// # Errors
    ///
    /// [`RedisQueueError::Refused`] for a bad URL, [`RedisQueueError::ConnectionLost`] when
    /// Redis does not answer.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_redis::{QueueOptions, RedisBackend};
    /// assert!(RedisBackend::connect("redis://127.0.0.1:1/", QueueOptions::new()).is_err());
    /// ```
    pub fn connect(url: &str, options: QueueOptions) -> Result<Self, RedisQueueError> {
        let client = Client::open(url).map_err(|e| RedisQueueError::Refused(e.to_string()))?;
        let mut conn = client
            .get_connection_with_timeout(Duration::from_secs(5))
            .map_err(|e| RedisQueueError::ConnectionLost(e.to_string()))?;
        redis::cmd("PING")
            .query::<String>(&mut conn)
            .map_err(|e| RedisQueueError::from_redis(&e))?;
        Ok(RedisBackend {
            client,
            url: url.to_string(),
            options,
            front_end: unique_name("f"),
        })
    }
}

impl QueueBackend for RedisBackend {
    fn open(&self, name: &str, maxsize: usize) -> Result<Arc<dyn QueueStore>, StoreError> {
        if maxsize > 0 {
            return Err(StoreError::MaxsizeUnsupported { maxsize });
        }
        let stream =
            Stream::open(self.client.clone(), name, self.options.clone()).map_err(backend)?;
        Ok(Arc::new(RedisStore {
            stream,
            front_end: self.front_end.clone(),
            shut_down: AtomicBool::new(false),
        }))
    }

    fn describe(&self) -> String {
        format!("redis:{}", self.url)
    }
}

/// One served queue stored in a Redis stream (see [`RedisBackend`]).
///
/// Differences from the in-memory store, all from sharing the queue with other front-ends:
/// a released or expired lease is delivered again before new items to leased takes (a plain
/// take, between two sweeps of its queue, takes a new item first: see
/// [`RedisQueue::get`](crate::RedisQueue::get)), but an item given back
/// (taken for good, its client gone before the reply) goes to the tail, a stream having no
/// head insert; `shutdown` and the server stopping end this front-end's waits and puts but
/// leave the items in Redis for the others; `stats` and `len` ask Redis (one round trip; 0
/// when it does not answer).
///
/// # Examples
///
/// ```no_run
/// use pythreading_mp::managers::store::{Block, QueueBackend, QueueStore, Waiter};
/// use pythreading_mp::pickle::Value;
/// use pythreading_redis::{QueueOptions, RedisBackend};
/// let backend = RedisBackend::connect("redis://127.0.0.1:6379/", QueueOptions::new())?;
/// let q = backend.open("jobs", 0)?;
/// q.put(Value::Int(1), Waiter::new(Block::Poll))?;
/// assert_eq!(q.take(None, Waiter::new(Block::Poll))?.item, Value::Int(1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct RedisStore {
    stream: Stream,
    front_end: String,
    shut_down: AtomicBool,
}

fn backend(e: RedisQueueError) -> StoreError {
    StoreError::Backend(e.to_string())
}

impl RedisStore {
    /// The Redis consumer name of a server connection.
    fn consumer(&self, c: ConsumerId) -> String {
        format!("{}-{}", self.front_end, c.0)
    }

    /// The consumer name of plain (unleased) takes.
    fn plain_consumer(&self) -> String {
        format!("{}-plain", self.front_end)
    }

    fn is_shut_down(&self) -> bool {
        self.shut_down.load(Ordering::SeqCst)
    }
}

/// A lease id names the stream entry and its consumer: `<entry id> <consumer>`.
fn lease_id(id: &str, consumer: &str) -> LeaseId {
    LeaseId::new(format!("{id} {consumer}"))
}

fn split_lease(lease: &LeaseId) -> Result<(&str, &str), StoreError> {
    lease
        .as_str()
        .split_once(' ')
        .ok_or_else(|| StoreError::UnknownLease(lease.clone()))
}

impl QueueStore for RedisStore {
    fn put(&self, item: Value, _wait: Waiter<'_>) -> Result<(), StoreError> {
        if self.is_shut_down() {
            return Err(StoreError::ShutDown);
        }
        self.stream
            .put(&pickle::dumps(&item))
            .map(|_| ())
            .map_err(backend)
    }

    fn take(&self, lease: Option<LeaseTerms>, wait: Waiter<'_>) -> Result<Delivery, StoreError> {
        let options = self.stream.options();
        let consumer = match lease {
            Some(t) => self.consumer(t.consumer),
            None => self.plain_consumer(),
        };
        // Leases of a connection that stays open expire after the server's lease timeout; a
        // whole front-end that died is noticed after the backend's lease time.
        let idle = lease
            .and_then(|t| t.timeout)
            .unwrap_or_else(|| options.lease_time());
        let gone = || wait.is_gone() || self.is_shut_down();
        let w = Wait {
            poll: wait.block == Block::Poll,
            deadline: wait.block.deadline().filter(|_| wait.block != Block::Poll),
            slice: WAIT_SLICE,
            gone: &gone,
        };
        loop {
            // The served queue dead-letters by delivery count itself (into `<name>_dead`).
            let t = match self
                .stream
                .take(&consumer, lease.is_none(), idle, i64::MAX, &w)
            {
                Ok(t) => t,
                Err(TakeEnd::Nothing) if self.is_shut_down() => return Err(StoreError::ShutDown),
                Err(TakeEnd::Nothing) => return Err(StoreError::Empty),
                Err(TakeEnd::Gone) if self.is_shut_down() => return Err(StoreError::ShutDown),
                Err(TakeEnd::Gone) => return Err(StoreError::CallerGone),
                Err(TakeEnd::Failed(e)) => return Err(backend(e)),
            };
            match pickle::loads(&t.pickle) {
                Ok(item) => {
                    return Ok(Delivery {
                        item,
                        lease: lease.map(|_| lease_id(&t.id, &consumer)),
                        deliveries: u32::try_from(t.deliveries).unwrap_or(u32::MAX),
                    });
                }
                // Not a pickle (written by something else): kept in the dead-letter stream,
                // and the take goes on.
                Err(e) => self.stream.bury(&t, &e.to_string()).map_err(backend)?,
            }
        }
    }

    fn give_back(&self, item: Value) -> Result<(), StoreError> {
        self.stream
            .give_back(&pickle::dumps(&item))
            .map(|_| ())
            .map_err(backend)
    }

    fn ack(&self, lease: &LeaseId) -> Result<(), StoreError> {
        let (id, consumer) = split_lease(lease)?;
        match self.stream.ack(consumer, id).map_err(backend)? {
            true => Ok(()),
            false => Err(StoreError::UnknownLease(lease.clone())),
        }
    }

    fn ack_oldest(&self, consumer: ConsumerId) -> Result<bool, StoreError> {
        self.stream
            .ack_oldest(&self.consumer(consumer))
            .map_err(backend)
    }

    fn release(&self, lease: &LeaseId) -> Result<(), StoreError> {
        let (id, consumer) = split_lease(lease)?;
        match self.stream.release(consumer, id).map_err(backend)? {
            true => Ok(()),
            false => Err(StoreError::UnknownLease(lease.clone())),
        }
    }

    fn release_consumer(&self, consumer: ConsumerId) -> Result<usize, StoreError> {
        self.stream
            .release_consumer(&self.consumer(consumer))
            .map_err(backend)
    }

    fn task_done(&self) -> Result<bool, StoreError> {
        self.stream.task_done().map_err(backend)
    }

    fn join(&self, wait: Waiter<'_>) -> Result<(), StoreError> {
        let deadline = match wait.block {
            Block::Poll => Some(Instant::now()),
            b => b.deadline(),
        };
        let gone = || wait.is_gone() || self.is_shut_down();
        match self.stream.join(deadline, &gone).map_err(backend)? {
            true => Ok(()),
            false if self.is_shut_down() => Ok(()),
            false if wait.is_gone() => Err(StoreError::CallerGone),
            false => Err(StoreError::Empty),
        }
    }

    fn len(&self) -> usize {
        self.stats().depth
    }

    fn is_full(&self) -> bool {
        false
    }

    fn stats(&self) -> QueueStats {
        match self.stream.counts(self.stream.options().lease_time()) {
            Ok([waiting, leased, _, _]) => QueueStats {
                depth: waiting as usize,
                leased: leased as usize,
                dead_lettered: 0,
            },
            Err(_) => QueueStats::default(),
        }
    }

    fn shutdown(&self, _immediate: bool) {
        self.shut_down.store(true, Ordering::SeqCst);
    }

    fn release_all(&self) {
        self.shut_down.store(true, Ordering::SeqCst);
    }
}
