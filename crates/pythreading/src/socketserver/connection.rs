//! One accepted client, as a handler sees it: Python's `self.request` and `self.client_address`.

use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::net::{SocketAddr, TcpStream};

/// An accepted TCP connection handed to a [`Handler`](super::Handler).
///
/// Reads and writes go straight to the socket ([`Read`] and [`Write`]); the server has already
/// set the connection's read and write timeouts, so a client that sends nothing, or never reads
/// its replies, makes a read or a write fail with [`io::ErrorKind::WouldBlock`] or
/// [`io::ErrorKind::TimedOut`] instead of holding the handler forever.
///
/// The connection is closed when the handler returns (Python's `shutdown_request`).
///
/// # Examples
///
/// ```
/// use std::io::{Read, Write};
/// use pythreading::socketserver::{Connection, TcpServer};
///
/// // The tutorials' handler: read up to 1024 bytes, send them back upper-cased.
/// fn upper(conn: &mut Connection) -> std::io::Result<()> {
///     let mut buf = [0u8; 1024];
///     loop {
///         let n = conn.read(&mut buf)?;
///         if n == 0 {
///             return Ok(()); // the client hung up
///         }
///         conn.write_all(&buf[..n].to_ascii_uppercase())?;
///     }
/// }
/// let server = TcpServer::bind("127.0.0.1:0").build(upper).unwrap();
/// # drop(server);
/// ```
#[doc(alias = "request")]
#[derive(Debug)]
pub struct Connection {
    stream: TcpStream,
    peer: SocketAddr,
}

impl Connection {
    pub(crate) fn new(stream: TcpStream, peer: SocketAddr) -> Self {
        Connection { stream, peer }
    }

    /// Wraps a connected stream accepted elsewhere, for a server that hands connections to
    /// handlers another way (pythreading-mp's `ForkingTcpServer` passes each accepted socket to
    /// a worker process, which serves it with the same handler functions as [`TcpServer`](super::TcpServer)).
    ///
    /// # Errors
    ///
    /// The error of [`TcpStream::peer_addr`]: the stream is not connected (the client may
    /// already have gone).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::net::{TcpListener, TcpStream};
    /// use pythreading::socketserver::Connection;
    ///
    /// let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    /// let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    /// let (accepted, _) = listener.accept().unwrap();
    /// let conn = Connection::from_stream(accepted).unwrap();
    /// assert_eq!(conn.peer_addr(), client.local_addr().unwrap());
    /// ```
    pub fn from_stream(stream: TcpStream) -> io::Result<Self> {
        let peer = stream.peer_addr()?;
        Ok(Connection { stream, peer })
    }

    /// The client's address (Python's `client_address`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::socketserver::Connection;
    /// fn log_peer(conn: &mut Connection) -> std::io::Result<()> {
    ///     println!("connected by {}", conn.peer_addr());
    ///     Ok(())
    /// }
    /// ```
    #[doc(alias = "client_address")]
    pub fn peer_addr(&self) -> SocketAddr {
        self.peer
    }

    /// The socket itself, for what [`Read`] and [`Write`] do not cover (`shutdown`,
    /// `set_nodelay`, changing a timeout for this connection, `peek`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::socketserver::Connection;
    /// fn no_delay(conn: &mut Connection) -> std::io::Result<()> {
    ///     conn.stream().set_nodelay(true)
    /// }
    /// ```
    pub fn stream(&self) -> &TcpStream {
        &self.stream
    }
}

impl Read for Connection {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.stream.read(buf)
    }

    fn read_vectored(&mut self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        self.stream.read_vectored(bufs)
    }
}

impl Write for Connection {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.stream.write(buf)
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.stream.write_vectored(bufs)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}
