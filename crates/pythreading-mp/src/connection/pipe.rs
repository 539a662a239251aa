//! [`Pipe`]: two connected [`Connection`]s over a Unix socketpair.

use std::io;
use std::net::Shutdown;
use std::os::unix::net::UnixStream;

use super::conn::Connection;
use super::stream::Stream;

/// A pair of connected [`Connection`]s (Python's `multiprocessing.Pipe()`).
///
/// Both ends live in this process; hand one to a thread, or, to talk to a child process, use a
/// [`Listener`](super::Listener) and [`Client`](super::Client) or a process-shared
/// [`Queue`](crate::queues::Queue) (a connection is not serializable).
///
/// # Examples
///
/// ```
/// use pythreading_mp::connection::Pipe;
///
/// let (a, b) = Pipe::new()?;
/// a.send(&[1, 2, 3])?;
/// b.send(&"back")?;
/// assert_eq!(b.recv::<Vec<u8>>()?, [1, 2, 3]);
/// assert_eq!(a.recv::<String>()?, "back");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy)]
#[doc(alias = "Pipe()")]
pub struct Pipe;

impl Pipe {
    /// A duplex pipe: both ends send and receive (Python's `Pipe()`, `duplex=True`).
    ///
    /// # Errors
    ///
    /// The operating system's error when no socketpair can be made (e.g. out of descriptors).
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, b) = pythreading_mp::connection::Pipe::new()?;
    /// assert!(a.readable() && a.writable() && b.readable() && b.writable());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[allow(clippy::new_ret_no_self)]
    pub fn new() -> io::Result<(Connection, Connection)> {
        Pipe::duplex(true)
    }

    /// A pipe that is duplex or, with `false`, one-way: `(receiver, sender)`, as Python's
    /// `Pipe(duplex=False)` returns them. A one-way end refuses the other direction with
    /// [`ConnectionError::ReadOnly`](super::ConnectionError::ReadOnly) /
    /// [`ConnectionError::WriteOnly`](super::ConnectionError::WriteOnly).
    ///
    /// # Errors
    ///
    /// As [`Pipe::new`].
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::connection::{ConnectionError, Pipe};
    /// let (r, w) = Pipe::duplex(false)?;
    /// w.send(&1)?;
    /// assert_eq!(r.recv::<i32>()?, 1);
    /// assert!(matches!(r.send(&2), Err(ConnectionError::ReadOnly)));
    /// assert!(matches!(w.recv::<i32>(), Err(ConnectionError::WriteOnly)));
    /// # Ok::<(), ConnectionError>(())
    /// ```
    pub fn duplex(duplex: bool) -> io::Result<(Connection, Connection)> {
        let (a, b) = UnixStream::pair()?;
        if duplex {
            Ok((
                Connection::from_stream(Stream::Unix(a), true, true)?,
                Connection::from_stream(Stream::Unix(b), true, true)?,
            ))
        } else {
            // The unused directions are shut, so neither side can buffer data nobody will read.
            a.shutdown(Shutdown::Write)?;
            b.shutdown(Shutdown::Read)?;
            Ok((
                Connection::from_stream(Stream::Unix(a), true, false)?,
                Connection::from_stream(Stream::Unix(b), false, true)?,
            ))
        }
    }
}
