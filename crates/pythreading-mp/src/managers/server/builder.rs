//! [`ServerBuilder`]: what a server serves (typeids, user types, the queue backend) and its limits,
//! up to `bind`.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Instant;

use super::registry::Registry;
use super::store::QueueBackend;
use super::table::Table;
use super::{ConnectionEvent, Logger, ServedType, Server, ServerConfig, Shared, status, store};

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
    /// Where to serve the status page, resolved when it was given.
    status_http: Option<io::Result<Vec<SocketAddr>>>,
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
            status_http: None,
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

    /// Also serves the status page on `addr` while the server runs: `GET /` (a self-contained
    /// page that refreshes itself every 500 ms), `/status.json` and `/metrics` (Prometheus
    /// text). See [`StatusSnapshot`](super::StatusSnapshot) for what it shows. The page has no authentication and
    /// lists clients' addresses: give it a loopback address. Its HTTP server is bounded (16
    /// connections at once, 8 KiB and 64 headers per request, 3 s to send one, `GET`/`HEAD`
    /// only).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// use pythreading_mp::managers::ServerBuilder;
    /// let server = ServerBuilder::new("k")
    ///     .queue("get_task_queue")
    ///     .status_http("127.0.0.1:0")
    ///     .bind("127.0.0.1:0")
    ///     .unwrap();
    /// let page = server.status_address().unwrap();
    /// let running = server.spawn().unwrap();
    /// let mut http = std::net::TcpStream::connect(page).unwrap();
    /// http.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    /// let mut reply = String::new();
    /// http.read_to_string(&mut reply).unwrap();
    /// assert!(reply.starts_with("HTTP/1.1 200 OK"));
    /// assert!(reply.contains("pythreading_queue_depth{queue=\"get_task_queue\"} 0"));
    /// running.shutdown();
    /// ```
    #[doc(alias = "serve --http")]
    pub fn status_http(mut self, addr: impl ToSocketAddrs) -> Self {
        self.status_http = Some(addr.to_socket_addrs().map(Iterator::collect));
        self
    }

    /// Opens the named queues in their backend and binds the listening socket (and the
    /// status page's, if asked for).
    ///
    /// # Errors
    ///
    /// Any error resolving or binding either address; a backend that cannot open a queue
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
        let status_listener = match self.status_http {
            None => None,
            Some(resolved) => Some(TcpListener::bind(&resolved?[..])?),
        };
        let status_address = match &status_listener {
            Some(l) => Some(l.local_addr()?),
            None => None,
        };
        Ok(Server {
            listener,
            status_listener,
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
                started: Instant::now(),
                clients: Arc::default(),
                refusals: status::Refusals::default(),
                status_address,
            }),
        })
    }
}
