//! Settings of a forking server, fixed before it binds: Python's `ForkingMixIn` attributes
//! (`max_children`, `block_on_close`, `timeout`) and what CPython lacks (connection timeouts,
//! a close deadline).

use std::io;
use std::net::{TcpListener, ToSocketAddrs};
use std::sync::Arc;

use pythreading::socketserver::{CommonSettings, Connection};

use super::children::ErrorHook;
use super::registry::{HandlerLookup, handler_name, lookup_handler};
use super::{BuildError, ForkingError, ForkingTcpServer};
use crate::process::{ProcessError, check_may_start_for_pool};

/// CPython's `ForkingMixIn.max_children`.
pub(crate) const DEFAULT_MAX_CHILDREN: usize = 40;

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
    /// The options the threaded `TcpServerBuilder` has too (timeouts, `block_on_close`, where
    /// the socket comes from), held and documented once in the core crate.
    common: CommonSettings,
    max_children: usize,
    handle_error: ErrorHook,
}

impl std::fmt::Debug for ForkingTcpServerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ForkingTcpServerBuilder")
            .field("common", &self.common)
            .field("max_children", &self.max_children)
            .finish_non_exhaustive()
    }
}

impl ForkingTcpServerBuilder {
    pub(crate) fn resolve(address: impl ToSocketAddrs) -> Self {
        Self::new(CommonSettings::bind(address))
    }

    pub(crate) fn with_listener(listener: TcpListener) -> Self {
        Self::new(CommonSettings::from_listener(listener))
    }

    fn new(common: CommonSettings) -> Self {
        ForkingTcpServerBuilder {
            common,
            max_children: DEFAULT_MAX_CHILDREN,
            handle_error: Arc::new(|e: &ForkingError| {
                // Python's `handle_error` prints a traceback to stderr and carries on.
                eprintln!("socketserver: {e}");
            }),
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

    pythreading::socketserver_common_setters!(
        "ForkingTcpServer",
        "pythreading_mp::socketserver::ForkingTcpServer"
    );

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

    /// Binds and listens, ready to serve every connection with `handler` in a worker process.
    ///
    /// # Errors
    ///
    /// [`BuildError::NotRegistered`] if `handler` was not passed to
    /// [`register_handler!`](crate::register_handler) (a closure never is);
    /// [`BuildError::Process`] if this program cannot start processes (`init()` missing);
    /// [`BuildError::Io`] if the address does not resolve or cannot be bound, or a read or
    /// write timeout is zero (`Duration::MAX` means none).
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
        let (listener, settings) = self.common.listen()?;
        Ok(ForkingTcpServer::new(
            listener,
            name,
            self.max_children,
            self.handle_error,
            settings,
        )?)
    }
}
