//! A socket whose reads and writes share one deadline (the handshake and first request must all
//! fit in it) and, after authentication, an idle timeout per read.
//!
//! A per-read socket timeout alone restarts with every byte: a client trickling one byte every
//! few seconds would hold its connection for ever. Here each read and write is given only what
//! is left until the deadline.

use std::cell::Cell;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// A `TcpStream` with an overall deadline and an idle timeout.
pub(crate) struct DeadlineStream {
    stream: TcpStream,
    deadline: Cell<Option<Instant>>,
    idle: Cell<Option<Duration>>,
    /// The read and write timeouts last set on the socket (`None` inside: not set yet), so
    /// that an unchanged timeout costs no system call.
    read_set: Cell<Option<Option<Duration>>>,
    write_set: Cell<Option<Option<Duration>>>,
}

impl DeadlineStream {
    pub(crate) fn new(stream: TcpStream, deadline: Instant) -> Self {
        DeadlineStream {
            stream,
            deadline: Cell::new(Some(deadline)),
            idle: Cell::new(None),
            read_set: Cell::new(None),
            write_set: Cell::new(None),
        }
    }

    /// Ends the deadline; from now on each read may wait at most `idle` (`None`: for ever).
    pub(crate) fn authenticated(&self, idle: Option<Duration>) {
        self.deadline.set(None);
        self.idle.set(idle);
    }

    /// The timeout the next operation gets, or `TimedOut` if the deadline has passed.
    fn budget(&self, per_op: Option<Duration>) -> io::Result<Option<Duration>> {
        let Some(deadline) = self.deadline.get() else {
            return Ok(per_op);
        };
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "handshake deadline passed",
            ));
        }
        Ok(Some(per_op.map_or(left, |p| p.min(left))))
    }
}

impl Read for DeadlineStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let timeout = self.budget(self.idle.get())?;
        if self.read_set.get() != Some(timeout) {
            self.stream.set_read_timeout(timeout)?;
            self.read_set.set(Some(timeout));
        }
        self.stream.read(buf)
    }
}

impl Write for DeadlineStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // A client that stops reading its replies is as idle as one that stops sending.
        let timeout = self.budget(self.idle.get())?;
        if self.write_set.get() != Some(timeout) {
            self.stream.set_write_timeout(timeout)?;
            self.write_set.set(Some(timeout));
        }
        self.stream.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}
