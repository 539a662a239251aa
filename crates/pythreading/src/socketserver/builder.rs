//! Settings of a server, fixed before it binds: Python's class attributes (`allow_reuse_address`,
//! `daemon_threads`, `block_on_close`, `timeout`) and what CPython lacks (a bound on handlers,
//! connection timeouts, a close deadline).

use std::io;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use super::pool::{ErrorHook, PoolConfig};
use super::{Connection, Handler, HandlerError, TcpServer};

/// Builds a [`TcpServer`]: `TcpServer::bind(address)`, settings, then
/// [`build(handler)`](TcpServerBuilder::build), which binds and listens (Python's
/// `ThreadingTCPServer(server_address, RequestHandlerClass)` with `bind_and_activate=True`).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use pythreading::socketserver::TcpServer;
///
/// let server = TcpServer::bind("127.0.0.1:0")
///     .max_handlers(64)
///     .read_timeout(Duration::from_secs(10))
///     .build_fn(|_| Ok(()))
///     .unwrap();
/// assert_ne!(server.server_address().port(), 0);
/// ```
#[must_use = "a builder does nothing until `build` is called"]
pub struct TcpServerBuilder {
    pub(crate) source: Source,
    pub(crate) allow_reuse_address: bool,
    pub(crate) max_handlers: usize,
    pub(crate) read_timeout: Duration,
    pub(crate) write_timeout: Duration,
    pub(crate) timeout: Duration,
    pub(crate) handle_timeout: Arc<dyn Fn() + Send + Sync>,
    pub(crate) handle_error: ErrorHook,
    pub(crate) daemon_threads: bool,
    pub(crate) block_on_close: bool,
    pub(crate) close_timeout: Duration,
    pub(crate) keep_alive: Duration,
    pub(crate) thread_name_prefix: String,
}

impl std::fmt::Debug for TcpServerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TcpServerBuilder")
            .field("source", &self.source)
            .field("max_handlers", &self.max_handlers)
            .field("read_timeout", &self.read_timeout)
            .field("write_timeout", &self.write_timeout)
            .field("daemon_threads", &self.daemon_threads)
            .field("block_on_close", &self.block_on_close)
            .field("close_timeout", &self.close_timeout)
            .finish_non_exhaustive()
    }
}

/// Where the listening socket comes from.
#[derive(Debug)]
pub(crate) enum Source {
    /// Bind these addresses at `build`.
    Bind(io::Result<Vec<SocketAddr>>),
    /// A socket the caller bound and put in listening state.
    Listener(TcpListener),
}

/// Default bound on connections served at once.
pub(crate) const DEFAULT_MAX_HANDLERS: usize = 256;
/// Default read and write timeout of each connection.
pub(crate) const DEFAULT_IO_TIMEOUT: Duration = Duration::from_secs(60);
/// Default time `server_close` gives busy handlers before shutting their sockets.
pub(crate) const DEFAULT_CLOSE_TIMEOUT: Duration = Duration::from_secs(5);
/// Default time an idle handler thread waits for a new connection before it exits.
pub(crate) const DEFAULT_KEEP_ALIVE: Duration = Duration::from_secs(5);

impl TcpServerBuilder {
    pub(crate) fn resolve(addr: impl ToSocketAddrs) -> Self {
        Self::new(Source::Bind(addr.to_socket_addrs().map(Iterator::collect)))
    }

    pub(crate) fn new(source: Source) -> Self {
        TcpServerBuilder {
            source,
            allow_reuse_address: true,
            max_handlers: DEFAULT_MAX_HANDLERS,
            read_timeout: DEFAULT_IO_TIMEOUT,
            write_timeout: DEFAULT_IO_TIMEOUT,
            timeout: Duration::MAX,
            handle_timeout: Arc::new(|| ()),
            handle_error: Arc::new(|e: &HandlerError| {
                // Python's `handle_error` prints a traceback to stderr and carries on.
                eprintln!("socketserver: {e}");
            }),
            daemon_threads: false,
            block_on_close: true,
            close_timeout: DEFAULT_CLOSE_TIMEOUT,
            keep_alive: DEFAULT_KEEP_ALIVE,
            thread_name_prefix: "socketserver".to_owned(),
        }
    }

    /// Python's `allow_reuse_address`: whether the listening socket may bind a port that
    /// connections of an earlier server still hold in `TIME_WAIT` (`SO_REUSEADDR`).
    ///
    /// **`true` is the default here** (Python's is `False`): the standard library sets
    /// `SO_REUSEADDR` on every listener on Unix, and this crate uses the standard library
    /// alone. `false` therefore cannot be honoured there, and [`build`](Self::build) refuses it
    /// with [`io::ErrorKind::Unsupported`] rather than pretend. It does not apply to a server
    /// made [`from_listener`](TcpServer::from_listener): the caller set up that socket.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading::socketserver::TcpServer;
    ///
    /// let server = TcpServer::bind("127.0.0.1:0").allow_reuse_address(true).build_fn(|_| Ok(()));
    /// assert!(server.is_ok());
    /// # #[cfg(unix)] {
    /// let refused = TcpServer::bind("127.0.0.1:0").allow_reuse_address(false).build_fn(|_| Ok(()));
    /// assert_eq!(refused.unwrap_err().kind(), std::io::ErrorKind::Unsupported);
    /// # }
    /// ```
    pub fn allow_reuse_address(mut self, allow: bool) -> Self {
        self.allow_reuse_address = allow;
        self
    }

    /// The most connections served at once (default 256). Handler threads start on demand up
    /// to this many; while all are busy the server stops accepting, and new clients wait in the
    /// listen backlog (back-pressure) instead of each costing a thread, as in CPython.
    ///
    /// # Panics
    ///
    /// If `n` is 0.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::socketserver::TcpServer;
    /// let server = TcpServer::bind("127.0.0.1:0").max_handlers(4).build_fn(|_| Ok(())).unwrap();
    /// # drop(server);
    /// ```
    pub fn max_handlers(mut self, n: usize) -> Self {
        assert!(n > 0, "max_handlers must be at least 1");
        self.max_handlers = n;
        self
    }

    /// How long a handler's read may wait for its client (default 60 s; `Duration::MAX`:
    /// forever, as in CPython). A client that connects and sends nothing frees its handler
    /// after this long: the read fails with a timeout error, reported to
    /// [`handle_error`](Self::handle_error).
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use pythreading::socketserver::TcpServer;
    /// let server = TcpServer::bind("127.0.0.1:0")
    ///     .read_timeout(Duration::from_secs(5))
    ///     .build_fn(|_| Ok(()))
    ///     .unwrap();
    /// # drop(server);
    /// ```
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// How long a handler's write may wait for room in the send buffer (default 60 s;
    /// `Duration::MAX`: forever). A client that never reads its replies fills the buffer, and
    /// its handler's write fails after this long instead of blocking forever.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use pythreading::socketserver::TcpServer;
    /// let server = TcpServer::bind("127.0.0.1:0")
    ///     .write_timeout(Duration::from_secs(5))
    ///     .build_fn(|_| Ok(()))
    ///     .unwrap();
    /// # drop(server);
    /// ```
    pub fn write_timeout(mut self, timeout: Duration) -> Self {
        self.write_timeout = timeout;
        self
    }

    /// Python's `timeout`: how long [`handle_request`](TcpServer::handle_request) waits for
    /// a connection before it calls the [`handle_timeout`](Self::handle_timeout) hook (default
    /// `Duration::MAX`, Python's `None`: forever). `serve_forever` does not use it, as in
    /// Python.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use pythreading::socketserver::{RequestOutcome, TcpServer};
    /// let server = TcpServer::bind("127.0.0.1:0")
    ///     .timeout(Duration::from_millis(10))
    ///     .build_fn(|_| Ok(()))
    ///     .unwrap();
    /// assert_eq!(server.handle_request(), Ok(RequestOutcome::TimedOut));
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Python's `handle_timeout()`: called by [`handle_request`](TcpServer::handle_request)
    /// when no connection came within [`timeout`](Self::timeout). Does nothing by default.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use std::sync::atomic::{AtomicBool, Ordering};
    /// # use std::time::Duration;
    /// # use pythreading::socketserver::TcpServer;
    /// let fired = Arc::new(AtomicBool::new(false));
    /// let flag = Arc::clone(&fired);
    /// let server = TcpServer::bind("127.0.0.1:0")
    ///     .timeout(Duration::from_millis(10))
    ///     .handle_timeout(move || flag.store(true, Ordering::SeqCst))
    ///     .build_fn(|_| Ok(()))
    ///     .unwrap();
    /// let _ = server.handle_request();
    /// assert!(fired.load(Ordering::SeqCst));
    /// ```
    pub fn handle_timeout(mut self, hook: impl Fn() + Send + Sync + 'static) -> Self {
        self.handle_timeout = Arc::new(hook);
        self
    }

    /// Python's `handle_error()`: called with every handler error and panic, and every failed
    /// `accept`. The default prints one line to stderr; the server carries on either way.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::socketserver::{HandlerError, TcpServer};
    /// let server = TcpServer::bind("127.0.0.1:0")
    ///     .handle_error(|e: &HandlerError| {
    ///         if !e.is_timeout() {
    ///             eprintln!("{e}");
    ///         }
    ///     })
    ///     .build_fn(|_| Ok(()))
    ///     .unwrap();
    /// # drop(server);
    /// ```
    pub fn handle_error(mut self, hook: impl Fn(&HandlerError) + Send + Sync + 'static) -> Self {
        self.handle_error = Arc::new(hook);
        self
    }

    /// Python's `daemon_threads` (default `false`). When `true`, handler threads are daemon
    /// threads: [`threading::shutdown`](crate::threading::shutdown()) (the end of the program)
    /// does not wait for them, and [`server_close`](TcpServer::server_close) does not either: it
    /// ends their connections' read side and returns.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::socketserver::TcpServer;
    /// let server = TcpServer::bind("127.0.0.1:0").daemon_threads(true).build_fn(|_| Ok(())).unwrap();
    /// # drop(server);
    /// ```
    pub fn daemon_threads(mut self, daemon: bool) -> Self {
        self.daemon_threads = daemon;
        self
    }

    /// Python's `block_on_close` (default `true`): whether [`server_close`](TcpServer::server_close)
    /// waits for running handlers. Unlike CPython, the wait is bounded: idle connections (a
    /// handler waiting for its client) end at once, busy handlers get
    /// [`close_timeout`](Self::close_timeout), and then their sockets are shut both ways.
    /// Ignored when [`daemon_threads`](Self::daemon_threads) is set, as in CPython.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::socketserver::TcpServer;
    /// let server = TcpServer::bind("127.0.0.1:0").block_on_close(false).build_fn(|_| Ok(())).unwrap();
    /// # drop(server);
    /// ```
    pub fn block_on_close(mut self, block: bool) -> Self {
        self.block_on_close = block;
        self
    }

    /// How long [`server_close`](TcpServer::server_close) lets busy handlers finish before it
    /// shuts their sockets (default 5 s; `Duration::MAX`: as long as they take).
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use pythreading::socketserver::TcpServer;
    /// let server = TcpServer::bind("127.0.0.1:0")
    ///     .close_timeout(Duration::from_millis(500))
    ///     .build_fn(|_| Ok(()))
    ///     .unwrap();
    /// # drop(server);
    /// ```
    pub fn close_timeout(mut self, timeout: Duration) -> Self {
        self.close_timeout = timeout;
        self
    }

    /// How long an idle handler thread waits for a new connection before it exits (default
    /// 5 s). Threads are reused while connections keep coming, and none is kept idle for long.
    /// [`server_close`](TcpServer::server_close) ends idle threads at once; without it, a
    /// program's final [`threading::shutdown`](crate::threading::shutdown()) may wait up to
    /// this long for them (they are not daemon threads unless
    /// [`daemon_threads`](Self::daemon_threads) is set).
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use pythreading::socketserver::TcpServer;
    /// let server = TcpServer::bind("127.0.0.1:0")
    ///     .keep_alive(Duration::from_millis(100))
    ///     .build_fn(|_| Ok(()))
    ///     .unwrap();
    /// # drop(server);
    /// ```
    pub fn keep_alive(mut self, idle: Duration) -> Self {
        self.keep_alive = idle;
        self
    }

    /// Names of handler threads: `{prefix}-{n}` (default prefix `socketserver`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::socketserver::TcpServer;
    /// let server = TcpServer::bind("127.0.0.1:0").thread_name_prefix("echo").build_fn(|_| Ok(())).unwrap();
    /// # drop(server);
    /// ```
    pub fn thread_name_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.thread_name_prefix = prefix.into();
        self
    }

    /// Binds and listens, and returns the server ready to [`serve_forever`](TcpServer::serve_forever).
    ///
    /// # Errors
    ///
    /// The address did not resolve or could not be bound; a timeout of zero (the socket layer
    /// refuses it: use `Duration::MAX` for none); `allow_reuse_address(false)` on Unix
    /// ([`io::ErrorKind::Unsupported`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading::socketserver::TcpServer;
    ///
    /// let first = TcpServer::bind("127.0.0.1:0").build_fn(|_| Ok(())).unwrap();
    /// let taken = first.server_address();
    /// let second = TcpServer::bind(taken).build_fn(|_| Ok(()));
    /// assert_eq!(second.unwrap_err().kind(), std::io::ErrorKind::AddrInUse);
    /// ```
    pub fn build(self, handler: impl Handler) -> io::Result<TcpServer> {
        if cfg!(unix) && !self.allow_reuse_address && matches!(self.source, Source::Bind(_)) {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "allow_reuse_address(false) cannot be honoured: the standard library sets SO_REUSEADDR on every listener",
            ));
        }
        for (name, t) in [
            ("read_timeout", self.read_timeout),
            ("write_timeout", self.write_timeout),
        ] {
            if t.is_zero() {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("{name} must be longer than zero (Duration::MAX means none)"),
                ));
            }
        }
        let listener = match self.source {
            Source::Bind(addrs) => TcpListener::bind(&addrs?[..])?,
            Source::Listener(listener) => {
                // The accept loop blocks in `accept`; a listener left non-blocking would spin.
                listener.set_nonblocking(false)?;
                listener
            }
        };
        let pool = PoolConfig {
            max_handlers: self.max_handlers,
            keep_alive: self.keep_alive,
            daemon_threads: self.daemon_threads,
            thread_name_prefix: self.thread_name_prefix,
        };
        TcpServer::new(
            listener,
            Arc::new(handler),
            self.handle_error,
            pool,
            super::server::Settings {
                read_timeout: finite(self.read_timeout),
                write_timeout: finite(self.write_timeout),
                timeout: self.timeout,
                handle_timeout: self.handle_timeout,
                wait_on_close: self.block_on_close && !self.daemon_threads,
                close_timeout: self.close_timeout,
            },
        )
    }

    /// [`build`](Self::build) with a closure as the handler; the closure's argument type is
    /// inferred, so `|conn| ...` is enough.
    ///
    /// # Errors
    ///
    /// As [`build`](Self::build).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Write;
    /// use pythreading::socketserver::TcpServer;
    ///
    /// let server = TcpServer::bind("127.0.0.1:0")
    ///     .build_fn(|conn| conn.write_all(b"hello\n"))
    ///     .unwrap();
    /// # drop(server);
    /// ```
    pub fn build_fn<F>(self, handler: F) -> io::Result<TcpServer>
    where
        F: Fn(&mut Connection) -> io::Result<()> + Send + Sync + 'static,
    {
        self.build(handler)
    }
}

/// `Duration::MAX` means no timeout at the socket layer.
fn finite(t: Duration) -> Option<Duration> {
    (t != Duration::MAX).then_some(t)
}
