//! The host: this process's table of shared objects and the socket other processes reach them
//! through. Started on first use; one per process; lives until the process exits.

use std::collections::HashMap;
use std::os::unix::net::{UnixListener, UnixStream};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};
use std::time::Duration;

use super::object::{ConnId, Object};
use super::protocol::{ErrorCode, Reply, decode_request, encode_reply};
use crate::connection::{
    ConnectionError, DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_MAX_FRAME, Stream, authenticate,
};

/// At most this many processes' connections are served at once; more are refused (each one
/// is a thread).
const MAX_CONNECTIONS: usize = 1024;

#[derive(Debug)]
pub(crate) struct Host {
    pub(crate) name: String,
    pub(crate) authkey: Vec<u8>,
    table: Mutex<HashMap<u64, Weak<Object>>>,
    next_id: AtomicU64,
    next_conn: AtomicU64,
    connections: AtomicUsize,
}

static HOST: OnceLock<Result<Arc<Host>, String>> = OnceLock::new();

/// This process's host, started on first use.
pub(crate) fn host() -> Result<Arc<Host>, ConnectionError> {
    match HOST.get_or_init(|| start().map_err(|e| e.to_string())) {
        Ok(h) => Ok(Arc::clone(h)),
        Err(why) => Err(ConnectionError::Io(std::io::Error::other(why.clone()))),
    }
}

/// The host of this process if it has started (a handle deserialized here uses it to see
/// whether it names one of our own objects).
pub(crate) fn started_host() -> Option<Arc<Host>> {
    HOST.get().and_then(|r| r.as_ref().ok()).map(Arc::clone)
}

pub(crate) fn random_u64() -> u64 {
    let mut b = [0u8; 8];
    // Without the OS random source the only fallback is the clock and pid: unique, not secret.
    if getrandom::fill(&mut b).is_err() {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        return t ^ u64::from(std::process::id()) << 32;
    }
    u64::from_ne_bytes(b)
}

#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) fn bind(name: &str) -> std::io::Result<UnixListener> {
    #[cfg(target_os = "android")]
    use std::os::android::net::SocketAddrExt;
    #[cfg(target_os = "linux")]
    use std::os::linux::net::SocketAddrExt;
    let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())?;
    UnixListener::bind_addr(&addr)
}

#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) fn connect(name: &str) -> std::io::Result<UnixStream> {
    #[cfg(target_os = "android")]
    use std::os::android::net::SocketAddrExt;
    #[cfg(target_os = "linux")]
    use std::os::linux::net::SocketAddrExt;
    let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())?;
    UnixStream::connect_addr(&addr)
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) fn bind(name: &str) -> std::io::Result<UnixListener> {
    UnixListener::bind(std::env::temp_dir().join(name))
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) fn connect(name: &str) -> std::io::Result<UnixStream> {
    UnixStream::connect(std::env::temp_dir().join(name))
}

fn start() -> std::io::Result<Arc<Host>> {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|e| std::io::Error::other(e.to_string()))?;
    let name = format!(
        "pythreading-host-{}-{:016x}",
        std::process::id(),
        random_u64()
    );
    let listener = bind(&name)?;
    let host = Arc::new(Host {
        name,
        authkey: key.to_vec(),
        table: Mutex::new(HashMap::new()),
        next_id: AtomicU64::new(1),
        next_conn: AtomicU64::new(1),
        connections: AtomicUsize::new(0),
    });
    let h = Arc::clone(&host);
    std::thread::Builder::new()
        .name("pythreading-host".into())
        .spawn(move || accept_loop(listener, h))?;
    Ok(host)
}

impl Host {
    pub(crate) fn register(&self, obj: &Arc<Object>) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut t = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        // Forget objects whose every handle is gone, so the table does not grow without bound.
        if t.len() >= 64 && t.len().is_power_of_two() {
            t.retain(|_, w| w.strong_count() > 0);
        }
        t.insert(id, Arc::downgrade(obj));
        id
    }

    pub(crate) fn get(&self, id: u64) -> Option<Arc<Object>> {
        let t = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        t.get(&id).and_then(Weak::upgrade)
    }
}

fn accept_loop(listener: UnixListener, host: Arc<Host>) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        if host.connections.load(Ordering::Acquire) >= MAX_CONNECTIONS {
            continue; // dropped: the client sees the end of the stream
        }
        host.connections.fetch_add(1, Ordering::AcqRel);
        let h = Arc::clone(&host);
        let spawned = std::thread::Builder::new()
            .name("pythreading-host-conn".into())
            .spawn(move || {
                serve(stream, &h);
                h.connections.fetch_sub(1, Ordering::AcqRel);
            });
        if spawned.is_err() {
            host.connections.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

/// One client connection: authenticate, then one reply per request until the end of the
/// stream. When it ends, whatever the connection held is released ([`Object::abandon`]).
fn serve(stream: UnixStream, host: &Host) {
    let Ok(conn) = authenticate(
        Stream::Unix(stream),
        &host.authkey,
        DEFAULT_HANDSHAKE_TIMEOUT,
        true,
        DEFAULT_MAX_FRAME,
    ) else {
        return;
    };
    let conn_id: ConnId = host.next_conn.fetch_add(1, Ordering::Relaxed);
    // Objects this connection used, kept alive while it is open.
    let mut used: HashMap<u64, Arc<Object>> = HashMap::new();
    let mut out = Vec::new();
    while let Ok(bytes) = conn.recv_bytes() {
        let reply = match decode_request(bytes) {
            None => Reply::refused(ErrorCode::BadRequest, "malformed request"),
            Some(req) => {
                let obj = match used.get(&req.id) {
                    Some(o) => Some(Arc::clone(o)),
                    None => host.get(req.id).inspect(|o| {
                        used.insert(req.id, Arc::clone(o));
                    }),
                };
                match obj {
                    Some(o) => {
                        // The client sends nothing while it waits for this reply, so anything
                        // readable now is the end of the stream: the client is gone.
                        let gone = || conn.poll(Duration::ZERO).unwrap_or(true);
                        o.run(&req, conn_id, Some(&gone))
                    }
                    None => Reply::refused(ErrorCode::NoSuchObject, "no such object"),
                }
            }
        };
        encode_reply(&reply, &mut out);
        if conn.send_bytes(&out).is_err() {
            break;
        }
    }
    for obj in used.values() {
        obj.abandon(conn_id);
    }
}
