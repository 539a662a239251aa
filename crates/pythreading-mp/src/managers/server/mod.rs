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
use std::net::{
    IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs,
};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

mod config;
mod deadline;
mod plain_data;
mod registry;
mod serde_args;
pub(crate) mod served;
use served::SharedObject;
mod session;
pub mod store;
mod table;
mod user_type;

pub use config::ServerConfig;
use registry::Registry;
use store::{QueueBackend, QueueStats};
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
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Shared {
    pub(crate) fn log(&self, event: ConnectionEvent) {
        if let Some(l) = &self.logger {
            l(&event);
        }
    }

    pub(crate) fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::Acquire)
    }

    /// Stops the accept loop and closes every live connection (their clients see EOF, as
    /// CPython's clients do when the server process exits).
    pub(crate) fn stop(&self) {
        if self.stopped.swap(true, Ordering::AcqRel) {
            return;
        }
        // Wake the accept loop with a connection of our own.
        let _ = TcpStream::connect_timeout(
            &wake_address(self.address),
            std::time::Duration::from_secs(1),
        );
        for s in lock(&self.live).values() {
            let _ = s.shutdown(Shutdown::Both);
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

/// Builds a [`Server`]: the authkey, the typeids it serves, its limits.
///
/// # Examples
///
/// ```
/// use pythreading_mp::managers::ServerBuilder;
/// let server = ServerBuilder::new("hello world")
///     .queue("get_task_queue")
///     .queue("get_result_queue")
///     .bind("127.0.0.1:0")
///     .unwrap();
/// assert!(server.local_addr().port() > 0);
/// ```
pub struct ServerBuilder {
    authkey: Vec<u8>,
    config: ServerConfig,
    registry: Registry,
    logger: Option<Logger>,
    backend: Option<Arc<dyn QueueBackend>>,
}

impl fmt::Debug for ServerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerBuilder")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl ServerBuilder {
    /// A server with this authkey and no typeids yet (`Iterator` is always known).
    ///
    /// # Examples
    ///
    /// ```
    /// let b = pythreading_mp::managers::ServerBuilder::new(b"secret".to_vec());
    /// # let _ = b;
    /// ```
    pub fn new(authkey: impl Into<Vec<u8>>) -> Self {
        ServerBuilder {
            authkey: authkey.into(),
            config: ServerConfig::default(),
            registry: Registry::new(),
            logger: None,
            backend: None,
        }
    }

    /// Serves an unbounded `queue.Queue` under `typeid`: every `create` of it returns the same
    /// queue (`QueueManager.register('get_task_queue', callable=lambda: task_queue)`).
    ///
    /// # Examples
    ///
    /// ```
    /// let b = pythreading_mp::managers::ServerBuilder::new("k").queue("get_task_queue");
    /// # let _ = b;
    /// ```
    #[doc(alias = "register")]
    pub fn queue(mut self, typeid: &str) -> Self {
        self.registry.add_named_queue(typeid, 0);
        self
    }

    /// Keeps the named queues' items (and leases) in `backend` instead of the server's memory:
    /// a database (`serve --data DIR`), a broker (`serve --broker`). SyncManager's `Queue`s
    /// made by `create` stay in memory.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::managers::ServerBuilder;
    /// use pythreading_mp::managers::store::MemoryBackend;
    /// use std::sync::Arc;
    /// let b = ServerBuilder::new("k").backend(Arc::new(MemoryBackend)).queue("jobs");
    /// # let _ = b;
    /// ```
    pub fn backend(mut self, backend: Arc<dyn QueueBackend>) -> Self {
        self.backend = Some(backend);
        self
    }

    /// Leases every plain `get()` to its connection until its `task_done()`
    /// ([`ServerConfig::with_at_least_once`]).
    ///
    /// # Examples
    ///
    /// ```
    /// let b = pythreading_mp::managers::ServerBuilder::new("k").queue("q").at_least_once(true);
    /// # let _ = b;
    /// ```
    #[doc(alias = "acks_late")]
    pub fn at_least_once(mut self, on: bool) -> Self {
        self.config = self.config.with_at_least_once(on);
        self
    }

    /// Serves a Rust type of the program's own under its typeid, with its exposed methods:
    /// `BaseManager.register(typeid, callable, exposed=...)`. A CPython client registers the
    /// same typeid without a callable and calls `manager.Typeid(*args)`; our client calls
    /// [`Manager::create_object`](crate::managers::Manager::create_object).
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::managers::{ServedType, ServerBuilder};
    ///
    /// let greeter = ServedType::new("Greeter", |name: String| Ok(name))
    ///     .method("greet", |name: &String, ()| Ok(format!("hello, {name}")));
    /// let b = ServerBuilder::new("k").register(greeter);
    /// # let _ = b;
    /// ```
    #[doc(alias = "BaseManager.register")]
    pub fn register<T: Send + Sync + 'static>(mut self, served: ServedType<T>) -> Self {
        let (typeid, constructor) = served.into_constructor();
        self.registry.register_constructor(typeid, constructor);
        self
    }

    /// Serves SyncManager's typeids, so a CPython `SyncManager(address, authkey).connect()`
    /// client can use them: `Queue`, `JoinableQueue`, `Event`, `Lock`, `RLock`, `Semaphore`,
    /// `BoundedSemaphore`, `Condition`, `Barrier`, `Value`, `Array`, `Namespace`, `dict` and
    /// `list`. `Pool` (and `AsyncResult`) are known but refused with a `NotImplementedError`
    /// naming what is missing: a pool runs Python functions in worker processes.
    ///
    /// # Examples
    ///
    /// ```
    /// let b = pythreading_mp::managers::ServerBuilder::new("k").sync_manager();
    /// # let _ = b;
    /// ```
    #[doc(alias = "SyncManager")]
    pub fn sync_manager(mut self) -> Self {
        self.registry.add_sync_manager_types();
        self
    }

    /// Sets the limits.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::managers::{ServerBuilder, ServerConfig};
    /// let b = ServerBuilder::new("k").config(ServerConfig::default().with_max_connections(4));
    /// # let _ = b;
    /// ```
    pub fn config(mut self, config: ServerConfig) -> Self {
        self.config = config;
        self
    }

    /// Calls `logger` for every connection: authenticated or refused.
    ///
    /// # Examples
    ///
    /// ```
    /// let b = pythreading_mp::managers::ServerBuilder::new("k").on_connection(|e| eprintln!("{e}"));
    /// # let _ = b;
    /// ```
    pub fn on_connection(
        mut self,
        logger: impl Fn(&ConnectionEvent) + Send + Sync + 'static,
    ) -> Self {
        self.logger = Some(Arc::new(logger));
        self
    }

    /// Opens the named queues in their backend and binds the listening socket.
    ///
    /// # Errors
    ///
    /// Any error binding the address; a backend that cannot open a queue
    /// ([`StoreError`](store::StoreError) inside the `io::Error`).
    ///
    /// # Examples
    ///
    /// ```
    /// let s = pythreading_mp::managers::ServerBuilder::new("k").bind("127.0.0.1:0").unwrap();
    /// assert!(s.local_addr().ip().is_loopback());
    /// ```
    pub fn bind(mut self, addr: impl ToSocketAddrs) -> io::Result<Server> {
        let backend = self
            .backend
            .take()
            .unwrap_or_else(|| Arc::new(store::MemoryBackend));
        self.registry
            .finish(&*backend, self.config.lease_policy())
            .map_err(io::Error::other)?;
        let listener = TcpListener::bind(addr)?;
        let address = listener.local_addr()?;
        Ok(Server {
            listener,
            shared: Arc::new(Shared {
                authkey: self.authkey,
                config: self.config,
                registry: self.registry,
                table: Table::default(),
                address,
                stopped: AtomicBool::new(false),
                active: AtomicUsize::new(0),
                authenticated: AtomicUsize::new(0),
                next_id: AtomicU64::new(0),
                live: Mutex::new(HashMap::new()),
                pending: Mutex::new(BTreeMap::new()),
                ended: Condvar::new(),
                ended_lock: Mutex::new(()),
                logger: self.logger,
            }),
        })
    }
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
        while !shared.is_stopped() {
            let (stream, peer) = match self.listener.accept() {
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
            let conn_shared = Arc::clone(&shared);
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
        let join = thread::Builder::new()
            .name("pythreading-manager".into())
            .spawn(move || self.serve_forever())?;
        Ok(RunningServer {
            handle,
            address,
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
