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
    max_unauthenticated: usize,
    idle_timeout: Option<Duration>,
    max_objects: usize,
    max_objects_per_connection: usize,
    max_reply: usize,
    plain_data: bool,
    shutdown_grace: Duration,
    at_least_once: bool,
    lease_timeout: Option<Duration>,
    max_deliveries: u32,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            max_frame: 16 * 1024 * 1024,
            max_connections: 512,
            handshake_timeout: Duration::from_secs(10),
            pickle_limits: None,
            max_unauthenticated: 64,
            idle_timeout: None,
            max_objects: 100_000,
            max_objects_per_connection: 10_000,
            max_reply: 256 * 1024 * 1024,
            plain_data: false,
            shutdown_grace: Duration::from_secs(5),
            at_least_once: false,
            lease_timeout: None,
            max_deliveries: 5,
        }
    }
}

impl ServerConfig {
    /// The largest frame accepted after authentication (default 16 MiB; handshake frames are
    /// always capped at 256 bytes).
    ///
    /// # Examples
    ///
    /// ```
    /// let c = pythreading_mp::managers::ServerConfig::default();
    /// assert_eq!(c.max_frame(), 16 * 1024 * 1024);
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

    /// The most authenticated connections served at once (default 512). A client that
    /// authenticates beyond it gets CPython's error reply (`#TRACEBACK`, a `RemoteError` in a
    /// CPython client) to its first request, then the connection closes.
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
    /// the input length capped at [`max_frame`](ServerConfig::max_frame) and the memory one
    /// decode may hold capped at 256 MiB ([`Limits::max_decoded`]: a pickle costs up to ~170
    /// bytes per input byte while it is decoded, so a frame's cost is tied to its length and
    /// bounded by this cap).
    ///
    /// # Examples
    ///
    /// ```
    /// let c = pythreading_mp::managers::ServerConfig::default().with_max_frame(1 << 20);
    /// assert_eq!(c.pickle_limits().max_input_len(), 1 << 20);
    /// ```
    pub fn pickle_limits(&self) -> Limits {
        self.pickle_limits.unwrap_or_else(|| {
            Limits::default()
                .with_max_input_len(self.max_frame)
                .with_max_decoded(256 << 20)
        })
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

    /// The most connections that have not authenticated yet (default 64). When one more
    /// arrives, the oldest of them is closed: clients that know the key need a few
    /// milliseconds to authenticate, so a flood of silent or trickling sockets cannot keep them
    /// out.
    ///
    /// # Examples
    ///
    /// ```
    /// let c = pythreading_mp::managers::ServerConfig::default();
    /// assert_eq!(c.max_unauthenticated(), 64);
    /// ```
    pub fn max_unauthenticated(&self) -> usize {
        self.max_unauthenticated
    }

    /// Sets the most connections not yet authenticated (at least 1).
    ///
    /// # Examples
    ///
    /// ```
    /// let c = pythreading_mp::managers::ServerConfig::default().with_max_unauthenticated(8);
    /// assert_eq!(c.max_unauthenticated(), 8);
    /// ```
    pub fn with_max_unauthenticated(mut self, n: usize) -> Self {
        self.max_unauthenticated = n.max(1);
        self
    }

    /// How long an authenticated connection may stay silent between requests (or leave a reply
    /// unread) before it is closed; `None` (the default) waits for ever, as CPython does. A
    /// CPython proxy whose connection was closed fails its next call, so set this only where
    /// clients are expected to call regularly.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(pythreading_mp::managers::ServerConfig::default().idle_timeout(), None);
    /// ```
    pub fn idle_timeout(&self) -> Option<Duration> {
        self.idle_timeout
    }

    /// Sets the idle timeout (`None` or `Duration::MAX`: none).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let c = pythreading_mp::managers::ServerConfig::default()
    ///     .with_idle_timeout(Some(Duration::from_secs(600)));
    /// assert_eq!(c.idle_timeout(), Some(Duration::from_secs(600)));
    /// ```
    pub fn with_idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.idle_timeout = timeout
            .filter(|t| *t != Duration::MAX)
            .map(|t| t.max(Duration::from_millis(1)));
        self
    }

    /// The most objects the server holds at once (default 100,000); a `create` beyond it
    /// raises `MemoryError` in the client.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(pythreading_mp::managers::ServerConfig::default().max_objects(), 100_000);
    /// ```
    pub fn max_objects(&self) -> usize {
        self.max_objects
    }

    /// Sets the most objects held at once.
    ///
    /// # Examples
    ///
    /// ```
    /// let c = pythreading_mp::managers::ServerConfig::default().with_max_objects(10);
    /// assert_eq!(c.max_objects(), 10);
    /// ```
    pub fn with_max_objects(mut self, n: usize) -> Self {
        self.max_objects = n;
        self
    }

    /// The most objects one connection may create (default 10,000): `create` calls and results
    /// kept on the server (`#PROXY`) made over it, whether or not they were released since.
    ///
    /// # Examples
    ///
    /// ```
    /// let c = pythreading_mp::managers::ServerConfig::default();
    /// assert_eq!(c.max_objects_per_connection(), 10_000);
    /// ```
    pub fn max_objects_per_connection(&self) -> usize {
        self.max_objects_per_connection
    }

    /// Sets the most objects one connection may create.
    ///
    /// # Examples
    ///
    /// ```
    /// let c = pythreading_mp::managers::ServerConfig::default().with_max_objects_per_connection(3);
    /// assert_eq!(c.max_objects_per_connection(), 3);
    /// ```
    pub fn with_max_objects_per_connection(mut self, n: usize) -> Self {
        self.max_objects_per_connection = n;
        self
    }

    /// The largest reply the server builds, in estimated bytes (default 256 MiB); a method
    /// whose result would be larger raises `MemoryError` instead.
    ///
    /// # Examples
    ///
    /// ```
    /// let c = pythreading_mp::managers::ServerConfig::default();
    /// assert_eq!(c.max_reply(), 256 * 1024 * 1024);
    /// ```
    pub fn max_reply(&self) -> usize {
        self.max_reply
    }

    /// Sets the largest reply.
    ///
    /// # Examples
    ///
    /// ```
    /// let c = pythreading_mp::managers::ServerConfig::default().with_max_reply(1 << 20);
    /// assert_eq!(c.max_reply(), 1 << 20);
    /// ```
    pub fn with_max_reply(mut self, bytes: usize) -> Self {
        self.max_reply = bytes;
        self
    }

    /// Whether the server refuses values that name a global outside the protocol's own
    /// (default `false`). The server never runs a pickle, but it hands stored values to the
    /// next consumer unchanged, and a CPython consumer *does* run them when it unpickles: with
    /// this on, a `REDUCE` of `os.system` put into a queue is refused with a `TypeError` to the
    /// putter instead of reaching a Python worker.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!pythreading_mp::managers::ServerConfig::default().plain_data());
    /// ```
    pub fn plain_data(&self) -> bool {
        self.plain_data
    }

    /// Sets plain-data mode (see [`plain_data`](ServerConfig::plain_data)).
    ///
    /// # Examples
    ///
    /// ```
    /// let c = pythreading_mp::managers::ServerConfig::default().with_plain_data(true);
    /// assert!(c.plain_data());
    /// ```
    pub fn with_plain_data(mut self, on: bool) -> Self {
        self.plain_data = on;
        self
    }

    /// How long stopping the server waits for its connection threads to end (default 5 s).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let c = pythreading_mp::managers::ServerConfig::default();
    /// assert_eq!(c.shutdown_grace(), Duration::from_secs(5));
    /// ```
    pub fn shutdown_grace(&self) -> Duration {
        self.shutdown_grace
    }

    /// Sets how long stopping waits for connection threads.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let c = pythreading_mp::managers::ServerConfig::default()
    ///     .with_shutdown_grace(Duration::from_secs(1));
    /// assert_eq!(c.shutdown_grace(), Duration::from_secs(1));
    /// ```
    pub fn with_shutdown_grace(mut self, grace: Duration) -> Self {
        self.shutdown_grace = grace;
        self
    }

    /// Whether every plain `get()` on a served queue is leased to its connection until the
    /// connection's `task_done()` (default `false`: CPython's at-most-once). With it, a worker
    /// killed before `task_done()` has its item delivered again; see
    /// [`store`](crate::managers::store) for what that promises.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!pythreading_mp::managers::ServerConfig::default().at_least_once());
    /// ```
    pub fn at_least_once(&self) -> bool {
        self.at_least_once
    }

    /// Sets at-least-once delivery for plain `get()`s (`serve --at-least-once`).
    ///
    /// # Examples
    ///
    /// ```
    /// let c = pythreading_mp::managers::ServerConfig::default().with_at_least_once(true);
    /// assert!(c.at_least_once());
    /// ```
    #[doc(alias = "acks_late")]
    pub fn with_at_least_once(mut self, on: bool) -> Self {
        self.at_least_once = on;
        self
    }

    /// How long a lease may be held unacked while its connection stays up before its item is
    /// delivered again (default `None`: until the connection closes).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(pythreading_mp::managers::ServerConfig::default().lease_timeout(), None);
    /// ```
    #[doc(alias = "visibility_timeout")]
    pub fn lease_timeout(&self) -> Option<Duration> {
        self.lease_timeout
    }

    /// Sets the lease timeout.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let c = pythreading_mp::managers::ServerConfig::default()
    ///     .with_lease_timeout(Some(Duration::from_secs(30)));
    /// assert_eq!(c.lease_timeout(), Some(Duration::from_secs(30)));
    /// ```
    pub fn with_lease_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.lease_timeout = timeout;
        self
    }

    /// How many deliveries an item gets before, still unacked, it goes to its queue's
    /// dead-letter queue instead (default 5; a named queue's is served as `<typeid>_dead`).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(pythreading_mp::managers::ServerConfig::default().max_deliveries(), 5);
    /// ```
    pub fn max_deliveries(&self) -> u32 {
        self.max_deliveries
    }

    /// Sets the deliveries before dead-lettering (at least 1).
    ///
    /// # Examples
    ///
    /// ```
    /// let c = pythreading_mp::managers::ServerConfig::default().with_max_deliveries(3);
    /// assert_eq!(c.max_deliveries(), 3);
    /// ```
    pub fn with_max_deliveries(mut self, n: u32) -> Self {
        self.max_deliveries = n.max(1);
        self
    }

    /// The lease policy of every served queue.
    pub(crate) fn lease_policy(&self) -> super::served::LeasePolicy {
        super::served::LeasePolicy {
            at_least_once: self.at_least_once,
            lease_timeout: self.lease_timeout,
            max_deliveries: self.max_deliveries,
        }
    }
}
