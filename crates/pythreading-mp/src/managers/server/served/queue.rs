//! `queue.Queue` served to clients: the named queues (`get_task_queue`) and SyncManager's
//! `Queue`/`JoinableQueue`, over a [`QueueStore`] (memory, a database, a broker).
//!
//! Unlike CPython's server, a `get` whose client has gone stops waiting (its thread does not
//! stay parked for good), and an item taken for a client that went away before the reply was
//! sent goes back to the head of the queue instead of being lost.
//!
//! # Leases (at-least-once delivery)
//!
//! Two ways to take an item under a lease (see [`store`](super::super::store) for what that
//! promises and what not):
//! - the Rust client's hidden methods `_lease_get(block, timeout)` → `(lease_id, deliveries,
//!   item)`, `_lease_ack(lease_id)`, `_lease_release(lease_id)` — dispatched by name, never in
//!   the exposed list, so CPython clients see exactly CPython's queue;
//! - with [`LeasePolicy::at_least_once`] (`serve --at-least-once`), every plain `get()`: the item
//!   stays leased to the connection until it calls `task_done()`, which acks the connection's
//!   oldest lease (CPython's `task_done` counts in order).
//!
//! Either way, the connection closing gives its leases back (head of the queue, delivery count
//! raised), and so does the policy's lease timeout. An item delivered `max_deliveries` times
//! without an ack goes to the queue's dead-letter queue instead of being delivered again.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{Method, MethodResult, Outcome, Served, method, ret};
use crate::managers::protocol::{
    CallArgs, ClientWatch, Wait, queue_shut_down, truthy, type_error, value_error,
};
use crate::managers::server::store::{
    Block, Delivery, LeaseId, LeaseTerms, MemoryStore, QueueStats, QueueStore, StoreError, Waiter,
};
use crate::pickle::{PyException, Value};

/// How a served queue hands out items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LeasePolicy {
    /// Plain `get()`s are leased to the connection until its `task_done()`.
    pub(crate) at_least_once: bool,
    /// A lease held longer than this (unacked, connection up) returns its item.
    pub(crate) lease_timeout: Option<Duration>,
    /// Deliveries after which an unacked item goes to the dead-letter queue.
    pub(crate) max_deliveries: u32,
}

impl Default for LeasePolicy {
    fn default() -> Self {
        LeasePolicy {
            at_least_once: false,
            lease_timeout: None,
            max_deliveries: 5,
        }
    }
}

/// A queue shared with clients.
pub(crate) struct SharedQueue {
    store: Arc<dyn QueueStore>,
    /// Where items delivered too often go; `None`: nowhere (a dead-letter queue's own).
    dead: Option<Arc<dyn QueueStore>>,
    policy: LeasePolicy,
}

fn raise(e: StoreError) -> PyException {
    match e {
        StoreError::Empty => PyException::queue_empty(),
        StoreError::Full => PyException::queue_full(),
        StoreError::ShutDown => queue_shut_down(),
        // The reply goes nowhere; the connection ends right after.
        StoreError::CallerGone => PyException::builtin(
            "ConnectionResetError",
            vec![Value::from("the client went away while waiting")],
        ),
        StoreError::UnknownLease(_) | StoreError::MaxsizeUnsupported { .. } => {
            value_error(e.to_string())
        }
        other => PyException::builtin("OSError", vec![Value::from(other.to_string())]),
    }
}

fn wait_of(wait: Wait) -> Block {
    match wait {
        Wait::Poll => Block::Poll,
        Wait::For(d) => Block::For(d),
        Wait::Forever => Block::Forever,
    }
}

fn waiter<'a>(wait: Wait, gone: &'a dyn Fn() -> bool) -> Waiter<'a> {
    Waiter::new(wait_of(wait)).watching(gone)
}

/// The watched caller's "gone" test, or one that never says gone.
fn gone_test(caller: Option<&ClientWatch>) -> impl Fn() -> bool + '_ {
    move || caller.is_some_and(ClientWatch::gone)
}

impl SharedQueue {
    /// An in-memory `queue.Queue(maxsize)` (zero or negative: unbounded) with its dead-letter
    /// queue in memory too.
    pub(crate) fn new(maxsize: i64, policy: LeasePolicy) -> Self {
        let maxsize = usize::try_from(maxsize).unwrap_or(0);
        SharedQueue {
            store: Arc::new(MemoryStore::new(maxsize)),
            dead: Some(Arc::new(MemoryStore::new(0))),
            policy,
        }
    }

    /// A queue over `store`, its items delivered too often moved to `dead`.
    pub(crate) fn over(
        store: Arc<dyn QueueStore>,
        dead: Option<Arc<dyn QueueStore>>,
        policy: LeasePolicy,
    ) -> Self {
        SharedQueue {
            store,
            dead,
            policy,
        }
    }

    fn put_item(&self, item: Value, wait: Wait, caller: Option<&ClientWatch>) -> MethodResult {
        let gone = gone_test(caller);
        self.store.put(item, waiter(wait, &gone)).map_err(raise)?;
        ret(Value::None)
    }

    /// Takes an item under a lease held by `caller`'s connection; items delivered more than
    /// `max_deliveries` times go to the dead-letter queue on the way.
    fn take_leased(&self, mut wait: Wait, caller: &ClientWatch) -> Result<Delivery, StoreError> {
        caller.holds_leases_in(&self.store);
        let terms = LeaseTerms {
            consumer: caller.consumer(),
            timeout: self.policy.lease_timeout,
        };
        let gone = gone_test(Some(caller));
        let deadline = match wait {
            Wait::For(d) => Instant::now().checked_add(d),
            _ => None,
        };
        loop {
            let delivery = self.store.take(Some(terms), waiter(wait, &gone))?;
            let (Some(dead), Some(lease)) = (&self.dead, &delivery.lease) else {
                return Ok(delivery);
            };
            if delivery.deliveries <= self.policy.max_deliveries.max(1) {
                return Ok(delivery);
            }
            // Delivered too often: into the dead-letter queue first, then off this queue, so a
            // crash in between duplicates the item rather than losing it.
            dead.put(delivery.item, Waiter::new(Block::Forever))?;
            self.store.ack(lease)?;
            if let (Wait::For(_), Some(at)) = (wait, deadline) {
                // The rest of the wait, not a new one.
                wait = Wait::For(at.saturating_duration_since(Instant::now()));
            }
        }
    }

    /// A plain `get`: leased to the connection in at-least-once mode, else taken for good.
    fn get_item(&self, wait: Wait, caller: Option<&ClientWatch>) -> MethodResult {
        match caller {
            Some(c) if self.policy.at_least_once => {
                // The lease is the connection's: if the reply cannot be sent, the connection's
                // close gives the item back, so this is not a `Taken`.
                let d = self.take_leased(wait, c).map_err(raise)?;
                ret(d.item)
            }
            _ => {
                let gone = gone_test(caller);
                let d = self.store.take(None, waiter(wait, &gone)).map_err(raise)?;
                Ok(Outcome::Taken(d.item))
            }
        }
    }

    fn put(&self, args: CallArgs) -> MethodResult {
        let caller = args.caller.clone();
        let mut a = args.bind("Queue.put", &["item", "block", "timeout"], 1)?;
        let wait = Wait::block_timeout(a[1].as_ref(), a[2].as_ref())?;
        self.put_item(a[0].take().unwrap_or(Value::None), wait, caller.as_deref())
    }

    fn put_nowait(&self, args: CallArgs) -> MethodResult {
        let item = args.one("Queue.put_nowait", "item")?;
        self.put_item(item, Wait::Poll, None)
    }

    fn get(&self, args: CallArgs) -> MethodResult {
        let caller = args.caller.clone();
        let a = args.bind("Queue.get", &["block", "timeout"], 0)?;
        let wait = Wait::block_timeout(a[0].as_ref(), a[1].as_ref())?;
        self.get_item(wait, caller.as_deref())
    }

    fn get_nowait(&self, args: CallArgs) -> MethodResult {
        let caller = args.caller.clone();
        args.none("Queue.get_nowait")?;
        self.get_item(Wait::Poll, caller.as_deref())
    }

    fn qsize(&self, args: CallArgs) -> MethodResult {
        args.none("Queue.qsize")?;
        ret(Value::Int(self.store.len() as i64))
    }

    fn empty(&self, args: CallArgs) -> MethodResult {
        args.none("Queue.empty")?;
        ret(Value::Bool(self.store.is_empty()))
    }

    fn full(&self, args: CallArgs) -> MethodResult {
        args.none("Queue.full")?;
        ret(Value::Bool(self.store.is_full()))
    }

    fn task_done(&self, args: CallArgs) -> MethodResult {
        let caller = args.caller.clone();
        args.none("Queue.task_done")?;
        if let Some(c) = caller.as_deref().filter(|_| self.policy.at_least_once)
            && self.store.ack_oldest(c.consumer()).map_err(raise)?
        {
            return ret(Value::None);
        }
        if !self.store.task_done().map_err(raise)? {
            return Err(value_error("task_done() called too many times"));
        }
        ret(Value::None)
    }

    fn join(&self, args: CallArgs) -> MethodResult {
        let caller = args.caller.clone();
        args.none("Queue.join")?;
        let gone = gone_test(caller.as_deref());
        self.store
            .join(waiter(Wait::Forever, &gone))
            .map_err(raise)?;
        ret(Value::None)
    }

    fn shutdown(&self, args: CallArgs) -> MethodResult {
        let a = args.bind("Queue.shutdown", &["immediate"], 0)?;
        self.store.shutdown(a[0].as_ref().is_some_and(truthy));
        ret(Value::None)
    }

    /// `_lease_get(block=True, timeout=None)` → `(lease_id, deliveries, item)`.
    fn lease_get(&self, args: CallArgs) -> MethodResult {
        let caller = args.caller.clone();
        let a = args.bind("Queue._lease_get", &["block", "timeout"], 0)?;
        let wait = Wait::block_timeout(a[0].as_ref(), a[1].as_ref())?;
        let Some(caller) = caller else {
            return Err(value_error("a leased get needs a client connection"));
        };
        let d = self.take_leased(wait, &caller).map_err(raise)?;
        let lease = d.lease.map(|l| l.to_string()).unwrap_or_default();
        ret(Value::tuple([
            Value::from(lease),
            Value::Int(i64::from(d.deliveries)),
            d.item,
        ]))
    }

    fn lease_id(args: CallArgs, qualname: &str) -> Result<LeaseId, PyException> {
        match args.one(qualname, "lease")? {
            Value::Str(s) => Ok(LeaseId::new(s.to_string())),
            other => Err(type_error(format!(
                "lease must be a str, not {}",
                other.type_name()
            ))),
        }
    }

    /// `_lease_ack(lease_id)`: the item is done (and one task less is unfinished).
    fn lease_ack(&self, args: CallArgs) -> MethodResult {
        let id = Self::lease_id(args, "Queue._lease_ack")?;
        self.store.ack(&id).map_err(raise)?;
        ret(Value::None)
    }

    /// `_lease_release(lease_id)`: the item goes back to the head, not done.
    fn lease_release(&self, args: CallArgs) -> MethodResult {
        let id = Self::lease_id(args, "Queue._lease_release")?;
        self.store.release(&id).map_err(raise)?;
        ret(Value::None)
    }
}

impl Served for SharedQueue {
    const TYPEIDS: &'static [&'static str] = &["Queue", "JoinableQueue"];
    const CLASS: &'static str = "queue.Queue";
    const METHODS: &'static [Method<Self>] = &[
        method("empty", Self::empty),
        method("full", Self::full),
        method("get", Self::get),
        method("get_nowait", Self::get_nowait),
        method("join", Self::join),
        method("put", Self::put),
        method("put_nowait", Self::put_nowait),
        method("qsize", Self::qsize),
        method("shutdown", Self::shutdown),
        method("task_done", Self::task_done),
    ];
    const HIDDEN: &'static [Method<Self>] = &[
        method("_lease_get", Self::lease_get),
        method("_lease_ack", Self::lease_ack),
        method("_lease_release", Self::lease_release),
    ];

    /// `Queue(maxsize=0)`.
    fn construct(args: CallArgs) -> Result<Self, PyException> {
        Self::construct_with(args, LeasePolicy::default())
    }

    fn release_waiters(&self) {
        // Blocked `get`s and `put`s return `ShutDown` (their connections are already closed,
        // so nobody sees the reply); `join()`s end.
        self.store.release_all();
        if let Some(dead) = &self.dead {
            dead.release_all();
        }
    }

    fn give_back(&self, value: Value) {
        // A backend failing here loses the item to the failure, which its put made durable
        // only if the backend is; nothing else can be done with it.
        let _ = self.store.give_back(value);
    }

    fn queue_stats(&self) -> Option<QueueStats> {
        let mut stats = self.store.stats();
        stats.dead_lettered = self.dead.as_ref().map_or(0, |d| d.len());
        Some(stats)
    }

    fn value(&self) -> Result<Value, String> {
        Err("TypeError: cannot pickle '_thread.lock' object".into())
    }
}

impl SharedQueue {
    /// `Queue(maxsize=0)` served under `policy`.
    pub(crate) fn construct_with(args: CallArgs, policy: LeasePolicy) -> Result<Self, PyException> {
        let a = args.bind("Queue", &["maxsize"], 0)?;
        let maxsize = match &a[0] {
            None => 0,
            Some(Value::Int(n)) => *n,
            Some(other) => {
                return Err(type_error(format!(
                    "'{}' object cannot be interpreted as an integer",
                    other.type_name()
                )));
            }
        };
        Ok(SharedQueue::new(maxsize, policy))
    }
}
