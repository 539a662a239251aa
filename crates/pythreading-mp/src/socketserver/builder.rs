//! Settings of a forking server, fixed before it binds: Python's `ForkingMixIn` attributes
//! (`max_children`, `block_on_close`, `timeout`) and what CPython lacks (connection timeouts,
//! a close deadline).

use std::io;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use pythreading::socketserver::Connection;

use super::children::ErrorHook;
use super::registry::{HandlerLookup, handler_name, lookup_handler};
use super::server::Settings;
use super::{BuildError, ForkingError, ForkingTcpServer};
use crate::process::{ProcessError, check_may_start_for_pool};

/// CPython's `ForkingMixIn.max_children`.
pub(crate) const DEFAULT_MAX_CHILDREN: usize = 40;
/// Default read and write timeout of each connection.
const DEFAULT_IO_TIMEOUT: Duration = Duration::from_secs(60);
/// Default time `server_close` gives busy handlers before cutting their connections.
const DEFAULT_CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

/// Where the listening socket comes from.
#[derive(Debug)]
enum Source {
    Bind(io::Result<Vec<SocketAddr>>),
    Listener(TcpListener),
}

/// Builds a [`ForkingTcpServer`]: `ForkingTcpServer::bind(address)`, settings, then
/// [`build(handler)`](Self::build).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use pythreading_mp::socketserver::ForkingTcpServer;
///
/// let builder = ForkingTcpServer::bind("127.0.0.1:0")
///     .max_children(8)
///     .read_timeout(Duration::from_secs(10))
///     .close_timeout(Duration::from_secs(1));
/// # drop(builder);
/// ```
#[must_use = "a builder does nothing until `build` is called"]
pub struct ForkingTcpServerBuilder {
    source: Source,
    max_children: usize,
    read_timeout: Duration,
    write_timeout: Duration,
    timeout: Duration,
    handle_timeout: Arc<dyn Fn() + Send + Sync>,
    handle_error: ErrorHook,
    block_on_close: bool,
    close_timeout: Duration,
}

impl std::fmt::Debug for ForkingTcpServerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ForkingTcpServerBuilder")
            .field("source", &self.source)
            .field("max_children", &self.max_children)
            .field("read_timeout", &self.read_timeout)
            .field("write_timeout", &self.write_timeout)
            .field("block_on_close", &self.block_on_close)
            .field("close_timeout", &self.close_timeout)
            .finish_non_exhaustive()
    }
}

/// `Duration::MAX` (or anything too large for the socket) means "no timeout".
fn finite(timeout: Duration) -> Option<Duration> {
    (timeout != Duration::MAX && !timeout.is_zero()).then_some(timeout)
}

impl ForkingTcpServerBuilder {
    pub(crate) fn resolve(address: impl ToSocketAddrs) -> Self {
        Self::new(Source::Bind(
            address.to_socket_addrs().map(|addrs| addrs.collect()),
        ))
    }

    pub(crate) fn with_listener(listener: TcpListener) -> Self {
        Self::new(Source::Listener(listener))
    }

    fn new(source: Source) -> Self {
        ForkingTcpServerBuilder {
            source,
            max_children: DEFAULT_MAX_CHILDREN,
            read_timeout: DEFAULT_IO_TIMEOUT,
            write_timeout: DEFAULT_IO_TIMEOUT,
            timeout: Duration::MAX,
            handle_timeout: Arc::new(|| ()),
            handle_error: Arc::new(|e: &ForkingError| {
                // Python's `handle_error` prints a traceback to stderr and carries on.
                eprintln!("socketserver: {e}");
            }),
            block_on_close: true,
            close_timeout: DEFAULT_CLOSE_TIMEOUT,
        }
    }

    /// The most worker processes at once (Python's `max_children`, default 40): connections
    /// served at once. While all are busy the server does not accept. At least 1.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::socketserver::ForkingTcpServer;
    /// let builder = ForkingTcpServer::bind("127.0.0.1:0").max_children(4);
    /// # drop(builder);
    /// ```
    pub fn max_children(mut self, n: usize) -> Self {
        self.max_children = n.max(1);
        self
    }

    /// How long a handler's read may wait for its client (default 60 s; `Duration::MAX` for
    /// no bound, as in CPython). It then fails with `WouldBlock`, reported as a timeout.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use pythreading_mp::socketserver::ForkingTcpServer;
    /// let builder = ForkingTcpServer::bind("127.0.0.1:0").read_timeout(Duration::from_secs(5));
    /// # drop(builder);
    /// ```
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// How long a handler's write may wait for a client that does not read (default 60 s;
    /// `Duration::MAX` for no bound).
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use pythreading_mp::socketserver::ForkingTcpServer;
    /// let builder = ForkingTcpServer::bind("127.0.0.1:0").write_timeout(Duration::from_secs(5));
    /// # drop(builder);
    /// ```
    pub fn write_timeout(mut self, timeout: Duration) -> Self {
        self.write_timeout = timeout;
        self
    }

    /// How long [`handle_request`](ForkingTcpServer::handle_request) waits for a connection
    /// (Python's `timeout`; default `Duration::MAX`, forever).
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use pythreading_mp::socketserver::ForkingTcpServer;
    /// let builder = ForkingTcpServer::bind("127.0.0.1:0").timeout(Duration::from_secs(1));
    /// # drop(builder);
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Called when `handle_request` timed out (Python's `handle_timeout()`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::socketserver::ForkingTcpServer;
    /// let builder = ForkingTcpServer::bind("127.0.0.1:0").handle_timeout(|| eprintln!("idle"));
    /// # drop(builder);
    /// ```
    pub fn handle_timeout(mut self, hook: impl Fn() + Send + Sync + 'static) -> Self {
        self.handle_timeout = Arc::new(hook);
        self
    }

    /// Called with every failure: a handler's error or panic, a worker that died, a
    /// connection that could not be handed off (Python's `handle_error()`; by default printed
    /// to stderr). It runs on the parent's threads, so it should be quick.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::socketserver::ForkingTcpServer;
    /// let builder = ForkingTcpServer::bind("127.0.0.1:0").handle_error(|e| eprintln!("{e}"));
    /// # drop(builder);
    /// ```
    pub fn handle_error(mut self, hook: impl Fn(&ForkingError) + Send + Sync + 'static) -> Self {
        self.handle_error = Arc::new(hook);
        self
    }

    /// Whether [`server_close`](ForkingTcpServer::server_close) waits for the workers (Python's
    /// `block_on_close`, default true), up to [`close_timeout`](Self::close_timeout) for busy
    /// handlers.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::socketserver::ForkingTcpServer;
    /// let builder = ForkingTcpServer::bind("127.0.0.1:0").block_on_close(false);
    /// # drop(builder);
    /// ```
    pub fn block_on_close(mut self, block: bool) -> Self {
        self.block_on_close = block;
        self
    }

    /// How long `server_close` gives busy handlers before cutting their connections
    /// (default 5 s).
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use pythreading_mp::socketserver::ForkingTcpServer;
    /// let builder = ForkingTcpServer::bind("127.0.0.1:0").close_timeout(Duration::from_secs(1));
    /// # drop(builder);
    /// ```
    pub fn close_timeout(mut self, timeout: Duration) -> Self {
        self.close_timeout = timeout;
        self
    }

    /// Binds and listens, ready to serve every connection with `handler` in a worker process.
    ///
    /// # Errors
    ///
    /// [`BuildError::NotRegistered`] if `handler` was not passed to
    /// [`register_handler!`](crate::register_handler) (a closure never is);
    /// [`BuildError::Process`] if this program cannot start processes (`init()` missing);
    /// [`BuildError::Io`] if the address does not resolve or cannot be bound.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::socketserver::Connection;
    /// # use pythreading_mp::socketserver::ForkingTcpServer;
    /// fn nothing(_: &mut Connection) -> std::io::Result<()> { Ok(()) }
    /// pythreading_mp::register_handler!(nothing);
    ///
    /// fn main() {
    ///     pythreading_mp::init();
    ///     let server = ForkingTcpServer::bind("127.0.0.1:0").build(nothing).unwrap();
    ///     assert!(server.server_address().ip().is_loopback());
    /// }
    /// ```
    pub fn build<F>(self, handler: F) -> Result<ForkingTcpServer, BuildError>
    where
        F: Fn(&mut Connection) -> io::Result<()> + Send + Sync + 'static,
    {
        let _ = handler;
        let name = handler_name::<F>();
        if !matches!(lookup_handler(name), HandlerLookup::Found(_)) {
            return Err(BuildError::NotRegistered { name });
        }
        check_may_start_for_pool().map_err(|e| match e {
            ProcessError::Io(e) => BuildError::Io(e),
            other => BuildError::Process(other),
        })?;
        let listener = match self.source {
            Source::Bind(addrs) => TcpListener::bind(&addrs?[..])?,
            Source::Listener(listener) => listener,
        };
        let settings = Settings {
            read_timeout: finite(self.read_timeout),
            write_timeout: finite(self.write_timeout),
            timeout: self.timeout,
            handle_timeout: self.handle_timeout,
            block_on_close: self.block_on_close,
            close_timeout: self.close_timeout,
        };
        Ok(ForkingTcpServer::new(
            listener,
            name,
            self.max_children,
            self.handle_error,
            settings,
        )?)
    }
}
