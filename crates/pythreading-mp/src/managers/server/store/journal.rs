//! What a durable store writes down: each change to a queue, made inside the queue's lock
//! before the change is visible (so an acknowledged put is on disk before its reply).

use super::StoreError;
use crate::pickle::Value;

/// An item's place in its queue: smaller first. Items put go to the back (`back`, growing),
/// items given back go to the head (`front`, shrinking).
pub(crate) type Position = i64;

/// The record a durable backend keeps of one queue. The in-memory store calls it for each
/// change, under its lock; a failure leaves the change undone and is returned to the caller.
pub(crate) trait Journal: Send + Sync {
    /// A new item at `pos`; returns its record's id.
    fn appended(&self, pos: Position, item: &Value) -> Result<u64, StoreError>;
    /// Record `row` was delivered (`delivered` times now).
    fn delivered(&self, row: u64, delivered: u32) -> Result<(), StoreError>;
    /// Record `row` is finished (acked, or taken for good).
    fn removed(&self, row: u64) -> Result<(), StoreError>;
    /// Record `row` went back to `pos` (the head).
    fn moved(&self, row: u64, pos: Position) -> Result<(), StoreError>;
}

/// An item found in the journal when a queue is opened: (record id, position, deliveries,
/// item), in queue order.
pub(crate) type Recovered = (u64, Position, u32, Value);
