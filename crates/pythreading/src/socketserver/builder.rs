//! Settings of a server, fixed before it binds: Python's class attributes (`allow_reuse_address`,
//! `daemon_threads`, `block_on_close`, `timeout`) and what CPython lacks (a bound on handlers,
//! connection timeouts, a close deadline).

use std::io;
use std::sync::Arc;
use std::time::Duration;

use super::pool::{ErrorHook, PoolConfig};
use super::{CommonSettings, Connection, Handler, HandlerError, TcpServer};

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
    /// The options pythreading-mp's `ForkingTcpServerBuilder` has too (timeouts,
    /// `block_on_close`, where the socket comes from).
    common: CommonSettings,
    allow_reuse_address: bool,
    max_handlers: usize,
    handle_error: ErrorHook,
    daemon_threads: bool,
    keep_alive: Duration,
    thread_name_prefix: String,
}

impl std::fmt::Debug for TcpServerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TcpServerBuilder")
            .field("common", &self.common)
            .field("max_handlers", &self.max_handlers)
            .field("daemon_threads", &self.daemon_threads)
            .field("keep_alive", &self.keep_alive)
            .finish_non_exhaustive()
    }
}

/// Default bound on connections served at once.
pub(crate) const DEFAULT_MAX_HANDLERS: usize = 256;
/// Default time an idle handler thread waits for a new connection before it exits.
pub(crate) const DEFAULT_KEEP_ALIVE: Duration = Duration::from_secs(5);

impl TcpServerBuilder {
    pub(crate) fn new(common: CommonSettings) -> Self {
        TcpServerBuilder {
            common,
            allow_reuse_address: true,
            max_handlers: DEFAULT_MAX_HANDLERS,
            handle_error: Arc::new(|e: &HandlerError| {
                // Python's `handle_error` prints a traceback to stderr and carries on.
                eprintln!("socketserver: {e}");
            }),
            daemon_threads: false,
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

    crate::socketserver_common_setters!("TcpServer", "pythreading::socketserver::TcpServer");

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
    /// ends their connections' read side and returns ([`block_on_close`](Self::block_on_close)
    /// is then ignored, as in CPython).
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
        if cfg!(unix) && !self.allow_reuse_address && self.common.binds_itself() {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "allow_reuse_address(false) cannot be honoured: the standard library sets SO_REUSEADDR on every listener",
            ));
        }
        let binds_itself = self.common.binds_itself();
        let (listener, mut settings) = self.common.listen()?;
        if !binds_itself {
            // The accept loop blocks in `accept`; a listener left non-blocking would spin.
            listener.set_nonblocking(false)?;
        }
        // Daemon handlers are not waited for, whatever `block_on_close` says (as in CPython).
        settings.block_on_close &= !self.daemon_threads;
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
            settings,
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
