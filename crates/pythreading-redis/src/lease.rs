//! `Lease<T>`: an item taken from a [`RedisQueue`] that is not finished until acknowledged.

use std::fmt;
use std::time::Duration;

use pythreading_mp::managers::RemoteValue;

use crate::error::RedisGetError;
use crate::error::RedisQueueError;
use crate::queue::{RedisQueue, Waiting};

/// An item held under a lease: [`ack`](Lease::ack) finishes it; dropped unacknowledged (a
/// worker that failed, or panicked) it is redelivered at once, ahead of new items (to the
/// next `get_leased`; a plain `get` may take new items first for up to a second, see
/// [`RedisQueue::get`]), with its delivery count kept; if the whole process dies, the next
/// `get` after the lease time claims it.
///
/// # Examples
///
/// ```no_run
/// use pythreading_redis::RedisQueue;
/// let q = RedisQueue::<String>::connect("redis://127.0.0.1:6379/", "jobs")?;
/// q.put("job".to_string())?;
/// drop(q.get_leased()?); // not acknowledged: back in the queue
/// let again = q.get_leased()?;
/// assert_eq!(again.deliveries(), 2);
/// assert!(again.ack()?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Lease<'q, T: RemoteValue> {
    queue: &'q RedisQueue<T>,
    id: String,
    item: T,
    deliveries: u64,
    settled: bool,
}

impl<T: RemoteValue + fmt::Debug> fmt::Debug for Lease<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lease")
            .field("queue", &self.queue.name())
            .field("id", &self.id)
            .field("item", &self.item)
            .field("deliveries", &self.deliveries)
            .finish()
    }
}

impl<'q, T: RemoteValue> Lease<'q, T> {
    pub(crate) fn new(queue: &'q RedisQueue<T>, id: String, item: T, deliveries: u64) -> Self {
        Lease {
            queue,
            id,
            item,
            deliveries,
            settled: false,
        }
    }

    /// The item.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use pythreading_redis::RedisQueue;
    /// # let q = RedisQueue::<i64>::connect("redis://127.0.0.1:6379/", "jobs")?;
    /// q.put(3)?;
    /// assert_eq!(*q.get_leased()?.item(), 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn item(&self) -> &T {
        &self.item
    }

    /// The item's stream id.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use pythreading_redis::RedisQueue;
    /// # let q = RedisQueue::<i64>::connect("redis://127.0.0.1:6379/", "jobs")?;
    /// q.put(3)?;
    /// assert!(q.get_leased()?.id().contains('-'));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn id(&self) -> &str {
        &self.id
    }

    /// How many times the item was delivered, this time included (1 the first time).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use pythreading_redis::RedisQueue;
    /// # let q = RedisQueue::<i64>::connect("redis://127.0.0.1:6379/", "jobs")?;
    /// q.put(3)?;
    /// assert_eq!(q.get_leased()?.deliveries(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn deliveries(&self) -> u64 {
        self.deliveries
    }

    /// Finishes the item: acknowledged, deleted from the stream, one fewer unfinished task.
    /// `Ok(false)` when the lease was no longer this consumer's: it ran out and another
    /// consumer took the item, which that consumer will finish (the work is then done twice;
    /// results must be keyed by task).
    ///
    /// # Errors
    ///
    /// A [`RedisQueueError`]; the lease is then left to run out, and the item is redelivered.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use pythreading_redis::RedisQueue;
    /// # let q = RedisQueue::<i64>::connect("redis://127.0.0.1:6379/", "jobs")?;
    /// q.put(3)?;
    /// assert!(q.get_leased()?.ack()?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[doc(alias = "task_done")]
    pub fn ack(mut self) -> Result<bool, RedisQueueError> {
        self.settled = true;
        self.queue.ack_lease(&self.id)
    }

    /// Finishes the item as [`ack`](Lease::ack) does and takes the next one under a lease, in
    /// one round trip when an item is waiting: a worker's loop costs one round trip per task
    /// instead of two. The ack runs in Redis before the next item is taken, in the same
    /// atomic script, so it is stored before the next item is handed out.
    ///
    /// Returns the ack's outcome (as [`ack`](Lease::ack)'s; an error only when Redis never
    /// answered: if an answer was lost and the call was sent again, the lease was already
    /// finished and the outcome is `Ok(false)`) and the get's (as
    /// [`get_leased`](RedisQueue::get_leased)'s, waiting for an item).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use pythreading_redis::RedisQueue;
    /// # let q = RedisQueue::<i64>::connect("redis://127.0.0.1:6379/", "jobs")?;
    /// q.put(1)?;
    /// q.put(2)?;
    /// let first = q.get_leased()?;
    /// let (acked, next) = first.ack_and_get_leased();
    /// assert!(acked?);
    /// let second = next?;
    /// assert_eq!(*second.item(), 2);
    /// assert!(second.ack()?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn ack_and_get_leased(
        mut self,
    ) -> (
        Result<bool, RedisQueueError>,
        Result<Lease<'q, T>, RedisGetError>,
    ) {
        self.settled = true;
        self.queue
            .ack_and_get_lease(Some(&self.id), Waiting::Until(None))
    }

    /// As [`ack_and_get_leased`](Lease::ack_and_get_leased), waiting at most `timeout` for
    /// the next item (the ack is done either way).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use pythreading_redis::RedisQueue;
    /// # use std::time::Duration;
    /// # let q = RedisQueue::<i64>::connect("redis://127.0.0.1:6379/", "only_one")?;
    /// q.put(1)?;
    /// let (acked, next) = q.get_leased()?.ack_and_get_leased_timeout(Duration::from_millis(10));
    /// assert!(acked?);
    /// assert!(next.unwrap_err().is_timeout());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn ack_and_get_leased_timeout(
        mut self,
        timeout: Duration,
    ) -> (
        Result<bool, RedisQueueError>,
        Result<Lease<'q, T>, RedisGetError>,
    ) {
        self.settled = true;
        self.queue
            .ack_and_get_lease(Some(&self.id), Waiting::timeout(timeout))
    }

    /// Gives the item back at once, for the next `get` of any consumer; `Ok(false)` when the
    /// lease was no longer this consumer's.
    ///
    /// # Errors
    ///
    /// A [`RedisQueueError`]; the item is then redelivered after the lease time.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use pythreading_redis::RedisQueue;
    /// # let q = RedisQueue::<i64>::connect("redis://127.0.0.1:6379/", "jobs")?;
    /// q.put(3)?;
    /// assert!(q.get_leased()?.release()?);
    /// assert_eq!(q.get()?, 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn release(mut self) -> Result<bool, RedisQueueError> {
        self.settled = true;
        self.queue.release_lease(&self.id)
    }

    /// Starts the lease time again (for a task that runs longer than it); `Ok(false)` when
    /// the lease was no longer this consumer's.
    ///
    /// # Errors
    ///
    /// A [`RedisQueueError`].
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use pythreading_redis::RedisQueue;
    /// # let q = RedisQueue::<i64>::connect("redis://127.0.0.1:6379/", "jobs")?;
    /// q.put(3)?;
    /// let lease = q.get_leased()?;
    /// assert!(lease.renew()?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn renew(&self) -> Result<bool, RedisQueueError> {
        self.queue.renew_lease(&self.id)
    }
}

impl<T: RemoteValue> Drop for Lease<'_, T> {
    fn drop(&mut self) {
        if !self.settled {
            // A failure here leaves the item leased until its lease time runs out, after
            // which it is redelivered anyway.
            let _ = self.queue.release_lease(&self.id);
        }
    }
}
