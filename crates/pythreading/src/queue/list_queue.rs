//! The unbounded FIFO `Queue`: two locks, so that producers and consumers do not contend with
//! each other (the two-lock queue of Michael & Scott, with whole buffers instead of nodes, as in
//! `SimpleQueue`), plus what a `Queue` has and a `SimpleQueue` lacks: shutdown and
//! `task_done`/`join`.
//!
//! Producers append to the `tail` buffer under its lock; consumers take from the `head` buffer
//! under theirs, and when it runs dry swap the whole tail buffer in at once. Everything in `head`
//! is older than everything in `tail`, so the order is FIFO. Lock order: `head`, then `tail`.
//!
//! - Waiting getters (blocked threads and pending `get_async` futures) are in one
//!   first-come, first-woken list under the `tail` lock, where every put sees them; a get
//!   registers only after finding both buffers empty while holding the `tail` lock, so no
//!   wake-up is lost. A put never waits.
//! - Shutdown is a flag under the `tail` lock: a put checks it where it appends, and a get that
//!   finds both buffers empty reads it under the same lock, so "drained and shut down" is exact.
//! - Task accounting as on the ring: `pushed` counts puts (raised under the `tail` lock, before
//!   the item can be taken), `done` counts `task_done`s; unfinished tasks are the difference. A
//!   `join` waits on a condition variable over the `tail` lock, and re-checks with a
//!   read-modify-write on `done`, which either sees the last `task_done` or is seen by it.

use std::collections::VecDeque;
use std::mem;
use std::task::{Context, Poll};
use std::time::Duration;

use super::backoff::{Backoff, lock_busy};
use super::error::{GetTimeoutError, PutTimeoutError, TaskDoneError};
use super::ring::Padded;
use super::waiters::{WaitList, Wake, wake_all};
use crate::deadline::Deadline;
use crate::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use crate::sync::{Condvar, Mutex, MutexGuard, lock, thread};

/// Bytes of spare storage a drained buffer may keep.
const SPARE_BYTES: usize = 16 * 1024;

/// What consumers touch.
struct Consumers<T> {
    head: Mutex<VecDeque<T>>,
    /// Items taken (wrapping). Raised after a pop.
    popped: AtomicUsize,
}

/// What producers touch.
struct Producers<T> {
    tail: Mutex<Tail<T>>,
    /// Items put (wrapping). Raised under the `tail` lock, before the item can be taken.
    pushed: AtomicUsize,
}

struct Tail<T> {
    items: VecDeque<T>,
    getters: WaitList,
    shut_down: bool,
}

/// Task accounting, touched only by `task_done`, `join` and `shutdown_immediate`.
struct Tasks {
    done: AtomicUsize,
    joiners: AtomicUsize,
    /// Paired with the `tail` lock.
    all_done: Condvar,
}

pub(crate) struct ListQueue<T> {
    cons: Padded<Consumers<T>>,
    prod: Padded<Producers<T>>,
    tasks: Padded<Tasks>,
    /// `shut_down`, readable without the lock.
    shut_hint: AtomicBool,
    /// Name and id for dumps and the timeline (read on slow paths and when recording only).
    label: crate::diagnostics::Label,
}

impl<T> ListQueue<T> {
    pub(crate) fn new() -> Self {
        ListQueue {
            cons: Padded(Consumers {
                head: Mutex::new(VecDeque::new()),
                popped: AtomicUsize::new(0),
            }),
            prod: Padded(Producers {
                tail: Mutex::new(Tail {
                    items: VecDeque::new(),
                    getters: WaitList::new(),
                    shut_down: false,
                }),
                pushed: AtomicUsize::new(0),
            }),
            tasks: Padded(Tasks {
                done: AtomicUsize::new(0),
                joiners: AtomicUsize::new(0),
                all_done: Condvar::new(),
            }),
            shut_hint: AtomicBool::new(false),
            label: crate::diagnostics::Label::new(crate::diagnostics::Kind::Queue),
        }
    }

    pub(crate) fn label(&self) -> &crate::diagnostics::Label {
        &self.label
    }

    pub(crate) fn label_mut(&mut self) -> &mut crate::diagnostics::Label {
        &mut self.label
    }

    fn lock_tail(&self) -> MutexGuard<'_, Tail<T>> {
        lock_busy(&self.prod.0.tail)
    }

    fn lock_head(&self) -> MutexGuard<'_, VecDeque<T>> {
        lock_busy(&self.cons.0.head)
    }

    // ---------------------------------------------------------------------------------------
    // put
    // ---------------------------------------------------------------------------------------

    pub(crate) fn try_put(&self, item: T) -> Result<(), (T, bool)> {
        let mut tail = self.lock_tail();
        if tail.shut_down {
            return Err((item, true));
        }
        tail.items.push_back(item);
        self.prod.0.pushed.fetch_add(1, Ordering::AcqRel);
        let wake = tail.getters.pop();
        drop(tail);
        crate::diagnostics::queue_depth(&self.label, || self.len());
        if let Some(wake) = wake {
            wake.wake();
        }
        Ok(())
    }

    pub(crate) fn put(&self, item: T) -> Result<(), T> {
        self.try_put(item).map_err(|(item, _)| item)
    }

    /// Never waits: an unbounded queue is never full.
    pub(crate) fn put_timeout(
        &self,
        item: T,
        _timeout: Duration,
    ) -> Result<(), PutTimeoutError<T>> {
        self.try_put(item)
            .map_err(|(item, _)| PutTimeoutError::ShutDown(item))
    }

    // ---------------------------------------------------------------------------------------
    // get
    // ---------------------------------------------------------------------------------------

    /// Takes the oldest item; `head` is the locked head buffer, refilled from the tail when it
    /// is empty. `Err(true)`: both empty and shut down; `Err(false)`: both empty.
    fn pop(&self, head: &mut VecDeque<T>) -> Result<T, bool> {
        let item = match head.pop_front() {
            Some(item) => item,
            None => {
                // Give back what a past burst left allocated before this buffer becomes the
                // producers' next one.
                let keep = (SPARE_BYTES / mem::size_of::<T>().max(1)).max(16);
                if head.capacity() > keep {
                    head.shrink_to(keep);
                }
                let mut tail = self.lock_tail();
                if tail.items.is_empty() {
                    return Err(tail.shut_down);
                }
                mem::swap(head, &mut tail.items);
                drop(tail);
                head.pop_front().ok_or(false)?
            }
        };
        self.cons.0.popped.fetch_add(1, Ordering::Release);
        crate::diagnostics::queue_depth(&self.label, || self.len());
        Ok(item)
    }

    pub(crate) fn try_get(&self) -> Result<T, bool> {
        self.pop(&mut self.lock_head())
    }

    #[track_caller]
    fn get_until(&self, deadline: Deadline) -> Result<T, GetTimeoutError> {
        match self.pop(&mut self.lock_head()) {
            Ok(item) => return Ok(item),
            Err(true) => return Err(GetTimeoutError::ShutDown),
            Err(false) => {}
        }
        // Give a running producer a short chance before paying for a park and a wake-up.
        if !cfg!(loom) {
            let mut backoff = Backoff::new();
            while !backoff.is_completed() {
                backoff.snooze();
                if self.len() > 0 || self.shut_hint.load(Ordering::Acquire) {
                    break;
                }
            }
        }
        loop {
            let mut head = self.lock_head();
            match self.pop(&mut head) {
                Ok(item) => return Ok(item),
                Err(true) => return Err(GetTimeoutError::ShutDown),
                Err(false) => {}
            }
            // Both buffers were empty. Wait on the tail, where a put will see it; release the
            // head first so other getters (and their deadlines) are not held up meanwhile.
            let tail = self.lock_tail();
            drop(head);
            if !tail.items.is_empty() || tail.shut_down {
                continue;
            }
            if deadline.has_passed() {
                return Err(GetTimeoutError::Timeout);
            }
            self.park_until_not_empty(tail, deadline);
        }
    }

    /// Parks the calling getter in the waiters until a put (or shutdown) notifies it or the
    /// deadline passes. The caller re-checks.
    #[track_caller]
    fn park_until_not_empty<'a>(&'a self, mut tail: MutexGuard<'a, Tail<T>>, deadline: Deadline) {
        let _waiting = crate::diagnostics::waiting(&self.label);
        let id = tail.getters.register(Wake::this_thread());
        loop {
            drop(tail);
            match deadline.remaining() {
                None => thread::park(),
                Some(Duration::ZERO) => {}
                Some(left) => thread::park_timeout(left),
            }
            tail = self.lock_tail();
            if !tail.getters.contains(id) {
                return; // notified
            }
            if deadline.has_passed() {
                tail.getters.remove(id);
                return;
            }
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
    // async
    // ---------------------------------------------------------------------------------------

    pub(crate) fn poll_get(
        &self,
        waiter: &mut Option<u64>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<T>> {
        loop {
            let mut head = self.lock_head();
            let got = self.pop(&mut head);
            if !matches!(got, Err(false)) {
                drop(head);
                if let Some(id) = waiter.take() {
                    // Leaving: a notification it had is used up by this get.
                    self.lock_tail().getters.remove(id);
                }
                return Poll::Ready(got.ok());
            }
            let mut tail = self.lock_tail();
            drop(head);
            if !tail.items.is_empty() || tail.shut_down {
                continue;
            }
            match *waiter {
                Some(id) if tail.getters.set_waker(id, cx.waker()) => {}
                _ => *waiter = Some(tail.getters.register(Wake::Task(cx.waker().clone()))),
            }
            return Poll::Pending;
        }
    }

    pub(crate) fn cancel_get(&self, waiter: u64) {
        let mut tail = self.lock_tail();
        if tail.getters.remove(waiter) {
            return;
        }
        // Notified but gone: pass the notification on. (The item may sit in the head buffer,
        // which this lock does not cover; a spare wake-up costs a re-check, never an item.)
        let wake = tail.getters.pop();
        drop(tail);
        if let Some(wake) = wake {
            wake.wake();
        }
    }

    /// A put never waits here: it completes or fails at once.
    pub(crate) fn poll_put(
        &self,
        item: &mut Option<T>,
        _waiter: &mut Option<u64>,
        _cx: &mut Context<'_>,
    ) -> Poll<Result<(), T>> {
        match item.take() {
            Some(item) => Poll::Ready(self.put(item)),
            None => Poll::Ready(Ok(())),
        }
    }

    /// No put ever waits, so none is ever cancelled while waiting.
    pub(crate) fn cancel_put(&self, _waiter: u64) {}

    // ---------------------------------------------------------------------------------------
    // size
    // ---------------------------------------------------------------------------------------

    pub(crate) fn len(&self) -> usize {
        // `popped` first: every pop counted there follows its push, so the difference is never
        // negative (as in `SimpleQueue::len`).
        let popped = self.cons.0.popped.load(Ordering::Acquire);
        let pushed = self.prod.0.pushed.load(Ordering::Acquire);
        pushed.wrapping_sub(popped)
    }

    // ---------------------------------------------------------------------------------------
    // tasks
    // ---------------------------------------------------------------------------------------

    pub(crate) fn task_done(&self) -> Result<(), TaskDoneError> {
        let done = &self.tasks.0.done;
        let mut n = done.load(Ordering::Acquire);
        let puts = loop {
            // The newest count: a put ordered before this call is always counted.
            let puts = self.prod.0.pushed.fetch_add(0, Ordering::AcqRel);
            if puts.wrapping_sub(n) == 0 {
                return Err(TaskDoneError);
            }
            match done.compare_exchange_weak(n, n + 1, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => break puts,
                Err(now) => n = now,
            }
        };
        if puts == n.wrapping_add(1) && self.tasks.0.joiners.load(Ordering::Acquire) > 0 {
            drop(self.lock_tail());
            self.tasks.0.all_done.notify_all();
        }
        Ok(())
    }

    pub(crate) fn unfinished_tasks(&self) -> usize {
        // `done` first: every task counted there was put, and its count is visible after it.
        let done = self.tasks.0.done.load(Ordering::Acquire);
        self.prod
            .0
            .pushed
            .load(Ordering::Acquire)
            .saturating_sub(done)
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
            let tail = self.lock_tail();
            let joiners = &self.tasks.0.joiners;
            joiners.fetch_add(1, Ordering::Relaxed);
            // Pairs with `task_done`'s read-modify-write on `done` (see the module docs).
            let done = self.tasks.0.done.fetch_add(0, Ordering::AcqRel);
            if self
                .prod
                .0
                .pushed
                .load(Ordering::Acquire)
                .saturating_sub(done)
                == 0
            {
                drop(tail);
            } else {
                self.park_until_all_done(tail, deadline);
            }
            joiners.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// Parks a `join` until the last `task_done` (or `shutdown_immediate`) or the deadline.
    #[track_caller]
    fn park_until_all_done(&self, tail: MutexGuard<'_, Tail<T>>, deadline: Deadline) {
        let _waiting = crate::diagnostics::waiting(&self.label);
        let cv = &self.tasks.0.all_done;
        match deadline.remaining() {
            None => drop(relock(cv.wait(tail))),
            Some(Duration::ZERO) => {}
            Some(left) => match cv.wait_timeout(tail, left) {
                Ok(_) => {}
                Err(poisoned) => drop(poisoned.into_inner()),
            },
        }
    }

    #[track_caller]
    pub(crate) fn join(&self) {
        self.join_until(Deadline::Never);
    }

    pub(crate) fn join_timeout(&self, timeout: Duration) -> bool {
        self.join_until(Deadline::after(timeout))
    }

    // ---------------------------------------------------------------------------------------
    // shutdown
    // ---------------------------------------------------------------------------------------

    pub(crate) fn shutdown(&self) {
        let mut tail = self.lock_tail();
        tail.shut_down = true;
        self.shut_hint.store(true, Ordering::Release);
        let getters = tail.getters.take_all();
        drop(tail);
        // Every shutdown wakes every waiting getter (P-32); they re-check and leave.
        wake_all(getters);
    }

    pub(crate) fn shutdown_immediate(&self) {
        let mut head = lock(&self.cons.0.head);
        let mut tail = self.lock_tail();
        tail.shut_down = true;
        self.shut_hint.store(true, Ordering::Release);
        let older = mem::take(&mut *head);
        let newer = mem::take(&mut tail.items);
        let count = older.len() + newer.len();
        self.cons.0.popped.fetch_add(count, Ordering::Release);
        // The drained items count as done (CPython: `unfinished_tasks -= qsize()`, never below 0).
        let puts = self.prod.0.pushed.load(Ordering::Acquire);
        let done = &self.tasks.0.done;
        let mut n = done.load(Ordering::Acquire);
        while let Err(now) = done.compare_exchange_weak(
            n,
            n.saturating_add(count).min(puts.max(n)),
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            n = now;
        }
        let getters = tail.getters.take_all();
        drop(tail);
        drop(head);
        wake_all(getters);
        self.tasks.0.all_done.notify_all();
        // The items' Drop is user code: run it last, with every waiter already released.
        drop(older);
        drop(newer);
    }

    pub(crate) fn is_shut_down(&self) -> bool {
        self.shut_hint.load(Ordering::Acquire)
    }
}

fn relock<G>(result: Result<G, std::sync::PoisonError<G>>) -> G {
    match result {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}
