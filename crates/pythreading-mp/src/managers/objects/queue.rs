//! `queue.Queue` served to clients: the named queues (`get_task_queue`) and SyncManager's
//! `Queue`/`JoinableQueue`, backed by `pythreading::queue::Queue<Value>`.

use pythreading::queue::{GetTimeoutError, PutTimeoutError, Queue, TryGetError, TryPutError};

use super::super::pyvalue::{builtin_exc, exception, timeout_of, truthy, value_error};
use super::{CallArgs, Outcome, SharedObject};
use crate::pickle::Value;

/// `_queue.Empty`: the global CPython itself sends (the C accelerator's class).
fn empty() -> Value {
    exception("_queue", "Empty", Vec::new())
}

fn full() -> Value {
    exception("queue", "Full", Vec::new())
}

fn shut_down() -> Value {
    exception("queue", "ShutDown", Vec::new())
}

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

    /// The `Queue(maxsize=0)` constructor's arguments.
    pub(crate) fn from_args(args: CallArgs) -> Result<Self, Value> {
        let a = args.bind("Queue", &["maxsize"], 0)?;
        let maxsize = match &a[0] {
            None => 0,
            Some(Value::Int(n)) => *n,
            Some(other) => {
                return Err(super::super::pyvalue::type_error(format!(
                    "'{}' object cannot be interpreted as an integer",
                    other.type_name()
                )));
            }
        };
        Ok(SharedQueue::new(maxsize))
    }

    fn put(
        &self,
        item: Value,
        block: bool,
        timeout: Option<std::time::Duration>,
    ) -> Result<Value, Value> {
        if !block {
            return match self.queue.try_put(item) {
                Ok(()) => Ok(Value::None),
                Err(TryPutError::Full(_)) => Err(full()),
                Err(_) => Err(shut_down()),
            };
        }
        match timeout {
            None => self
                .queue
                .put(item)
                .map(|()| Value::None)
                .map_err(|_| shut_down()),
            Some(d) => match self.queue.put_timeout(item, d) {
                Ok(()) => Ok(Value::None),
                Err(PutTimeoutError::Timeout(_)) => Err(full()),
                Err(_) => Err(shut_down()),
            },
        }
    }

    fn get(&self, block: bool, timeout: Option<std::time::Duration>) -> Result<Value, Value> {
        if !block {
            return match self.queue.try_get() {
                Ok(v) => Ok(v),
                Err(TryGetError::Empty) => Err(empty()),
                Err(_) => Err(shut_down()),
            };
        }
        match timeout {
            None => self.queue.get().map_err(|_| shut_down()),
            Some(d) => match self.queue.get_timeout(d) {
                Ok(v) => Ok(v),
                Err(GetTimeoutError::Timeout) => Err(empty()),
                Err(_) => Err(shut_down()),
            },
        }
    }

    fn call_inner(&self, method: &str, args: CallArgs) -> Result<Value, Value> {
        match method {
            "put" => {
                let mut a = args.bind("Queue.put", &["item", "block", "timeout"], 1)?;
                let block = a[1].as_ref().is_none_or(truthy);
                let timeout = timeout_of(a[2].as_ref())?;
                self.put(a[0].take().unwrap_or(Value::None), block, timeout)
            }
            "put_nowait" => {
                let mut a = args.bind("Queue.put_nowait", &["item"], 1)?;
                self.put(a[0].take().unwrap_or(Value::None), false, None)
            }
            "get" => {
                let a = args.bind("Queue.get", &["block", "timeout"], 0)?;
                let block = a[0].as_ref().is_none_or(truthy);
                let timeout = timeout_of(a[1].as_ref())?;
                self.get(block, timeout)
            }
            "get_nowait" => {
                args.none("Queue.get_nowait")?;
                self.get(false, None)
            }
            "qsize" => {
                args.none("Queue.qsize")?;
                Ok(Value::Int(self.queue.len() as i64))
            }
            "empty" => {
                args.none("Queue.empty")?;
                Ok(Value::Bool(self.queue.is_empty()))
            }
            "full" => {
                args.none("Queue.full")?;
                Ok(Value::Bool(self.maxsize > 0 && self.queue.is_full()))
            }
            "task_done" => {
                args.none("Queue.task_done")?;
                self.queue
                    .task_done()
                    .map(|()| Value::None)
                    .map_err(|_| value_error("task_done() called too many times"))
            }
            "join" => {
                args.none("Queue.join")?;
                self.queue.join();
                Ok(Value::None)
            }
            "shutdown" => {
                let a = args.bind("Queue.shutdown", &["immediate"], 0)?;
                if a[0].as_ref().is_some_and(truthy) {
                    self.queue.shutdown_immediate();
                } else {
                    self.queue.shutdown();
                }
                Ok(Value::None)
            }
            _ => Err(builtin_exc(
                "AttributeError",
                format!("'Queue' object has no attribute '{method}'"),
            )),
        }
    }
}

impl SharedObject for SharedQueue {
    fn exposed(&self) -> &'static [&'static str] {
        &[
            "empty",
            "full",
            "get",
            "get_nowait",
            "join",
            "put",
            "put_nowait",
            "qsize",
            "shutdown",
            "task_done",
        ]
    }

    fn call(&self, method: &str, args: CallArgs) -> Outcome {
        self.call_inner(method, args).into()
    }

    fn class(&self) -> &'static str {
        "queue.Queue"
    }

    fn repr(&self) -> String {
        format!(
            "<queue.Queue object at 0x{:x}>",
            self as *const Self as usize
        )
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
