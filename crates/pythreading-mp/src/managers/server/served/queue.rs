//! `queue.Queue` served to clients: the named queues (`get_task_queue`) and SyncManager's
//! `Queue`/`JoinableQueue`.
//!
//! Unlike CPython's server, a `get` whose client has gone stops waiting (its thread does not
//! stay parked for good), and an item taken for a client that went away before the reply was
//! sent goes back to the head of the queue instead of being lost.

use super::fifo::{Fifo, FifoError};
use super::{Method, MethodResult, Outcome, Served, method, ret};
use crate::managers::protocol::{
    CallArgs, ClientWatch, Wait, queue_shut_down, truthy, type_error, value_error,
};
use crate::pickle::{PyException, Value};

/// A queue shared with clients.
pub(crate) struct SharedQueue(Fifo);

fn raise(e: FifoError) -> PyException {
    match e {
        FifoError::Empty => PyException::queue_empty(),
        FifoError::Full => PyException::queue_full(),
        FifoError::ShutDown => queue_shut_down(),
        // The reply goes nowhere; the connection ends right after.
        FifoError::CallerGone => PyException::builtin(
            "ConnectionResetError",
            vec![Value::from("the client went away while waiting")],
        ),
    }
}

impl SharedQueue {
    /// `queue.Queue(maxsize)`: zero or negative means unbounded.
    pub(crate) fn new(maxsize: i64) -> Self {
        SharedQueue(Fifo::new(maxsize))
    }

    fn put_item(&self, item: Value, wait: Wait, caller: Option<&ClientWatch>) -> MethodResult {
        self.0.put(item, wait, caller).map_err(raise)?;
        ret(Value::None)
    }

    fn get_item(&self, wait: Wait, caller: Option<&ClientWatch>) -> MethodResult {
        Ok(Outcome::Taken(self.0.get(wait, caller).map_err(raise)?))
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
        args.none("Queue.get_nowait")?;
        self.get_item(Wait::Poll, None)
    }

    fn qsize(&self, args: CallArgs) -> MethodResult {
        args.none("Queue.qsize")?;
        ret(Value::Int(self.0.len() as i64))
    }

    fn empty(&self, args: CallArgs) -> MethodResult {
        args.none("Queue.empty")?;
        ret(Value::Bool(self.0.len() == 0))
    }

    fn full(&self, args: CallArgs) -> MethodResult {
        args.none("Queue.full")?;
        ret(Value::Bool(self.0.is_full()))
    }

    fn task_done(&self, args: CallArgs) -> MethodResult {
        args.none("Queue.task_done")?;
        if !self.0.task_done() {
            return Err(value_error("task_done() called too many times"));
        }
        ret(Value::None)
    }

    fn join(&self, args: CallArgs) -> MethodResult {
        let caller = args.caller.clone();
        args.none("Queue.join")?;
        self.0.join(caller.as_deref()).map_err(raise)?;
        ret(Value::None)
    }

    fn shutdown(&self, args: CallArgs) -> MethodResult {
        let a = args.bind("Queue.shutdown", &["immediate"], 0)?;
        self.0.shutdown(a[0].as_ref().is_some_and(truthy));
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

    /// `Queue(maxsize=0)`.
    fn construct(args: CallArgs) -> Result<Self, PyException> {
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
        Ok(SharedQueue::new(maxsize))
    }

    fn release_waiters(&self) {
        // Blocked `get`s and `put`s return `ShutDown` (their connections are already closed,
        // so nobody sees the reply); `join()`s end.
        self.0.release_all();
    }

    fn give_back(&self, value: Value) {
        self.0.give_back(value);
    }

    fn value(&self) -> Result<Value, String> {
        Err("TypeError: cannot pickle '_thread.lock' object".into())
    }
}
