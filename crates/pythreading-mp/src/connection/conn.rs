//! [`Connection`]: one end of a [`Pipe`](super::Pipe) or of a [`Listener`](super::Listener) /
//! [`Client`](super::Client) link, sending whole messages.

use std::fmt;
use std::io::{self, BufRead, BufReader, Write};
use std::net::Shutdown;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::ConnectionError;
use super::stream::Stream;
use crate::pickle::{self, Value};
use crate::wire::{encode_frame, read_frame_into};

/// The largest payload a new connection accepts: 256 MiB. Change it with
/// [`Connection::set_max_frame`].
///
/// # Examples
///
/// ```
/// assert_eq!(pythreading_mp::connection::DEFAULT_MAX_FRAME, 256 << 20);
/// ```
pub const DEFAULT_MAX_FRAME: usize = 256 << 20;

/// One end of a message link (Python's `multiprocessing.connection.Connection`).
///
/// Every message is one frame of CPython's format (a big-endian length, then the payload), so
/// the other end may be a CPython process. [`send`](Connection::send) and
/// [`recv`](Connection::recv) carry any serde value as a protocol-4 pickle (what CPython's
/// `send`/`recv` exchange); [`send_bytes`](Connection::send_bytes) and
/// [`recv_bytes`](Connection::recv_bytes) carry raw bytes.
///
/// All methods take `&self`: one thread may send while another receives (for example with the
/// connection in an `Arc`). Two threads receiving at once take turns, each getting whole messages.
///
/// A connection is not serializable: to reach a child process, pass an
/// [`Address`](super::Address) and an authkey and connect with [`Client`](super::Client), or use a
/// process-shared [`Queue`](crate::queues::Queue).
///
/// # Examples
///
/// ```
/// use pythreading_mp::connection::Pipe;
///
/// let (parent, child) = Pipe::new()?;
/// let t = std::thread::spawn(move || {
///     let n: i64 = child.recv().unwrap();
///     child.send(&(n * n)).unwrap();
/// });
/// parent.send(&12i64)?;
/// assert_eq!(parent.recv::<i64>()?, 144);
/// t.join().unwrap();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Connection {
    reader: Mutex<BufReader<Stream>>,
    writer: Mutex<Writer>,
    /// A third handle on the socket, so `close` needs neither the reader's nor the writer's lock.
    control: Stream,
    closed: AtomicBool,
    readable: bool,
    writable: bool,
    max_frame: std::sync::atomic::AtomicUsize,
}

struct Writer {
    stream: Stream,
    buf: Vec<u8>,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("readable", &self.readable)
            .field("writable", &self.writable)
            .field("closed", &self.closed())
            .field("max_frame", &self.max_frame())
            .finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding these locks leaves only a buffer behind; the stream state is still
    // guarded by the `closed` flag, so a poisoned lock is safe to reuse.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Connection {
    pub(crate) fn from_stream(
        stream: Stream,
        readable: bool,
        writable: bool,
    ) -> io::Result<Connection> {
        let write_half = stream.try_clone()?;
        let control = stream.try_clone()?;
        Ok(Connection {
            control,
            reader: Mutex::new(BufReader::with_capacity(16 * 1024, stream)),
            writer: Mutex::new(Writer {
                stream: write_half,
                buf: Vec::new(),
            }),
            closed: AtomicBool::new(false),
            readable,
            writable,
            max_frame: std::sync::atomic::AtomicUsize::new(DEFAULT_MAX_FRAME),
        })
    }

    /// Whether [`recv`](Connection::recv) is allowed on this end (false for the sending end
    /// of a one-way pipe).
    ///
    /// # Examples
    ///
    /// ```
    /// let (r, w) = pythreading_mp::connection::Pipe::duplex(false)?;
    /// assert!(r.readable() && !w.readable());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn readable(&self) -> bool {
        self.readable
    }

    /// Whether [`send`](Connection::send) is allowed on this end (false for the receiving end
    /// of a one-way pipe).
    ///
    /// # Examples
    ///
    /// ```
    /// let (r, w) = pythreading_mp::connection::Pipe::duplex(false)?;
    /// assert!(w.writable() && !r.writable());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn writable(&self) -> bool {
        self.writable
    }

    /// Whether [`close`](Connection::close) was called (or an error in the middle of a frame
    /// made the connection unusable).
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, _b) = pythreading_mp::connection::Pipe::new()?;
    /// assert!(!a.closed());
    /// a.close();
    /// assert!(a.closed());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// The largest payload this end accepts ([`DEFAULT_MAX_FRAME`] unless changed).
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, _b) = pythreading_mp::connection::Pipe::new()?;
    /// assert_eq!(a.max_frame(), pythreading_mp::connection::DEFAULT_MAX_FRAME);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn max_frame(&self) -> usize {
        self.max_frame.load(Ordering::Relaxed)
    }

    /// Sets the largest payload this end accepts. A bigger frame is refused with
    /// [`ConnectionError::TooLarge`] before any of its payload is buffered, and closes this end.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::connection::{ConnectionError, Pipe};
    /// let (a, b) = Pipe::new()?;
    /// b.set_max_frame(4);
    /// a.send_bytes(b"12345")?;
    /// assert!(matches!(b.recv_bytes(), Err(ConnectionError::TooLarge { len: 5, max: 4 })));
    /// # Ok::<(), ConnectionError>(())
    /// ```
    pub fn set_max_frame(&self, max: usize) {
        self.max_frame.store(max, Ordering::Relaxed);
    }

    fn check_write(&self) -> Result<(), ConnectionError> {
        if self.closed() {
            Err(ConnectionError::Closed)
        } else if !self.writable {
            Err(ConnectionError::ReadOnly)
        } else {
            Ok(())
        }
    }

    fn check_read(&self) -> Result<(), ConnectionError> {
        if self.closed() {
            Err(ConnectionError::Closed)
        } else if !self.readable {
            Err(ConnectionError::WriteOnly)
        } else {
            Ok(())
        }
    }

    /// Sends one message of raw bytes (Python's `send_bytes`), in a single write.
    ///
    /// # Errors
    ///
    /// [`ConnectionError::Closed`], [`ConnectionError::ReadOnly`], or
    /// [`ConnectionError::Io`] (a peer that has gone away is `BrokenPipe`).
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, b) = pythreading_mp::connection::Pipe::new()?;
    /// a.send_bytes(b"thank you")?;
    /// assert_eq!(b.recv_bytes()?, b"thank you");
    /// # Ok::<(), pythreading_mp::connection::ConnectionError>(())
    /// ```
    pub fn send_bytes(&self, payload: &[u8]) -> Result<(), ConnectionError> {
        self.check_write()?;
        let mut w = lock(&self.writer);
        let Writer { stream, buf } = &mut *w;
        buf.clear();
        encode_frame(buf, payload);
        let r = stream.write_all(buf);
        if buf.capacity() > 1 << 20 {
            *buf = Vec::new();
        }
        r.map_err(ConnectionError::Io)
    }

    /// Sends `payload[offset..offset + size]` (Python's `send_bytes(buf, offset, size)`).
    ///
    /// # Errors
    ///
    /// [`ConnectionError::Io`] with `InvalidInput` when the range is outside `payload`;
    /// otherwise as [`send_bytes`](Connection::send_bytes).
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, b) = pythreading_mp::connection::Pipe::new()?;
    /// a.send_bytes_range(b"0123456789", 2, 3)?;
    /// assert_eq!(b.recv_bytes()?, b"234");
    /// assert!(a.send_bytes_range(b"01", 1, 5).is_err());
    /// # Ok::<(), pythreading_mp::connection::ConnectionError>(())
    /// ```
    pub fn send_bytes_range(
        &self,
        payload: &[u8],
        offset: usize,
        size: usize,
    ) -> Result<(), ConnectionError> {
        let part = offset
            .checked_add(size)
            .and_then(|end| payload.get(offset..end))
            .ok_or_else(|| {
                ConnectionError::Io(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "offset {offset} + size {size} is outside a buffer of {} bytes",
                        payload.len()
                    ),
                ))
            })?;
        self.send_bytes(part)
    }

    /// Receives one message of raw bytes (Python's `recv_bytes`), blocking until it arrives.
    ///
    /// # Errors
    ///
    /// [`ConnectionError::Eof`] once the peer has closed and every message was read;
    /// [`ConnectionError::TooLarge`], [`ConnectionError::BadLength`] or
    /// [`ConnectionError::Truncated`] for a bad frame (this end is closed afterwards: the
    /// stream can no longer be framed); [`ConnectionError::Closed`],
    /// [`ConnectionError::WriteOnly`], [`ConnectionError::Io`].
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, b) = pythreading_mp::connection::Pipe::new()?;
    /// a.send_bytes(b"")?;
    /// assert_eq!(b.recv_bytes()?, b"");
    /// # Ok::<(), pythreading_mp::connection::ConnectionError>(())
    /// ```
    pub fn recv_bytes(&self) -> Result<Vec<u8>, ConnectionError> {
        let mut out = Vec::new();
        self.recv_bytes_into(&mut out)?;
        Ok(out)
    }

    /// Receives one message into `out` (cleared first), reusing its allocation (what Python's
    /// `recv_bytes_into` is for). Returns the message's length.
    ///
    /// # Errors
    ///
    /// As [`recv_bytes`](Connection::recv_bytes).
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, b) = pythreading_mp::connection::Pipe::new()?;
    /// let mut buf = Vec::with_capacity(64);
    /// a.send_bytes(b"abc")?;
    /// assert_eq!(b.recv_bytes_into(&mut buf)?, 3);
    /// assert_eq!(buf, b"abc");
    /// # Ok::<(), pythreading_mp::connection::ConnectionError>(())
    /// ```
    pub fn recv_bytes_into(&self, out: &mut Vec<u8>) -> Result<usize, ConnectionError> {
        self.check_read()?;
        let mut reader = lock(&self.reader);
        match read_frame_into(&mut *reader, self.max_frame(), out) {
            Ok(()) => Ok(out.len()),
            Err(e) => {
                let e = ConnectionError::from_frame(e);
                if !matches!(e, ConnectionError::Eof | ConnectionError::Io(_)) {
                    // The stream is out of step with its frames: nothing after can be trusted.
                    self.closed.store(true, Ordering::Release);
                    let _ = reader.get_ref().shutdown(Shutdown::Both);
                }
                Err(e)
            }
        }
    }

    /// Sends a serde value as a protocol-4 pickle (Python's `send`; a CPython peer's `recv()`
    /// gets the equivalent Python object: structs become dicts, sequences lists, tuples tuples).
    ///
    /// # Errors
    ///
    /// [`ConnectionError::Serialize`] when the value cannot be represented (nothing is sent),
    /// otherwise as [`send_bytes`](Connection::send_bytes).
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, b) = pythreading_mp::connection::Pipe::new()?;
    /// a.send(&("hello", vec![1, 2, 3]))?;
    /// let (s, v): (String, Vec<i32>) = b.recv()?;
    /// assert_eq!((s.as_str(), v), ("hello", vec![1, 2, 3]));
    /// # Ok::<(), pythreading_mp::connection::ConnectionError>(())
    /// ```
    pub fn send<T: Serialize + ?Sized>(&self, value: &T) -> Result<(), ConnectionError> {
        let v = pickle::to_value(value).map_err(|e| ConnectionError::Serialize(e.to_string()))?;
        self.send_value(&v)
    }

    /// Sends a pickle [`Value`] as is (any Python object, including ones serde cannot name).
    ///
    /// # Errors
    ///
    /// As [`send_bytes`](Connection::send_bytes).
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::Value;
    /// let (a, b) = pythreading_mp::connection::Pipe::new()?;
    /// a.send_value(&Value::tuple([Value::None, 1.5.into()]))?;
    /// assert_eq!(b.recv_value()?, Value::tuple([Value::None, 1.5.into()]));
    /// # Ok::<(), pythreading_mp::connection::ConnectionError>(())
    /// ```
    pub fn send_value(&self, value: &Value) -> Result<(), ConnectionError> {
        self.send_bytes(&pickle::dumps(value))
    }

    /// Receives one message and decodes it as `T` (Python's `recv`).
    ///
    /// # Errors
    ///
    /// [`ConnectionError::Deserialize`] (with the bytes) when the message is not a pickle of a
    /// `T`; otherwise as [`recv_bytes`](Connection::recv_bytes).
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::connection::{ConnectionError, Pipe};
    /// let (a, b) = Pipe::new()?;
    /// a.send("not a number")?;
    /// assert!(matches!(b.recv::<i64>(), Err(ConnectionError::Deserialize { .. })));
    /// # Ok::<(), ConnectionError>(())
    /// ```
    pub fn recv<T: DeserializeOwned>(&self) -> Result<T, ConnectionError> {
        let bytes = self.recv_bytes()?;
        let value = match pickle::loads(&bytes) {
            Ok(v) => v,
            Err(e) => return Err(ConnectionError::from_pickle(e, bytes)),
        };
        match pickle::from_value(&value) {
            Ok(t) => Ok(t),
            Err(e) => Err(ConnectionError::Deserialize {
                reason: e.to_string(),
                bytes,
            }),
        }
    }

    /// Receives one message as a pickle [`Value`] (never executes anything; unknown classes
    /// stay inert values).
    ///
    /// # Errors
    ///
    /// [`ConnectionError::Deserialize`] when the message is not a valid pickle; otherwise as
    /// [`recv_bytes`](Connection::recv_bytes).
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::Value;
    /// let (a, b) = pythreading_mp::connection::Pipe::new()?;
    /// a.send(&7u8)?;
    /// assert_eq!(b.recv_value()?, Value::Int(7));
    /// # Ok::<(), pythreading_mp::connection::ConnectionError>(())
    /// ```
    pub fn recv_value(&self) -> Result<Value, ConnectionError> {
        let bytes = self.recv_bytes()?;
        pickle::loads(&bytes).map_err(|e| ConnectionError::from_pickle(e, bytes))
    }

    /// Whether a message (or the end of the stream) can be read without blocking, waiting up to
    /// `timeout` for one (Python's `poll`; `Duration::ZERO` checks and returns at once,
    /// `Duration::MAX` waits forever).
    ///
    /// Returns `true` at the end of the stream too: the next [`recv`](Connection::recv) then
    /// reports [`ConnectionError::Eof`], as in Python.
    ///
    /// # Errors
    ///
    /// [`ConnectionError::Closed`], [`ConnectionError::WriteOnly`], [`ConnectionError::Io`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let (a, b) = pythreading_mp::connection::Pipe::new()?;
    /// assert!(!b.poll(Duration::ZERO)?);
    /// a.send_bytes(b"x")?;
    /// assert!(b.poll(Duration::from_secs(5))?);
    /// # Ok::<(), pythreading_mp::connection::ConnectionError>(())
    /// ```
    pub fn poll(&self, timeout: Duration) -> Result<bool, ConnectionError> {
        self.check_read()?;
        let mut reader = lock(&self.reader);
        if !reader.buffer().is_empty() {
            return Ok(true);
        }
        let stream = reader.get_ref();
        // An absurdly long timeout is "forever": `set_read_timeout` takes `None` for that.
        let forever = timeout >= Duration::from_secs(u64::MAX / 4);
        if timeout.is_zero() {
            stream.set_nonblocking(true)?;
        } else if !forever {
            stream.set_read_timeout(Some(timeout))?;
        }
        let result = loop {
            match reader.fill_buf() {
                Ok(_) => break Ok(true),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    break Ok(false);
                }
                Err(e) => break Err(ConnectionError::Io(e)),
            }
        };
        let stream = reader.get_ref();
        let restored = if timeout.is_zero() {
            stream.set_nonblocking(false)
        } else {
            stream.set_read_timeout(None)
        };
        restored?;
        result
    }

    /// Closes this end (Python's `close`): the peer's next `recv` after the messages already
    /// sent reports the end of the stream. Further operations on this end fail with
    /// [`ConnectionError::Closed`]. Closing twice is fine. Dropping a connection closes it too.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::connection::{ConnectionError, Pipe};
    /// let (a, b) = Pipe::new()?;
    /// a.send_bytes(b"last")?;
    /// a.close();
    /// a.close();
    /// assert!(matches!(a.send_bytes(b"x"), Err(ConnectionError::Closed)));
    /// assert_eq!(b.recv_bytes()?, b"last");
    /// assert!(b.recv_bytes().unwrap_err().is_eof());
    /// # Ok::<(), ConnectionError>(())
    /// ```
    pub fn close(&self) {
        if !self.closed.swap(true, Ordering::AcqRel) {
            // Shutting down through a handle of its own takes no lock, so a close from another
            // thread also wakes a thread blocked in `recv` or `send`.
            let _ = self.control.shutdown(Shutdown::Both);
        }
    }
}
