//! A framed, buffered byte stream: one frame per message, one write per frame.

use std::fmt;
use std::io::{BufReader, Read, Write};

use super::error::{FrameError, HandshakeError};
use super::frame::{encode_frame, read_frame_into};
use super::handshake::{client_handshake, server_handshake};

/// The largest receive buffer a connection keeps between frames.
const KEPT_BUFFER: usize = 64 * 1024;

/// A stream that sends and receives whole frames (CPython's `multiprocessing.connection.Connection`).
///
/// Reads are buffered (a small frame costs one `read` for header and payload); every
/// [`send_bytes`](Connection::send_bytes) is a single `write` of header plus payload.
///
/// # Examples
///
/// ```
/// use pythreading_mp::wire::Connection;
/// use std::io::Cursor;
/// let mut c = Connection::new(Cursor::new(vec![0, 0, 0, 2, b'h', b'i']));
/// assert_eq!(c.recv_bytes().unwrap(), b"hi");
/// ```
pub struct Connection<S: Read + Write> {
    reader: BufReader<S>,
    max_frame: usize,
    wbuf: Vec<u8>,
    /// The frame [`recv_bytes_with`](Connection::recv_bytes_with) lends.
    rbuf: Vec<u8>,
}

impl<S: Read + Write> fmt::Debug for Connection<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("max_frame", &self.max_frame)
            .finish_non_exhaustive()
    }
}

impl<S: Read + Write> Connection<S> {
    /// Wraps a stream; frames of any size up to `isize::MAX` are accepted until
    /// [`set_max_frame`](Connection::set_max_frame) says otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// let c = pythreading_mp::wire::Connection::new(std::io::Cursor::new(Vec::new()));
    /// assert_eq!(c.max_frame(), isize::MAX as usize);
    /// ```
    pub fn new(stream: S) -> Self {
        Connection {
            reader: BufReader::with_capacity(16 * 1024, stream),
            max_frame: isize::MAX as usize,
            wbuf: Vec::new(),
            rbuf: Vec::new(),
        }
    }

    /// The largest payload [`recv_bytes`](Connection::recv_bytes) accepts.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut c = pythreading_mp::wire::Connection::new(std::io::Cursor::new(Vec::new()));
    /// c.set_max_frame(10);
    /// assert_eq!(c.max_frame(), 10);
    /// ```
    pub fn max_frame(&self) -> usize {
        self.max_frame
    }

    /// Sets the largest payload [`recv_bytes`](Connection::recv_bytes) accepts.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Cursor;
    /// let mut c = pythreading_mp::wire::Connection::new(Cursor::new(vec![0, 0, 0, 9]));
    /// c.set_max_frame(4);
    /// assert!(c.recv_bytes().is_err());
    /// ```
    pub fn set_max_frame(&mut self, max: usize) {
        self.max_frame = max;
    }

    /// The underlying stream.
    ///
    /// # Examples
    ///
    /// ```
    /// let c = pythreading_mp::wire::Connection::new(std::io::Cursor::new(vec![1u8]));
    /// assert_eq!(c.get_ref().get_ref(), &vec![1u8]);
    /// ```
    pub fn get_ref(&self) -> &S {
        self.reader.get_ref()
    }

    /// Sends one frame.
    ///
    /// # Errors
    ///
    /// Any error of the underlying stream.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut c = pythreading_mp::wire::Connection::new(std::io::Cursor::new(Vec::new()));
    /// c.send_bytes(b"hi").unwrap();
    /// assert_eq!(c.get_ref().get_ref(), &vec![0, 0, 0, 2, b'h', b'i']);
    /// ```
    pub fn send_bytes(&mut self, payload: &[u8]) -> std::io::Result<()> {
        self.wbuf.clear();
        encode_frame(&mut self.wbuf, payload);
        let stream = self.reader.get_mut();
        stream.write_all(&self.wbuf)?;
        stream.flush()?;
        if self.wbuf.capacity() > 1 << 20 {
            self.wbuf = Vec::new();
        }
        Ok(())
    }

    /// Receives one frame.
    ///
    /// # Errors
    ///
    /// As [`read_frame`](super::read_frame), with this connection's size limit.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Cursor;
    /// let mut c = pythreading_mp::wire::Connection::new(Cursor::new(Vec::new()));
    /// assert!(c.recv_bytes().unwrap_err().is_eof());
    /// ```
    pub fn recv_bytes(&mut self) -> Result<Vec<u8>, FrameError> {
        let mut out = Vec::new();
        read_frame_into(&mut self.reader, self.max_frame, &mut out)?;
        Ok(out)
    }

    /// Receives one frame into the connection's own buffer and lends it to `read`: after the
    /// first few frames, receiving allocates nothing (what a request loop wants). A buffer a
    /// large frame grew past 64 KiB is given back as soon as `read` returns, so an idle
    /// connection holds no more than that.
    ///
    /// # Errors
    ///
    /// As [`recv_bytes`](Connection::recv_bytes).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Cursor;
    /// let mut c = pythreading_mp::wire::Connection::new(Cursor::new(vec![0, 0, 0, 2, b'h', b'i']));
    /// assert_eq!(c.recv_bytes_with(|frame| frame.len()).unwrap(), 2);
    /// assert!(c.recv_bytes_with(|_| ()).unwrap_err().is_eof());
    /// ```
    #[doc(alias = "recv_bytes_into")]
    pub fn recv_bytes_with<T>(&mut self, read: impl FnOnce(&[u8]) -> T) -> Result<T, FrameError> {
        let got = read_frame_into(&mut self.reader, self.max_frame, &mut self.rbuf);
        let result = got.map(|()| read(&self.rbuf));
        if self.rbuf.capacity() > KEPT_BUFFER {
            self.rbuf = Vec::new();
        }
        result
    }

    /// Runs the server's half of the handshake (challenge first).
    ///
    /// # Errors
    ///
    /// As [`server_handshake`].
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # fn f(c: &mut pythreading_mp::wire::Connection<std::net::TcpStream>) {
    /// c.server_handshake(b"hello world").unwrap();
    /// # }
    /// ```
    pub fn server_handshake(&mut self, authkey: &[u8]) -> Result<(), HandshakeError> {
        server_handshake(&mut Duplex(self), authkey)
    }

    /// Runs the client's half of the handshake (answer first).
    ///
    /// # Errors
    ///
    /// As [`client_handshake`].
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # fn f(c: &mut pythreading_mp::wire::Connection<std::net::TcpStream>) {
    /// c.client_handshake(b"hello world").unwrap();
    /// # }
    /// ```
    pub fn client_handshake(&mut self, authkey: &[u8]) -> Result<(), HandshakeError> {
        client_handshake(&mut Duplex(self), authkey)
    }
}

/// Reads through the buffer, writes straight to the stream.
struct Duplex<'a, S: Read + Write>(&'a mut Connection<S>);

impl<S: Read + Write> Read for Duplex<'_, S> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.reader.read(buf)
    }
}

impl<S: Read + Write> Write for Duplex<'_, S> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.reader.get_mut().write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.reader.get_mut().flush()
    }
}
