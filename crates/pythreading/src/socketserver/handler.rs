//! What the server runs for each connection: Python's `BaseRequestHandler.handle`.

use std::io;

use super::Connection;

/// The code that serves one connection (Python's `BaseRequestHandler` subclass with its
/// `handle` method).
///
/// One handler value serves every connection, from several threads at once, so it is
/// `Send + Sync` and takes `&self`; per-connection state lives in locals of `handle`. Every
/// `Fn(&mut Connection) -> io::Result<()>` closure is a handler.
///
/// An `Err` returned by `handle`, or a panic inside it, is given to the server's
/// [`handle_error`](super::TcpServerBuilder::handle_error) hook (Python's
/// `server.handle_error`); either way the connection is closed and the server carries on.
///
/// # Examples
///
/// ```
/// use std::io::{Read, Write};
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use pythreading::socketserver::{Connection, Handler, TcpServer};
///
/// /// Echoes, and counts the bytes it echoed across every connection.
/// struct CountingEcho {
///     bytes: AtomicU64,
/// }
///
/// impl Handler for CountingEcho {
///     fn handle(&self, conn: &mut Connection) -> std::io::Result<()> {
///         let mut buf = [0u8; 1024];
///         loop {
///             let n = conn.read(&mut buf)?;
///             if n == 0 {
///                 return Ok(());
///             }
///             self.bytes.fetch_add(n as u64, Ordering::Relaxed);
///             conn.write_all(&buf[..n])?;
///         }
///     }
/// }
///
/// let server = TcpServer::bind("127.0.0.1:0")
///     .build(CountingEcho { bytes: AtomicU64::new(0) })
///     .unwrap();
/// # drop(server);
/// ```
#[doc(alias = "BaseRequestHandler")]
#[doc(alias = "StreamRequestHandler")]
pub trait Handler: Send + Sync + 'static {
    /// Serves one connection; the connection is closed when this returns.
    fn handle(&self, conn: &mut Connection) -> io::Result<()>;
}

impl<F> Handler for F
where
    F: Fn(&mut Connection) -> io::Result<()> + Send + Sync + 'static,
{
    fn handle(&self, conn: &mut Connection) -> io::Result<()> {
        self(conn)
    }
}
