//! A bounded `Queue` on the lock-free ring (`ring.rs`): puts and gets never share a lock. A mutex
//! and three condition variables remain, only for threads that park (a get on an empty queue, a
//! put on a full one, a `join`), exactly as CPython's three conditions over one lock.
//!
//! # Parking without lost wake-ups
//!
//! A thread that parks takes the parking mutex, counts itself in `getters`, `putters` or
//! `joiners`, and then re-checks the state with a read-modify-write on the very atomic the other
//! side changes with a read-modify-write (`tail` for a getter, `head` for a putter, `unfinished`
//! for a joiner). Read-modify-writes of one atomic are totally ordered, so either the re-check
//! sees the change (and the thread does not park), or the change comes later, reads the
//! re-check's write and so sees the count (and its thread wakes the parked one). The waker takes
//! the parking mutex before notifying; the parked thread holds it from counting itself until the
//! condition variable releases it, so the notification cannot fall between the two.
//!
//! A thread that is about to park first spins and yields a little (`backoff.rs`), watching the
//! ring: on a busy queue the item or the room usually arrives within that window.
//!
//! The fast path (a put with room, a get with an item) touches only the ring, plus one load of
//! the waiter count, which is written only when a thread parks.

use std::time::Duration;

use super::backoff::Backoff;
use super::error::{GetTimeoutError, PutTimeoutError, TaskDoneError};
use super::ring::{Padded, PopError, PushError, Ring};
use crate::deadline::Deadline;
use crate::sync::atomic::{AtomicUsize, Ordering};
use crate::sync::{Condvar, Mutex, MutexGuard, lock};

/// Threads parked, by what they wait for. Written only around parking.
struct Waiters {
    getters: AtomicUsize,
    putters: AtomicUsize,
    joiners: AtomicUsize,
}

/// The parking lot: one mutex, three conditions.
struct Parking {
    lock: Mutex<()>,
    not_empty: Condvar,
    not_full: Condvar,
    all_done: Condvar,
}

pub(crate) struct RingQueue<T> {
    ring: Ring<T>,
    waiters: Padded<Waiters>,
    parking: Parking,
}

impl<T> RingQueue<T> {
    /// A queue of `capacity` (at least 1) slots, all allocated now.
    pub(crate) fn new(capacity: usize) -> Self {
        RingQueue {
            ring: Ring::new(capacity),
            waiters: Padded(Waiters {
                getters: AtomicUsize::new(0),
                putters: AtomicUsize::new(0),
                joiners: AtomicUsize::new(0),
            }),
            parking: Parking {
                lock: Mutex::new(()),
                not_empty: Condvar::new(),
                not_full: Condvar::new(),
                all_done: Condvar::new(),
            },
        }
    }

    /// Wakes one thread parked on `cv` if `count` says one is there.
    fn wake_one(&self, count: &AtomicUsize, cv: &Condvar) {
        if count.load(Ordering::Acquire) > 0 {
            // Taking the lock once orders this after the parked thread's wait (see the module docs).
            drop(lock(&self.parking.lock));
            cv.notify_one();
        }
    }

    fn wake_all(&self) {
        drop(lock(&self.parking.lock));
        self.parking.not_empty.notify_all();
        self.parking.not_full.notify_all();
        self.parking.all_done.notify_all();
    }

    /// Parks on `cv` until notified (or spuriously woken) or the deadline passes.
    #[track_caller]
    fn park(&self, cv: &Condvar, guard: MutexGuard<'_, ()>, deadline: Deadline) {
        let _waiting = crate::diagnostics::waiting_for(crate::diagnostics::Kind::Queue);
        match deadline.remaining() {
            None => drop(relock(cv.wait(guard))),
            Some(Duration::ZERO) => {}
            Some(left) => match cv.wait_timeout(guard, left) {
                Ok(_) => {}
                Err(poisoned) => drop(poisoned.into_inner()),
            },
        }
    }

    /// Spins, then yields, until `ready` or the budget is spent.
    ///
    /// Not under loom: this only saves parks (the caller re-checks either way), and the steps it
    /// adds to every model would push the three-thread models past loom's branch limit.
    fn wait_a_little(&self, ready: impl Fn() -> bool) {
        if cfg!(loom) {
            return;
        }
        let mut backoff = Backoff::new();
        while !backoff.is_completed() {
            backoff.snooze();
            if ready() {
                break;
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // put
    // ---------------------------------------------------------------------------------------

    fn pushed(&self) {
        crate::diagnostics::queue_depth(self as *const Self as usize, || self.len());
        self.wake_one(&self.waiters.0.getters, &self.parking.not_empty);
    }

    pub(crate) fn try_put(&self, item: T) -> Result<(), (T, bool)> {
        match self.ring.try_push(item) {
            Ok(()) => {
                self.pushed();
                Ok(())
            }
            Err(PushError::Full(item)) => Err((item, false)),
            Err(PushError::ShutDown(item)) => Err((item, true)),
        }
    }

    #[track_caller]
    fn put_until(&self, mut item: T, deadline: Deadline) -> Result<(), PutTimeoutError<T>> {
        let mut waited_a_little = false;
        let mut retry = Backoff::new();
        loop {
            match self.ring.try_push(item) {
                Ok(()) => {
                    self.pushed();
                    return Ok(());
                }
                Err(PushError::ShutDown(back)) => return Err(PutTimeoutError::ShutDown(back)),
                Err(PushError::Full(back)) => item = back,
            }
            if !waited_a_little {
                waited_a_little = true;
                self.wait_a_little(|| self.ring.may_put());
                continue;
            }
            if deadline.has_passed() {
                return Err(PutTimeoutError::Timeout(item));
            }
            let guard = lock(&self.parking.lock);
            let putters = &self.waiters.0.putters;
            putters.fetch_add(1, Ordering::Relaxed);
            if self.ring.sync_before_put_parks() {
                // Something is in flight (or the view is stale): retry after a pause, which also
                // lets a loom model move on.
                drop(guard);
                retry.spin();
            } else {
                self.park(&self.parking.not_full, guard, deadline);
            }
            putters.fetch_sub(1, Ordering::Relaxed);
        }
    }

    #[track_caller]
    pub(crate) fn put(&self, item: T) -> Result<(), T> {
        self.put_until(item, Deadline::Never)
            .map_err(PutTimeoutError::into_inner)
    }

    #[track_caller]
    pub(crate) fn put_timeout(&self, item: T, timeout: Duration) -> Result<(), PutTimeoutError<T>> {
        if timeout == Duration::ZERO {
            // A poll: never park, never yield (P-14: `put(timeout=0)` raises Full at once).
            return self.try_put(item).map_err(|(item, shut)| {
                if shut {
                    PutTimeoutError::ShutDown(item)
                } else {
                    PutTimeoutError::Timeout(item)
                }
            });
        }
        self.put_until(item, Deadline::after(timeout))
    }

    // ---------------------------------------------------------------------------------------
    // get
    // ---------------------------------------------------------------------------------------

    fn popped(&self, item: T) -> T {
        crate::diagnostics::queue_depth(self as *const Self as usize, || self.len());
        self.wake_one(&self.waiters.0.putters, &self.parking.not_full);
        item
    }

    /// `Err(true)`: shut down and empty; `Err(false)`: empty.
    pub(crate) fn try_get(&self) -> Result<T, bool> {
        match self.ring.try_pop() {
            Ok(item) => Ok(self.popped(item)),
            Err(PopError::Empty) => Err(false),
            Err(PopError::ShutDown) => Err(true),
        }
    }

    #[track_caller]
    fn get_until(&self, deadline: Deadline) -> Result<T, GetTimeoutError> {
        let mut waited_a_little = false;
        let mut retry = Backoff::new();
        loop {
            match self.ring.try_pop() {
                Ok(item) => return Ok(self.popped(item)),
                Err(PopError::ShutDown) => return Err(GetTimeoutError::ShutDown),
                Err(PopError::Empty) => {}
            }
            if !waited_a_little {
                waited_a_little = true;
                self.wait_a_little(|| self.ring.may_get());
                continue;
            }
            if deadline.has_passed() {
                return Err(GetTimeoutError::Timeout);
            }
            let guard = lock(&self.parking.lock);
            let getters = &self.waiters.0.getters;
            getters.fetch_add(1, Ordering::Relaxed);
            if self.ring.sync_before_get_parks() {
                // Something is in flight (or the view is stale): retry after a pause, which also
                // lets a loom model move on.
                drop(guard);
                retry.spin();
            } else {
                self.park(&self.parking.not_empty, guard, deadline);
            }
            getters.fetch_sub(1, Ordering::Relaxed);
        }
    }

    #[track_caller]
    pub(crate) fn get(&self) -> Option<T> {
        self.get_until(Deadline::Never).ok()
    }

    #[track_caller]
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
        self.get_until(Deadline::after(timeout))
    }

    // ---------------------------------------------------------------------------------------
    // size
    // ---------------------------------------------------------------------------------------

    pub(crate) fn len(&self) -> usize {
        self.ring.len()
    }

    pub(crate) fn capacity(&self) -> usize {
        self.ring.capacity()
    }

    // ---------------------------------------------------------------------------------------
    // tasks
    // ---------------------------------------------------------------------------------------

    pub(crate) fn task_done(&self) -> Result<(), TaskDoneError> {
        let unfinished = &self.ring.tail_line().unfinished;
        let mut n = unfinished.load(Ordering::Acquire);
        loop {
            if n == 0 {
                return Err(TaskDoneError);
            }
            match unfinished.compare_exchange_weak(n, n - 1, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => break,
                Err(now) => n = now,
            }
        }
        if n == 1 && self.waiters.0.joiners.load(Ordering::Acquire) > 0 {
            drop(lock(&self.parking.lock));
            self.parking.all_done.notify_all();
        }
        Ok(())
    }

    pub(crate) fn unfinished_tasks(&self) -> usize {
        self.ring.tail_line().unfinished.load(Ordering::Acquire)
    }

    #[track_caller]
    fn join_until(&self, deadline: Deadline) -> bool {
        let unfinished = &self.ring.tail_line().unfinished;
        loop {
            if unfinished.load(Ordering::Acquire) == 0 {
                return true;
            }
            if deadline.has_passed() {
                return false;
            }
            let guard = lock(&self.parking.lock);
            let joiners = &self.waiters.0.joiners;
            joiners.fetch_add(1, Ordering::Relaxed);
            // The read-modify-write pairs with `task_done`'s (see the module docs).
            if unfinished.fetch_add(0, Ordering::AcqRel) == 0 {
                drop(guard);
            } else {
                self.park(&self.parking.all_done, guard, deadline);
            }
            joiners.fetch_sub(1, Ordering::Relaxed);
        }
    }

    #[track_caller]
    pub(crate) fn join(&self) {
        self.join_until(Deadline::Never);
    }

    #[track_caller]
    pub(crate) fn join_timeout(&self, timeout: Duration) -> bool {
        self.join_until(Deadline::after(timeout))
    }

    // ---------------------------------------------------------------------------------------
    // shutdown
    // ---------------------------------------------------------------------------------------

    pub(crate) fn shutdown(&self) {
        self.ring.mark_shut_down();
        // Every shutdown wakes every parked getter and putter (P-32); they re-check and leave.
        self.wake_all();
    }

    pub(crate) fn shutdown_immediate(&self) {
        self.ring.mark_shut_down();
        // After the mark no put can claim a slot, and every put that claimed one before it
        // publishes its item, which `try_pop` waits for: this drains everything.
        let mut drained = Vec::new();
        while let Ok(item) = self.ring.try_pop() {
            drained.push(item);
        }
        let count = drained.len();
        let unfinished = &self.ring.tail_line().unfinished;
        let mut n = unfinished.load(Ordering::Acquire);
        while let Err(now) = unfinished.compare_exchange_weak(
            n,
            n.saturating_sub(count),
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            n = now;
        }
        self.wake_all();
        // The items' Drop is user code: run it last, with every waiter already released.
        drop(drained);
    }

    pub(crate) fn is_shut_down(&self) -> bool {
        self.ring.is_shut_down()
    }
}

fn relock<G>(result: Result<G, std::sync::PoisonError<G>>) -> G {
    match result {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}
