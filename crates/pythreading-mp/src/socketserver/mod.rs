//! Python's `socketserver.ForkingTCPServer`: connections served by worker processes.
//!
//! The threaded server lives in the core crate
//! ([`pythreading::socketserver::TcpServer`]); this is its process twin, here because this
//! crate owns processes. Python's `ForkingMixIn` calls `os.fork()` per connection; a threaded
//! Rust program cannot fork safely, so [`ForkingTcpServer`] starts worker processes the way
//! every [`Process`](crate::process::Process) starts (this executable re-executed, reaching
//! [`init()`](crate::init) first), keeps up to `max_children` of them, and passes each accepted
//! socket to an idle one over a Unix socket (`SCM_RIGHTS`, through `rustix`). A worker serves
//! one connection at a time with a handler registered by
//! [`register_handler!`](crate::register_handler), reports how it went, and waits for the next.
//!
//! What it keeps from the threaded server: a bound with back-pressure on `accept`, read and
//! write timeouts on every connection, a `server_close` with a deadline that ends idle
//! connections at once. What processes add: a handler that crashes or is killed takes only
//! its own connection with it (the client sees the connection end, not a hang), and the next
//! connection starts a replacement worker.
//!
//! # Examples
//!
//! ```
//! use std::io::{Read, Write};
//! use std::net::TcpStream;
//! use pythreading::socketserver::Connection;
//! use pythreading_mp::socketserver::ForkingTcpServer;
//!
//! // The tutorials' echo handler, run in a worker process.
//! fn echo(conn: &mut Connection) -> std::io::Result<()> {
//!     let mut buf = [0u8; 1024];
//!     loop {
//!         let n = conn.read(&mut buf)?;
//!         if n == 0 {
//!             return Ok(());
//!         }
//!         conn.write_all(&buf[..n])?;
//!     }
//! }
//! pythreading_mp::register_handler!(echo);
//!
//! fn main() {
//!     pythreading_mp::init(); // first line: a worker process starts here too
//!     let server = ForkingTcpServer::bind("127.0.0.1:0").build(echo).unwrap();
//!     std::thread::scope(|s| {
//!         s.spawn(|| server.serve_forever().unwrap());
//!         let mut client = TcpStream::connect(server.server_address()).unwrap();
//!         client.write_all(b"ping").unwrap();
//!         let mut reply = [0u8; 4];
//!         client.read_exact(&mut reply).unwrap();
//!         assert_eq!(&reply, b"ping");
//!         server.shutdown();
//!     });
//! }
//! ```

mod builder;
mod children;
mod error;
mod fdpass;
mod registry;
mod server;
pub(crate) mod worker;

pub use builder::ForkingTcpServerBuilder;
pub use error::{BuildError, ForkingError};
pub use registry::is_handler_registered;
pub use server::ForkingTcpServer;

/// What [`register_handler!`](crate::register_handler) expands to; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use super::registry::{HANDLERS, HandlerEntry};
    pub use linkme;
}

/// What [`server_close`](ForkingTcpServer::server_close) had to force.
///
/// # Examples
///
/// ```
/// use pythreading_mp::socketserver::CloseReport;
///
/// fn log(report: CloseReport) {
///     if !report.is_clean() {
///         eprintln!("{} connections cut, {} workers killed", report.cut, report.killed);
///     }
/// }
/// # let _ = log;
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[must_use]
pub struct CloseReport {
    /// Connections still being served at the close deadline, shut both ways.
    pub cut: usize,
    /// Workers that had not exited five seconds after their control socket closed, killed.
    pub killed: usize,
}

impl CloseReport {
    /// Whether every handler finished and every worker exited by itself.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::socketserver::CloseReport;
    /// assert!(CloseReport::default().is_clean());
    /// ```
    pub fn is_clean(&self) -> bool {
        self.cut == 0 && self.killed == 0
    }
}
