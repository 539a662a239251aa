//! A bounded `Queue` on the lock-free ring (`ring.rs`): puts and gets never share a lock. A mutex
//! remains, only for waiters (a get on an empty queue, a put on a full one, a `join`): it guards
//! the two [`WaitList`]s (getters, putters: threads and async tasks together, first come, first
//! woken) and the `join` condition.
//!
//! # Parking without lost wake-ups
//!
//! A waiter takes the parking mutex, enters its list and counts itself in `getters` or `putters`
//! (`joiners` for a `join`), and then re-checks the state with read-modify-writes on the very
//! atomics the other side changes with read-modify-writes. Read-modify-writes of one atomic are
//! totally ordered, so either the re-check sees the change (and the waiter does not wait), or
//! the change comes later, reads the re-check's write and so sees the count (and its thread
//! takes the parking mutex and notifies the oldest waiter, who entered the list under that
//! mutex). A getter re-checks `tail` (against later claims) and the stamp of the slot at the
//! head (against that slot's publication, which a put makes with a swap); a putter re-checks
//! `head` and the stamp of the slot at the tail; a joiner re-checks `done`.
//!
//! So a get that finds the head slot claimed by a put that has not yet published it parks like
//! a get on an empty ring, and that put wakes it: nothing ever waits by spinning on another
//! thread's half-done operation (a thread preempted there would keep the waiter spinning for a
//! whole time slice, and under loom such a loop has no end). Symmetrically, a put that finds
//! the tail slot still being read out parks until the get frees it.
//!
//! One gap remains, and is closed by passing the turn on: the puts that claimed slots behind
//! the head before a getter's re-check do not see that getter. The waiter woken for the head
//! slot's item does see them (its wake-up is ordered after the re-check), so a notified waiter
//! that leaves, with or without an item, wakes the next one while there may be more for it
//! (`pass_on`).
//!
//! A thread that is about to park first spins and yields a little (`backoff.rs`), watching the
//! ring: on a busy queue the item or the room usually arrives within that window.
//!
//! The fast path (a put with room, a get with an item) touches only the ring, plus one load of
//! the waiter count, which is written only when a thread or task waits.

use std::time::Duration;

use std::task::{Context, Poll};

use super::backoff::Backoff;
use super::error::{GetTimeoutError, PutTimeoutError, TaskDoneError};
use super::ring::{Padded, PopError, PushError, Ring};
use super::waiters::{WaitList, Wake, wake_all};
use crate::deadline::Deadline;
use crate::sync::atomic::{AtomicUsize, Ordering};
use crate::sync::{Condvar, Mutex, MutexGuard, lock, thread};

/// Waiters, by what they wait for: the lengths of the lists, readable without the lock.
struct Waiters {
    getters: AtomicUsize,
    putters: AtomicUsize,
    joiners: AtomicUsize,
}

/// The parking lot: one mutex over the waiters, and the `join` condition.
struct Parking {
    lock: Mutex<Lists>,
    all_done: Condvar,
}

/// Who waits for an item and who for room.
struct Lists {
    getters: WaitList,
    putters: WaitList,
}

/// Which side of the queue a waiter is on.
#[derive(Clone, Copy)]
enum Side {
    /// Waits for an item.
    Get,
    /// Waits for room.
    Put,
}

impl Lists {
    fn of(&mut self, side: Side) -> &mut WaitList {
        match side {
            Side::Get => &mut self.getters,
            Side::Put => &mut self.putters,
        }
    }
}

pub(crate) struct RingQueue<T> {
    ring: Ring<T>,
    /// Tasks marked done (`task_done`, and items dropped by `shutdown_immediate`); unfinished
    /// tasks are `ring.puts() - done`. On its own line: puts and gets never touch it.
    done: Padded<AtomicUsize>,
    waiters: Padded<Waiters>,
    parking: Parking,
    /// Name and id for dumps and the timeline (read on slow paths and when recording only).
    label: crate::diagnostics::Label,
}

impl<T> RingQueue<T> {
    /// A queue of `capacity` (at least 1) slots, all allocated now.
    pub(crate) fn new(capacity: usize) -> Self {
        RingQueue {
            ring: Ring::new(capacity),
            done: Padded(AtomicUsize::new(0)),
            waiters: Padded(Waiters {
                getters: AtomicUsize::new(0),
                putters: AtomicUsize::new(0),
                joiners: AtomicUsize::new(0),
            }),
            parking: Parking {
                lock: Mutex::new(Lists {
                    getters: WaitList::new(),
                    putters: WaitList::new(),
                }),
                all_done: Condvar::new(),
            },
            label: crate::diagnostics::Label::new(crate::diagnostics::Kind::Queue),
        }
    }

    pub(crate) fn label(&self) -> &crate::diagnostics::Label {
        &self.label
    }

    pub(crate) fn label_mut(&mut self) -> &mut crate::diagnostics::Label {
        &mut self.label
    }

    fn count(&self, side: Side) -> &AtomicUsize {
        match side {
            Side::Get => &self.waiters.0.getters,
            Side::Put => &self.waiters.0.putters,
        }
    }

    /// The re-check before waiting (see the module docs): whether the waiter must not wait.
    fn sync_before_wait(&self, side: Side) -> bool {
        match side {
            Side::Get => self.ring.sync_before_get_parks(),
            Side::Put => self.ring.sync_before_put_parks(),
        }
    }

    /// Notifies the oldest waiter on `side` if the count says there is one.
    #[inline]
    fn wake_one(&self, side: Side) {
        if self.count(side).load(Ordering::Acquire) > 0 {
            self.notify_one(side);
        }
    }

    /// Takes the oldest waiter on `side` out of its list and wakes it.
    #[cold]
    fn notify_one(&self, side: Side) {
        let mut lists = lock(&self.parking.lock);
        let wake = lists.of(side).pop();
        if wake.is_some() {
            self.count(side).fetch_sub(1, Ordering::Relaxed);
        }
        drop(lists);
        if let Some(wake) = wake {
            wake.wake();
        }
    }

    /// Takes waiter `id` out of its list (it is leaving: done, timed out or dropped). If it had
    /// been notified, the notification goes on to the next waiter: always if `pass_on` (it
    /// did not act on it), otherwise as [`pass_on`](Self::pass_on) says.
    fn leave(&self, side: Side, id: u64, pass_on: bool) {
        let mut lists = lock(&self.parking.lock);
        if lists.of(side).remove(id) {
            self.count(side).fetch_sub(1, Ordering::Relaxed);
        } else {
            drop(lists);
            if pass_on {
                self.notify_one(side);
            } else {
                self.pass_on(side);
            }
        }
    }

    /// A waiter that was notified is leaving: if there may be more for `side` (items for a
    /// getter, room for a putter) and someone waits for it, wake the next one.
    ///
    /// Why (module docs, "Parking"): a waiter's re-check orders its registration against the
    /// claims made after it and against the publication of the one slot it waits on, but not
    /// against the claims already made behind that slot. Those items' puts may not see it; the
    /// waiter woken for the first of them sees them (its wake-up comes after the re-check that
    /// read `tail`), and hands the turn on.
    fn pass_on(&self, side: Side) {
        let more = match side {
            Side::Get => self.ring.may_get(),
            Side::Put => self.ring.may_put(),
        };
        if more {
            self.wake_one(side);
        }
    }

    fn wake_all(&self) {
        let mut lists = lock(&self.parking.lock);
        let getters = lists.getters.take_all();
        let putters = lists.putters.take_all();
        self.waiters
            .0
            .getters
            .fetch_sub(getters.len(), Ordering::Relaxed);
        self.waiters
            .0
            .putters
            .fetch_sub(putters.len(), Ordering::Relaxed);
        drop(lists);
        self.parking.all_done.notify_all();
        wake_all(getters);
        wake_all(putters);
    }

    /// Parks the calling thread in `side`'s list until it is notified, the deadline passes, or
    /// the re-check says not to wait. The caller retries its operation either way. Returns
    /// whether it was notified (the caller then owes [`pass_on`](Self::pass_on) when it leaves).
    #[track_caller]
    fn park_on(&self, side: Side, deadline: Deadline) -> bool {
        let _waiting = crate::diagnostics::waiting(&self.label);
        let mut lists = lock(&self.parking.lock);
        let id = lists.of(side).register(Wake::this_thread());
        self.count(side).fetch_add(1, Ordering::Relaxed);
        if self.sync_before_wait(side) {
            // Something is there (or the view is stale): retry. The list lock is held, so no
            // one can have notified this waiter yet.
            if lists.of(side).remove(id) {
                self.count(side).fetch_sub(1, Ordering::Relaxed);
            }
            return false;
        }
        drop(lists);
        loop {
            match deadline.remaining() {
                None => thread::park(),
                Some(Duration::ZERO) => {}
                Some(left) => thread::park_timeout(left),
            }
            let mut lists = lock(&self.parking.lock);
            if !lists.of(side).contains(id) {
                return true;
            }
            if deadline.has_passed() {
                lists.of(side).remove(id);
                self.count(side).fetch_sub(1, Ordering::Relaxed);
                return false;
            }
        }
    }

    /// Parks a blocking `get` until a put (or shutdown) notifies it or the deadline passes.
    #[track_caller]
    fn park_until_not_empty(&self, deadline: Deadline) -> bool {
        self.park_on(Side::Get, deadline)
    }

    /// Parks a blocking `put` until a get (or shutdown) notifies it or the deadline passes.
    #[track_caller]
    fn park_until_not_full(&self, deadline: Deadline) -> bool {
        self.park_on(Side::Put, deadline)
    }

    /// Parks a `join` until the last `task_done` (or `shutdown_immediate`) or the deadline.
    #[track_caller]
    fn park_until_all_done(&self, guard: MutexGuard<'_, Lists>, deadline: Deadline) {
        let _waiting = crate::diagnostics::waiting(&self.label);
        match deadline.remaining() {
            None => drop(relock(self.parking.all_done.wait(guard))),
            Some(Duration::ZERO) => {}
            Some(left) => match self.parking.all_done.wait_timeout(guard, left) {
                Ok(_) => {}
                Err(poisoned) => drop(poisoned.into_inner()),
            },
        }
    }

    /// Spins, then yields, until `ready` or the budget is spent.
    ///
    /// Not under loom (the callers skip it, and the retry after it): this only saves parks (the
    /// caller re-checks either way), and the steps it adds to every model multiply the
    /// interleavings loom must run.
    fn wait_a_little(&self, ready: impl Fn() -> bool) {
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

    #[inline]
    fn pushed(&self) {
        crate::diagnostics::queue_depth(&self.label, || self.len());
        self.wake_one(Side::Get);
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
        let mut notified = false;
        let result = loop {
            match self.ring.try_push(item) {
                Ok(()) => {
                    self.pushed();
                    break Ok(());
                }
                Err(PushError::ShutDown(back)) => break Err(PutTimeoutError::ShutDown(back)),
                Err(PushError::Full(back)) => item = back,
            }
            if !waited_a_little && !cfg!(loom) {
                waited_a_little = true;
                self.wait_a_little(|| self.ring.may_put());
                continue;
            }
            if deadline.has_passed() {
                break Err(PutTimeoutError::Timeout(item));
            }
            notified |= self.park_until_not_full(deadline);
        };
        if notified {
            self.pass_on(Side::Put);
        }
        result
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

    #[inline]
    fn popped(&self, item: T) -> T {
        crate::diagnostics::queue_depth(&self.label, || self.len());
        self.wake_one(Side::Put);
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
        let mut notified = false;
        let result = loop {
            match self.ring.try_pop() {
                Ok(item) => break Ok(self.popped(item)),
                Err(PopError::ShutDown) => break Err(GetTimeoutError::ShutDown),
                // Empty, or a put is still writing the head item: park until it is published.
                Err(PopError::Empty) => {}
            }
            if !waited_a_little && !cfg!(loom) {
                waited_a_little = true;
                self.wait_a_little(|| self.ring.may_get());
                continue;
            }
            if deadline.has_passed() {
                break Err(GetTimeoutError::Timeout);
            }
            notified |= self.park_until_not_empty(deadline);
        };
        if notified {
            self.pass_on(Side::Get);
        }
        result
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
    // async
    // ---------------------------------------------------------------------------------------

    /// Enters (or stays in, with a fresh waker) `side`'s list as task `waiter`; then the re-check
    /// of the module docs. `Poll::Pending`: wait for the waker; `Poll::Ready(())`: retry now.
    fn wait_as_task(&self, side: Side, waiter: &mut Option<u64>, cx: &mut Context<'_>) -> Poll<()> {
        let mut lists = lock(&self.parking.lock);
        let list = lists.of(side);
        let id = match *waiter {
            Some(id) if list.set_waker(id, cx.waker()) => id,
            _ => {
                let id = list.register(Wake::Task(cx.waker().clone()));
                self.count(side).fetch_add(1, Ordering::Relaxed);
                id
            }
        };
        *waiter = Some(id);
        if self.sync_before_wait(side) {
            if lists.of(side).remove(id) {
                self.count(side).fetch_sub(1, Ordering::Relaxed);
            }
            *waiter = None;
            return Poll::Ready(());
        }
        Poll::Pending
    }

    /// One poll of a `get_async`: `Ready(None)` once shut down and empty.
    pub(crate) fn poll_get(
        &self,
        waiter: &mut Option<u64>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<T>> {
        // The re-check says "retry" only when something is there (or the view was stale);
        // should a few retries all lose races, let the executor run something else and come
        // back rather than loop here.
        for _ in 0..8 {
            let got = self.ring.try_pop();
            if !matches!(got, Err(PopError::Empty)) {
                if let Some(id) = waiter.take() {
                    // Done: leave the list. A notification it had is used up by this get.
                    self.leave(Side::Get, id, false);
                }
                return Poll::Ready(got.ok().map(|item| self.popped(item)));
            }
            if self.wait_as_task(Side::Get, waiter, cx).is_pending() {
                return Poll::Pending;
            }
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    /// A pending `get_async` was dropped: leave the list, passing on a notification it had.
    pub(crate) fn cancel_get(&self, waiter: u64) {
        self.leave(Side::Get, waiter, true);
    }

    /// One poll of a `put_async`; `item` is taken when it is put or refused.
    pub(crate) fn poll_put(
        &self,
        item: &mut Option<T>,
        waiter: &mut Option<u64>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), T>> {
        for _ in 0..8 {
            let Some(value) = item.take() else {
                return Poll::Ready(Ok(())); // polled after completion: nothing to do
            };
            let done = match self.ring.try_push(value) {
                Ok(()) => {
                    self.pushed();
                    Ok(())
                }
                Err(PushError::ShutDown(back)) => Err(back),
                Err(PushError::Full(back)) => {
                    *item = Some(back);
                    if self.wait_as_task(Side::Put, waiter, cx).is_pending() {
                        return Poll::Pending;
                    }
                    continue;
                }
            };
            if let Some(id) = waiter.take() {
                self.leave(Side::Put, id, false);
            }
            return Poll::Ready(done);
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    /// A pending `put_async` was dropped: leave the list, passing on a notification it had.
    pub(crate) fn cancel_put(&self, waiter: u64) {
        self.leave(Side::Put, waiter, true);
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
        let done = &self.done.0;
        let mut n = done.load(Ordering::Acquire);
        let puts = loop {
            // The newest claim: a put ordered before this call is always counted.
            let puts = self.ring.puts(true);
            if puts.saturating_sub(n) == 0 {
                return Err(TaskDoneError);
            }
            match done.compare_exchange_weak(n, n + 1, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => break puts,
                Err(now) => n = now,
            }
        };
        if puts == n + 1 && self.waiters.0.joiners.load(Ordering::Acquire) > 0 {
            drop(lock(&self.parking.lock));
            self.parking.all_done.notify_all();
        }
        Ok(())
    }

    pub(crate) fn unfinished_tasks(&self) -> usize {
        // `done` first: every task counted there was put, and its claim is visible after it.
        let done = self.done.0.load(Ordering::Acquire);
        self.ring.puts(false).saturating_sub(done)
    }

    #[track_caller]
    fn join_until(&self, deadline: Deadline) -> bool {
        loop {
            if self.unfinished_tasks() == 0 {
                return true;
            }
            if deadline.has_passed() {
                return false;
            }
            let guard = lock(&self.parking.lock);
            let joiners = &self.waiters.0.joiners;
            joiners.fetch_add(1, Ordering::Relaxed);
            // The read-modify-write on `done` pairs with `task_done`'s (see the module docs):
            // either it sees the last `task_done`, or that `task_done` sees this joiner.
            let done = self.done.0.fetch_add(0, Ordering::AcqRel);
            if self.ring.puts(true).saturating_sub(done) == 0 {
                drop(guard);
            } else {
                self.park_until_all_done(guard, deadline);
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
        // publishes its item: draining until the ring says "shut down" (empty with the mark;
        // a slot still being written reads as empty, and this parks for it as a get would)
        // takes everything.
        let mut drained = Vec::new();
        let mut notified = false;
        loop {
            match self.ring.try_pop() {
                Ok(item) => drained.push(item),
                Err(PopError::ShutDown) => break,
                Err(PopError::Empty) => notified |= self.park_on(Side::Get, Deadline::Never),
            }
        }
        if notified {
            self.pass_on(Side::Get);
        }
        // The drained items count as done (CPython: `unfinished_tasks -= qsize()`, never below 0).
        let count = drained.len();
        let puts = self.ring.puts(true);
        let done = &self.done.0;
        let mut n = done.load(Ordering::Acquire);
        while let Err(now) = done.compare_exchange_weak(
            n,
            n.saturating_add(count).min(puts.max(n)),
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
