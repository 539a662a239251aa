//! One queue's stream in Redis, untyped: its keys, a pool of connections, and each operation
//! as one script call. [`RedisQueue`](crate::RedisQueue) and
//! [`RedisStore`](crate::RedisStore) are typed faces of it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use redis::{Client, Connection, Script, Value};

use crate::error::RedisQueueError;
use crate::link::Link;
use crate::options::QueueOptions;
use crate::scripts;

/// Extra read time given to a blocking command beyond its own wait.
const BLOCK_MARGIN: Duration = Duration::from_secs(5);
/// The most idle connections a stream keeps for later calls.
const MAX_IDLE_LINKS: usize = 16;
/// A sweep (see [`Stream::sweep_due`]) at least every this many takes.
const SWEEP_TAKES: u32 = 100;
/// A sweep at least this often while takes come.
const MAX_SWEEP_PAUSE: Duration = Duration::from_secs(1);
/// The longest pause between two reconnection attempts of a waiting take.
const RECONNECT_PAUSE: Duration = Duration::from_millis(100);

/// An item taken from the stream, not yet decoded.
#[derive(Debug)]
pub(crate) struct Taken {
    pub(crate) id: String,
    pub(crate) pickle: Vec<u8>,
    pub(crate) deliveries: u64,
}

/// How a take waits: until when (`None`: for ever), in slices of at most `slice`, stopping
/// early when `gone()` says the caller left.
pub(crate) struct Wait<'a> {
    pub(crate) poll: bool,
    pub(crate) deadline: Option<Instant>,
    pub(crate) slice: Duration,
    pub(crate) gone: &'a dyn Fn() -> bool,
}

/// Why a take gave up.
#[derive(Debug)]
pub(crate) enum TakeEnd {
    /// Nothing came in time (or at all, for a poll).
    Nothing,
    /// The caller went away.
    Gone,
    /// Redis failed.
    Failed(RedisQueueError),
}

impl From<RedisQueueError> for TakeEnd {
    fn from(e: RedisQueueError) -> Self {
        TakeEnd::Failed(e)
    }
}

/// A name unique to this process and moment: process id, time and a counter.
pub(crate) fn unique_name(prefix: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "{prefix}-{}-{:x}-{}",
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

fn protocol(what: &str, v: &Value) -> RedisQueueError {
    RedisQueueError::Protocol(format!("{what}: {v:?}"))
}

/// Reads `TAKE`'s reply: `{acked}` or `{acked, id, pickle, deliveries}`, where `acked` is
/// -1 when no lease was to be finished. Returns the ack's outcome and the item.
fn parse_take(v: &Value) -> Result<(Option<bool>, Option<Taken>), RedisQueueError> {
    let Value::Array(a) = v else {
        return Err(protocol("take", v));
    };
    let acked = match a.first() {
        Some(Value::Int(-1)) => None,
        Some(Value::Int(n)) => Some(*n == 1),
        _ => return Err(protocol("take", v)),
    };
    match &a[1..] {
        [] => Ok((acked, None)),
        [id, pickle, Value::Int(d)] => {
            let (Some(id), Some(pickle)) = (bulk(id), bulk(pickle)) else {
                return Err(protocol("take", v));
            };
            Ok((
                acked,
                Some(Taken {
                    id: String::from_utf8_lossy(&id).into_owned(),
                    pickle,
                    deliveries: (*d).max(0) as u64,
                }),
            ))
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

/// A queue's stream, its keys and a pool of connections (one per concurrent caller, so a
/// blocking read holds up no one else).
pub(crate) struct Stream {
    client: Client,
    idle: Mutex<Vec<Link>>,
    keys: [String; 4],
    /// Takes since the last sweep, and when it was.
    sweep: Mutex<(u32, Instant)>,
    options: QueueOptions,
}

impl std::fmt::Debug for Stream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stream")
            .field("keys", &self.keys)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Stream {
    /// Opens the stream `name`, creating it and its consumer group if needed.
    pub(crate) fn open(
        client: Client,
        name: &str,
        options: QueueOptions,
    ) -> Result<Self, RedisQueueError> {
        let dead = format!("{name}_dead");
        let s = Stream {
            client,
            idle: Mutex::new(Vec::new()),
            keys: [
                name.to_string(),
                dead.clone(),
                format!("{name}:unfinished"),
                format!("{dead}:unfinished"),
            ],
            sweep: Mutex::new((0, Instant::now())),
            options,
        };
        s.create_group()?;
        Ok(s)
    }

    pub(crate) fn client(&self) -> &Client {
        &self.client
    }

    pub(crate) fn name(&self) -> &str {
        &self.keys[0]
    }

    pub(crate) fn options(&self) -> &QueueOptions {
        &self.options
    }

    /// Runs `f` on a pooled connection.
    fn run<R>(
        &self,
        read_timeout: Option<Duration>,
        f: impl FnOnce(&mut Connection) -> redis::RedisResult<R>,
    ) -> Result<R, RedisQueueError> {
        let popped = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let mut link = popped.unwrap_or_else(|| Link::new(self.client.clone()));
        let r = link.run(read_timeout, f);
        if link.is_connected() {
            let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
            if idle.len() < MAX_IDLE_LINKS {
                idle.push(link);
            }
        }
        r
    }

    /// `XGROUP CREATE name group 0 MKSTREAM`, where an existing group is fine.
    fn create_group(&self) -> Result<(), RedisQueueError> {
        let r = self.run(None, |c| {
            redis::cmd("XGROUP")
                .arg("CREATE")
                .arg(self.name())
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
        match self.run(read_timeout, &f) {
            Err(RedisQueueError::Refused(e)) if e.contains("NOGROUP") => {}
            r => return r,
        }
        self.create_group()?;
        self.run(read_timeout, &f)
    }

    /// Runs `script` with the stream's four keys and `args`.
    fn script<R: redis::FromRedisValue>(
        &self,
        script: &Script,
        args: &[&dyn ToArg],
    ) -> Result<R, RedisQueueError> {
        self.call(None, |c| {
            let mut inv = script.prepare_invoke();
            for k in &self.keys {
                inv.key(k);
            }
            for a in args {
                a.push(&mut inv);
            }
            inv.invoke(c)
        })
    }

    /// Appends a pickled item and counts it unfinished, in one atomic write with no script
    /// (`MULTI`, `XADD`, `INCR`, `EXEC`); returns its stream id.
    pub(crate) fn put(&self, pickle: &[u8]) -> Result<String, RedisQueueError> {
        let (id, _): (String, i64) = self.call(None, |c| {
            redis::pipe()
                .atomic()
                .cmd("XADD")
                .arg(self.name())
                .arg("*")
                .arg("p")
                .arg(pickle)
                .cmd("INCR")
                .arg(&self.keys[2])
                .query(c)
        })?;
        Ok(id)
    }

    /// Appends an item taken for good but not delivered (still unfinished: the count is
    /// unchanged).
    pub(crate) fn give_back(&self, pickle: &[u8]) -> Result<String, RedisQueueError> {
        self.call(None, |c| {
            redis::cmd("XADD")
                .arg(self.name())
                .arg("*")
                .arg("p")
                .arg(pickle)
                .query(c)
        })
    }

    /// Whether this take should sweep: claim given-back and run-out leases first (a plain
    /// take skips that between sweeps while new items come) and trim finished entries. Every
    /// [`SWEEP_TAKES`] takes, and at least every half lease (at most [`MAX_SWEEP_PAUSE`]).
    fn sweep_due(&self, idle: Duration) -> bool {
        let mut s = self.sweep.lock().unwrap_or_else(PoisonError::into_inner);
        s.0 += 1;
        let due = s.0 >= SWEEP_TAKES || s.1.elapsed() >= (idle / 2).min(MAX_SWEEP_PAUSE);
        if due {
            *s = (0, Instant::now());
        }
        due
    }

    /// The `TAKE` script: finishes the lease `finish` of `consumer` (`""`: none), then takes
    /// an item if one is there, claiming given-back and run-out leases first; trims finished
    /// entries if `sweep`. Returns the finish's outcome and the item.
    fn take_now(
        &self,
        consumer: &str,
        ack: bool,
        idle_ms: i64,
        most: i64,
        finish: &str,
        sweep: bool,
    ) -> Result<(Option<bool>, Option<Taken>), RedisQueueError> {
        let flag = |b: bool| if b { "1" } else { "0" };
        let reply: Value = self.script(
            &scripts::TAKE,
            &[
                &self.options.group(),
                &consumer,
                &idle_ms,
                &most,
                &flag(ack),
                &finish,
                &flag(sweep),
            ],
        )?;
        parse_take(&reply)
    }

    /// One `XREADGROUP` of a new item, waiting at most `block` (zero: not at all), no script:
    /// taken for good at once (`ack`: `NOACK`) or left leased to `consumer`.
    fn read_new(
        &self,
        consumer: &str,
        ack: bool,
        block: Duration,
    ) -> Result<Option<Taken>, RedisQueueError> {
        let read_timeout = (!block.is_zero()).then(|| block + BLOCK_MARGIN);
        let reply: Value = self.call(read_timeout, |c| {
            let mut cmd = redis::cmd("XREADGROUP");
            cmd.arg("GROUP")
                .arg(self.options.group())
                .arg(consumer)
                .arg("COUNT")
                .arg(1);
            if !block.is_zero() {
                cmd.arg("BLOCK").arg(block.as_millis().max(1) as u64);
            }
            if ack {
                cmd.arg("NOACK");
            }
            cmd.arg("STREAMS").arg(self.name()).arg(">").query(c)
        })?;
        parse_read(&reply)
    }

    /// Takes one item's pickle for `consumer`: for good (`ack`) or leased to it; leases idle
    /// longer than `idle` are claimed first; an item delivered more than `most` times goes to
    /// the dead-letter stream. A Redis that went away is reconnected to for up to
    /// [`QueueOptions::reconnect_for`] while the wait lasts.
    pub(crate) fn take(
        &self,
        consumer: &str,
        ack: bool,
        idle: Duration,
        most: i64,
        wait: &Wait<'_>,
    ) -> Result<Taken, TakeEnd> {
        self.finish_and_take(consumer, None, ack, idle, most, wait)
            .1
    }

    /// As [`take`](Stream::take), first finishing the lease `finish` of `consumer` in the
    /// same round trip. Returns the finish's outcome (`Ok(false)`: the lease was no longer
    /// the consumer's; an error when no reply came at all) and the take's.
    ///
    /// The finish goes with each attempt until one is answered: an attempt whose reply was
    /// lost may have finished the lease already, and then the next answers `false`.
    pub(crate) fn finish_and_take(
        &self,
        consumer: &str,
        finish: Option<&str>,
        ack: bool,
        idle: Duration,
        most: i64,
        wait: &Wait<'_>,
    ) -> (Result<bool, RedisQueueError>, Result<Taken, TakeEnd>) {
        let mut finish = finish;
        let mut finished: Result<bool, RedisQueueError> = Ok(false);
        let mut lost_since: Option<Instant> = None;
        loop {
            let block = if wait.poll {
                Duration::ZERO
            } else {
                match wait.deadline {
                    None => wait.slice,
                    Some(d) => d.saturating_duration_since(Instant::now()).min(wait.slice),
                }
            };
            let due = self.sweep_due(idle);
            let attempt = if ack && finish.is_none() && !due {
                // A plain take between sweeps: a new item with one command, no script; the
                // script only when there is none (a given-back or run-out lease may wait).
                match self.read_new(consumer, true, Duration::ZERO) {
                    Ok(Some(t)) => Ok(Some(t)),
                    Ok(None) => self
                        .take_now(consumer, true, millis(idle), most, "", false)
                        .map(|(_, t)| t),
                    Err(e) => Err(e),
                }
            } else {
                match self.take_now(consumer, ack, millis(idle), most, finish.unwrap_or(""), due) {
                    Ok((acked, taken)) => {
                        if finish.take().is_some() {
                            finished = Ok(acked == Some(true));
                        }
                        Ok(taken)
                    }
                    Err(e) => {
                        if finish.is_some() {
                            finished = Err(e.clone());
                        }
                        Err(e)
                    }
                }
            };
            let attempt = match attempt {
                Ok(None) if !block.is_zero() => self.read_new(consumer, ack, block),
                other => other,
            };
            match attempt {
                Ok(Some(t)) => return (finished, Ok(t)),
                Ok(None) => lost_since = None,
                Err(e) if e.is_connection_lost() && !wait.poll => {
                    let since = *lost_since.get_or_insert_with(Instant::now);
                    if since.elapsed() >= self.options.reconnect_for() {
                        return (finished, Err(e.into()));
                    }
                    std::thread::sleep(RECONNECT_PAUSE.min(block.max(Duration::from_millis(1))));
                }
                Err(e) => return (finished, Err(e.into())),
            }
            if wait.poll || wait.deadline.is_some_and(|d| Instant::now() >= d) {
                return (finished, Err(TakeEnd::Nothing));
            }
            if (wait.gone)() {
                return (finished, Err(TakeEnd::Gone));
            }
        }
    }

    /// Finishes a lease of `consumer` (`""`: anyone's): `Ok(false)` if it is not held.
    pub(crate) fn ack(&self, consumer: &str, id: &str) -> Result<bool, RedisQueueError> {
        let n: i64 = self.script(&scripts::ACK, &[&self.options.group(), &consumer, &id])?;
        Ok(n == 1)
    }

    /// Finishes the consumer's oldest lease: `Ok(false)` if it holds none.
    pub(crate) fn ack_oldest(&self, consumer: &str) -> Result<bool, RedisQueueError> {
        let n: i64 = self.script(&scripts::ACK_OLDEST, &[&self.options.group(), &consumer])?;
        Ok(n == 1)
    }

    /// Gives a lease back at once: `Ok(false)` if it is not held.
    pub(crate) fn release(&self, consumer: &str, id: &str) -> Result<bool, RedisQueueError> {
        let n: i64 = self.script(&scripts::RELEASE, &[&self.options.group(), &consumer, &id])?;
        Ok(n == 1)
    }

    /// Gives back every lease of `consumer`; returns how many.
    pub(crate) fn release_consumer(&self, consumer: &str) -> Result<usize, RedisQueueError> {
        let n: i64 = self.script(
            &scripts::RELEASE_CONSUMER,
            &[&self.options.group(), &consumer],
        )?;
        Ok(n.max(0) as usize)
    }

    /// Starts a lease's time again: `Ok(false)` if it is not held.
    pub(crate) fn renew(&self, consumer: &str, id: &str) -> Result<bool, RedisQueueError> {
        let n: i64 = self.script(&scripts::RENEW, &[&self.options.group(), &consumer, &id])?;
        Ok(n == 1)
    }

    /// Moves an undecodable item to the dead-letter stream.
    pub(crate) fn bury(&self, t: &Taken, reason: &str) -> Result<(), RedisQueueError> {
        self.script::<i64>(
            &scripts::BURY,
            &[
                &self.options.group(),
                &t.id.as_str(),
                &&t.pickle[..],
                &reason,
            ],
        )
        .map(|_| ())
    }

    /// `{waiting, leased, dead, unfinished}`; leases idle longer than `idle` count as waiting.
    pub(crate) fn counts(&self, idle: Duration) -> Result<[u64; 4], RedisQueueError> {
        let v: Vec<i64> = self.script(&scripts::COUNTS, &[&self.options.group(), &millis(idle)])?;
        match v[..] {
            [a, b, c, d] => Ok([a, b, c, d].map(|n| n.max(0) as u64)),
            _ => Err(RedisQueueError::Protocol(format!("counts: {v:?}"))),
        }
    }

    /// The unfinished count alone.
    pub(crate) fn unfinished(&self) -> Result<u64, RedisQueueError> {
        let v: Option<i64> = self.call(None, |c| redis::cmd("GET").arg(&self.keys[2]).query(c))?;
        Ok(v.unwrap_or(0).max(0) as u64)
    }

    /// `task_done`: `Ok(false)` when called more often than tasks were put.
    pub(crate) fn task_done(&self) -> Result<bool, RedisQueueError> {
        match self.script::<i64>(&scripts::TASK_DONE, &[]) {
            Ok(_) => Ok(true),
            Err(RedisQueueError::Refused(e)) if e.contains("too many times") => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Waits until no task is unfinished (polling: Redis has no wake-up for a counter), at
    /// most until `deadline`, checking `gone` between polls. `Ok(false)` if the wait ran out
    /// or the caller left.
    pub(crate) fn join(
        &self,
        deadline: Option<Instant>,
        gone: &dyn Fn() -> bool,
    ) -> Result<bool, RedisQueueError> {
        let mut pause = Duration::from_millis(1);
        loop {
            if self.unfinished()? == 0 {
                return Ok(true);
            }
            let now = Instant::now();
            if deadline.is_some_and(|d| now >= d) || gone() {
                return Ok(false);
            }
            let left = deadline.map_or(pause, |d| d - now);
            std::thread::sleep(pause.min(left));
            pause = (pause * 2).min(Duration::from_millis(50));
        }
    }
}

pub(crate) fn millis(d: Duration) -> i64 {
    d.as_millis().min(i64::MAX as u128) as i64
}

/// A script argument (object-safe `ToRedisArgs` for a slice of mixed types).
pub(crate) trait ToArg {
    fn push(&self, inv: &mut redis::ScriptInvocation<'_>);
}

impl<T: redis::ToRedisArgs> ToArg for T {
    fn push(&self, inv: &mut redis::ScriptInvocation<'_>) {
        inv.arg(self);
    }
}
