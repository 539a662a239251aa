//! Python's `socketserver` for TCP, threaded and bounded: a server that cannot leak threads.
//!
//! The tutorials' echo server accepts in a loop and starts a `Thread(target=action,
//! args=(conn,))` per client; Python's `socketserver.ThreadingTCPServer` packages the same
//! shape. Both start one thread per client with no bound, wait forever on a silent client,
//! and CPython 3.7 and 3.8 kept every finished handler thread until `server_close()`
//! (gh-81374). [`TcpServer`] keeps Python's shape and fixes those:
//!
//! - **A bound on handlers** ([`max_handlers`](TcpServerBuilder::max_handlers), default 256),
//!   with back-pressure: while every slot is busy the server does not accept; clients wait in
//!   the kernel's backlog.
//! - **Threads are reused and retire**: started on demand, reused while connections keep
//!   coming, exiting after [`keep_alive`](TcpServerBuilder::keep_alive) idle. Nothing of a
//!   finished connection is kept.
//! - **Connection timeouts**: [`read_timeout`](TcpServerBuilder::read_timeout) and
//!   [`write_timeout`](TcpServerBuilder::write_timeout) (60 s by default), so a client that
//!   sends nothing, or never reads, frees its handler.
//! - **A bounded close**: [`server_close`](TcpServer::server_close) ends idle connections at
//!   once and gives busy ones [`close_timeout`](TcpServerBuilder::close_timeout).
//!
//! std only, like the rest of the crate.
//!
//! # Examples
//!
//! ```
//! use std::io::{Read, Write};
//! use std::net::TcpStream;
//! use pythreading::socketserver::{Connection, TcpServer};
//!
//! fn upper_echo(conn: &mut Connection) -> std::io::Result<()> {
//!     let mut buf = [0u8; 1024];
//!     loop {
//!         let n = conn.read(&mut buf)?;
//!         if n == 0 {
//!             return Ok(());
//!         }
//!         conn.write_all(&buf[..n].to_ascii_uppercase())?;
//!     }
//! }
//!
//! let server = TcpServer::bind("127.0.0.1:0").max_handlers(16).build(upper_echo).unwrap();
//! std::thread::scope(|s| {
//!     s.spawn(|| server.serve_forever());
//!     let mut client = TcpStream::connect(server.server_address()).unwrap();
//!     client.write_all(b"abc").unwrap();
//!     let mut reply = [0u8; 3];
//!     client.read_exact(&mut reply).unwrap();
//!     assert_eq!(&reply, b"ABC");
//!     server.shutdown();
//! });
//! ```

mod builder;
mod connection;
mod error;
mod handler;
mod pool;
mod report;
mod server;
mod settings;
mod waker;

pub use builder::TcpServerBuilder;
pub use connection::Connection;
pub use error::{HandlerError, ServeError};
pub use handler::Handler;
pub use report::{CloseReport, Stats};
pub use server::{RequestOutcome, TcpServer};
#[doc(hidden)]
pub use settings::{CommonSettings, ServerSettings};
