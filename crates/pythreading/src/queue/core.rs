//! The blocking machinery shared by `LifoQueue`, `PriorityQueue` and the bounded `Queue`s that
//! have no ring (`bounded(0)`, or too large a capacity to allocate up front: see `fifo.rs`; an
//! unbounded `Queue` has two locks, `list_queue.rs`).
//!
//! One mutex guards the items (a [`Store`], the only thing that differs between the three), the
//! count of unfinished tasks, the shutdown flag and the number of threads parked on each of the
//! three condition variables (`not_empty`, `not_full`, `all_done`), exactly as CPython's
//! `queue.Queue` keeps them under one lock with three conditions.
//!
//! Getters and putters wait in two [`WaitList`]s under the same lock (blocked threads and pending
//! `get_async`/`put_async` futures together, first come, first woken); `join` waits on a
//! condition variable.
//!
//! Speed comes from never making a system call that nobody needs:
//! - a thread that changes the state wakes a waiter only when the list says one is there (the
//!   list is read under the same lock the waiter entered it under, so no wake-up is lost), and
//!   wakes it after unlocking, so the woken thread does not immediately block on the mutex;
//! - a thread that would park first spins, then yields a few times (`backoff.rs`), re-checking
//!   the state: on a busy queue the item or the room usually arrives within that window, and two
//!   context switches are saved.
//!
//! User code never runs under the lock, with one exception: items dropped by
//! `shutdown_immediate` are dropped after unlocking, but `PriorityQueue` must compare items
//! (`Ord`, user code) while it holds the lock. Its store undoes a push or pop whose comparison
//! panics, so the counters here, updated only after the store returns, stay right (P-13, S-22);
//! the lock ignores the poison the panic leaves.

use crate::diagnostics::{self, Kind};
use std::marker::PhantomData;
use std::mem;
use std::task::{Context, Poll};
use std::time::Duration;

use super::backoff::{Backoff, lock_busy};
use super::error::{GetTimeoutError, PutTimeoutError, TaskDoneError};
use super::future::{AsyncSink, AsyncSource};
use super::waiters::{WaitList, Wake, wake_all};
use crate::deadline::Deadline;
use crate::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use crate::sync::{Condvar, Mutex, MutexGuard, thread};

/// Where a queue keeps its items: the policy (FIFO, LIFO, priority).
pub(crate) trait Store<T>: Default {
    /// Adds an item.
    fn push(&mut self, item: T);
    /// Takes the next item by the policy.
    fn pop(&mut self) -> Option<T>;
    /// Items held.
    fn len(&self) -> usize;
    /// Slots allocated (to decide when to give memory back).
    fn allocated(&self) -> usize;
    /// Gives back memory beyond `keep` slots.
    fn shrink_to(&mut self, keep: usize);
    /// The item of a `push` that panicked, if the store kept it to be dropped outside the lock.
    fn take_refused(&mut self) -> Option<T> {
        None
    }
}

/// Holds the lock across `Store::push`. If the push unwinds (a `PriorityQueue` comparison
/// panicked), drops the refused item only after unlocking: its `Drop` is user code and may use
/// the queue (S-21).
struct PushingGuard<'a, T, S: Store<T>> {
    st: Option<MutexGuard<'a, State<S>>>,
    _items: PhantomData<fn(T) -> T>,
}

impl<T, S: Store<T>> Drop for PushingGuard<'_, T, S> {
    fn drop(&mut self) {
        if let Some(mut st) = self.st.take() {
            let refused = st.items.take_refused();
            drop(st);
            drop(refused);
        }
    }
}

/// Bytes of spare item storage a drained queue may keep for its next burst.
const SPARE_BYTES: usize = 16 * 1024;

struct State<S> {
    items: S,
    unfinished: usize,
    shut_down: bool,
    /// Waiting for an item.
    getters: WaitList,
    /// Waiting for room.
    putters: WaitList,
    joiners: usize,
}

/// Which list a waiter is in.
#[derive(Clone, Copy)]
enum Side {
    Get,
    Put,
}

impl<S> State<S> {
    fn list(&mut self, side: Side) -> &mut WaitList {
        match side {
            Side::Get => &mut self.getters,
            Side::Put => &mut self.putters,
        }
    }
}

/// The shared core; `T` is the item type and `S` the store policy.
pub(crate) struct Core<T, S> {
    state: Mutex<State<S>>,
    all_done: Condvar,
    /// The number of items, stored under the lock after every change, so that `len` and the
    /// pre-park yield loop can look without locking.
    len_hint: AtomicUsize,
    /// `shut_down`, mirrored the same way.
    shut_hint: AtomicBool,
    /// `None`: unbounded.
    capacity: Option<usize>,
    /// Slots a drained store may keep.
    keep: usize,
    /// Name and id for dumps and the timeline (read on slow paths and when recording only).
    label: diagnostics::Label,
    _items: PhantomData<fn(T) -> T>,
}

/// What a timed operation waits for.
enum Wait {
    Forever,
    Until(Deadline),
}

impl<T, S: Store<T>> Core<T, S> {
    pub(crate) fn new(capacity: Option<usize>) -> Self {
        let per_slot = mem::size_of::<T>().max(1);
        let keep = (SPARE_BYTES / per_slot).max(16);
        Core {
            state: Mutex::new(State {
                items: S::default(),
                unfinished: 0,
                shut_down: false,
                getters: WaitList::new(),
                putters: WaitList::new(),
                joiners: 0,
            }),
            all_done: Condvar::new(),
            len_hint: AtomicUsize::new(0),
            shut_hint: AtomicBool::new(false),
            capacity,
            keep,
            label: diagnostics::Label::new(Kind::Queue),
            _items: PhantomData,
        }
    }

    pub(crate) fn label(&self) -> &diagnostics::Label {
        &self.label
    }

    pub(crate) fn label_mut(&mut self) -> &mut diagnostics::Label {
        &mut self.label
    }

    fn lock(&self) -> MutexGuard<'_, State<S>> {
        lock_busy(&self.state)
    }

    fn has_room(&self, st: &State<S>) -> bool {
        match self.capacity {
            None => true,
            Some(cap) => st.items.len() < cap,
        }
    }

    /// Parks on `cv` until notified or `wait` expires; returns the guard and whether the deadline
    /// has passed (the caller re-checks its condition first either way).
    #[track_caller]
    fn park_until_all_done<'a>(
        &'a self,
        st: MutexGuard<'a, State<S>>,
        wait: &Wait,
    ) -> (MutexGuard<'a, State<S>>, bool) {
        let _waiting = diagnostics::waiting(&self.label);
        match wait {
            Wait::Forever => (relock(self.all_done.wait(st)), false),
            Wait::Until(deadline) => match deadline.remaining() {
                None => (relock(self.all_done.wait(st)), false),
                Some(left) if left == Duration::ZERO => (st, true),
                Some(left) => {
                    let (st, _) = match self.all_done.wait_timeout(st, left) {
                        Ok(pair) => pair,
                        Err(poisoned) => poisoned.into_inner(),
                    };
                    (st, false)
                }
            },
        }
    }

    /// Parks the calling thread in `side`'s list until it is notified or the deadline passes;
    /// returns the guard and whether the deadline had passed before waiting (the caller
    /// re-checks its condition first either way, as after a condition variable).
    #[track_caller]
    fn park_on<'a>(
        &'a self,
        side: Side,
        mut st: MutexGuard<'a, State<S>>,
        wait: &Wait,
    ) -> (MutexGuard<'a, State<S>>, bool) {
        let deadline = match wait {
            Wait::Forever => None,
            Wait::Until(deadline) => match deadline.remaining() {
                Some(Duration::ZERO) => return (st, true),
                _ => Some(*deadline),
            },
        };
        let _waiting = crate::diagnostics::waiting(&self.label);
        let id = st.list(side).register(Wake::this_thread());
        loop {
            drop(st);
            match deadline.and_then(Deadline::remaining) {
                None => thread::park(),
                Some(Duration::ZERO) => {}
                Some(left) => thread::park_timeout(left),
            }
            st = self.lock();
            if !st.list(side).contains(id) {
                return (st, false); // notified
            }
            if deadline.is_some_and(Deadline::has_passed) {
                st.list(side).remove(id);
                return (st, false);
            }
        }
    }

    /// Parks a blocking `get` until a put (or shutdown) notifies it or the deadline passes.
    #[track_caller]
    fn park_until_not_empty<'a>(
        &'a self,
        st: MutexGuard<'a, State<S>>,
        wait: &Wait,
    ) -> (MutexGuard<'a, State<S>>, bool) {
        self.park_on(Side::Get, st, wait)
    }

    /// Parks a blocking `put` until a get (or shutdown) notifies it or the deadline passes.
    #[track_caller]
    fn park_until_not_full<'a>(
        &'a self,
        st: MutexGuard<'a, State<S>>,
        wait: &Wait,
    ) -> (MutexGuard<'a, State<S>>, bool) {
        self.park_on(Side::Put, st, wait)
    }

    /// Gives the other side a short chance to act before parking: spins, then yields, until
    /// the lock-free hints say the wait is over (or the backoff budget is spent). Called without
    /// the lock; the caller re-checks the real state under the lock either way, so a stale hint
    /// costs a park, never a mistake.
    fn wait_a_little(&self, ready: impl Fn(usize) -> bool) {
        let mut backoff = Backoff::new();
        while !backoff.is_completed() {
            backoff.snooze();
            if self.shut_hint.load(Ordering::Acquire)
                || ready(self.len_hint.load(Ordering::Acquire))
            {
                break;
            }
        }
    }

    fn publish_len(&self, st: &State<S>) {
        self.len_hint.store(st.items.len(), Ordering::Release);
        diagnostics::queue_depth(&self.label, || st.items.len());
    }

    // ---------------------------------------------------------------------------------------
    // put
    // ---------------------------------------------------------------------------------------

    /// Adds `item` under the lock and wakes one getter if one is parked.
    fn push_locked(&self, st: MutexGuard<'_, State<S>>, item: T) {
        let mut pushing = PushingGuard {
            st: Some(st),
            _items: PhantomData,
        };
        if let Some(st) = pushing.st.as_mut() {
            st.items.push(item);
        }
        let Some(mut st) = pushing.st.take() else {
            return; // unreachable: only the unwinding path leaves it empty
        };
        self.publish_len(&st);
        st.unfinished += 1;
        let wake = st.getters.pop();
        drop(st);
        if let Some(wake) = wake {
            wake.wake();
        }
    }

    pub(crate) fn try_put(&self, item: T) -> Result<(), (T, bool)> {
        let st = self.lock();
        if st.shut_down {
            return Err((item, true));
        }
        if !self.has_room(&st) {
            return Err((item, false));
        }
        self.push_locked(st, item);
        Ok(())
    }

    #[track_caller]
    fn put_wait(&self, item: T, wait: Wait) -> Result<(), PutTimeoutError<T>> {
        // When the hints say the queue is full, wait for room before taking the lock at all:
        // on a busy queue that keeps a would-be sleeper off the lock the others need.
        let room = |len| self.capacity.is_none_or(|cap| len < cap);
        let mut yielded = false;
        if !room(self.len_hint.load(Ordering::Acquire)) && !self.shut_hint.load(Ordering::Acquire) {
            yielded = true;
            self.wait_a_little(room);
        }
        let mut st = self.lock();
        loop {
            if st.shut_down {
                return Err(PutTimeoutError::ShutDown(item));
            }
            if self.has_room(&st) {
                self.push_locked(st, item);
                return Ok(());
            }
            if !yielded {
                yielded = true;
                drop(st);
                self.wait_a_little(room);
                st = self.lock();
                continue;
            }
            let (next, expired) = self.park_until_not_full(st, &wait);
            st = next;
            if expired {
                return Err(PutTimeoutError::Timeout(item));
            }
        }
    }

    #[track_caller]
    pub(crate) fn put(&self, item: T) -> Result<(), T> {
        match self.put_wait(item, Wait::Forever) {
            Ok(()) => Ok(()),
            Err(err) => Err(err.into_inner()),
        }
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
        self.put_wait(item, Wait::Until(Deadline::after(timeout)))
    }

    // ---------------------------------------------------------------------------------------
    // get
    // ---------------------------------------------------------------------------------------

    /// Takes the next item under the lock, wakes one putter if one is parked, and gives spare
    /// memory back when the store has drained.
    fn pop_locked(&self, st: &mut MutexGuard<'_, State<S>>) -> Option<(T, Option<Wake>)> {
        let item = st.items.pop()?;
        self.publish_len(st);
        if st.items.len() == 0 && st.items.allocated() > self.keep {
            st.items.shrink_to(self.keep);
        }
        Some((item, st.putters.pop()))
    }

    fn took(&self, st: MutexGuard<'_, State<S>>, item: T, wake: Option<Wake>) -> T {
        drop(st);
        if let Some(wake) = wake {
            wake.wake();
        }
        item
    }

    /// `Err(true)`: shut down and empty; `Err(false)`: empty.
    pub(crate) fn try_get(&self) -> Result<T, bool> {
        let mut st = self.lock();
        match self.pop_locked(&mut st) {
            Some((item, wake)) => Ok(self.took(st, item, wake)),
            None => Err(st.shut_down),
        }
    }

    #[track_caller]
    fn get_wait(&self, wait: Wait) -> Result<T, GetTimeoutError> {
        // As in `put_wait`: an empty queue by the hints is waited on before locking.
        let mut yielded = false;
        if self.len_hint.load(Ordering::Acquire) == 0 && !self.shut_hint.load(Ordering::Acquire) {
            yielded = true;
            self.wait_a_little(|len| len > 0);
        }
        let mut st = self.lock();
        loop {
            if let Some((item, wake)) = self.pop_locked(&mut st) {
                return Ok(self.took(st, item, wake));
            }
            if st.shut_down {
                return Err(GetTimeoutError::ShutDown);
            }
            if !yielded {
                yielded = true;
                drop(st);
                self.wait_a_little(|len| len > 0);
                st = self.lock();
                continue;
            }
            let (next, expired) = self.park_until_not_empty(st, &wait);
            st = next;
            if expired {
                return Err(GetTimeoutError::Timeout);
            }
        }
    }

    #[track_caller]
    pub(crate) fn get(&self) -> Option<T> {
        self.get_wait(Wait::Forever).ok()
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
        self.get_wait(Wait::Until(Deadline::after(timeout)))
    }

    // ---------------------------------------------------------------------------------------
    // size
    // ---------------------------------------------------------------------------------------

    pub(crate) fn len(&self) -> usize {
        self.len_hint.load(Ordering::Acquire)
    }

    pub(crate) fn is_full(&self) -> bool {
        match self.capacity {
            None => false,
            Some(cap) => self.len() >= cap,
        }
    }

    pub(crate) fn capacity(&self) -> Option<usize> {
        self.capacity
    }

    // ---------------------------------------------------------------------------------------
    // tasks
    // ---------------------------------------------------------------------------------------

    pub(crate) fn task_done(&self) -> Result<(), TaskDoneError> {
        let mut st = self.lock();
        if st.unfinished == 0 {
            return Err(TaskDoneError);
        }
        st.unfinished -= 1;
        let wake = st.unfinished == 0 && st.joiners > 0;
        drop(st);
        if wake {
            self.all_done.notify_all();
        }
        Ok(())
    }

    pub(crate) fn unfinished_tasks(&self) -> usize {
        self.lock().unfinished
    }

    #[track_caller]
    fn join_wait(&self, wait: Wait) -> bool {
        let mut st = self.lock();
        loop {
            if st.unfinished == 0 {
                return true;
            }
            st.joiners += 1;
            let (next, expired) = self.park_until_all_done(st, &wait);
            st = next;
            st.joiners -= 1;
            if expired {
                return st.unfinished == 0;
            }
        }
    }

    #[track_caller]
    pub(crate) fn join(&self) {
        self.join_wait(Wait::Forever);
    }

    #[track_caller]
    pub(crate) fn join_timeout(&self, timeout: Duration) -> bool {
        self.join_wait(Wait::Until(Deadline::after(timeout)))
    }

    // ---------------------------------------------------------------------------------------
    // shutdown
    // ---------------------------------------------------------------------------------------

    pub(crate) fn shutdown(&self) {
        let mut st = self.lock();
        st.shut_down = true;
        self.shut_hint.store(true, Ordering::Release);
        let getters = st.getters.take_all();
        let putters = st.putters.take_all();
        drop(st);
        // Every shutdown wakes every parked getter and putter (P-32); they re-check and leave.
        wake_all(getters);
        wake_all(putters);
    }

    pub(crate) fn shutdown_immediate(&self) {
        let mut st = self.lock();
        st.shut_down = true;
        self.shut_hint.store(true, Ordering::Release);
        // Drop the items after unlocking: their Drop is user code.
        let drained = mem::take(&mut st.items);
        let count = drained.len();
        self.publish_len(&st);
        st.unfinished = st.unfinished.saturating_sub(count);
        let getters = st.getters.take_all();
        let putters = st.putters.take_all();
        drop(st);
        wake_all(getters);
        wake_all(putters);
        self.all_done.notify_all();
        drop(drained);
    }

    pub(crate) fn is_shut_down(&self) -> bool {
        self.shut_hint.load(Ordering::Acquire)
    }
}

impl<T, S: Store<T>> AsyncSource<T> for Core<T, S> {
    fn poll_get(&self, waiter: &mut Option<u64>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut st = self.lock();
        let done = match self.pop_locked(&mut st) {
            Some((item, wake)) => Some((Some(item), wake)),
            None if st.shut_down => Some((None, None)),
            None => None,
        };
        match done {
            Some((got, wake)) => {
                if let Some(id) = waiter.take() {
                    // Leaving: a notification it had is used up by this get.
                    st.getters.remove(id);
                }
                drop(st);
                if let Some(wake) = wake {
                    wake.wake();
                }
                Poll::Ready(got)
            }
            None => {
                match *waiter {
                    Some(id) if st.getters.set_waker(id, cx.waker()) => {}
                    _ => *waiter = Some(st.getters.register(Wake::Task(cx.waker().clone()))),
                }
                Poll::Pending
            }
        }
    }

    fn cancel_get(&self, waiter: u64) {
        let mut st = self.lock();
        if st.getters.remove(waiter) {
            return;
        }
        // Notified but gone: the item it was woken for is for the next getter.
        let wake = if st.items.len() > 0 {
            st.getters.pop()
        } else {
            None
        };
        drop(st);
        if let Some(wake) = wake {
            wake.wake();
        }
    }
}

impl<T, S: Store<T>> AsyncSink<T> for Core<T, S> {
    fn poll_put(
        &self,
        item: &mut Option<T>,
        waiter: &mut Option<u64>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), T>> {
        let Some(value) = item.take() else {
            return Poll::Ready(Ok(())); // polled after completion: nothing to do
        };
        let mut st = self.lock();
        if st.shut_down || self.has_room(&st) {
            if let Some(id) = waiter.take() {
                st.putters.remove(id);
            }
            if st.shut_down {
                return Poll::Ready(Err(value));
            }
            self.push_locked(st, value);
            return Poll::Ready(Ok(()));
        }
        *item = Some(value);
        match *waiter {
            Some(id) if st.putters.set_waker(id, cx.waker()) => {}
            _ => *waiter = Some(st.putters.register(Wake::Task(cx.waker().clone()))),
        }
        Poll::Pending
    }

    fn cancel_put(&self, waiter: u64) {
        let mut st = self.lock();
        if st.putters.remove(waiter) {
            return;
        }
        // Notified but gone: the room it was woken for is for the next putter.
        let wake = if self.has_room(&st) {
            st.putters.pop()
        } else {
            None
        };
        drop(st);
        if let Some(wake) = wake {
            wake.wake();
        }
    }
}

fn relock<G>(result: Result<G, std::sync::PoisonError<G>>) -> G {
    match result {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::super::lifo::Lifo;
    use super::*;
    use crate::sync::lock;

    // Memory: a drained unbounded queue gives back what a burst made it allocate, keeping at most
    // `keep` slots; a bounded queue never allocates beyond its capacity's storage.
    #[test]
    fn a_drained_queue_gives_memory_back() {
        let core: Core<u64, Lifo<u64>> = Core::new(None);
        for i in 0..100_000 {
            core.put(i).unwrap();
        }
        assert!(lock(&core.state).items.allocated() >= 100_000);
        while core.try_get().is_ok() {}
        let allocated = lock(&core.state).items.allocated();
        assert!(allocated <= core.keep, "{allocated} slots kept");
        assert!(core.keep * mem::size_of::<u64>() <= SPARE_BYTES);

        let bounded: Core<u64, Lifo<u64>> = Core::new(Some(64));
        for round in 0..100 {
            for i in 0..64 {
                bounded.try_put(round * 64 + i).unwrap();
            }
            assert!(bounded.try_put(0).is_err());
            while bounded.try_get().is_ok() {}
        }
        assert!(lock(&bounded.state).items.allocated() <= 128);
    }

    // An idle queue owns no item storage.
    #[test]
    fn an_idle_queue_allocates_nothing() {
        let core: Core<u64, Lifo<u64>> = Core::new(Some(1024));
        assert_eq!(lock(&core.state).items.allocated(), 0);
    }
}
