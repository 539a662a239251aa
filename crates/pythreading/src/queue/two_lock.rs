//! The blocking machinery of the FIFO `Queue`: the same contract as `core.rs`, with two locks.
//!
//! A FIFO can be split where a stack or a heap cannot: producers append to a `tail` buffer under
//! one lock, consumers take from a `head` buffer under another, and a consumer that finds the
//! head empty swaps the whole tail buffer in at once (the two-lock queue of Michael & Scott,
//! moving buffers instead of nodes). Everything in `head` is older than everything in `tail`, so
//! the order is first in, first out. Producers and consumers then contend only at a swap, which
//! is what makes the single-producer, single-consumer case fast.
//!
//! Lock order: `head`, then `tail`. The `tail` lock also guards what puts, parked threads and
//! joiners share (waiter counts, unfinished tasks, the shutdown flag), and the three condition
//! variables are paired with it.
//!
//! The count of items is an atomic (`len`): raised under the `tail` lock by a put, lowered under
//! the `head` lock by a get. Capacity is checked against it by putters under the `tail` lock,
//! so it can only be exceeded if `len` were raised elsewhere, which it is not.
//!
//! Waking a parked putter without taking the `tail` lock on every get: the top bit of the same
//! atomic word (`PUTTERS_PARKED`) says that some putter is parked or about to park. A putter
//! sets it with a `fetch_or` that also returns the count; a getter lowers the count with a
//! `fetch_sub` that also returns the bit. Both are read-modify-writes of one word, so they are
//! totally ordered: either the putter sees the freed slot, or the getter sees the bit and then
//! takes the `tail` lock, which the putter holds until it is parked, before notifying. No
//! wake-up is lost, and a get with no parked putter touches only the `head` lock. (The bit is
//! cleared, under the `tail` lock, by the last putter to leave.)

use std::collections::VecDeque;
use std::mem;
use std::time::Duration;

use super::error::{GetTimeoutError, PutTimeoutError, TaskDoneError};
use crate::deadline::Deadline;
use crate::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use crate::sync::{Condvar, Mutex, MutexGuard, lock, thread};

/// See `core.rs`.
const YIELDS_BEFORE_PARKING: u32 = if cfg!(loom) { 1 } else { 16 };
/// Bytes of spare item storage a drained unbounded queue may keep for its next burst.
const SPARE_BYTES: usize = 16 * 1024;

/// The bit of `FifoCore::len` saying that putters are parked (or about to park).
const PUTTERS_PARKED: usize = 1 << (usize::BITS - 1);

struct Tail<T> {
    items: VecDeque<T>,
    getters: usize,
    putters: usize,
    joiners: usize,
    unfinished: usize,
    shut_down: bool,
}

pub(crate) struct FifoCore<T> {
    head: Mutex<VecDeque<T>>,
    tail: Mutex<Tail<T>>,
    not_empty: Condvar,
    not_full: Condvar,
    all_done: Condvar,
    /// Items in both buffers, plus the `PUTTERS_PARKED` bit.
    len: AtomicUsize,
    /// `shut_down`, readable without the lock.
    shut: AtomicBool,
    capacity: Option<usize>,
    /// Slots a drained queue may keep allocated.
    keep: usize,
}

enum Wait {
    Forever,
    Until(Deadline),
}

fn relock<G>(result: Result<G, std::sync::PoisonError<G>>) -> G {
    match result {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// Parks on `cv` until notified or `wait` expires; returns the guard and whether the deadline
/// had already passed (then nothing was waited; the caller re-checks its condition first either
/// way).
fn park<'a, T>(
    cv: &Condvar,
    guard: MutexGuard<'a, Tail<T>>,
    wait: &Wait,
) -> (MutexGuard<'a, Tail<T>>, bool) {
    let deadline = match wait {
        Wait::Forever => return (relock(cv.wait(guard)), false),
        Wait::Until(deadline) => deadline,
    };
    match deadline.remaining() {
        None => (relock(cv.wait(guard)), false),
        Some(Duration::ZERO) => (guard, true),
        Some(left) => match cv.wait_timeout(guard, left) {
            Ok((guard, _)) => (guard, false),
            Err(poisoned) => (poisoned.into_inner().0, false),
        },
    }
}

impl<T> FifoCore<T> {
    pub(crate) fn new(capacity: Option<usize>) -> Self {
        let keep = (SPARE_BYTES / mem::size_of::<T>().max(1)).max(16);
        FifoCore {
            head: Mutex::new(VecDeque::new()),
            tail: Mutex::new(Tail {
                items: VecDeque::new(),
                getters: 0,
                putters: 0,
                joiners: 0,
                unfinished: 0,
                shut_down: false,
            }),
            not_empty: Condvar::new(),
            not_full: Condvar::new(),
            all_done: Condvar::new(),
            len: AtomicUsize::new(0),
            shut: AtomicBool::new(false),
            capacity,
            keep,
        }
    }

    fn has_room(&self) -> bool {
        self.room_at(self.len.load(SeqCst))
    }

    /// Whether a `len` word shows room.
    fn room_at(&self, word: usize) -> bool {
        match self.capacity {
            None => true,
            Some(cap) => word & !PUTTERS_PARKED < cap,
        }
    }

    // ---------------------------------------------------------------------------------------
    // put
    // ---------------------------------------------------------------------------------------

    fn push_locked(&self, mut tail: MutexGuard<'_, Tail<T>>, item: T) {
        tail.items.push_back(item);
        self.len.fetch_add(1, SeqCst);
        tail.unfinished += 1;
        let wake = tail.getters > 0;
        drop(tail);
        if wake {
            self.not_empty.notify_one();
        }
    }

    pub(crate) fn try_put(&self, item: T) -> Result<(), (T, bool)> {
        let tail = lock(&self.tail);
        if tail.shut_down {
            return Err((item, true));
        }
        if !self.has_room() {
            return Err((item, false));
        }
        self.push_locked(tail, item);
        Ok(())
    }

    fn put_wait(&self, item: T, wait: Wait) -> Result<(), PutTimeoutError<T>> {
        let mut tail = lock(&self.tail);
        let mut yielded = false;
        loop {
            if tail.shut_down {
                return Err(PutTimeoutError::ShutDown(item));
            }
            if self.has_room() {
                self.push_locked(tail, item);
                return Ok(());
            }
            if !yielded {
                yielded = true;
                drop(tail);
                for _ in 0..YIELDS_BEFORE_PARKING {
                    thread::yield_now();
                    if self.shut.load(SeqCst) || self.has_room() {
                        break;
                    }
                }
                tail = lock(&self.tail);
                continue;
            }
            // Announce and look once more in one step (see the module docs).
            tail.putters += 1;
            let word = self.len.fetch_or(PUTTERS_PARKED, SeqCst);
            let (next, expired) = if self.room_at(word) {
                (tail, false)
            } else {
                park(&self.not_full, tail, &wait)
            };
            tail = next;
            tail.putters -= 1;
            if tail.putters == 0 {
                self.len.fetch_and(!PUTTERS_PARKED, SeqCst);
            }
            if expired {
                return Err(PutTimeoutError::Timeout(item));
            }
        }
    }

    pub(crate) fn put(&self, item: T) -> Result<(), T> {
        self.put_wait(item, Wait::Forever)
            .map_err(PutTimeoutError::into_inner)
    }

    pub(crate) fn put_timeout(&self, item: T, timeout: Duration) -> Result<(), PutTimeoutError<T>> {
        if timeout == Duration::ZERO {
            return self.try_put(item).map_err(|(item, shut)| {
                if shut {
                    PutTimeoutError::ShutDown(item)
                } else {
                    PutTimeoutError::Timeout(item)
                }
            });
        }
        self.put_wait(item, Wait::Until(Deadline::after(timeout)))
    }

    // ---------------------------------------------------------------------------------------
    // get
    // ---------------------------------------------------------------------------------------

    /// Takes the oldest item; `head` is the locked head buffer. Refills it from the tail when it
    /// is empty, and gives spare memory back when both are. The flag says whether a putter is
    /// parked: the caller wakes one with [`freed_a_slot`](Self::freed_a_slot) once the head is
    /// unlocked.
    fn pop(&self, head: &mut VecDeque<T>) -> Option<(T, bool)> {
        let item = match head.pop_front() {
            Some(item) => item,
            None => {
                let mut tail = lock(&self.tail);
                if tail.items.is_empty() {
                    self.release_spare(head, &mut tail.items);
                    return None;
                }
                mem::swap(head, &mut tail.items);
                drop(tail);
                head.pop_front()?
            }
        };
        let word = self.len.fetch_sub(1, SeqCst);
        let left = (word & !PUTTERS_PARKED) - 1;
        // Just drained, after a burst that left a big buffer: give the spare memory back now
        // rather than at the next get, which may never come. (Small buffers skip the `tail`
        // lock: the steady state of a busy queue never pays for this.)
        if left == 0 && head.is_empty() && head.capacity() > self.spare_limit() / 2 {
            let mut tail = lock(&self.tail);
            if tail.items.is_empty() {
                self.release_spare(head, &mut tail.items);
            }
        }
        Some((item, word & PUTTERS_PARKED != 0))
    }

    fn spare_limit(&self) -> usize {
        match self.capacity {
            Some(cap) => cap.max(16),
            None => self.keep,
        }
    }

    /// Drained: keep at most a capacity's worth of slots (bounded) or `keep` slots (unbounded).
    fn release_spare(&self, head: &mut VecDeque<T>, tail: &mut VecDeque<T>) {
        let limit = self.spare_limit();
        if head.capacity() + tail.capacity() > limit {
            head.shrink_to(0);
            tail.shrink_to(limit);
        }
    }

    /// After a get that saw parked putters (with the `head` lock released): wake one.
    fn freed_a_slot(&self, head: MutexGuard<'_, VecDeque<T>>, putters_parked: bool) {
        drop(head);
        if putters_parked {
            // A putter holds `tail` until it is parked: taking it here orders the notify after.
            drop(lock(&self.tail));
            self.not_full.notify_one();
        }
    }

    /// `Err(true)`: shut down and empty; `Err(false)`: empty.
    pub(crate) fn try_get(&self) -> Result<T, bool> {
        if self.len() == 0 {
            return Err(self.shut.load(SeqCst));
        }
        let mut head = lock(&self.head);
        match self.pop(&mut head) {
            Some((item, putters_parked)) => {
                self.freed_a_slot(head, putters_parked);
                Ok(item)
            }
            None => Err(self.shut.load(SeqCst)),
        }
    }

    fn get_wait(&self, wait: Wait) -> Result<T, GetTimeoutError> {
        let mut yielded = false;
        loop {
            let mut head = lock(&self.head);
            if let Some((item, putters_parked)) = self.pop(&mut head) {
                self.freed_a_slot(head, putters_parked);
                return Ok(item);
            }
            if !yielded && !self.shut.load(SeqCst) {
                // Give a running producer a short chance before paying for a park and a wake-up.
                yielded = true;
                drop(head);
                for _ in 0..YIELDS_BEFORE_PARKING {
                    thread::yield_now();
                    if self.shut.load(SeqCst) || self.len() > 0 {
                        break;
                    }
                }
                continue;
            }
            // Both buffers empty. Park on the tail, where puts will see us; release the head
            // first so that other getters (and their deadlines) are not held up meanwhile.
            let mut tail = lock(&self.tail);
            drop(head);
            if !tail.items.is_empty() {
                continue;
            }
            if tail.shut_down {
                return Err(GetTimeoutError::ShutDown);
            }
            tail.getters += 1;
            let (next, expired) = park(&self.not_empty, tail, &wait);
            tail = next;
            tail.getters -= 1;
            if expired {
                return Err(GetTimeoutError::Timeout);
            }
        }
    }

    pub(crate) fn get(&self) -> Option<T> {
        self.get_wait(Wait::Forever).ok()
    }

    pub(crate) fn get_timeout(&self, timeout: Duration) -> Result<T, GetTimeoutError> {
        if timeout == Duration::ZERO {
            return self.try_get().map_err(|shut| {
                if shut {
                    GetTimeoutError::ShutDown
                } else {
                    GetTimeoutError::Timeout
                }
            });
        }
        self.get_wait(Wait::Until(Deadline::after(timeout)))
    }

    // ---------------------------------------------------------------------------------------
    // size
    // ---------------------------------------------------------------------------------------

    pub(crate) fn len(&self) -> usize {
        self.len.load(SeqCst) & !PUTTERS_PARKED
    }

    pub(crate) fn is_full(&self) -> bool {
        !self.has_room()
    }

    pub(crate) fn capacity(&self) -> Option<usize> {
        self.capacity
    }

    // ---------------------------------------------------------------------------------------
    // tasks
    // ---------------------------------------------------------------------------------------

    pub(crate) fn task_done(&self) -> Result<(), TaskDoneError> {
        let mut tail = lock(&self.tail);
        if tail.unfinished == 0 {
            return Err(TaskDoneError);
        }
        tail.unfinished -= 1;
        let wake = tail.unfinished == 0 && tail.joiners > 0;
        drop(tail);
        if wake {
            self.all_done.notify_all();
        }
        Ok(())
    }

    pub(crate) fn unfinished_tasks(&self) -> usize {
        lock(&self.tail).unfinished
    }

    fn join_wait(&self, wait: Wait) -> bool {
        let mut tail = lock(&self.tail);
        loop {
            if tail.unfinished == 0 {
                return true;
            }
            tail.joiners += 1;
            let (next, expired) = park(&self.all_done, tail, &wait);
            tail = next;
            tail.joiners -= 1;
            if expired {
                return tail.unfinished == 0;
            }
        }
    }

    pub(crate) fn join(&self) {
        self.join_wait(Wait::Forever);
    }

    pub(crate) fn join_timeout(&self, timeout: Duration) -> bool {
        self.join_wait(Wait::Until(Deadline::after(timeout)))
    }

    // ---------------------------------------------------------------------------------------
    // shutdown
    // ---------------------------------------------------------------------------------------

    pub(crate) fn shutdown(&self) {
        let mut tail = lock(&self.tail);
        tail.shut_down = true;
        self.shut.store(true, SeqCst);
        drop(tail);
        // Every shutdown wakes every parked getter and putter (P-32); they re-check and leave.
        self.not_empty.notify_all();
        self.not_full.notify_all();
    }

    pub(crate) fn shutdown_immediate(&self) {
        let mut head = lock(&self.head);
        let mut tail = lock(&self.tail);
        tail.shut_down = true;
        self.shut.store(true, SeqCst);
        // Dropped after unlocking: their Drop is user code.
        let older = mem::take(&mut *head);
        let newer = mem::take(&mut tail.items);
        let count = older.len() + newer.len();
        self.len.fetch_sub(count, SeqCst);
        tail.unfinished = tail.unfinished.saturating_sub(count);
        drop(tail);
        drop(head);
        self.not_empty.notify_all();
        self.not_full.notify_all();
        self.all_done.notify_all();
        drop(older);
        drop(newer);
    }

    pub(crate) fn is_shut_down(&self) -> bool {
        self.shut.load(SeqCst)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn allocated<T>(core: &FifoCore<T>) -> usize {
        lock(&core.head).capacity() + lock(&core.tail).items.capacity()
    }

    // Memory: a drained queue keeps at most its capacity's worth of slots (bounded), or 16 KiB
    // of them (unbounded), whatever a burst made it allocate.
    #[test]
    fn a_drained_queue_gives_memory_back() {
        let unbounded: FifoCore<u64> = FifoCore::new(None);
        for i in 0..100_000 {
            unbounded.put(i).unwrap();
        }
        assert!(allocated(&unbounded) >= 100_000);
        while unbounded.try_get().is_ok() {}
        assert!(unbounded.try_get().is_err()); // the drained path
        assert!(allocated(&unbounded) * mem::size_of::<u64>() <= SPARE_BYTES);

        let bounded: FifoCore<u64> = FifoCore::new(Some(1000));
        for round in 0..20 {
            for i in 0..1000 {
                bounded.try_put(round * 1000 + i).unwrap();
            }
            assert!(bounded.try_put(0).is_err());
            // Half out, a refill, then all out: both buffers have been used.
            for _ in 0..500 {
                bounded.try_get().unwrap();
            }
            for i in 0..500 {
                bounded.try_put(i).unwrap();
            }
            while bounded.try_get().is_ok() {}
            assert!(
                allocated(&bounded) <= 1000,
                "{} slots kept",
                allocated(&bounded)
            );
        }
    }

    #[test]
    fn an_idle_queue_allocates_nothing() {
        let core: FifoCore<u64> = FifoCore::new(Some(1024));
        assert_eq!(allocated(&core), 0);
    }
}
