//! The manager server: accept loop, per-connection sessions, the object table and the served
//! types.
//!
//! | file | what |
//! |---|---|
//! | `mod.rs` | [`ServerBuilder`], [`Server`] (the accept loop), [`ShutdownHandle`], [`RunningServer`] |
//! | `config.rs` | [`ServerConfig`]: the limits |
//! | `session.rs` | one connection: handshake, first request, the method loop |
//! | `table.rs` | ident → object, with CPython's refcounts |
//! | `registry.rs` | typeid → how `create` makes the object |
//! | `served/` | the served types, one file each, and the `Served` trait |
//! | `status/` | [`StatusSnapshot`], `/status.json`, `/metrics` and the status page's HTTP server |
//! | `store/` | where a served queue keeps its items and leases: the [`store::QueueStore`] trait, memory, SQLite |
//!
//! # How to add a served type
//!
//! A new typeid is one file and one line:
//!
//! 1. Add `served/my_type.rs` with a struct and its methods, each
//!    `fn name(&self, args: CallArgs) -> MethodResult`. Bind arguments with
//!    `CallArgs::bind` (Python's rules, Python's
//!    `TypeError`s), read `block`/`timeout` with the one parser,
//!    `Wait`, raise with the builders of
//!    `protocol/exceptions.rs` or [`PyException`](crate::pickle::PyException), return with
//!    `ret(value)` (or `Outcome::Proxy` for a result that stays on the server).
//! 2. Implement `Served` for it: `TYPEIDS` (the names `create` knows it by),
//!    `CLASS` (Python's `type(obj)` name, for `repr` and tracebacks), `METHODS` (a table of
//!    `method("name", Self::name)` in CPython's `_exposed_` order: the table is both the
//!    exposed list sent to clients and the dispatch, so they cannot disagree), `construct`
//!    (the typeid's constructor arguments), and where it matters `repr`, `value`
//!    (`#GETVALUE`) and `release_waiters` (anything that blocks must wake when the server stops).
//! 3. Declare the module in `served/mod.rs` and add **one line** to
//!    `Registry::add_sync_manager_types` in `registry.rs`: `self.register::<MyType>();`.
//!
//! `served/event.rs` is the smallest complete example; `served/queue.rs` shows blocking
//! methods.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

mod builder;
mod config;
mod deadline;
mod plain_data;
mod registry;
mod serde_args;
pub(crate) mod served;
use served::SharedObject;
mod session;
mod status;
pub mod store;
mod table;
mod user_type;

pub use builder::ServerBuilder;
pub use config::ServerConfig;
use registry::Registry;
pub use status::{CallStatus, ClientStatus, QueueStatus, RefusalKind, StatusSnapshot};
use store::QueueStats;
use table::Table;
pub use user_type::ServedType;

/// What happened to one incoming connection (for logging).
///
/// # Examples
///
/// ```
/// use pythreading_mp::managers::ConnectionEvent;
/// let e = ConnectionEvent::Authenticated { peer: "127.0.0.1:4000".parse().unwrap() };
/// assert_eq!(e.to_string(), "127.0.0.1:4000 authenticated");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectionEvent {
    /// The client knew the authkey.
    Authenticated {
        /// The client's address.
        peer: SocketAddr,
    },
    /// The client was refused (wrong key, bad handshake, timeout, too many connections).
    Refused {
        /// The client's address.
        peer: SocketAddr,
        /// Why.
        reason: String,
    },
}

impl fmt::Display for ConnectionEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectionEvent::Authenticated { peer } => write!(f, "{peer} authenticated"),
            ConnectionEvent::Refused { peer, reason } => write!(f, "{peer} refused: {reason}"),
        }
    }
}

type Logger = Arc<dyn Fn(&ConnectionEvent) + Send + Sync>;

/// State shared by the accept loop and every connection thread.
pub(crate) struct Shared {
    pub(crate) authkey: Vec<u8>,
    pub(crate) config: ServerConfig,
    pub(crate) registry: Registry,
    pub(crate) table: Table,
    pub(crate) address: SocketAddr,
    stopped: AtomicBool,
    /// Connection threads alive.
    active: AtomicUsize,
    /// Connections holding an authenticated slot (at most `max_connections`).
    authenticated: AtomicUsize,
    next_id: AtomicU64,
    /// Every live connection's socket, to close them on stop or eviction.
    live: Mutex<HashMap<u64, TcpStream>>,
    /// The connections not yet authenticated and their peers, oldest first (ids grow).
    pending: Mutex<BTreeMap<u64, SocketAddr>>,
    /// Signalled whenever a connection thread ends (for shutdown's join).
    ended: Condvar,
    ended_lock: Mutex<()>,
    logger: Option<Logger>,
    /// When the server was bound (the status page's uptime).
    started: Instant,
    /// The authenticated connections and the call each is inside (the status page).
    clients: Arc<status::Clients>,
    /// Refused connections by reason (the status page).
    refusals: status::Refusals,
    /// The status page's address, to wake its accept loop on stop.
    status_address: Option<SocketAddr>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Shared {
    pub(crate) fn log(&self, event: ConnectionEvent) {
        if let ConnectionEvent::Refused { reason, .. } = &event {
            self.refusals.count(reason);
        }
        if let Some(l) = &self.logger {
            l(&event);
        }
    }

    pub(crate) fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::Acquire)
    }

    /// Connection threads alive, authenticated or not.
    pub(crate) fn active_connections(&self) -> usize {
        self.active.load(Ordering::Acquire)
    }

    /// Stops the accept loop and ends every live connection once its current call (if any) has
    /// replied (their clients see EOF, as CPython's clients do when the server process exits).
    pub(crate) fn stop(&self) {
        if self.stopped.swap(true, Ordering::AcqRel) {
            return;
        }
        // Wake the accept loop with a connection of our own.
        let _ = TcpStream::connect_timeout(
            &wake_address(self.address),
            std::time::Duration::from_secs(1),
        );
        if let Some(status) = self.status_address {
            let _ = TcpStream::connect_timeout(&wake_address(status), Duration::from_secs(1));
        }
        // Only the read side: a connection waiting for its next request sees end of stream and
        // its thread ends (closing the socket, so its client sees EOF), while one in the middle
        // of a call still writes that call's reply first. A worker whose `put` of the last
        // result woke the master (which then stops its server) gets its reply, not a reset.
        for s in lock(&self.live).values() {
            let _ = s.shutdown(Shutdown::Read);
        }
        // Connection threads blocked inside an object (a remote `get()` with no timeout) would
        // never notice their socket closing: wake them so they exit and the objects are freed.
        for object in self.table.objects() {
            object.release_waiters();
        }
        for object in self.registry.shared_objects() {
            object.release_waiters();
        }
    }
}

impl Shared {
    fn queue_stats(&self) -> Vec<(String, QueueStats)> {
        let named: Vec<(&str, &Arc<dyn SharedObject>)> = self.registry.named_objects().collect();
        let mut out: Vec<(String, QueueStats)> = named
            .iter()
            .filter_map(|(name, o)| o.queue_stats().map(|s| ((*name).to_owned(), s)))
            .collect();
        for (typeid, ident, object) in self.table.entries_with_typeids() {
            if named.iter().any(|(_, o)| Arc::ptr_eq(o, &object)) {
                continue;
            }
            if let Some(s) = object.queue_stats() {
                out.push((format!("{typeid} {ident}"), s));
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// Registers a new connection as not yet authenticated; if that makes too many, the oldest
    /// unauthenticated one is closed (its thread ends at its next read).
    fn admit(self: &Arc<Self>, stream: &TcpStream, peer: SocketAddr) -> Slot {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut live = lock(&self.live);
        let mut pending = lock(&self.pending);
        while pending.len() >= self.config.max_unauthenticated() {
            let Some((oldest, oldest_peer)) = pending.pop_first() else {
                break;
            };
            if let Some(s) = live.get(&oldest) {
                let _ = s.shutdown(Shutdown::Both);
            }
            self.log(ConnectionEvent::Refused {
                peer: oldest_peer,
                reason: format!(
                    "not authenticated yet while {} newer connections waited (the limit): closed",
                    self.config.max_unauthenticated()
                ),
            });
        }
        pending.insert(id, peer);
        if let Ok(clone) = stream.try_clone() {
            live.insert(id, clone);
        }
        self.active.fetch_add(1, Ordering::AcqRel);
        Slot {
            shared: Arc::clone(self),
            id,
            authenticated: false,
        }
    }

    /// Waits until every connection thread has ended, or `grace` has passed.
    fn join_connections(&self, grace: Duration) -> bool {
        let deadline = Instant::now() + grace;
        let mut guard = lock(&self.ended_lock);
        while self.active.load(Ordering::Acquire) > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            guard = self
                .ended
                .wait_timeout(guard, left.min(Duration::from_millis(100)))
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        true
    }
}

/// One connection's place in the server: unauthenticated until [`Slot::authenticate`], freed on
/// drop.
pub(crate) struct Slot {
    shared: Arc<Shared>,
    id: u64,
    authenticated: bool,
}

impl Slot {
    /// Moves this connection from the unauthenticated pool to an authenticated slot; `false`
    /// if all `max_connections` slots are taken.
    pub(crate) fn authenticate(&mut self) -> bool {
        lock(&self.shared.pending).remove(&self.id);
        let max = self.shared.config.max_connections();
        if self.shared.authenticated.fetch_add(1, Ordering::AcqRel) >= max {
            self.shared.authenticated.fetch_sub(1, Ordering::AcqRel);
            return false;
        }
        self.authenticated = true;
        true
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let shared = &self.shared;
        lock(&shared.live).remove(&self.id);
        lock(&shared.pending).remove(&self.id);
        if self.authenticated {
            shared.authenticated.fetch_sub(1, Ordering::AcqRel);
        }
        let _g = lock(&shared.ended_lock);
        shared.active.fetch_sub(1, Ordering::AcqRel);
        shared.ended.notify_all();
    }
}

fn wake_address(addr: SocketAddr) -> SocketAddr {
    let ip = match addr.ip() {
        IpAddr::V4(v) if v.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(v) if v.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, addr.port())
}

/// A bound manager server (CPython's `BaseManager.get_server()`).
///
/// # Examples
///
/// ```
/// use pythreading_mp::managers::ServerBuilder;
/// let running = ServerBuilder::new("k").queue("q").bind("127.0.0.1:0").unwrap().spawn().unwrap();
/// running.shutdown();
/// ```
pub struct Server {
    listener: TcpListener,
    status_listener: Option<TcpListener>,
    shared: Arc<Shared>,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("address", &self.shared.address)
            .finish_non_exhaustive()
    }
}

impl Server {
    /// The bound address.
    ///
    /// # Examples
    ///
    /// ```
    /// let s = pythreading_mp::managers::ServerBuilder::new("k").bind("127.0.0.1:0").unwrap();
    /// assert_ne!(s.local_addr().port(), 0);
    /// ```
    pub fn local_addr(&self) -> SocketAddr {
        self.shared.address
    }

    /// The status page's bound address, if [`ServerBuilder::status_http`] asked for one.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::managers::ServerBuilder;
    /// let s = ServerBuilder::new("k").status_http("127.0.0.1:0").bind("127.0.0.1:0").unwrap();
    /// assert!(s.status_address().unwrap().port() > 0);
    /// let plain = ServerBuilder::new("k").bind("127.0.0.1:0").unwrap();
    /// assert_eq!(plain.status_address(), None);
    /// ```
    pub fn status_address(&self) -> Option<SocketAddr> {
        self.shared.status_address
    }

    /// A handle that stops the server from any thread.
    ///
    /// # Examples
    ///
    /// ```
    /// let s = pythreading_mp::managers::ServerBuilder::new("k").bind("127.0.0.1:0").unwrap();
    /// let h = s.shutdown_handle();
    /// h.shutdown();
    /// s.serve_forever().unwrap(); // returns at once: already stopped
    /// ```
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle(Arc::clone(&self.shared))
    }

    /// Serves until [`ShutdownHandle::shutdown`] or a client's `shutdown` request, then waits
    /// (at most [`ServerConfig::shutdown_grace`]) for the connection threads to end.
    ///
    /// The accept loop only accepts: each connection's handshake and requests run on a thread of
    /// their own, so a silent client delays nobody. Unauthenticated connections live in a
    /// small pool of their own ([`ServerConfig::max_unauthenticated`]; the oldest is closed
    /// when it is full) under one deadline for the handshake and first request, so a client
    /// with the key is always served.
    ///
    /// # Errors
    ///
    /// A fatal error of the listening socket.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let s = pythreading_mp::managers::ServerBuilder::new("hello world")
    ///     .queue("get_task_queue")
    ///     .bind("127.0.0.1:5000")
    ///     .unwrap();
    /// s.serve_forever().unwrap();
    /// ```
    pub fn serve_forever(self) -> io::Result<()> {
        let shared = self.shared;
        let status_page = match self.status_listener {
            Some(listener) => {
                let page_shared = Arc::clone(&shared);
                Some(
                    thread::Builder::new()
                        .name("pythreading-status-http".into())
                        .spawn(move || status::http::serve(listener, page_shared))?,
                )
            }
            None => None,
        };
        let served = Self::accept_loop(&self.listener, &shared);
        // Stopped (the wake-up connection reached the page's loop too) or failed.
        shared.stop();
        if let Some(page) = status_page {
            let _ = page.join();
        }
        served
    }

    fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) -> io::Result<()> {
        while !shared.is_stopped() {
            let (stream, peer) = match listener.accept() {
                Ok(pair) => pair,
                Err(e) if is_transient(&e) => {
                    // Out of file descriptors: back off instead of spinning until some close.
                    if e.raw_os_error().is_some_and(|c| c == 23 || c == 24) {
                        thread::sleep(std::time::Duration::from_millis(10));
                    }
                    continue;
                }
                Err(e) => {
                    shared.stop();
                    return Err(e);
                }
            };
            if shared.is_stopped() {
                break;
            }
            let slot = shared.admit(&stream, peer);
            let conn_shared = Arc::clone(shared);
            let spawned = thread::Builder::new()
                .name("pythreading-manager-conn".into())
                .spawn(move || session::handle(stream, peer, conn_shared, slot));
            // If the OS refuses a thread, the closure (and its slot and stream) is dropped:
            // the connection closes and the counts go back down.
            drop(spawned);
        }
        // Stopped: every socket is closed and every blocked waiter released; give the
        // connection threads a bounded time to finish.
        shared.join_connections(shared.config.shutdown_grace());
        Ok(())
    }

    /// Runs [`serve_forever`](Server::serve_forever) on a background thread.
    ///
    /// # Errors
    ///
    /// If the thread cannot be spawned.
    ///
    /// # Examples
    ///
    /// ```
    /// let r = pythreading_mp::managers::ServerBuilder::new("k").bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// assert!(r.address().port() > 0);
    /// r.shutdown();
    /// ```
    pub fn spawn(self) -> io::Result<RunningServer> {
        let handle = self.shutdown_handle();
        let address = self.local_addr();
        let status_address = self.status_address();
        let join = thread::Builder::new()
            .name("pythreading-manager".into())
            .spawn(move || self.serve_forever())?;
        Ok(RunningServer {
            handle,
            address,
            status_address,
            join: Some(join),
        })
    }
}

fn is_transient(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
            | io::ErrorKind::WouldBlock
    ) || e.raw_os_error().is_some_and(|c| c == 24 || c == 23) // EMFILE, ENFILE: keep serving
}

/// Stops a server from another thread (or a signal handler's watcher).
///
/// # Examples
///
/// ```
/// let s = pythreading_mp::managers::ServerBuilder::new("k").bind("127.0.0.1:0").unwrap();
/// let h = s.shutdown_handle();
/// assert!(!h.is_shut_down());
/// h.shutdown();
/// assert!(h.is_shut_down());
/// ```
#[derive(Clone)]
pub struct ShutdownHandle(Arc<Shared>);

impl fmt::Debug for ShutdownHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ShutdownHandle")
            .field(&self.0.address)
            .finish()
    }
}

impl ShutdownHandle {
    /// Stops accepting and closes every live connection.
    ///
    /// # Examples
    ///
    /// ```
    /// let s = pythreading_mp::managers::ServerBuilder::new("k").bind("127.0.0.1:0").unwrap();
    /// s.shutdown_handle().shutdown();
    /// ```
    pub fn shutdown(&self) {
        self.0.stop();
    }

    /// Whether the server was stopped (by us or by a client's `shutdown`).
    ///
    /// # Examples
    ///
    /// ```
    /// let s = pythreading_mp::managers::ServerBuilder::new("k").bind("127.0.0.1:0").unwrap();
    /// assert!(!s.shutdown_handle().is_shut_down());
    /// ```
    pub fn is_shut_down(&self) -> bool {
        self.0.is_stopped()
    }

    /// How many connections are being served right now.
    ///
    /// # Examples
    ///
    /// ```
    /// let s = pythreading_mp::managers::ServerBuilder::new("k").bind("127.0.0.1:0").unwrap();
    /// assert_eq!(s.shutdown_handle().active_connections(), 0);
    /// ```
    pub fn active_connections(&self) -> usize {
        self.0.active.load(Ordering::Acquire)
    }

    /// What the server is doing now: queue depths, clients and their calls, refusals (what
    /// the status page shows).
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::managers::{Manager, ServerBuilder};
    /// let r = ServerBuilder::new("k").queue("q").bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// let m = Manager::connect(r.address(), "k").unwrap();
    /// m.queue::<i64>("q").unwrap().put(7).unwrap();
    /// assert_eq!(r.handle().status().queues[0].depth, 1);
    /// r.shutdown();
    /// ```
    pub fn status(&self) -> StatusSnapshot {
        StatusSnapshot::gather(&self.0)
    }

    /// Every served queue's counts now, by name (a named queue's typeid, its dead-letter
    /// queue's `<typeid>_dead`, or `Typeid ident` for a SyncManager queue), sorted by name.
    /// Cheap: no I/O, one lock per queue.
    ///
    /// # Examples
    ///
    /// ```
    /// let s = pythreading_mp::managers::ServerBuilder::new("k").queue("jobs").bind("127.0.0.1:0").unwrap();
    /// let stats = s.shutdown_handle().queue_stats();
    /// assert_eq!(stats[0].0, "jobs");
    /// assert_eq!(stats[0].1.depth, 0);
    /// ```
    pub fn queue_stats(&self) -> Vec<(String, QueueStats)> {
        self.0.queue_stats()
    }
}

/// A server running on a background thread; dropping it shuts it down and joins the thread.
///
/// # Examples
///
/// ```
/// use pythreading_mp::managers::ServerBuilder;
/// let r = ServerBuilder::new("k").queue("q").bind("127.0.0.1:0").unwrap().spawn().unwrap();
/// let addr = r.address();
/// drop(r);
/// # let _ = addr;
/// ```
pub struct RunningServer {
    handle: ShutdownHandle,
    address: SocketAddr,
    status_address: Option<SocketAddr>,
    join: Option<JoinHandle<io::Result<()>>>,
}

impl fmt::Debug for RunningServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunningServer")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl RunningServer {
    /// The bound address.
    ///
    /// # Examples
    ///
    /// ```
    /// let r = pythreading_mp::managers::ServerBuilder::new("k").bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// assert!(r.address().ip().is_loopback());
    /// ```
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The status page's address, if [`ServerBuilder::status_http`] asked for one.
    ///
    /// # Examples
    ///
    /// ```
    /// let r = pythreading_mp::managers::ServerBuilder::new("k").bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// assert_eq!(r.status_address(), None);
    /// ```
    pub fn status_address(&self) -> Option<SocketAddr> {
        self.status_address
    }

    /// A handle to stop the server from elsewhere.
    ///
    /// # Examples
    ///
    /// ```
    /// let r = pythreading_mp::managers::ServerBuilder::new("k").bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// r.handle().shutdown();
    /// r.join().unwrap();
    /// ```
    pub fn handle(&self) -> ShutdownHandle {
        self.handle.clone()
    }

    /// Stops the server and waits for its accept loop to end.
    ///
    /// # Examples
    ///
    /// ```
    /// let r = pythreading_mp::managers::ServerBuilder::new("k").bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// r.shutdown();
    /// ```
    pub fn shutdown(mut self) {
        self.handle.shutdown();
        if let Some(j) = self.join.take() {
            let _ = j.join();
        }
    }

    /// Waits until the server stops (a client's `shutdown`, or a [`ShutdownHandle`]).
    ///
    /// # Errors
    ///
    /// A fatal error of the listening socket.
    ///
    /// # Examples
    ///
    /// ```
    /// let r = pythreading_mp::managers::ServerBuilder::new("k").bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// r.handle().shutdown();
    /// r.join().unwrap();
    /// ```
    pub fn join(mut self) -> io::Result<()> {
        match self.join.take() {
            Some(j) => j
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("server thread panicked"))),
            None => Ok(()),
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        if let Some(j) = self.join.take() {
            self.handle.shutdown();
            let _ = j.join();
        }
    }
}
