//! How a [`RedisQueue`](crate::RedisQueue) leases, retries and dead-letters.

use std::time::Duration;

/// Options of a queue: the lease time, the most deliveries, the consumer group.
///
/// # Examples
///
/// ```
/// use pythreading_redis::QueueOptions;
/// use std::time::Duration;
/// let o = QueueOptions::new().with_lease_time(Duration::from_secs(5)).with_max_deliveries(3);
/// assert_eq!(o.lease_time(), Duration::from_secs(5));
/// assert_eq!(o.max_deliveries(), 3);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueOptions {
    lease_time: Duration,
    max_deliveries: u32,
    group: String,
    reconnect_for: Duration,
}

impl Default for QueueOptions {
    fn default() -> Self {
        QueueOptions {
            lease_time: Duration::from_secs(30),
            max_deliveries: 5,
            group: "pythreading".to_string(),
            reconnect_for: Duration::from_secs(30),
        }
    }
}

impl QueueOptions {
    /// The defaults: 30 s leases, 5 deliveries, group `pythreading`, 30 s of reconnecting.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(pythreading_redis::QueueOptions::new().max_deliveries(), 5);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// How long a taken item may stay unacknowledged (its consumer silent) before another
    /// consumer's `get` claims it (at least 1 ms).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_redis::QueueOptions;
    /// # use std::time::Duration;
    /// let o = QueueOptions::new().with_lease_time(Duration::ZERO);
    /// assert_eq!(o.lease_time(), Duration::from_millis(1));
    /// ```
    pub fn with_lease_time(mut self, lease_time: Duration) -> Self {
        self.lease_time = lease_time.max(Duration::from_millis(1));
        self
    }

    /// The lease time.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_redis::QueueOptions;
    /// assert_eq!(QueueOptions::new().lease_time().as_secs(), 30);
    /// ```
    pub fn lease_time(&self) -> std::time::Duration {
        self.lease_time
    }

    /// After this many deliveries an item goes to the dead-letter stream (`<queue>:dead`)
    /// instead of being delivered again (at least 1).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_redis::QueueOptions;
    /// assert_eq!(QueueOptions::new().with_max_deliveries(0).max_deliveries(), 1);
    /// ```
    pub fn with_max_deliveries(mut self, n: u32) -> Self {
        self.max_deliveries = n.max(1);
        self
    }

    /// The most deliveries.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_redis::QueueOptions;
    /// assert_eq!(QueueOptions::new().max_deliveries(), 5);
    /// ```
    pub fn max_deliveries(&self) -> u32 {
        self.max_deliveries
    }

    /// The consumer group every client of the queue shares (one group: each item goes to one
    /// consumer).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_redis::QueueOptions;
    /// assert_eq!(QueueOptions::new().with_group("g").group(), "g");
    /// ```
    pub fn with_group(mut self, group: impl Into<String>) -> Self {
        self.group = group.into();
        self
    }

    /// The consumer group.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_redis::QueueOptions;
    /// assert_eq!(QueueOptions::new().group(), "pythreading");
    /// ```
    pub fn group(&self) -> &str {
        &self.group
    }

    /// How long a waiting `get` keeps reconnecting to a Redis that went away before it fails
    /// with [`RedisQueueError::ConnectionLost`](crate::RedisQueueError::ConnectionLost).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_redis::QueueOptions;
    /// # use std::time::Duration;
    /// let o = QueueOptions::new().with_reconnect_for(Duration::from_secs(2));
    /// assert_eq!(o.reconnect_for(), Duration::from_secs(2));
    /// ```
    pub fn with_reconnect_for(mut self, d: Duration) -> Self {
        self.reconnect_for = d;
        self
    }

    /// How long a waiting `get` keeps reconnecting.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_redis::QueueOptions;
    /// assert_eq!(QueueOptions::new().reconnect_for().as_secs(), 30);
    /// ```
    pub fn reconnect_for(&self) -> Duration {
        self.reconnect_for
    }
}
