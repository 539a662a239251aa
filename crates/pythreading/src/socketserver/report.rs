//! What a server can tell about itself: counts while serving, and what closing it found.

use super::pool::{Closing, Counts};

/// A server's counts at one moment ([`TcpServer::stats`](super::TcpServer::stats)).
///
/// # Examples
///
/// ```
/// use pythreading::socketserver::TcpServer;
///
/// let server = TcpServer::bind("127.0.0.1:0").build_fn(|_| Ok(())).unwrap();
/// let stats = server.stats();
/// assert_eq!(stats.active(), 0);
/// assert_eq!(stats.threads(), 0); // threads start with the first connection
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats(pub(crate) Counts);

impl Stats {
    /// Connections accepted and not yet finished (waiting for a thread or being handled);
    /// never more than [`max_handlers`](super::TcpServerBuilder::max_handlers).
    pub fn active(&self) -> usize {
        self.0.in_flight
    }

    /// Live handler threads, busy or idle; never more than `max_handlers`.
    pub fn threads(&self) -> usize {
        self.0.threads
    }

    /// The most handler threads alive at once since the server started.
    pub fn peak_threads(&self) -> usize {
        self.0.peak_threads
    }

    /// Connections whose handler has returned (or panicked).
    pub fn handled(&self) -> u64 {
        self.0.handled
    }

    /// Errors given to the [`handle_error`](super::TcpServerBuilder::handle_error) hook.
    pub fn errors(&self) -> u64 {
        self.0.errors
    }
}

/// What [`server_close`](super::TcpServer::server_close) found and did.
///
/// # Examples
///
/// ```
/// use pythreading::socketserver::TcpServer;
///
/// let server = TcpServer::bind("127.0.0.1:0").build_fn(|_| Ok(())).unwrap();
/// let report = server.server_close();
/// assert_eq!(report.forced(), 0);
/// assert!(report.is_clean());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "the report says whether handlers were still running"]
pub struct CloseReport(pub(crate) Closing);

impl CloseReport {
    /// Accepted connections no handler had started on; closed unanswered.
    pub fn unanswered(&self) -> usize {
        self.0.unanswered
    }

    /// Connections still open when the close deadline passed, whose sockets were then shut
    /// both ways.
    pub fn forced(&self) -> usize {
        self.0.forced
    }

    /// Handler threads still running when `server_close` returned: 0 unless the server does
    /// not wait for them (`daemon_threads`, or `block_on_close(false)`), or a handler ignores
    /// its socket's errors.
    pub fn still_running(&self) -> usize {
        self.0.still_running
    }

    /// Whether every handler had returned by the time `server_close` did.
    pub fn is_clean(&self) -> bool {
        self.0.still_running == 0
    }
}
