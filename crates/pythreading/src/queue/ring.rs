//! The bounded FIFO buffer of `Queue`: a ring of slots with stamps, in the manner of
//! crossbeam-channel's array flavour, with no `unsafe`.
//!
//! # The protocol
//!
//! `head` and `tail` are positions: an index into `slots` plus a lap count (a multiple of
//! `one_lap`), and `tail` carries one more bit, `mark`, set once by shutdown. Every slot has a
//! stamp saying what may happen to it next:
//! - `stamp == tail`: the slot is free for the put at position `tail`;
//! - `stamp == head + 1`: the slot holds the item for the get at position `head`;
//! - anything else: another thread is between claiming the slot and publishing it.
//!
//! A put takes the slot's lock, checks the stamp, claims the slot by moving `tail` on with a
//! compare-and-swap, writes the item, publishes it by storing `tail + 1` in the stamp (release)
//! and unlocks. A get does the same on `head`, takes the item and frees the slot for the next lap
//! by storing `head + one_lap`. The slot's `Mutex<Option<T>>` is what keeps this module free of
//! `unsafe` (crossbeam keeps items in `UnsafeCell<MaybeUninit<T>>` and relies on the stamps
//! alone), and holding it from the claim to the publication gives two more things:
//! - whoever holds a slot's lock sees a settled stamp, so "full" and "empty" are decided by the
//!   stamp alone, with no second look at the other side's position;
//! - a thread that needs a slot another thread is half-way through blocks on its lock (after a
//!   short spin) instead of spinning behind a holder that may have been preempted.
//!
//! Two threads meet on one slot's lock only when they race for the same position (two puts for
//! one tail) or meet at the boundary (a get waiting for the put of the item it wants): the lock
//! is held for a handful of instructions, so the loser's `try_lock` spin usually succeeds.
//!
//! Puts contend only on `tail` and gets only on `head` (each on its own cache line), so a put
//! and a get never wait for each other, and none of them waits for a thread that has been
//! preempted in the middle of an operation on another slot, as they would behind a lock.
//!
//! Shutdown sets `mark` in `tail` with one atomic `fetch_or`: every put ordered after it fails,
//! every put ordered before it has claimed its slot and will publish it, so a drain after the
//! mark (`shutdown_immediate`) sees every item that will ever be in the ring.
//!
//! A put touches no counter: how many items were ever put is derived from `tail` (its lap and
//! index, [`Ring::puts`]), so `task_done`/`join` (`ring_queue.rs`) keep only a count of tasks
//! done, which puts and gets never touch.

use super::backoff::Backoff;
use std::sync::TryLockError;

use crate::sync::atomic::{AtomicUsize, Ordering};
use crate::sync::{Mutex, MutexGuard, lock};

/// Keeps what it holds on its own cache lines (two of them: x86 prefetches lines in pairs).
#[repr(align(128))]
pub(super) struct Padded<T>(pub(super) T);

/// One place for an item.
struct Slot<T> {
    /// See the module docs.
    stamp: AtomicUsize,
    /// Only ever locked by the thread the stamps give the slot to, so never contended.
    value: Mutex<Option<T>>,
}

/// What the producers write.
pub(super) struct TailLine {
    /// The next put's position, and the shutdown mark.
    pos: AtomicUsize,
}

/// Why a push failed; the item comes back.
pub(super) enum PushError<T> {
    Full(T),
    ShutDown(T),
}

/// Why a pop failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum PopError {
    /// Nothing there now; more may come.
    Empty,
    /// Nothing there and shut down: nothing more will come.
    ShutDown,
}

/// The ring. Capacity at least 1.
pub(super) struct Ring<T> {
    head: Padded<AtomicUsize>,
    tail: Padded<TailLine>,
    slots: Box<[Slot<T>]>,
    /// Set in `tail.pos` by shutdown; above every index.
    mark: usize,
    /// The lap unit: the smallest power of two above `mark`.
    one_lap: usize,
}

impl<T> Ring<T> {
    /// A ring of `capacity` slots (at least 1).
    pub(super) fn new(capacity: usize) -> Self {
        debug_assert!(capacity >= 1);
        let mark = (capacity + 1).next_power_of_two();
        let slots = (0..capacity)
            .map(|i| Slot {
                stamp: AtomicUsize::new(i),
                value: Mutex::new(None),
            })
            .collect();
        Ring {
            head: Padded(AtomicUsize::new(0)),
            tail: Padded(TailLine {
                pos: AtomicUsize::new(0),
            }),
            slots,
            mark,
            one_lap: mark * 2,
        }
    }

    pub(super) fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// How many items have ever been put (slots claimed, published or not), derived from
    /// `tail`: `lap * capacity + index`. `latest`: read by a read-modify-write, which sees the
    /// newest claim in `tail`'s order, rather than by a load. (It wraps after 2^62 or so puts,
    /// a century at a billion puts a second.)
    pub(super) fn puts(&self, latest: bool) -> usize {
        let pos = if latest {
            self.tail.0.pos.fetch_add(0, Ordering::AcqRel)
        } else {
            self.tail.0.pos.load(Ordering::Acquire)
        } & !self.mark;
        let lap = pos / self.one_lap;
        lap.wrapping_mul(self.slots.len())
            .wrapping_add(pos & (self.mark - 1))
    }

    /// The position after `pos` (index + 1, or the start of the next lap).
    fn next(&self, pos: usize) -> usize {
        let index = pos & (self.mark - 1);
        if index + 1 < self.slots.len() {
            pos + 1
        } else {
            (pos & !(self.one_lap - 1)).wrapping_add(self.one_lap)
        }
    }

    /// Locks `slot`, the slot for position `seen` of `pos` (`head` or `tail`). A slot's lock is
    /// held by whoever is between claiming the slot and publishing it, for a few instructions.
    /// When it is taken: if `pos` has moved on, returns the new position at once, so the caller
    /// retries there (as after a failed compare-and-swap); otherwise waits for the holder, a
    /// little spinning first (it is usually running), then blocking on the lock rather than
    /// spinning behind a holder that has been preempted.
    fn lock_slot<'a>(
        slot: &'a Slot<T>,
        pos: &AtomicUsize,
        seen: usize,
        backoff: &mut Backoff,
    ) -> Result<MutexGuard<'a, Option<T>>, usize> {
        loop {
            match slot.value.try_lock() {
                Ok(guard) => return Ok(guard),
                Err(TryLockError::Poisoned(poisoned)) => return Ok(poisoned.into_inner()),
                Err(TryLockError::WouldBlock) => {
                    let now = pos.load(Ordering::Acquire);
                    if now != seen {
                        return Err(now);
                    }
                    if backoff.is_completed() {
                        // Blocking here cannot deadlock: a holder takes no other lock and runs
                        // no user code while it holds this one.
                        return Ok(lock(&slot.value));
                    }
                    backoff.snooze();
                }
            }
        }
    }

    /// Adds `item` at the tail; fails if the ring is full or shut down.
    pub(super) fn try_push(&self, item: T) -> Result<(), PushError<T>> {
        let mut backoff = Backoff::new();
        let mut tail = self.tail.0.pos.load(Ordering::Acquire);
        loop {
            if tail & self.mark != 0 {
                return Err(PushError::ShutDown(item));
            }
            let slot = &self.slots[tail & (self.mark - 1)];
            // Holding the slot's lock, nobody is half-way through this slot: its stamp is settled.
            let mut value = match Self::lock_slot(slot, &self.tail.0.pos, tail, &mut backoff) {
                Ok(guard) => guard,
                Err(now) => {
                    tail = now;
                    continue;
                }
            };
            let stamp = slot.stamp.load(Ordering::Acquire);
            if stamp == tail {
                // The slot is free for this lap: claim it.
                match self.tail.0.pos.compare_exchange_weak(
                    tail,
                    self.next(tail),
                    Ordering::AcqRel,
                    Ordering::Acquire,
                ) {
                    Ok(_) => {
                        // Counted (in `puts`) by the claim, before it is published: a
                        // `task_done` for it cannot come first.
                        *value = Some(item);
                        slot.stamp.store(tail + 1, Ordering::Release);
                        return Ok(());
                    }
                    Err(now) => {
                        drop(value);
                        tail = now;
                        backoff.spin();
                    }
                }
            } else if stamp.wrapping_add(self.one_lap) == tail + 1 {
                // The slot still holds last lap's item, and no get is taking it (that get would
                // hold the lock): the ring is full.
                return Err(PushError::Full(item));
            } else {
                // `tail` is out of date: another put has claimed this position.
                drop(value);
                backoff.spin();
                tail = self.tail.0.pos.load(Ordering::Acquire);
            }
        }
    }

    /// Takes the item at the head.
    pub(super) fn try_pop(&self) -> Result<T, PopError> {
        let mut backoff = Backoff::new();
        let mut head = self.head.0.load(Ordering::Acquire);
        loop {
            let slot = &self.slots[head & (self.mark - 1)];
            let mut value = match Self::lock_slot(slot, &self.head.0, head, &mut backoff) {
                Ok(guard) => guard,
                Err(now) => {
                    head = now;
                    continue;
                }
            };
            let stamp = slot.stamp.load(Ordering::Acquire);
            if head + 1 == stamp {
                // The item is published: claim it.
                match self.head.0.compare_exchange_weak(
                    head,
                    self.next(head),
                    Ordering::AcqRel,
                    Ordering::Acquire,
                ) {
                    Ok(_) => {
                        let item = value.take();
                        slot.stamp
                            .store(head.wrapping_add(self.one_lap), Ordering::Release);
                        drop(value);
                        match item {
                            Some(item) => return Ok(item),
                            // Unreachable: the stamp said the slot held an item and the claim
                            // gave it to this thread alone. Retrying keeps the queue consistent.
                            None => {
                                head = self.head.0.load(Ordering::Acquire);
                                continue;
                            }
                        }
                    }
                    Err(now) => {
                        drop(value);
                        head = now;
                        backoff.spin();
                    }
                }
            } else if stamp == head {
                // Nothing published here, and no put is half-way through this slot (it would
                // hold the lock): empty. The mark says whether more can come.
                drop(value);
                let tail = self.tail.0.pos.load(Ordering::Acquire);
                return Err(if tail & self.mark != 0 {
                    PopError::ShutDown
                } else {
                    PopError::Empty
                });
            } else {
                // `head` is out of date: another get has taken this position.
                drop(value);
                backoff.spin();
                head = self.head.0.load(Ordering::Acquire);
            }
        }
    }

    /// Items held now (a snapshot).
    pub(super) fn len(&self) -> usize {
        loop {
            let tail = self.tail.0.pos.load(Ordering::SeqCst);
            let head = self.head.0.load(Ordering::SeqCst);
            if self.tail.0.pos.load(Ordering::SeqCst) != tail {
                continue;
            }
            let tail = tail & !self.mark;
            let (hix, tix) = (head & (self.mark - 1), tail & (self.mark - 1));
            return if hix < tix {
                tix - hix
            } else if hix > tix {
                self.slots.len() - hix + tix
            } else if tail == head {
                0
            } else {
                self.slots.len()
            };
        }
    }

    /// Whether a get may find something (or the shutdown mark): two plain loads, for spinning on.
    pub(super) fn may_get(&self) -> bool {
        let tail = self.tail.0.pos.load(Ordering::Relaxed);
        tail & self.mark != 0 || tail != self.head.0.load(Ordering::Relaxed)
    }

    /// Whether a put may find room (or the shutdown mark): two plain loads, for spinning on.
    pub(super) fn may_put(&self) -> bool {
        let tail = self.tail.0.pos.load(Ordering::Relaxed);
        tail & self.mark != 0
            || self
                .head
                .0
                .load(Ordering::Relaxed)
                .wrapping_add(self.one_lap)
                != tail
    }

    /// Sets the shutdown mark; every later push fails. Returns whether this call set it.
    pub(super) fn mark_shut_down(&self) -> bool {
        self.tail.0.pos.fetch_or(self.mark, Ordering::AcqRel) & self.mark == 0
    }

    pub(super) fn is_shut_down(&self) -> bool {
        self.tail.0.pos.load(Ordering::Acquire) & self.mark != 0
    }

    /// For a get about to park, after registering as a waiter: reads `tail` by a read-modify-write
    /// (which writes back the value it read), so that either this read sees a put's claim, or that
    /// put's claim, a read-modify-write later in `tail`'s order, reads this one and so sees the
    /// registration that came before it. Returns whether the get must not park: something is
    /// there (or being put), or the ring is shut down.
    pub(super) fn sync_before_get_parks(&self) -> bool {
        let tail = self.tail.0.pos.fetch_add(0, Ordering::AcqRel);
        tail & self.mark != 0 || tail != self.head.0.load(Ordering::Acquire)
    }

    /// For a put about to park, as [`sync_before_get_parks`](Self::sync_before_get_parks) with the
    /// roles swapped: reads `head` by a read-modify-write. Returns whether the put must not
    /// park: there is room (or an item is being taken), or the ring is shut down.
    pub(super) fn sync_before_put_parks(&self) -> bool {
        let head = self.head.0.fetch_add(0, Ordering::AcqRel);
        let tail = self.tail.0.pos.load(Ordering::Acquire);
        tail & self.mark != 0 || head.wrapping_add(self.one_lap) != tail
    }
}
