//! The server: Python's `ThreadingTCPServer` with `serve_forever`, `handle_request`, `shutdown`
//! and `server_close`.

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use super::pool::{ErrorHook, Pool, PoolConfig};
use super::waker::Waker;
use super::{
    CloseReport, CommonSettings, Connection, Handler, HandlerError, ServeError, ServerSettings,
    Stats, TcpServerBuilder,
};
use crate::deadline::Deadline;
use crate::sync::lock;
use crate::threading::Timer;

/// How long the accept loop pauses after `accept` fails for want of resources (file
/// descriptors, memory), so that it does not spin; `shutdown` cuts the pause short.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// How often `shutdown` wakes the accept loop again while it has not stopped (only when a
/// wake-up connection could not be made, for example when descriptors ran out).
const REWAKE_EVERY: Duration = Duration::from_millis(200);

#[derive(Default)]
struct LoopState {
    /// A thread is in `serve_forever` or `handle_request`.
    serving: bool,
    /// `server_close` has run: the listener is gone.
    closed: bool,
}

/// A TCP server that gives each connection to a [`Handler`] on a bounded set of threads:
/// Python's `socketserver.ThreadingTCPServer`, without its unbounded threads, its leak of
/// finished threads (gh-81374), or its unbounded waits.
///
/// Every method takes `&self`: run [`serve_forever`](Self::serve_forever) in one thread and call
/// [`shutdown`](Self::shutdown) from another, sharing the server by reference (scoped threads)
/// or through an [`Arc`].
///
/// | Python | here |
/// |---|---|
/// | `ThreadingTCPServer(addr, Handler)` | `TcpServer::bind(addr).build(handler)?` |
/// | `serve_forever(poll_interval)` | [`serve_forever()`](Self::serve_forever) (no polling: it blocks in `accept`) |
/// | `handle_request()`, `timeout`, `handle_timeout()` | [`handle_request()`](Self::handle_request), [`timeout`](TcpServerBuilder::timeout), [`handle_timeout`](TcpServerBuilder::handle_timeout) |
/// | `shutdown()` | [`shutdown()`](Self::shutdown) |
/// | `server_close()`, `with server:` | [`server_close()`](Self::server_close), and on drop |
/// | `server_address` | [`server_address()`](Self::server_address) |
/// | `handle_error()` | [`handle_error`](TcpServerBuilder::handle_error) |
/// | `daemon_threads`, `block_on_close`, `allow_reuse_address` | builder settings of those names |
///
/// # Examples
///
/// The tutorials' echo server, with a client:
///
/// ```
/// use std::io::{Read, Write};
/// use std::net::TcpStream;
/// use pythreading::socketserver::TcpServer;
///
/// let server = TcpServer::bind("127.0.0.1:0")
///     .build_fn(|conn| {
///         let mut buf = [0u8; 1024];
///         loop {
///             let n = conn.read(&mut buf)?;
///             if n == 0 {
///                 return Ok(());
///             }
///             conn.write_all(&buf[..n].to_ascii_uppercase())?;
///         }
///     })
///     .unwrap();
/// std::thread::scope(|s| {
///     s.spawn(|| server.serve_forever().unwrap());
///
///     let mut client = TcpStream::connect(server.server_address()).unwrap();
///     client.write_all(b"hello").unwrap();
///     let mut reply = [0u8; 5];
///     client.read_exact(&mut reply).unwrap();
///     assert_eq!(&reply, b"HELLO");
///
///     server.shutdown(); // returns once serve_forever has returned
/// });
/// let report = server.server_close();
/// assert!(report.is_clean());
/// ```
#[doc(alias = "ThreadingTCPServer")]
#[doc(alias = "TCPServer")]
pub struct TcpServer {
    /// `None` once closed. The accept loop holds its own `Arc` while it runs.
    listener: Mutex<Option<Arc<TcpListener>>>,
    address: SocketAddr,
    pool: Arc<Pool>,
    waker: Arc<Waker>,
    /// Set by `shutdown`, cleared when a loop starts.
    stop: AtomicBool,
    state: Mutex<LoopState>,
    /// Signalled when a loop stops, and when `stop` is set (to cut an accept back-off short).
    changed: Condvar,
    settings: ServerSettings,
}

impl std::fmt::Debug for TcpServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TcpServer")
            .field("address", &self.address)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl TcpServer {
    /// Starts building a server for `address` (anything `TcpListener::bind` takes, e.g.
    /// `"127.0.0.1:9000"`; port 0 picks a free port). Nothing is bound until
    /// [`build`](TcpServerBuilder::build).
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading::socketserver::TcpServer;
    ///
    /// let server = TcpServer::bind("127.0.0.1:0").build_fn(|_| Ok(())).unwrap();
    /// assert!(server.server_address().ip().is_loopback());
    /// ```
    pub fn bind(address: impl std::net::ToSocketAddrs) -> TcpServerBuilder {
        TcpServerBuilder::new(CommonSettings::bind(address))
    }

    /// Starts building a server on a socket that is already bound and listening (Python's
    /// `bind_and_activate=False`, then your own `server_bind`/`server_activate`): for a listen
    /// backlog or socket options the standard library does not set (its backlog is 128), or
    /// a socket inherited from a service manager.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::net::TcpListener;
    /// use pythreading::socketserver::TcpServer;
    ///
    /// let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    /// let address = listener.local_addr().unwrap();
    /// let server = TcpServer::from_listener(listener).build_fn(|_| Ok(())).unwrap();
    /// assert_eq!(server.server_address(), address);
    /// ```
    pub fn from_listener(listener: TcpListener) -> TcpServerBuilder {
        TcpServerBuilder::new(CommonSettings::from_listener(listener))
    }

    pub(crate) fn new(
        listener: TcpListener,
        handler: Arc<dyn Handler>,
        on_error: ErrorHook,
        pool: PoolConfig,
        settings: ServerSettings,
    ) -> io::Result<Self> {
        let address = listener.local_addr()?;
        Ok(TcpServer {
            listener: Mutex::new(Some(Arc::new(listener))),
            address,
            pool: Arc::new(Pool::new(handler, on_error, pool)),
            waker: Arc::new(Waker::new(address)),
            stop: AtomicBool::new(false),
            state: Mutex::new(LoopState::default()),
            changed: Condvar::new(),
            settings,
        })
    }

    /// The address the server listens on (Python's `server_address`), with the real port
    /// when it was bound to port 0.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::socketserver::TcpServer;
    /// let server = TcpServer::bind("127.0.0.1:0").build_fn(|_| Ok(())).unwrap();
    /// assert_ne!(server.server_address().port(), 0);
    /// ```
    pub fn server_address(&self) -> SocketAddr {
        self.address
    }

    /// Accepts connections and hands each to a handler thread until [`shutdown`](Self::shutdown)
    /// (Python's `serve_forever`). While `max_handlers` connections are being served it stops
    /// accepting until one finishes.
    ///
    /// # Errors
    ///
    /// [`ServeError::AlreadyServing`] if another thread is serving this server,
    /// [`ServeError::Closed`] after [`server_close`](Self::server_close).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::socketserver::TcpServer;
    /// let server = TcpServer::bind("127.0.0.1:0").build_fn(|_| Ok(())).unwrap();
    /// std::thread::scope(|s| {
    ///     let serving = s.spawn(|| server.serve_forever());
    ///     server.shutdown();
    ///     assert_eq!(serving.join().unwrap(), Ok(()));
    /// });
    /// ```
    pub fn serve_forever(&self) -> Result<(), ServeError> {
        let listener = self.start_serving()?;
        let _serving = Serving(self);
        while self.pool.wait_for_slot(&self.stop, Deadline::Never) {
            match listener.accept() {
                Ok((stream, peer)) => {
                    if !self.waker.is_wake(peer) {
                        self.dispatch(stream, peer);
                    }
                }
                Err(error) => self.accept_failed(error),
            }
        }
        // The request is spent once a loop has stopped for it (CPython resets its
        // `__shutdown_request` at the same point), so the next `serve_forever` serves.
        self.stop.store(false, Ordering::SeqCst);
        Ok(())
    }

    /// Waits for one connection and hands it to a handler thread (Python's `handle_request`).
    /// If none comes within [`timeout`](TcpServerBuilder::timeout), calls the
    /// [`handle_timeout`](TcpServerBuilder::handle_timeout) hook and returns
    /// [`RequestOutcome::TimedOut`]. [`shutdown`](Self::shutdown) does not end it, as in Python.
    ///
    /// # Errors
    ///
    /// As [`serve_forever`](Self::serve_forever).
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::net::TcpStream;
    /// # use pythreading::socketserver::{RequestOutcome, TcpServer};
    /// let server = TcpServer::bind("127.0.0.1:0").build_fn(|_| Ok(())).unwrap();
    /// let _client = TcpStream::connect(server.server_address()).unwrap();
    /// assert_eq!(server.handle_request(), Ok(RequestOutcome::Dispatched));
    /// ```
    pub fn handle_request(&self) -> Result<RequestOutcome, ServeError> {
        let listener = self.start_serving()?;
        let _serving = Serving(self);
        let deadline = Deadline::after(self.settings.timeout);
        let never = AtomicBool::new(false);
        let timed_out = || {
            (self.settings.handle_timeout)();
            Ok(RequestOutcome::TimedOut)
        };
        if !self.pool.wait_for_slot(&never, deadline) {
            return timed_out();
        }
        // `accept` cannot time out with std alone: a timer wakes it at the deadline.
        let timer = deadline.remaining().map(|left| {
            let waker = Arc::clone(&self.waker);
            Timer::new(left, move || waker.wake()).daemon(true).start()
        });
        let outcome = loop {
            match listener.accept() {
                Ok((_wake, peer)) if self.waker.is_wake(peer) => {
                    if deadline.has_passed() {
                        break None;
                    }
                }
                Ok((stream, peer)) => {
                    self.dispatch(stream, peer);
                    break Some(RequestOutcome::Dispatched);
                }
                Err(error) => {
                    self.accept_failed(error);
                    if deadline.has_passed() {
                        break None;
                    }
                }
            }
        };
        if let Some(timer) = timer {
            timer.cancel();
        }
        match outcome {
            Some(outcome) => Ok(outcome),
            None => timed_out(),
        }
    }

    /// Stops [`serve_forever`](Self::serve_forever) and returns once it has returned (Python's
    /// `shutdown`). Call it from another thread than the one serving. Connections being
    /// served carry on; [`server_close`](Self::server_close) ends them.
    ///
    /// Called when the server is not serving, it returns at once and the next `serve_forever`
    /// returns at once too: the request waits for a loop to stop, as CPython's does (whose
    /// `shutdown` itself would block until that loop ran).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::socketserver::TcpServer;
    /// let server = TcpServer::bind("127.0.0.1:0").build_fn(|_| Ok(())).unwrap();
    /// server.shutdown(); // not serving: returns at once...
    /// assert_eq!(server.serve_forever(), Ok(())); // ...and the next loop stops at once
    /// ```
    pub fn shutdown(&self) {
        self.stop.store(true, Ordering::SeqCst);
        self.pool.wake_slot_waiters();
        let mut state = lock(&self.state);
        self.changed.notify_all();
        while state.serving {
            drop(state);
            self.waker.wake();
            state = lock(&self.state);
            if state.serving {
                state = self
                    .changed
                    .wait_timeout(state, REWAKE_EVERY)
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
            }
        }
    }

    /// Stops serving if needed, closes the listening socket, and ends the connections
    /// (Python's `server_close`; also done on drop, like leaving a `with server:` block).
    ///
    /// Connections accepted but not yet started are closed unanswered. Every open connection's
    /// read side is shut at once, so a handler waiting for its client sees end of file and
    /// returns; a handler in the middle of a request can still write its reply. With
    /// [`block_on_close`](TcpServerBuilder::block_on_close) (the default, unless
    /// [`daemon_threads`](TcpServerBuilder::daemon_threads)) it then waits for the handlers,
    /// for at most [`close_timeout`](TcpServerBuilder::close_timeout); sockets still open then
    /// are shut both ways, and their handlers get one more second to return.
    ///
    /// Closing twice is harmless.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::socketserver::TcpServer;
    /// let server = TcpServer::bind("127.0.0.1:0").build_fn(|_| Ok(())).unwrap();
    /// let address = server.server_address();
    /// assert!(server.server_close().is_clean());
    /// assert!(std::net::TcpStream::connect(address).is_err()); // nobody listens any more
    /// ```
    pub fn server_close(&self) -> CloseReport {
        self.shutdown();
        {
            let mut state = lock(&self.state);
            state.closed = true;
        }
        drop(lock(&self.listener).take());
        CloseReport(
            self.pool
                .close(self.settings.block_on_close, self.settings.close_timeout),
        )
    }

    /// The server's counts now: connections in flight, handler threads, errors.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::socketserver::TcpServer;
    /// let server = TcpServer::bind("127.0.0.1:0").max_handlers(8).build_fn(|_| Ok(())).unwrap();
    /// assert!(server.stats().threads() <= 8);
    /// ```
    pub fn stats(&self) -> Stats {
        Stats(self.pool.counts())
    }

    fn start_serving(&self) -> Result<Arc<TcpListener>, ServeError> {
        let mut state = lock(&self.state);
        if state.closed {
            return Err(ServeError::Closed);
        }
        if state.serving {
            return Err(ServeError::AlreadyServing);
        }
        let listener = lock(&self.listener).clone().ok_or(ServeError::Closed)?;
        state.serving = true;
        Ok(listener)
    }

    fn dispatch(&self, stream: TcpStream, peer: SocketAddr) {
        // Timeouts first: a client must not be able to hold a handler forever.
        let configured = stream
            .set_read_timeout(self.settings.read_timeout)
            .and_then(|()| stream.set_write_timeout(self.settings.write_timeout));
        if let Err(error) = configured {
            self.pool.report(&HandlerError::Io { peer, error });
            return;
        }
        self.pool.submit(Connection::new(stream, peer));
    }

    fn accept_failed(&self, error: io::Error) {
        match error.kind() {
            // The client gave up before we accepted it, or a signal interrupted us: try again.
            io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted => {}
            _ => {
                self.pool.report(&HandlerError::Accept(error));
                // Out of descriptors or memory: pause, or the loop would spin on the error.
                let state = lock(&self.state);
                if !self.stop.load(Ordering::SeqCst) {
                    let _ = self.changed.wait_timeout(state, ACCEPT_BACKOFF);
                }
            }
        }
    }
}

impl Drop for TcpServer {
    fn drop(&mut self) {
        let _ = self.server_close();
    }
}

/// Marks the loop stopped when `serve_forever` or `handle_request` returns, even by panic.
struct Serving<'a>(&'a TcpServer);

impl Drop for Serving<'_> {
    fn drop(&mut self) {
        let mut state = lock(&self.0.state);
        state.serving = false;
        self.0.changed.notify_all();
    }
}

/// What [`handle_request`](TcpServer::handle_request) did.
///
/// # Examples
///
/// ```
/// # use std::time::Duration;
/// # use pythreading::socketserver::{RequestOutcome, TcpServer};
/// let server = TcpServer::bind("127.0.0.1:0")
///     .timeout(Duration::from_millis(1))
///     .build_fn(|_| Ok(()))
///     .unwrap();
/// match server.handle_request().unwrap() {
///     RequestOutcome::Dispatched => println!("a client is being served"),
///     RequestOutcome::TimedOut => println!("nobody came"),
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum RequestOutcome {
    /// A connection was accepted and given to a handler thread.
    Dispatched,
    /// No connection came within the server's `timeout`; `handle_timeout` was called.
    TimedOut,
}
