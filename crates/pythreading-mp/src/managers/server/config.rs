//! Limits of a manager server, with safe defaults.

use std::time::Duration;

use crate::pickle::Limits;

/// Limits a [`Server`](super::Server) enforces on its clients.
///
/// CPython has no limits after authentication; ours are generous but finite so that a client
/// cannot make the server hold unbounded memory or threads.
///
/// # Examples
///
/// ```
/// use pythreading_mp::managers::ServerConfig;
/// use std::time::Duration;
/// let config = ServerConfig::default()
///     .with_max_connections(64)
///     .with_handshake_timeout(Duration::from_secs(2));
/// assert_eq!(config.max_connections(), 64);
/// ```
#[derive(Debug, Clone)]
pub struct ServerConfig {
    max_frame: usize,
    max_connections: usize,
    handshake_timeout: Duration,
    pickle_limits: Option<Limits>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            max_frame: 64 * 1024 * 1024,
            max_connections: 512,
            handshake_timeout: Duration::from_secs(10),
            pickle_limits: None,
        }
    }
}

impl ServerConfig {
    /// The largest frame accepted after authentication (default 64 MiB; handshake frames are
    /// always capped at 256 bytes).
    ///
    /// # Examples
    ///
    /// ```
    /// let c = pythreading_mp::managers::ServerConfig::default();
    /// assert_eq!(c.max_frame(), 64 * 1024 * 1024);
    /// ```
    pub fn max_frame(&self) -> usize {
        self.max_frame
    }

    /// Sets the largest frame accepted after authentication.
    ///
    /// # Examples
    ///
    /// ```
    /// let c = pythreading_mp::managers::ServerConfig::default().with_max_frame(1024);
    /// assert_eq!(c.max_frame(), 1024);
    /// ```
    pub fn with_max_frame(mut self, bytes: usize) -> Self {
        self.max_frame = bytes;
        self
    }

    /// The most connections served at once (default 512); more are closed on accept.
    ///
    /// # Examples
    ///
    /// ```
    /// let c = pythreading_mp::managers::ServerConfig::default();
    /// assert_eq!(c.max_connections(), 512);
    /// ```
    pub fn max_connections(&self) -> usize {
        self.max_connections
    }

    /// Sets the most connections served at once.
    ///
    /// # Examples
    ///
    /// ```
    /// let c = pythreading_mp::managers::ServerConfig::default().with_max_connections(8);
    /// assert_eq!(c.max_connections(), 8);
    /// ```
    pub fn with_max_connections(mut self, n: usize) -> Self {
        self.max_connections = n.max(1);
        self
    }

    /// How long a client may take over the whole handshake and its first request (default 10 s).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let c = pythreading_mp::managers::ServerConfig::default();
    /// assert_eq!(c.handshake_timeout(), Duration::from_secs(10));
    /// ```
    pub fn handshake_timeout(&self) -> Duration {
        self.handshake_timeout
    }

    /// Sets the handshake timeout (a zero duration means one millisecond).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let c = pythreading_mp::managers::ServerConfig::default()
    ///     .with_handshake_timeout(Duration::from_millis(500));
    /// assert_eq!(c.handshake_timeout(), Duration::from_millis(500));
    /// ```
    pub fn with_handshake_timeout(mut self, timeout: Duration) -> Self {
        self.handshake_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// The limits every request's pickle is read with. Unless set, [`Limits::default()`] with
    /// the input length capped at [`max_frame`](ServerConfig::max_frame).
    ///
    /// # Examples
    ///
    /// ```
    /// let c = pythreading_mp::managers::ServerConfig::default().with_max_frame(1 << 20);
    /// assert_eq!(c.pickle_limits().max_input_len(), 1 << 20);
    /// ```
    pub fn pickle_limits(&self) -> Limits {
        self.pickle_limits
            .unwrap_or_else(|| Limits::default().with_max_input_len(self.max_frame))
    }

    /// Sets the limits requests' pickles are read with.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::managers::ServerConfig;
    /// use pythreading_mp::pickle::Limits;
    /// let c = ServerConfig::default().with_pickle_limits(Limits::new().with_max_depth(50));
    /// assert_eq!(c.pickle_limits().max_depth(), 50);
    /// ```
    pub fn with_pickle_limits(mut self, limits: Limits) -> Self {
        self.pickle_limits = Some(limits);
        self
    }
}
