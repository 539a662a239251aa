//! The settings every socketserver shares, held and documented once: where the listening socket
//! comes from, each connection's read and write timeouts, Python's `timeout` and
//! `handle_timeout()`, `block_on_close`, and the close deadline.
//!
//! [`TcpServerBuilder`](super::TcpServerBuilder) here and pythreading-mp's
//! `ForkingTcpServerBuilder` each keep one [`CommonSettings`] and get the setters of these
//! options, with their documentation, from [`socketserver_common_setters!`](crate::socketserver_common_setters);
//! what differs (a thread pool's bound and threads, a process pool's bound, the type of the error
//! hook) stays with each builder.

use std::fmt;
use std::io;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

/// Default read and write timeout of each connection.
pub(crate) const DEFAULT_IO_TIMEOUT: Duration = Duration::from_secs(60);
/// Default time `server_close` gives busy handlers before shutting their connections.
pub(crate) const DEFAULT_CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

/// Where the listening socket comes from.
#[derive(Debug)]
enum Source {
    /// Bind these addresses at `build`.
    Bind(io::Result<Vec<SocketAddr>>),
    /// A socket the caller bound and put in listening state.
    Listener(TcpListener),
}

/// The options every socketserver builder shares, before `build`: not an API of its own (the
/// builders' setters are), public so that pythreading-mp's `ForkingTcpServerBuilder` holds the
/// same type as [`TcpServerBuilder`](super::TcpServerBuilder).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use pythreading::socketserver::CommonSettings;
///
/// let mut settings = CommonSettings::bind("127.0.0.1:0");
/// settings.set_read_timeout(Duration::from_secs(1));
/// let (listener, fixed) = settings.listen().unwrap();
/// assert_eq!(fixed.read_timeout, Some(Duration::from_secs(1)));
/// assert!(listener.local_addr().unwrap().ip().is_loopback());
/// ```
#[doc(hidden)]
pub struct CommonSettings {
    source: Source,
    read_timeout: Duration,
    write_timeout: Duration,
    timeout: Duration,
    handle_timeout: Arc<dyn Fn() + Send + Sync>,
    block_on_close: bool,
    close_timeout: Duration,
}

/// The shared settings after `build`, as a server reads them: a timeout of `None` is none.
///
/// # Examples
///
/// ```
/// use pythreading::socketserver::CommonSettings;
///
/// let (_listener, fixed) = CommonSettings::bind("127.0.0.1:0").listen().unwrap();
/// assert!(fixed.block_on_close);
/// ```
#[doc(hidden)]
#[derive(Clone)]
pub struct ServerSettings {
    /// Each connection's read timeout.
    pub read_timeout: Option<Duration>,
    /// Each connection's write timeout.
    pub write_timeout: Option<Duration>,
    /// How long `handle_request` waits for a connection (`Duration::MAX`: forever).
    pub timeout: Duration,
    /// Called when `handle_request` timed out.
    pub handle_timeout: Arc<dyn Fn() + Send + Sync>,
    /// Whether `server_close` waits for running handlers.
    pub block_on_close: bool,
    /// How long `server_close` gives busy handlers (`Duration::MAX`: as long as they take).
    pub close_timeout: Duration,
}

impl fmt::Debug for CommonSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CommonSettings")
            .field("source", &self.source)
            .field("read_timeout", &self.read_timeout)
            .field("write_timeout", &self.write_timeout)
            .field("timeout", &self.timeout)
            .field("block_on_close", &self.block_on_close)
            .field("close_timeout", &self.close_timeout)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for ServerSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerSettings")
            .field("read_timeout", &self.read_timeout)
            .field("write_timeout", &self.write_timeout)
            .field("timeout", &self.timeout)
            .field("block_on_close", &self.block_on_close)
            .field("close_timeout", &self.close_timeout)
            .finish_non_exhaustive()
    }
}

impl CommonSettings {
    /// The defaults, for a server that binds `address` at `build`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::socketserver::CommonSettings;
    /// assert!(CommonSettings::bind("127.0.0.1:0").binds_itself());
    /// ```
    pub fn bind(address: impl ToSocketAddrs) -> Self {
        Self::new(Source::Bind(
            address.to_socket_addrs().map(Iterator::collect),
        ))
    }

    /// The defaults, for a server on a socket the caller bound and put in listening state.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::socketserver::CommonSettings;
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// assert!(!CommonSettings::from_listener(listener).binds_itself());
    /// ```
    pub fn from_listener(listener: TcpListener) -> Self {
        Self::new(Source::Listener(listener))
    }

    fn new(source: Source) -> Self {
        CommonSettings {
            source,
            read_timeout: DEFAULT_IO_TIMEOUT,
            write_timeout: DEFAULT_IO_TIMEOUT,
            timeout: Duration::MAX,
            handle_timeout: Arc::new(|| ()),
            block_on_close: true,
            close_timeout: DEFAULT_CLOSE_TIMEOUT,
        }
    }

    /// Whether `listen` binds the socket (rather than take the caller's).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::socketserver::CommonSettings;
    /// assert!(CommonSettings::bind("127.0.0.1:0").binds_itself());
    /// ```
    pub fn binds_itself(&self) -> bool {
        matches!(self.source, Source::Bind(_))
    }

    /// Sets each connection's read timeout (`Duration::MAX`: none).
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use pythreading::socketserver::CommonSettings;
    /// CommonSettings::bind("127.0.0.1:0").set_read_timeout(Duration::from_secs(5));
    /// ```
    pub fn set_read_timeout(&mut self, timeout: Duration) {
        self.read_timeout = timeout;
    }

    /// Sets each connection's write timeout (`Duration::MAX`: none).
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use pythreading::socketserver::CommonSettings;
    /// CommonSettings::bind("127.0.0.1:0").set_write_timeout(Duration::from_secs(5));
    /// ```
    pub fn set_write_timeout(&mut self, timeout: Duration) {
        self.write_timeout = timeout;
    }

    /// Sets Python's `timeout` (of `handle_request`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use pythreading::socketserver::CommonSettings;
    /// CommonSettings::bind("127.0.0.1:0").set_timeout(Duration::from_secs(1));
    /// ```
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// Sets Python's `handle_timeout()`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::socketserver::CommonSettings;
    /// CommonSettings::bind("127.0.0.1:0").set_handle_timeout(|| ());
    /// ```
    pub fn set_handle_timeout(&mut self, hook: impl Fn() + Send + Sync + 'static) {
        self.handle_timeout = Arc::new(hook);
    }

    /// Sets Python's `block_on_close`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::socketserver::CommonSettings;
    /// CommonSettings::bind("127.0.0.1:0").set_block_on_close(false);
    /// ```
    pub fn set_block_on_close(&mut self, block: bool) {
        self.block_on_close = block;
    }

    /// Sets how long `server_close` gives busy handlers.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use pythreading::socketserver::CommonSettings;
    /// CommonSettings::bind("127.0.0.1:0").set_close_timeout(Duration::from_secs(1));
    /// ```
    pub fn set_close_timeout(&mut self, timeout: Duration) {
        self.close_timeout = timeout;
    }

    /// Checks the settings, then binds (or takes the caller's socket, as it is).
    ///
    /// # Errors
    ///
    /// A read or write timeout of zero ([`io::ErrorKind::InvalidInput`]: the socket layer
    /// refuses it; `Duration::MAX` means none); the address did not resolve or could not be
    /// bound.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use pythreading::socketserver::CommonSettings;
    /// let mut settings = CommonSettings::bind("127.0.0.1:0");
    /// settings.set_write_timeout(Duration::ZERO);
    /// let refused = settings.listen().unwrap_err();
    /// assert_eq!(refused.kind(), std::io::ErrorKind::InvalidInput);
    /// ```
    pub fn listen(self) -> io::Result<(TcpListener, ServerSettings)> {
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
            Source::Listener(listener) => listener,
        };
        let settings = ServerSettings {
            read_timeout: finite(self.read_timeout),
            write_timeout: finite(self.write_timeout),
            timeout: self.timeout,
            handle_timeout: self.handle_timeout,
            block_on_close: self.block_on_close,
            close_timeout: self.close_timeout,
        };
        Ok((listener, settings))
    }
}

/// `Duration::MAX` means no timeout at the socket layer.
fn finite(t: Duration) -> Option<Duration> {
    (t != Duration::MAX).then_some(t)
}

/// The setters of the options in [`CommonSettings`], with their documentation, for a server
/// builder that keeps them in a field named `common`. `$server` names the server type (in scope
/// where the macro is used, for the documentation's links) and `$path` its full path (for the
/// examples). Used by [`TcpServerBuilder`](crate::socketserver::TcpServerBuilder) and
/// pythreading-mp's `ForkingTcpServerBuilder`; not an API of its own.
///
/// # Examples
///
/// ```
/// use pythreading::socketserver::CommonSettings;
///
/// pub struct MyServer;
/// impl MyServer {
///     pub fn bind(address: &str) -> MyServerBuilder {
///         MyServerBuilder { common: CommonSettings::bind(address) }
///     }
///     pub fn handle_request(&self) {}
///     pub fn server_close(&self) {}
/// }
/// pub struct MyServerBuilder {
///     common: CommonSettings,
/// }
/// impl MyServerBuilder {
///     pythreading::socketserver_common_setters!("MyServer", "my_crate::MyServer");
/// }
/// let builder = MyServer::bind("127.0.0.1:0").block_on_close(false);
/// assert!(!builder.common.listen().unwrap().1.block_on_close);
/// ```
#[doc(hidden)]
#[macro_export]
macro_rules! socketserver_common_setters {
    ($server:literal, $path:literal) => {
        /// How long a handler's read may wait for its client (default 60 s; `Duration::MAX`:
        /// forever, as in CPython). A client that connects and sends nothing frees its handler
        /// after this long: the read fails with a timeout error ([`WouldBlock`] or
        /// [`TimedOut`]), reported to `handle_error`. Zero is refused at `build`.
        ///
        /// [`WouldBlock`]: std::io::ErrorKind::WouldBlock
        /// [`TimedOut`]: std::io::ErrorKind::TimedOut
        ///
        /// # Examples
        ///
        /// ```
        /// # use std::time::Duration;
        #[doc = concat!("use ", $path, ";")]
        ///
        #[doc = concat!("let builder = ", $server, "::bind(\"127.0.0.1:0\").read_timeout(Duration::from_secs(5));")]
        /// # drop(builder);
        /// ```
        pub fn read_timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.common.set_read_timeout(timeout);
            self
        }

        /// How long a handler's write may wait for room in the send buffer (default 60 s;
        /// `Duration::MAX`: forever). A client that never reads its replies fills the buffer,
        /// and its handler's write fails after this long instead of blocking forever. Zero is
        /// refused at `build`.
        ///
        /// # Examples
        ///
        /// ```
        /// # use std::time::Duration;
        #[doc = concat!("use ", $path, ";")]
        ///
        #[doc = concat!("let builder = ", $server, "::bind(\"127.0.0.1:0\").write_timeout(Duration::from_secs(5));")]
        /// # drop(builder);
        /// ```
        pub fn write_timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.common.set_write_timeout(timeout);
            self
        }

        /// Python's `timeout`: how long `handle_request` waits for a connection before it
        /// calls the `handle_timeout` hook (default `Duration::MAX`, Python's `None`:
        /// forever). `serve_forever` does not use it, as in Python.
        ///
        /// # Examples
        ///
        /// ```
        /// # use std::time::Duration;
        #[doc = concat!("use ", $path, ";")]
        ///
        #[doc = concat!("let builder = ", $server, "::bind(\"127.0.0.1:0\").timeout(Duration::from_millis(10));")]
        /// # drop(builder);
        /// ```
        pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.common.set_timeout(timeout);
            self
        }

        /// Python's `handle_timeout()`: called by `handle_request` when no connection came
        /// within `timeout`. Does nothing by default.
        ///
        /// # Examples
        ///
        /// ```
        #[doc = concat!("use ", $path, ";")]
        ///
        #[doc = concat!("let builder = ", $server, "::bind(\"127.0.0.1:0\").handle_timeout(|| eprintln!(\"idle\"));")]
        /// # drop(builder);
        /// ```
        pub fn handle_timeout(mut self, hook: impl Fn() + Send + Sync + 'static) -> Self {
            self.common.set_handle_timeout(hook);
            self
        }

        /// Python's `block_on_close` (default `true`): whether `server_close` waits for
        /// running handlers. Unlike CPython, the wait is bounded: idle connections (a handler
        /// waiting for its client) end at once, busy handlers get `close_timeout`, and then
        /// their connections are shut both ways.
        ///
        /// # Examples
        ///
        /// ```
        #[doc = concat!("use ", $path, ";")]
        ///
        #[doc = concat!("let builder = ", $server, "::bind(\"127.0.0.1:0\").block_on_close(false);")]
        /// # drop(builder);
        /// ```
        pub fn block_on_close(mut self, block: bool) -> Self {
            self.common.set_block_on_close(block);
            self
        }

        /// How long `server_close` lets busy handlers finish before it shuts their
        /// connections (default 5 s; `Duration::MAX`: as long as they take).
        ///
        /// # Examples
        ///
        /// ```
        /// # use std::time::Duration;
        #[doc = concat!("use ", $path, ";")]
        ///
        #[doc = concat!("let builder = ", $server, "::bind(\"127.0.0.1:0\").close_timeout(Duration::from_millis(500));")]
        /// # drop(builder);
        /// ```
        pub fn close_timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.common.set_close_timeout(timeout);
            self
        }
    };
}
