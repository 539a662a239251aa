//! [`Handle`]: a reference to a hosted object that works in the hosting process (direct calls)
//! and, once serialized and sent, in any other process (requests over the host's socket).

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::object::{Kind, LOCAL, Object, State};
use super::protocol::{ErrorCode, Op, Owner, Reply, Request, Status, decode_reply, encode_request};
use super::server::{connect, host, random_u64, started_host};
use crate::connection::{
    Connection, ConnectionError, DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_MAX_FRAME, Stream, authenticate,
};
use crate::synchronize::SharedError;

static PROCESS: OnceLock<u64> = OnceLock::new();
static NEXT_THREAD: AtomicU64 = AtomicU64::new(1);
thread_local! {
    static THREAD: Cell<u64> = const { Cell::new(0) };
}

/// The calling thread as an owner: this process's random number and the thread's number.
pub(crate) fn me() -> Owner {
    let process = *PROCESS.get_or_init(random_u64);
    let thread = THREAD.with(|t| {
        if t.get() == 0 {
            t.set(NEXT_THREAD.fetch_add(1, Ordering::Relaxed));
        }
        t.get()
    });
    Owner { process, thread }
}

/// Idle authenticated connections to one remote host, reused by every handle of this process.
#[derive(Debug)]
struct Pool {
    name: String,
    authkey: Vec<u8>,
    idle: Mutex<Vec<Connection>>,
}

/// Keyed by host and key: a handle with another key for the same host gets its own
/// connections (and is refused by the host), never another handle's authenticated ones.
type PoolKey = (String, Vec<u8>);
static POOLS: OnceLock<Mutex<HashMap<PoolKey, Arc<Pool>>>> = OnceLock::new();

fn pool(name: &str, authkey: &[u8]) -> Arc<Pool> {
    let pools = POOLS.get_or_init(|| Mutex::new(HashMap::new()));
    let mut p = pools.lock().unwrap_or_else(PoisonError::into_inner);
    Arc::clone(
        p.entry((name.to_owned(), authkey.to_vec()))
            .or_insert_with(|| {
                Arc::new(Pool {
                    name: name.to_owned(),
                    authkey: authkey.to_vec(),
                    idle: Mutex::new(Vec::new()),
                })
            }),
    )
}

impl Pool {
    fn call(&self, req: &Request) -> Result<Reply, SharedError> {
        let conn = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let conn = match conn {
            Some(c) => c,
            None => {
                let s =
                    connect(&self.name).map_err(|e| SharedError::Host(ConnectionError::Io(e)))?;
                authenticate(
                    Stream::Unix(s),
                    &self.authkey,
                    DEFAULT_HANDSHAKE_TIMEOUT,
                    false,
                    DEFAULT_MAX_FRAME,
                )
                .map_err(SharedError::Host)?
            }
        };
        let mut buf = Vec::new();
        encode_request(req, &mut buf);
        conn.send_bytes(&buf).map_err(SharedError::Host)?;
        let bytes = conn.recv_bytes().map_err(SharedError::Host)?;
        let reply =
            decode_reply(bytes).ok_or_else(|| SharedError::Protocol("malformed reply".into()))?;
        // Only a connection that completed its exchange goes back: it is in step.
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(conn);
        Ok(reply)
    }
}

#[derive(Debug, Clone)]
enum Target {
    Local(Arc<Object>),
    Remote(Arc<Pool>),
}

/// A reference to one hosted object. Serializes to the host's socket name, its key and the
/// object's number.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(into = "Wire", try_from = "Wire")]
pub(crate) struct Handle {
    target: Target,
    host: String,
    authkey: Vec<u8>,
    id: u64,
    kind: i64,
}

/// A handle as it travels: what a process needs to reach the object.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Wire {
    host: String,
    authkey: String,
    id: u64,
    kind: i64,
}

impl From<Handle> for Wire {
    fn from(h: Handle) -> Wire {
        Wire {
            host: h.host,
            authkey: h.authkey.iter().map(|b| format!("{b:02x}")).collect(),
            id: h.id,
            kind: h.kind,
        }
    }
}

impl TryFrom<Wire> for Handle {
    type Error = String;
    fn try_from(w: Wire) -> Result<Handle, String> {
        let hex = w.authkey.as_bytes();
        if !hex.len().is_multiple_of(2) || hex.len() > 256 {
            return Err("bad authkey in a shared-object handle".into());
        }
        let authkey = hex
            .chunks(2)
            .map(|c| {
                std::str::from_utf8(c)
                    .ok()
                    .and_then(|s| u8::from_str_radix(s, 16).ok())
            })
            .collect::<Option<Vec<u8>>>()
            .ok_or("bad authkey in a shared-object handle")?;
        // One of our own objects comes back as a direct reference.
        let local = started_host()
            .filter(|h| h.name == w.host)
            .and_then(|h| h.get(w.id));
        let target = match local {
            Some(obj) => Target::Local(obj),
            None => Target::Remote(pool(&w.host, &authkey)),
        };
        Ok(Handle {
            target,
            host: w.host,
            authkey,
            id: w.id,
            kind: w.kind,
        })
    }
}

impl Handle {
    /// Hosts a new object in this process.
    pub(crate) fn create(state: State) -> Result<Handle, SharedError> {
        let h = host().map_err(SharedError::Host)?;
        let obj = Object::new(state);
        let kind = obj.kind() as i64;
        let id = h.register(&obj);
        Ok(Handle {
            target: Target::Local(obj),
            host: h.name.clone(),
            authkey: h.authkey.clone(),
            id,
            kind,
        })
    }

    /// The hosted object, for a handle created in (or come back to) this process.
    pub(crate) fn local(&self) -> Option<&Arc<Object>> {
        match &self.target {
            Target::Local(o) => Some(o),
            Target::Remote(_) => None,
        }
    }

    pub(crate) fn is_kind(&self, kind: Kind) -> bool {
        self.kind == kind as i64
    }

    /// Runs one operation; `NotNow` comes back as `Ok(None)`, refusals as errors.
    pub(crate) fn call(
        &self,
        op: Op,
        timeout: Option<Duration>,
        arg: i64,
        payload: Vec<u8>,
    ) -> Result<Option<Reply>, SharedError> {
        let req = Request {
            op,
            id: self.id,
            owner: me(),
            timeout,
            arg,
            payload,
        };
        let reply = match &self.target {
            Target::Local(obj) => obj.run(&req, LOCAL, None),
            Target::Remote(pool) => pool.call(&req)?,
        };
        match reply.status {
            Status::Ok => Ok(Some(reply)),
            Status::NotNow => Ok(None),
            Status::Refused => Err(refusal(&reply, self.id)),
        }
    }

    /// As [`call`](Handle::call) for an operation that always answers.
    pub(crate) fn value(&self, op: Op, arg: i64, payload: Vec<u8>) -> Result<i64, SharedError> {
        match self.call(op, None, arg, payload)? {
            Some(r) => Ok(r.value),
            None => Err(SharedError::Protocol(
                "a non-blocking answer was empty".into(),
            )),
        }
    }
}

fn refusal(reply: &Reply, id: u64) -> SharedError {
    let message = String::from_utf8_lossy(&reply.payload).into_owned();
    match ErrorCode::from_i64(reply.value) {
        ErrorCode::NotHeld => SharedError::NotHeld,
        ErrorCode::NotOwner => SharedError::NotOwner,
        ErrorCode::TooManyReleases => SharedError::TooManyReleases,
        ErrorCode::BrokenBarrier => SharedError::BrokenBarrier,
        ErrorCode::TaskDoneTooManyTimes => SharedError::TaskDoneTooManyTimes,
        ErrorCode::NoSuchObject => SharedError::ObjectGone { id },
        ErrorCode::WrongKind => SharedError::WrongKind,
        // Index and length errors carry their numbers: callers rebuild the typed error.
        ErrorCode::IndexOutOfRange | ErrorCode::LengthMismatch | ErrorCode::BadRequest => {
            SharedError::Protocol(message)
        }
    }
}

/// Converts a user timeout: `Duration::MAX` (or anything too long to matter) waits forever.
pub(crate) fn timeout(d: Duration) -> Option<Duration> {
    (d < Duration::from_secs(u64::MAX / 2_000_000_000)).then_some(d)
}
