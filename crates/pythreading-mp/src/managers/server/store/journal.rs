//! What a durable store writes down: each change to a queue, queued inside the queue's lock
//! in the order the changes are made, and made durable before its caller is answered.

use super::StoreError;
use crate::pickle::Value;

/// An item's place in its queue: smaller first. Items put go to the back (`back`, growing),
/// items given back go to the head (`front`, shrinking).
pub(crate) type Position = i64;

/// A change's place in the journal's sequence of changes (from 1; 0: no change). Waiting for
/// ticket `t` waits for every change up to `t`.
pub(crate) type Ticket = u64;

/// The record a durable backend keeps of one queue. The in-memory store calls the change
/// methods for each change, under its lock (cheap: the change is queued, not written), and
/// [`durable`](Journal::durable) after releasing the lock, before answering its caller.
pub(crate) trait Journal: Send + Sync {
    /// A new item at `pos`: its record's id, and the change's ticket.
    fn appended(&self, pos: Position, item: &Value) -> (u64, Ticket);
    /// Record `row` was delivered (`delivered` times now).
    fn delivered(&self, row: u64, delivered: u32) -> Ticket;
    /// Record `row` is finished (acked, or taken for good).
    fn removed(&self, row: u64) -> Ticket;
    /// Record `row` went back to `pos` (the head).
    fn moved(&self, row: u64, pos: Position) -> Ticket;
    /// Returns once the change `ticket` and all before it are on disk (as the backend's sync
    /// policy promises).
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] if writing them failed (the change is in memory already and is
    /// written by a later commit if the disk recovers).
    fn durable(&self, ticket: Ticket) -> Result<(), StoreError>;
}

/// An item found in the journal when a queue is opened: (record id, position, deliveries,
/// item), in queue order.
pub(crate) type Recovered = (u64, Position, u32, Value);
