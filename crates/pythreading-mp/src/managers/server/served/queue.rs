//! `queue.Queue` served to clients: the named queues (`get_task_queue`) and SyncManager's
//! `Queue`/`JoinableQueue`, backed by `pythreading::queue::Queue<Value>`.

use pythreading::queue::{GetTimeoutError, PutTimeoutError, Queue, TryGetError, TryPutError};

use super::{Method, MethodResult, Served, method, ret};
use crate::managers::protocol::{CallArgs, Wait, queue_shut_down, truthy, type_error, value_error};
use crate::pickle::{PyException, Value};

/// A queue shared with clients.
pub(crate) struct SharedQueue {
    queue: Queue<Value>,
    maxsize: i64,
}

impl SharedQueue {
    /// `queue.Queue(maxsize)`: zero or negative means unbounded.
    pub(crate) fn new(maxsize: i64) -> Self {
        SharedQueue {
            queue: Queue::from_maxsize(maxsize),
            maxsize,
        }
    }

    fn put_item(&self, item: Value, wait: Wait) -> Result<(), PyException> {
        match wait {
            Wait::Poll => match self.queue.try_put(item) {
                Ok(()) => Ok(()),
                Err(TryPutError::Full(_)) => Err(PyException::queue_full()),
                Err(_) => Err(queue_shut_down()),
            },
            Wait::Forever => self.queue.put(item).map_err(|_| queue_shut_down()),
            Wait::For(d) => match self.queue.put_timeout(item, d) {
                Ok(()) => Ok(()),
                Err(PutTimeoutError::Timeout(_)) => Err(PyException::queue_full()),
                Err(_) => Err(queue_shut_down()),
            },
        }
    }

    fn get_item(&self, wait: Wait) -> Result<Value, PyException> {
        match wait {
            Wait::Poll => match self.queue.try_get() {
                Ok(v) => Ok(v),
                Err(TryGetError::Empty) => Err(PyException::queue_empty()),
                Err(_) => Err(queue_shut_down()),
            },
            Wait::Forever => self.queue.get().map_err(|_| queue_shut_down()),
            Wait::For(d) => match self.queue.get_timeout(d) {
                Ok(v) => Ok(v),
                Err(GetTimeoutError::Timeout) => Err(PyException::queue_empty()),
                Err(_) => Err(queue_shut_down()),
            },
        }
    }

    fn put(&self, args: CallArgs) -> MethodResult {
        let mut a = args.bind("Queue.put", &["item", "block", "timeout"], 1)?;
        let wait = Wait::block_timeout(a[1].as_ref(), a[2].as_ref())?;
        self.put_item(a[0].take().unwrap_or(Value::None), wait)?;
        ret(Value::None)
    }

    fn put_nowait(&self, args: CallArgs) -> MethodResult {
        let item = args.one("Queue.put_nowait", "item")?;
        self.put_item(item, Wait::Poll)?;
        ret(Value::None)
    }

    fn get(&self, args: CallArgs) -> MethodResult {
        let a = args.bind("Queue.get", &["block", "timeout"], 0)?;
        let wait = Wait::block_timeout(a[0].as_ref(), a[1].as_ref())?;
        ret(self.get_item(wait)?)
    }

    fn get_nowait(&self, args: CallArgs) -> MethodResult {
        args.none("Queue.get_nowait")?;
        ret(self.get_item(Wait::Poll)?)
    }

    fn qsize(&self, args: CallArgs) -> MethodResult {
        args.none("Queue.qsize")?;
        ret(Value::Int(self.queue.len() as i64))
    }

    fn empty(&self, args: CallArgs) -> MethodResult {
        args.none("Queue.empty")?;
        ret(Value::Bool(self.queue.is_empty()))
    }

    fn full(&self, args: CallArgs) -> MethodResult {
        args.none("Queue.full")?;
        ret(Value::Bool(self.maxsize > 0 && self.queue.is_full()))
    }

    fn task_done(&self, args: CallArgs) -> MethodResult {
        args.none("Queue.task_done")?;
        self.queue
            .task_done()
            .map_err(|_| value_error("task_done() called too many times"))?;
        ret(Value::None)
    }

    fn join(&self, args: CallArgs) -> MethodResult {
        args.none("Queue.join")?;
        self.queue.join();
        ret(Value::None)
    }

    fn shutdown(&self, args: CallArgs) -> MethodResult {
        let a = args.bind("Queue.shutdown", &["immediate"], 0)?;
        if a[0].as_ref().is_some_and(truthy) {
            self.queue.shutdown_immediate();
        } else {
            self.queue.shutdown();
        }
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
        // so nobody sees the reply); later calls fail the same way.
        self.queue.shutdown_immediate();
        // Items taken but never marked done would keep `join()` parked: finish them all.
        while self.queue.task_done().is_ok() {}
    }

    fn value(&self) -> Result<Value, String> {
        Err("TypeError: cannot pickle '_thread.lock' object".into())
    }
}
