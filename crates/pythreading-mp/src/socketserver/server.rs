//! The server: Python's `ForkingTCPServer` with `serve_forever`, `handle_request`, `shutdown`
//! and `server_close`, its connections served by worker processes.

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::{AsFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use pythreading::socketserver::{RequestOutcome, ServeError};
use rustix::event::{EventfdFlags, PollFd, PollFlags, Timespec, eventfd, poll};
use rustix::io::Errno;

use super::children::{Children, ErrorHook};
use super::{CloseReport, ForkingError, ForkingTcpServerBuilder};

/// How long the accept loop pauses after `accept` fails for want of resources (file
/// descriptors, memory), so that it does not spin; `shutdown` cuts the pause short.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// The settings the accept loop and `server_close` read.
pub(crate) struct Settings {
    pub(crate) read_timeout: Option<Duration>,
    pub(crate) write_timeout: Option<Duration>,
    pub(crate) timeout: Duration,
    pub(crate) handle_timeout: Arc<dyn Fn() + Send + Sync>,
    pub(crate) block_on_close: bool,
    pub(crate) close_timeout: Duration,
}

#[derive(Default)]
struct LoopState {
    serving: bool,
    closed: bool,
}

/// A TCP server whose connections are served by a bounded set of worker processes: Python's
/// `socketserver.ForkingTCPServer`, with a bound that holds and workers that are reused.
///
/// Python's `ForkingMixIn` forks a child per connection (at most `max_children`, 40, at once).
/// A threaded Rust program cannot safely fork, so here [`max_children`] worker processes are
/// started on demand (this executable re-executed, as every
/// [`Process`](crate::process::Process)) and kept; the parent accepts, and passes each
/// accepted socket to an idle worker over a Unix socket (`SCM_RIGHTS`). The handler is a
/// registered function ([`register_handler!`](crate::register_handler)), the same
/// `fn(&mut Connection) -> io::Result<()>` a threaded
/// [`TcpServer`](pythreading::socketserver::TcpServer) takes.
///
/// - While every worker is busy the server does not accept (back-pressure: clients wait in
///   the kernel's backlog).
/// - A worker that dies (killed, crashed) cuts only the connection it was serving; the hook
///   hears [`ForkingError::WorkerDied`], and the next connection starts a replacement.
/// - Each connection gets read and write timeouts (60 s by default), so a silent client or one
///   that never reads frees its worker.
/// - [`server_close`](Self::server_close) ends idle connections at once, gives busy ones
///   [`close_timeout`](ForkingTcpServerBuilder::close_timeout), then ends every worker; no
///   child outlives it (and every worker dies with the parent, `PR_SET_PDEATHSIG`).
///
/// [`max_children`]: ForkingTcpServerBuilder::max_children
///
/// | Python | here |
/// |---|---|
/// | `ForkingTCPServer(addr, Handler)` | `ForkingTcpServer::bind(addr).build(handler)?` (after `register_handler!(handler)`) |
/// | `serve_forever()`, `handle_request()`, `shutdown()`, `server_close()` | methods of those names |
/// | `max_children`, `block_on_close`, `timeout`, `handle_timeout()`, `handle_error()` | builder settings of those names |
/// | `active_children` | [`active_children()`](Self::active_children) |
/// | `server_address` | [`server_address()`](Self::server_address) |
///
/// # Examples
///
/// ```
/// use std::io::{Read, Write};
/// use std::net::TcpStream;
/// use pythreading::socketserver::Connection;
/// use pythreading_mp::socketserver::ForkingTcpServer;
///
/// fn upper(conn: &mut Connection) -> std::io::Result<()> {
///     let mut buf = [0u8; 1024];
///     loop {
///         let n = conn.read(&mut buf)?;
///         if n == 0 {
///             return Ok(());
///         }
///         conn.write_all(&buf[..n].to_ascii_uppercase())?;
///     }
/// }
/// pythreading_mp::register_handler!(upper);
///
/// fn main() {
///     pythreading_mp::init();
///     let server = ForkingTcpServer::bind("127.0.0.1:0").max_children(4).build(upper).unwrap();
///     std::thread::scope(|s| {
///         s.spawn(|| server.serve_forever().unwrap());
///         let mut client = TcpStream::connect(server.server_address()).unwrap();
///         client.write_all(b"hello").unwrap();
///         let mut reply = [0u8; 5];
///         client.read_exact(&mut reply).unwrap();
///         assert_eq!(&reply, b"HELLO");
///         server.shutdown();
///     });
///     assert!(server.server_close().is_clean());
///     assert!(server.active_children().is_empty());
/// }
/// ```
#[doc(alias = "ForkingTCPServer")]
#[doc(alias = "ForkingMixIn")]
pub struct ForkingTcpServer {
    listener: Mutex<Option<Arc<TcpListener>>>,
    address: SocketAddr,
    children: Arc<Children>,
    /// Written by `shutdown` to wake the accept loop out of `poll`.
    wake: OwnedFd,
    stop: AtomicBool,
    state: Mutex<LoopState>,
    changed: Condvar,
    settings: Settings,
}

impl std::fmt::Debug for ForkingTcpServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ForkingTcpServer")
            .field("address", &self.address)
            .field("active_children", &self.children.pids())
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl ForkingTcpServer {
    /// Starts building a server for `address` (port 0 picks a free port). Nothing is bound
    /// until [`build`](ForkingTcpServerBuilder::build).
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::socketserver::ForkingTcpServer;
    ///
    /// let builder = ForkingTcpServer::bind("127.0.0.1:0").max_children(8);
    /// # drop(builder);
    /// ```
    pub fn bind(address: impl std::net::ToSocketAddrs) -> ForkingTcpServerBuilder {
        ForkingTcpServerBuilder::resolve(address)
    }

    /// Starts building a server on a socket already bound and listening.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::net::TcpListener;
    /// use pythreading_mp::socketserver::ForkingTcpServer;
    ///
    /// let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    /// let builder = ForkingTcpServer::from_listener(listener);
    /// # drop(builder);
    /// ```
    pub fn from_listener(listener: TcpListener) -> ForkingTcpServerBuilder {
        ForkingTcpServerBuilder::with_listener(listener)
    }

    pub(crate) fn new(
        listener: TcpListener,
        handler: &'static str,
        max_children: usize,
        on_error: ErrorHook,
        settings: Settings,
    ) -> io::Result<Self> {
        let address = listener.local_addr()?;
        // The loop waits in `poll` for the listener or the wake-up, then accepts without blocking.
        listener.set_nonblocking(true)?;
        let wake = eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK)?;
        Ok(ForkingTcpServer {
            listener: Mutex::new(Some(Arc::new(listener))),
            address,
            children: Arc::new(Children::new(handler, max_children, on_error)),
            wake,
            stop: AtomicBool::new(false),
            state: Mutex::new(LoopState::default()),
            changed: Condvar::new(),
            settings,
        })
    }

    /// The address the server listens on (Python's `server_address`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::socketserver::Connection;
    /// # use pythreading_mp::socketserver::ForkingTcpServer;
    /// # fn nothing(_: &mut Connection) -> std::io::Result<()> { Ok(()) }
    /// # pythreading_mp::register_handler!(nothing);
    /// # fn main() {
    /// pythreading_mp::init();
    /// let server = ForkingTcpServer::bind("127.0.0.1:0").build(nothing).unwrap();
    /// assert_ne!(server.server_address().port(), 0);
    /// # }
    /// ```
    pub fn server_address(&self) -> SocketAddr {
        self.address
    }

    /// The pids of the worker processes alive now (Python's `active_children`): at most
    /// `max_children`, empty before the first connection and after `server_close`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::socketserver::Connection;
    /// # use pythreading_mp::socketserver::ForkingTcpServer;
    /// # fn nothing(_: &mut Connection) -> std::io::Result<()> { Ok(()) }
    /// # pythreading_mp::register_handler!(nothing);
    /// # fn main() {
    /// pythreading_mp::init();
    /// let server = ForkingTcpServer::bind("127.0.0.1:0").build(nothing).unwrap();
    /// assert!(server.active_children().is_empty()); // workers start with the first client
    /// # }
    /// ```
    pub fn active_children(&self) -> Vec<u32> {
        self.children.pids()
    }

    /// Connections being served by workers now.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::socketserver::Connection;
    /// # use pythreading_mp::socketserver::ForkingTcpServer;
    /// # fn nothing(_: &mut Connection) -> std::io::Result<()> { Ok(()) }
    /// # pythreading_mp::register_handler!(nothing);
    /// # fn main() {
    /// pythreading_mp::init();
    /// let server = ForkingTcpServer::bind("127.0.0.1:0").build(nothing).unwrap();
    /// assert_eq!(server.connections(), 0);
    /// # }
    /// ```
    pub fn connections(&self) -> usize {
        self.children.busy()
    }

    /// Accepts connections and hands each to a worker process until
    /// [`shutdown`](Self::shutdown) (Python's `serve_forever`). While `max_children` workers
    /// are busy it stops accepting until one finishes.
    ///
    /// # Errors
    ///
    /// [`ServeError::AlreadyServing`] if another thread is serving this server,
    /// [`ServeError::Closed`] after [`server_close`](Self::server_close).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::socketserver::Connection;
    /// # use pythreading_mp::socketserver::ForkingTcpServer;
    /// # fn nothing(_: &mut Connection) -> std::io::Result<()> { Ok(()) }
    /// # pythreading_mp::register_handler!(nothing);
    /// # fn main() {
    /// pythreading_mp::init();
    /// let server = ForkingTcpServer::bind("127.0.0.1:0").build(nothing).unwrap();
    /// std::thread::scope(|s| {
    ///     let serving = s.spawn(|| server.serve_forever());
    ///     server.shutdown();
    ///     assert_eq!(serving.join().unwrap(), Ok(()));
    /// });
    /// # }
    /// ```
    pub fn serve_forever(&self) -> Result<(), ServeError> {
        let listener = self.start_serving()?;
        let _serving = Serving(self);
        while self.children.wait_for_capacity(&self.stop, None) {
            if !self.wait_readable(&listener, None) {
                continue;
            }
            self.accept_one(&listener);
        }
        // The request is spent once a loop has stopped for it, as in CPython.
        self.stop.store(false, Ordering::SeqCst);
        Ok(())
    }

    /// Waits for one connection and hands it to a worker (Python's `handle_request`). If none
    /// comes within [`timeout`](ForkingTcpServerBuilder::timeout), calls the
    /// [`handle_timeout`](ForkingTcpServerBuilder::handle_timeout) hook and returns
    /// [`RequestOutcome::TimedOut`].
    ///
    /// # Errors
    ///
    /// As [`serve_forever`](Self::serve_forever).
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use pythreading::socketserver::{Connection, RequestOutcome};
    /// # use pythreading_mp::socketserver::ForkingTcpServer;
    /// # fn nothing(_: &mut Connection) -> std::io::Result<()> { Ok(()) }
    /// # pythreading_mp::register_handler!(nothing);
    /// # fn main() {
    /// pythreading_mp::init();
    /// let server = ForkingTcpServer::bind("127.0.0.1:0")
    ///     .timeout(Duration::from_millis(10))
    ///     .build(nothing)
    ///     .unwrap();
    /// assert_eq!(server.handle_request(), Ok(RequestOutcome::TimedOut));
    /// # }
    /// ```
    pub fn handle_request(&self) -> Result<RequestOutcome, ServeError> {
        let listener = self.start_serving()?;
        let _serving = Serving(self);
        let deadline = Instant::now().checked_add(self.settings.timeout);
        let never = AtomicBool::new(false);
        loop {
            if !self.children.wait_for_capacity(&never, deadline) {
                break;
            }
            if self.wait_readable(&listener, deadline) && self.accept_one(&listener) {
                return Ok(RequestOutcome::Dispatched);
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                break;
            }
        }
        (self.settings.handle_timeout)();
        Ok(RequestOutcome::TimedOut)
    }

    /// Stops [`serve_forever`](Self::serve_forever) and returns once it has returned (Python's
    /// `shutdown`). Connections being served carry on; [`server_close`](Self::server_close)
    /// ends them. Called when not serving, it makes the next `serve_forever` return at once.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::socketserver::Connection;
    /// # use pythreading_mp::socketserver::ForkingTcpServer;
    /// # fn nothing(_: &mut Connection) -> std::io::Result<()> { Ok(()) }
    /// # pythreading_mp::register_handler!(nothing);
    /// # fn main() {
    /// pythreading_mp::init();
    /// let server = ForkingTcpServer::bind("127.0.0.1:0").build(nothing).unwrap();
    /// server.shutdown();
    /// assert_eq!(server.serve_forever(), Ok(()));
    /// # }
    /// ```
    pub fn shutdown(&self) {
        self.stop.store(true, Ordering::SeqCst);
        self.children.wake();
        let _ = rustix::io::write(&self.wake, &1u64.to_ne_bytes());
        let mut state = lock(&self.state);
        while state.serving {
            state = self
                .changed
                .wait_timeout(state, Duration::from_millis(200))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// Stops serving, closes the listening socket, ends the connections and the worker
    /// processes (Python's `server_close`; also done on drop).
    ///
    /// Every open connection's read side is shut at once, so a handler waiting for its client
    /// sees end of file; one mid-request can still write its reply. With
    /// [`block_on_close`](ForkingTcpServerBuilder::block_on_close) (the default) it waits up to
    /// [`close_timeout`](ForkingTcpServerBuilder::close_timeout) for the handlers, cuts what is
    /// left, closes every worker's control socket (an idle worker exits 0 at that) and kills a
    /// worker that has not exited five seconds later. Without it, it cuts and closes at once
    /// and returns without waiting. Closing twice is harmless.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::socketserver::Connection;
    /// # use pythreading_mp::socketserver::ForkingTcpServer;
    /// # fn nothing(_: &mut Connection) -> std::io::Result<()> { Ok(()) }
    /// # pythreading_mp::register_handler!(nothing);
    /// # fn main() {
    /// pythreading_mp::init();
    /// let server = ForkingTcpServer::bind("127.0.0.1:0").build(nothing).unwrap();
    /// let address = server.server_address();
    /// assert!(server.server_close().is_clean());
    /// assert!(std::net::TcpStream::connect(address).is_err());
    /// # }
    /// ```
    pub fn server_close(&self) -> CloseReport {
        self.shutdown();
        lock(&self.state).closed = true;
        drop(lock(&self.listener).take());
        let closed = self
            .children
            .close(self.settings.block_on_close, self.settings.close_timeout);
        CloseReport {
            cut: closed.cut,
            killed: closed.killed,
        }
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

    /// Waits until the listener has a connection (true), or `shutdown` woke the loop, or the
    /// deadline passed (false).
    fn wait_readable(&self, listener: &TcpListener, deadline: Option<Instant>) -> bool {
        let timeout = deadline.map(|d| {
            Timespec::try_from(d.saturating_duration_since(Instant::now())).unwrap_or(Timespec {
                tv_sec: i64::MAX,
                tv_nsec: 0,
            })
        });
        let mut fds = [
            PollFd::new(listener, PollFlags::IN),
            PollFd::new(&self.wake, PollFlags::IN),
        ];
        match poll(&mut fds, timeout.as_ref()) {
            Ok(_) | Err(Errno::INTR) => {}
            Err(e) => {
                self.children.report(&ForkingError::Accept(e.into()));
                return false;
            }
        }
        if !fds[1].revents().is_empty() {
            let mut drained = [0u8; 8];
            let _ = rustix::io::read(self.wake.as_fd(), &mut drained);
        }
        !fds[0].revents().is_empty()
    }

    /// Accepts one connection if one is waiting and hands it to a worker; whether it did.
    fn accept_one(&self, listener: &TcpListener) -> bool {
        match listener.accept() {
            Ok((stream, peer)) => {
                self.dispatch(stream, peer);
                true
            }
            Err(error) => {
                self.accept_failed(error);
                false
            }
        }
    }

    fn dispatch(&self, stream: TcpStream, peer: SocketAddr) {
        // Timeouts first (they belong to the socket, so the worker's copy has them too): a
        // client must not be able to hold a worker forever.
        let configured = stream
            .set_nonblocking(false)
            .and_then(|()| stream.set_read_timeout(self.settings.read_timeout))
            .and_then(|()| stream.set_write_timeout(self.settings.write_timeout));
        if let Err(error) = configured {
            self.children.report(&ForkingError::Io { peer, error });
            return;
        }
        self.children.hand_off(stream, peer, &self.stop);
    }

    fn accept_failed(&self, error: io::Error) {
        match error.kind() {
            io::ErrorKind::WouldBlock
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted => {}
            _ => {
                self.children.report(&ForkingError::Accept(error));
                let state = lock(&self.state);
                if !self.stop.load(Ordering::SeqCst) {
                    let _ = self.changed.wait_timeout(state, ACCEPT_BACKOFF);
                }
            }
        }
    }
}

impl Drop for ForkingTcpServer {
    fn drop(&mut self) {
        let _ = self.server_close();
    }
}

/// Marks the loop stopped when `serve_forever` or `handle_request` returns, even by panic.
struct Serving<'a>(&'a ForkingTcpServer);

impl Drop for Serving<'_> {
    fn drop(&mut self) {
        lock(&self.0.state).serving = false;
        self.0.changed.notify_all();
    }
}
