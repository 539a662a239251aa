//! Binding a call's positional and keyword arguments to a method's parameters, as Python does,
//! and the one parser for the `block`/`timeout` arguments every blocking method takes.

use std::net::TcpStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use rustix::io::Errno;
use rustix::net::RecvFlags;

use super::exceptions::{type_error, value_error};
use super::python::truthy;
use crate::managers::server::store::{ConsumerId, QueueStore};
use crate::pickle::{PyException, Value};

/// The arguments of one method call, and a way to tell whether its caller is still there.
#[derive(Debug, Default)]
pub(crate) struct CallArgs {
    pub(crate) args: Vec<Value>,
    pub(crate) kwargs: Vec<(Value, Value)>,
    /// The caller's connection, for methods that block (`None` in tests and server calls).
    pub(crate) caller: Option<Arc<ClientWatch>>,
}

/// Watches a client's socket while a method blocks on its behalf: a blocked `get()` whose
/// client has gone leaves the queue instead of holding a thread (and later an item) for ever.
/// It also names the connection as a lease holder ([`ConsumerId`]) and remembers the queues it
/// holds leases in, so that the connection's close gives them back.
pub(crate) struct ClientWatch {
    stream: TcpStream,
    consumer: ConsumerId,
    /// The stores this connection took leases from (each once).
    holds: Mutex<Vec<Weak<dyn QueueStore>>>,
}

impl std::fmt::Debug for ClientWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientWatch")
            .field("consumer", &self.consumer)
            .finish_non_exhaustive()
    }
}

/// Connection numbers, unique while the process runs.
static NEXT_CONSUMER: AtomicU64 = AtomicU64::new(1);

impl ClientWatch {
    pub(crate) fn new(stream: TcpStream) -> Self {
        ClientWatch {
            stream,
            consumer: ConsumerId(NEXT_CONSUMER.fetch_add(1, Ordering::Relaxed)),
            holds: Mutex::new(Vec::new()),
        }
    }

    /// This connection as a lease holder.
    pub(crate) fn consumer(&self) -> ConsumerId {
        self.consumer
    }

    /// Notes that this connection takes leases from `store` (before it takes one).
    pub(crate) fn holds_leases_in(&self, store: &Arc<dyn QueueStore>) {
        let mut holds = self.holds.lock().unwrap_or_else(|p| p.into_inner());
        let weak = Arc::downgrade(store);
        if !holds.iter().any(|h| Weak::ptr_eq(h, &weak)) {
            holds.push(weak);
        }
    }

    /// The connection closed: every lease it holds goes back to its queue's head.
    pub(crate) fn connection_closed(&self) {
        let holds = std::mem::take(&mut *self.holds.lock().unwrap_or_else(|p| p.into_inner()));
        for store in holds.iter().filter_map(Weak::upgrade) {
            // A backend failing here (a database gone) cannot be reported to anyone: the
            // leases then come back when the backend next opens the queue, or by timeout.
            let _ = store.release_consumer(self.consumer);
        }
    }

    /// Whether the client has closed its end (or the connection failed). A client waiting for
    /// its reply sends nothing, so a readable socket with no data means end of stream.
    pub(crate) fn gone(&self) -> bool {
        // The connection's own thread is inside the method, not reading: peeking does not
        // disturb it. One `recv(MSG_PEEK | MSG_DONTWAIT)`, not a switch of the socket to
        // non-blocking and back: that took three system calls, and every delivered `get` pays
        // for this check.
        let mut byte = [0u8; 1];
        match rustix::net::recv(
            &self.stream,
            &mut byte,
            RecvFlags::PEEK | RecvFlags::DONTWAIT,
        ) {
            Ok((_, 0)) => true,
            Ok(_) => false,
            Err(e) => e != Errno::AGAIN && e != Errno::INTR,
        }
    }
}

/// How often a blocked method looks at its client and at the server's stop flag. Waking is not
/// delayed by it: each slice ends at once when the awaited event happens.
pub(crate) const WATCH_SLICE: Duration = Duration::from_millis(100);

impl CallArgs {
    /// Binds to `params` (in order); `required` of them must be given. Returns one slot per
    /// parameter, or Python's TypeError.
    pub(crate) fn bind(
        self,
        qualname: &str,
        params: &[&str],
        required: usize,
    ) -> Result<Vec<Option<Value>>, PyException> {
        if self.args.len() > params.len() {
            return Err(type_error(format!(
                "{qualname}() takes {} positional arguments but {} were given",
                params.len() + 1,
                self.args.len() + 1
            )));
        }
        // Sized once: collecting the arguments and then growing to `params` reallocated.
        let mut slots: Vec<Option<Value>> = Vec::with_capacity(params.len());
        slots.extend(self.args.into_iter().map(Some));
        slots.resize(params.len(), None);
        for (k, v) in self.kwargs {
            let name = k.as_str().unwrap_or("");
            match params.iter().position(|p| *p == name) {
                Some(i) if slots[i].is_none() => slots[i] = Some(v),
                Some(_) => {
                    return Err(type_error(format!(
                        "{qualname}() got multiple values for argument '{name}'"
                    )));
                }
                None => {
                    return Err(type_error(format!(
                        "{qualname}() got an unexpected keyword argument '{name}'"
                    )));
                }
            }
        }
        if let Some(missing) = slots[..required.min(params.len())]
            .iter()
            .position(Option::is_none)
        {
            return Err(type_error(format!(
                "{qualname}() missing 1 required positional argument: '{}'",
                params[missing]
            )));
        }
        Ok(slots)
    }

    /// For methods without parameters.
    pub(crate) fn none(self, qualname: &str) -> Result<(), PyException> {
        self.bind(qualname, &[], 0).map(|_| ())
    }

    /// For methods with exactly one required parameter: its value.
    pub(crate) fn one(self, qualname: &str, param: &str) -> Result<Value, PyException> {
        let mut a = self.bind(qualname, &[param], 1)?;
        Ok(a[0].take().unwrap_or(Value::None))
    }
}

/// How long a blocking method may wait, as its Python arguments say.
///
/// The one parser for `block`/`timeout` (queues), `timeout` (events, conditions) and
/// `blocking`/`timeout` (locks, semaphores): the conventions differ by method family in CPython,
/// so each has its constructor, but the seconds are read in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wait {
    /// Do not block at all (`block=False`).
    Poll,
    /// Block until done (`timeout=None`, or a lock's `timeout=-1`).
    Forever,
    /// Block at most this long.
    For(Duration),
}

impl Wait {
    /// `Queue.get(block=True, timeout=None)` / `Queue.put(item, block=True, timeout=None)`:
    /// a negative timeout is CPython's `ValueError`; `block=False` ignores the timeout.
    pub(crate) fn block_timeout(
        block: Option<&Value>,
        timeout: Option<&Value>,
    ) -> Result<Wait, PyException> {
        if !block.is_none_or(truthy) {
            return Ok(Wait::Poll);
        }
        Wait::timeout(timeout, "'timeout' must be a non-negative number")
    }

    /// `Event.wait(timeout=None)`: `None` is forever; a timeout that is not positive waits not at
    /// all, as CPython's does.
    pub(crate) fn event_timeout(timeout: Option<&Value>) -> Result<Wait, PyException> {
        match seconds(timeout)? {
            None => Ok(Wait::Forever),
            // CPython's `Condition.wait` polls unless `timeout > 0` (so NaN polls too).
            Some(s) if s > 0.0 => Ok(Wait::For(duration(s))),
            Some(_) => Ok(Wait::For(Duration::ZERO)),
        }
    }

    /// `Lock.acquire(blocking=True, timeout=-1)`: `-1` is forever; any other negative value is
    /// a `ValueError`, and so is a timeout on a non-blocking call.
    pub(crate) fn acquire(
        blocking: Option<&Value>,
        timeout: Option<&Value>,
    ) -> Result<Wait, PyException> {
        let blocking = blocking.is_none_or(truthy);
        let secs = match seconds(timeout)? {
            None => None,
            Some(-1.0) => None,
            Some(s) => Some(s),
        };
        match (blocking, secs) {
            (false, None) => Ok(Wait::Poll),
            (false, Some(_)) => Err(value_error(
                "can't specify a timeout for a non-blocking call",
            )),
            (true, None) => Ok(Wait::Forever),
            (true, Some(s)) if s.is_nan() || s < 0.0 => {
                Err(value_error("timeout value must be a non-negative number"))
            }
            (true, Some(s)) => Ok(Wait::For(duration(s))),
        }
    }

    /// A `timeout` argument where `None` is forever and a negative number is refused.
    fn timeout(timeout: Option<&Value>, negative: &str) -> Result<Wait, PyException> {
        match seconds(timeout)? {
            None => Ok(Wait::Forever),
            Some(s) if s.is_nan() || s < 0.0 => Err(value_error(negative)),
            Some(s) => Ok(Wait::For(duration(s))),
        }
    }
}

/// Seconds as a float, `None` for Python's `None` (or an absent argument).
fn seconds(v: Option<&Value>) -> Result<Option<f64>, PyException> {
    Ok(Some(match v {
        None | Some(Value::None) => return Ok(None),
        Some(Value::Int(i)) => *i as f64,
        Some(Value::Bool(b)) => f64::from(u8::from(*b)),
        Some(Value::Float(f)) => *f,
        Some(other) => {
            return Err(type_error(format!(
                "'{}' object cannot be interpreted as a timeout",
                other.type_name()
            )));
        }
    }))
}

/// Non-negative seconds as a `Duration`; beyond what a `Duration` holds is forever in practice.
fn duration(secs: f64) -> Duration {
    Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_timeouts_follow_python() {
        assert_eq!(Wait::block_timeout(None, None).unwrap(), Wait::Forever);
        assert_eq!(
            Wait::block_timeout(None, Some(&Value::Float(0.5))).unwrap(),
            Wait::For(Duration::from_millis(500))
        );
        assert_eq!(
            Wait::block_timeout(Some(&Value::Bool(false)), Some(&Value::Int(-1))).unwrap(),
            Wait::Poll
        );
        assert!(Wait::block_timeout(None, Some(&Value::Int(-1))).is_err());
        assert!(Wait::block_timeout(None, Some(&Value::Float(f64::NAN))).is_err());
        assert!(Wait::block_timeout(None, Some(&Value::from("1"))).is_err());
    }

    #[test]
    fn acquire_timeouts_follow_python() {
        assert_eq!(Wait::acquire(None, None).unwrap(), Wait::Forever);
        assert_eq!(
            Wait::acquire(None, Some(&Value::Int(-1))).unwrap(),
            Wait::Forever
        );
        assert_eq!(
            Wait::acquire(Some(&Value::Bool(false)), None).unwrap(),
            Wait::Poll
        );
        assert!(Wait::acquire(Some(&Value::Bool(false)), Some(&Value::Int(1))).is_err());
        assert!(Wait::acquire(None, Some(&Value::Int(-2))).is_err());
        assert_eq!(
            Wait::acquire(None, Some(&Value::Int(2))).unwrap(),
            Wait::For(Duration::from_secs(2))
        );
    }

    #[test]
    fn event_timeouts_follow_python() {
        assert_eq!(Wait::event_timeout(None).unwrap(), Wait::Forever);
        assert_eq!(
            Wait::event_timeout(Some(&Value::Int(-3))).unwrap(),
            Wait::For(Duration::ZERO)
        );
    }
}
