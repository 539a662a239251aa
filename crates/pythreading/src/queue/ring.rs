//! The bounded FIFO buffer of `Queue`: a ring of slots with stamps, crossbeam-channel's array
//! flavour (Dmitry Vyukov's bounded MPMC queue). The one module of the crate with `unsafe`.
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
//! A put reads the slot's stamp (acquire); if the slot is free it claims it by moving `tail` on
//! with a compare-and-swap, writes the item and publishes it by storing `tail + 1` in the stamp
//! (release). A get does the same on `head`: claims the item with a compare-and-swap on `head`,
//! reads it out, and frees the slot for the next lap by storing `head + one_lap` (release).
//!
//! The claim is what makes the slot's contents exclusive: only the thread whose compare-and-swap
//! moved `tail` from `p` may write the slot of position `p`, and only after the stamp said the
//! slot was free for lap `p` (the get of the previous lap had released it); only the thread
//! whose compare-and-swap moved `head` from `p` may read it, and only after the stamp said the
//! item of position `p` was published (the put had released it). The release store of a stamp
//! and the acquire load that reads it order the write before the read and the read before the
//! next lap's write: no two threads ever touch one slot's item at once.
//!
//! Puts contend only on `tail` and gets only on `head` (each on its own cache line), so a put
//! and a get never wait for each other except at the boundary: a get that finds the slot
//! claimed but not yet published (or a put that finds the item claimed but not yet read out)
//! spins a moment for that one other thread, then reports the ring empty (full). It never
//! waits longer here: that thread may have been preempted in the middle of its few
//! instructions. A blocking operation then parks (`ring_queue.rs`), and the publication wakes
//! it: publications are swaps, not stores, so that a waiter's re-check, a read-modify-write on
//! the same stamp (`Ring::sync_before_get_parks`), is ordered with them.
//!
//! Shutdown sets `mark` in `tail` with one atomic `fetch_or`: every put ordered after it fails,
//! every put ordered before it has claimed its slot and will publish it, so a drain after the
//! mark (`shutdown_immediate`) that goes on until a pop says "shut down" sees every item that
//! will ever be in the ring (a claimed, unpublished slot reads as empty, never as shut down).
//!
//! A put touches no counter: how many items were ever put is derived from `tail` (its lap and
//! index, [`Ring::puts`]), so `task_done`/`join` (`ring_queue.rs`) keep only a count of tasks
//! done, which puts and gets never touch.
//!
//! # Why `unsafe`
//!
//! The ring was first written without `unsafe`: each slot held a `Mutex<Option<T>>`, locked
//! from the claim to the publication. That is a lock compare-and-swap, the position's
//! compare-and-swap and an unlock swap per operation where this ring does one compare-and-swap
//! and one store, and on a quiet 2-core machine it measured 0.65× crossbeam-channel in the
//! single-producer, single-consumer bounded(1024) case (issue 12's goal is ≥ 1.0×), although
//! it ran fewer instructions than crossbeam: the cost is the extra atomic read-modify-writes
//! and the lock's cache-line traffic, which no safe slot type avoids (a slot must hand an item
//! from one thread to another without a lock, and std has no safe cell for that). The `unsafe`
//! is confined to this module: two blocks that move an item in or out of a slot the protocol
//! has given to the calling thread alone, and the `Drop` that drops what is left. It is checked
//! by the loom models in `tests/loom_queue_ring.rs` (loom's `UnsafeCell` reports any access to
//! a slot that the stamps do not order) and by the unit tests below under Miri
//! (`cargo +nightly miri test -p pythreading --lib queue::ring`). Both checks were seen to
//! fail when the publication store was weakened from release to relaxed: loom reported
//! concurrent accesses to the cell, Miri a data race between the put's write and the get's read.
#![allow(unsafe_code)]

use std::mem::MaybeUninit;

use super::backoff::Backoff;
use crate::sync::atomic::{AtomicUsize, Ordering};

#[cfg(loom)]
use loom::cell::UnsafeCell;

/// `std`'s `UnsafeCell` with loom's interface (`with` / `with_mut` hand a raw pointer to a
/// closure), so that the same code runs under loom, which checks every access for a race.
#[cfg(not(loom))]
struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

#[cfg(not(loom))]
impl<T> UnsafeCell<T> {
    fn new(value: T) -> Self {
        UnsafeCell(std::cell::UnsafeCell::new(value))
    }

    fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}

/// How many times a push or pop spins (growing pauses, no yield) on a slot another thread is
/// half-way through before it reports the ring full or empty. Under loom, none: a model must
/// not loop on another thread's progress (every turn is a branch), and the blocking paths park
/// on such a slot rather than wait for it here.
const BUSY_SPINS: u32 = if cfg!(loom) { 0 } else { 4 };

/// Keeps what it holds on its own cache lines (two of them: x86 prefetches lines in pairs).
#[repr(align(128))]
pub(super) struct Padded<T>(pub(super) T);

/// One place for an item.
struct Slot<T> {
    /// See the module docs.
    stamp: AtomicUsize,
    /// The item, initialised exactly when the stamp says the slot holds one (`stamp == pos + 1`
    /// for the position `pos` of this slot's current lap).
    value: UnsafeCell<MaybeUninit<T>>,
}

/// Why a push failed; the item comes back.
pub(super) enum PushError<T> {
    /// No room now: the ring is full, or a get is still reading out the slot at the tail.
    Full(T),
    ShutDown(T),
}

/// Why a pop failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum PopError {
    /// Nothing there now, or a put is still writing the item at the head; more may come.
    Empty,
    /// Nothing there and shut down: nothing more will come.
    ShutDown,
}

/// The ring. Capacity at least 1.
pub(super) struct Ring<T> {
    head: Padded<AtomicUsize>,
    /// The next put's position, and the shutdown mark.
    tail: Padded<AtomicUsize>,
    slots: Box<[Slot<T>]>,
    /// Set in `tail` by shutdown; above every index.
    mark: usize,
    /// The lap unit: the smallest power of two above `mark`.
    one_lap: usize,
}

// SAFETY: a `Ring` moves each item from the thread that puts it to the thread that gets it, so
// sharing one between threads is sound exactly when `T` may be sent between threads. Every
// access to a slot's item is made by the one thread the stamp protocol (module docs) gives that
// slot to, and ordered after the previous owner's access by a release/acquire pair on the
// stamp. (`Send` is derived: the ring owns its items.)
unsafe impl<T: Send> Sync for Ring<T> {}

impl<T> Ring<T> {
    /// A ring of `capacity` slots (at least 1).
    pub(super) fn new(capacity: usize) -> Self {
        debug_assert!(capacity >= 1);
        let mark = (capacity + 1).next_power_of_two();
        let slots = (0..capacity)
            .map(|i| Slot {
                stamp: AtomicUsize::new(i),
                value: UnsafeCell::new(MaybeUninit::uninit()),
            })
            .collect();
        Ring {
            head: Padded(AtomicUsize::new(0)),
            tail: Padded(AtomicUsize::new(0)),
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
            self.tail.0.fetch_add(0, Ordering::AcqRel)
        } else {
            self.tail.0.load(Ordering::Acquire)
        } & !self.mark;
        let lap = pos / self.one_lap;
        lap.wrapping_mul(self.slots.len())
            .wrapping_add(pos & (self.mark - 1))
    }

    /// The position after `pos` (index + 1, or the start of the next lap).
    #[inline]
    fn next(&self, pos: usize) -> usize {
        let index = pos & (self.mark - 1);
        if index + 1 < self.slots.len() {
            pos + 1
        } else {
            (pos & !(self.one_lap - 1)).wrapping_add(self.one_lap)
        }
    }

    /// Adds `item` at the tail; fails if the ring is full or shut down.
    pub(super) fn try_push(&self, item: T) -> Result<(), PushError<T>> {
        let mut backoff = Backoff::new();
        let mut busy_spins = 0;
        let mut tail = self.tail.0.load(Ordering::Relaxed);
        loop {
            if tail & self.mark != 0 {
                return Err(PushError::ShutDown(item));
            }
            let slot = &self.slots[tail & (self.mark - 1)];
            let stamp = slot.stamp.load(Ordering::Acquire);
            if stamp == tail {
                // The slot is free for this lap: claim it.
                match self.tail.0.compare_exchange_weak(
                    tail,
                    self.next(tail),
                    Ordering::SeqCst,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        // Counted (in `puts`) by the claim, before it is published: a
                        // `task_done` for it cannot come first.
                        slot.value.with_mut(|value| {
                            // SAFETY: the compare-and-swap moved `tail` from this position,
                            // so this thread alone owns the slot for this lap; the stamp,
                            // read with acquire, said the get of the previous lap had read its
                            // item out (or there was none), so nobody reads or writes it now,
                            // and the slot holds no item this write could leak.
                            unsafe { value.write(MaybeUninit::new(item)) };
                        });
                        // Publish with a read-modify-write, not a store: a get that found
                        // the slot unpublished re-checks it with one before it parks
                        // (`sync_before_get_parks`), and RMWs of one atomic are totally
                        // ordered, so either that re-check sees this item, or this swap reads
                        // the re-check's write and so sees the getter registered.
                        slot.stamp.swap(tail + 1, Ordering::AcqRel);
                        return Ok(());
                    }
                    Err(now) => {
                        tail = now;
                        backoff.spin();
                    }
                }
            } else if stamp.wrapping_add(self.one_lap) == tail + 1 {
                // The slot still holds last lap's item. If `head` is a lap behind as well, no
                // get has claimed it: the ring is full. Otherwise a get is reading it out:
                // wait for that get a moment, then report the ring full: a blocking put
                // parks until the get frees the slot (see `sync_before_put_parks`).
                let head = self.head.0.load(Ordering::SeqCst);
                if head.wrapping_add(self.one_lap) == tail || busy_spins == BUSY_SPINS {
                    return Err(PushError::Full(item));
                }
                busy_spins += 1;
                backoff.spin();
                tail = self.tail.0.load(Ordering::Relaxed);
            } else {
                // `tail` is out of date (another put has claimed this position), or the stamp
                // is about to change.
                backoff.snooze();
                tail = self.tail.0.load(Ordering::Relaxed);
            }
        }
    }

    /// Takes the item at the head.
    pub(super) fn try_pop(&self) -> Result<T, PopError> {
        let mut backoff = Backoff::new();
        let mut busy_spins = 0;
        let mut head = self.head.0.load(Ordering::Relaxed);
        loop {
            let slot = &self.slots[head & (self.mark - 1)];
            let stamp = slot.stamp.load(Ordering::Acquire);
            if stamp == head + 1 {
                // The item is published: claim it.
                match self.head.0.compare_exchange_weak(
                    head,
                    self.next(head),
                    Ordering::SeqCst,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        let item = slot.value.with_mut(|value| {
                            // SAFETY: the compare-and-swap moved `head` from this position, so
                            // this thread alone owns the slot's item; the stamp, read with
                            // acquire, said the put of this position had written it, so it is
                            // initialised. Reading it out leaves the slot logically empty: the
                            // stamp stored next says so, and nothing reads the item again.
                            unsafe { value.read().assume_init() }
                        });
                        // A read-modify-write for the same reason as a put's publication:
                        // it pairs with the re-check of a put about to park on this slot.
                        slot.stamp
                            .swap(head.wrapping_add(self.one_lap), Ordering::AcqRel);
                        return Ok(item);
                    }
                    Err(now) => {
                        head = now;
                        backoff.spin();
                    }
                }
            } else if stamp == head {
                // Nothing published here. If `tail` is here too, the ring is empty (and the
                // mark says whether more can come); otherwise a put has claimed the slot and
                // is writing it: wait for that put a moment, then report the ring empty
                // (never shut down: the item is coming). A blocking get parks until the put
                // publishes (see `sync_before_get_parks`).
                let tail = self.tail.0.load(Ordering::SeqCst);
                if tail & !self.mark == head {
                    return Err(if tail & self.mark != 0 {
                        PopError::ShutDown
                    } else {
                        PopError::Empty
                    });
                }
                if busy_spins == BUSY_SPINS {
                    return Err(PopError::Empty);
                }
                busy_spins += 1;
                backoff.spin();
                head = self.head.0.load(Ordering::Relaxed);
            } else {
                // `head` is out of date: another get has taken this position.
                backoff.snooze();
                head = self.head.0.load(Ordering::Relaxed);
            }
        }
    }

    /// Items held now (a snapshot).
    pub(super) fn len(&self) -> usize {
        loop {
            let tail = self.tail.0.load(Ordering::SeqCst);
            let head = self.head.0.load(Ordering::SeqCst);
            if self.tail.0.load(Ordering::SeqCst) != tail {
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
        let tail = self.tail.0.load(Ordering::Relaxed);
        tail & self.mark != 0 || tail != self.head.0.load(Ordering::Relaxed)
    }

    /// Whether a put may find room (or the shutdown mark): two plain loads, for spinning on.
    pub(super) fn may_put(&self) -> bool {
        let tail = self.tail.0.load(Ordering::Relaxed);
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
        self.tail.0.fetch_or(self.mark, Ordering::AcqRel) & self.mark == 0
    }

    pub(super) fn is_shut_down(&self) -> bool {
        self.tail.0.load(Ordering::Acquire) & self.mark != 0
    }

    /// For a get about to park, after registering as a waiter: whether it must not park
    /// (something is there to take, or the ring is shut down and empty).
    ///
    /// Two read-modify-writes, each pairing with a put's (see the module docs, "Parking"):
    /// one on `tail`, which orders this registration against every later claim, and one on the
    /// stamp of the slot at the head, which orders it against that slot's publication. A get
    /// parks only while nothing is published at the head, whether the slot is free (the ring is
    /// empty) or claimed by a put still writing it: either way that put's publication comes
    /// after this re-check and sees the registration.
    pub(super) fn sync_before_get_parks(&self) -> bool {
        let tail = self.tail.0.fetch_add(0, Ordering::AcqRel);
        let head = self.head.0.load(Ordering::Acquire);
        if tail & !self.mark == head {
            // Empty: park unless shut down (nothing more can come).
            return tail & self.mark != 0;
        }
        let slot = &self.slots[head & (self.mark - 1)];
        // `head` is a free or claimed-but-unpublished position exactly while its stamp is
        // `head`; otherwise the item is there (or `head` is out of date): retry.
        slot.stamp.fetch_add(0, Ordering::AcqRel) != head
    }

    /// For a put about to park, as [`sync_before_get_parks`](Self::sync_before_get_parks) with
    /// the roles swapped: a read-modify-write on `head`, then on the stamp of the slot at the
    /// tail. A put parks only while that slot still holds last lap's item (the ring is full,
    /// or a get is reading the item out); it must not park once the ring is shut down.
    pub(super) fn sync_before_put_parks(&self) -> bool {
        self.head.0.fetch_add(0, Ordering::AcqRel);
        let tail = self.tail.0.load(Ordering::Acquire);
        if tail & self.mark != 0 {
            return true;
        }
        let slot = &self.slots[tail & (self.mark - 1)];
        slot.stamp
            .fetch_add(0, Ordering::AcqRel)
            .wrapping_add(self.one_lap)
            != tail + 1
    }
}

impl<T> Drop for Ring<T> {
    /// Drops the items still in the ring. With `&mut self` no other thread is inside an
    /// operation, and an operation never stops half-way (nothing between a claim and its
    /// publication can panic), so a slot holds an item exactly when its stamp's index is one
    /// past the slot's own (`pos + 1`), as a put leaves it; a free slot's stamp carries its own
    /// index.
    fn drop(&mut self) {
        for (index, slot) in self.slots.iter().enumerate() {
            let stamp = slot.stamp.load(Ordering::Relaxed);
            if stamp & (self.mark - 1) == index + 1 {
                slot.value.with_mut(|value| {
                    // SAFETY: the stamp says a put published an item here and no get took it;
                    // `&mut self` means nobody else can reach it, and the ring is going away,
                    // so the item is dropped exactly once.
                    unsafe { value.cast::<T>().drop_in_place() };
                });
            }
        }
    }
}

/// The ring on its own, small enough for Miri (`cargo +nightly miri test -p pythreading --lib
/// queue::ring`), which checks every access the `unsafe` blocks make.
#[cfg(all(test, not(loom)))]
mod tests {
    use super::{PopError, PushError, Ring};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::thread;

    /// Counts its drops, to prove each item is dropped exactly once.
    struct Counted(Arc<AtomicUsize>);

    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    #[test]
    fn fills_refuses_drains_in_order_across_laps() {
        let ring = Ring::new(3);
        for lap in 0..4 {
            for i in 0..3 {
                assert!(
                    ring.try_push(lap * 10 + i).is_ok(),
                    "room for item {i} of lap {lap}"
                );
            }
            match ring.try_push(99) {
                Err(PushError::Full(99)) => {}
                _ => panic!("a full ring of 3 must refuse a fourth item and hand it back"),
            }
            assert_eq!(ring.len(), 3);
            for i in 0..3 {
                assert_eq!(ring.try_pop(), Ok(lap * 10 + i));
            }
            assert_eq!(ring.try_pop(), Err(PopError::Empty));
            assert_eq!(ring.len(), 0);
        }
        assert_eq!(ring.puts(true), 12);
    }

    #[test]
    fn shutdown_refuses_puts_and_still_drains() {
        let ring = Ring::new(2);
        assert!(ring.try_push(String::from("kept")).is_ok());
        assert!(ring.mark_shut_down());
        assert!(!ring.mark_shut_down(), "only the first call sets the mark");
        match ring.try_push(String::from("late")) {
            Err(PushError::ShutDown(item)) => assert_eq!(item, "late"),
            _ => panic!("a put after the mark must fail with its item"),
        }
        assert_eq!(ring.try_pop().as_deref(), Ok("kept"));
        assert_eq!(ring.try_pop(), Err(PopError::ShutDown));
    }

    #[test]
    fn drop_drops_exactly_the_items_left() {
        let drops = Arc::new(AtomicUsize::new(0));
        let ring = Ring::new(4);
        // Wrap once so that the items left straddle the end of the slots.
        for _ in 0..3 {
            assert!(ring.try_push(Counted(Arc::clone(&drops))).is_ok());
        }
        for _ in 0..3 {
            drop(ring.try_pop().expect("an item was put"));
        }
        for _ in 0..3 {
            assert!(ring.try_push(Counted(Arc::clone(&drops))).is_ok());
        }
        assert_eq!(drops.load(Ordering::Relaxed), 3);
        drop(ring.try_pop().expect("an item was put"));
        assert_eq!(drops.load(Ordering::Relaxed), 4);
        drop(ring);
        assert_eq!(
            drops.load(Ordering::Relaxed),
            6,
            "the two items left are dropped once"
        );
    }

    /// Two producers and two consumers through a ring of 2: every item arrives once, and each
    /// producer's items arrive in its order.
    #[test]
    fn two_by_two_threads_lose_and_duplicate_nothing() {
        const PER: usize = if cfg!(miri) { 40 } else { 20_000 };
        let ring = Arc::new(Ring::new(2));
        let taken = Arc::new(AtomicUsize::new(0));
        let producers: Vec<_> = (0..2)
            .map(|p| {
                let ring = Arc::clone(&ring);
                thread::spawn(move || {
                    for i in 0..PER {
                        let mut item = (p, i);
                        while let Err(PushError::Full(back)) = ring.try_push(item) {
                            item = back;
                            thread::yield_now();
                        }
                    }
                })
            })
            .collect();
        let consumers: Vec<_> = (0..2)
            .map(|_| {
                let (ring, taken) = (Arc::clone(&ring), Arc::clone(&taken));
                thread::spawn(move || {
                    let mut got = Vec::new();
                    while taken.load(Ordering::Relaxed) < 2 * PER {
                        match ring.try_pop() {
                            Ok(item) => {
                                taken.fetch_add(1, Ordering::Relaxed);
                                got.push(item);
                            }
                            Err(_) => thread::yield_now(),
                        }
                    }
                    got
                })
            })
            .collect();
        for p in producers {
            p.join().expect("producer panicked");
        }
        let mut seen = vec![[false; 2]; PER];
        for c in consumers {
            let got = c.join().expect("consumer panicked");
            let mut last = [None; 2];
            for (p, i) in got {
                assert!(!seen[i][p], "item {i} of producer {p} arrived twice");
                seen[i][p] = true;
                assert!(
                    last[p] < Some(i),
                    "producer {p}'s items out of order at {i}"
                );
                last[p] = Some(i);
            }
        }
        assert!(seen.iter().all(|s| s[0] && s[1]), "an item was lost");
    }
}
