//! The queue of threads and tasks waiting for one condition of a queue (an item to get, room to
//! put): first come, first woken, whether a waiter is a blocked thread or a pending future.
//!
//! A blocking `get` and a `get_async` wait in the same list, so one queue can have threads on
//! one side and async tasks on the other, and neither kind can overtake the other: a put wakes
//! the oldest waiter. (A condition variable cannot do this: it wakes a thread of its choosing,
//! and it cannot wake a task.)
//!
//! The list lives under a lock of its queue. A waiter is *notified* by being taken out of the
//! list; a woken waiter re-checks the queue, as after a condition variable's wake-up, and joins
//! the back of the list again if it lost the race for the item. A waiter that leaves on its own
//! (a timeout, a dropped future) removes its entry; if the entry was already taken out, it was
//! notified and must pass the notification on ([`WaitList::remove`] says which), so that no
//! wake-up is lost with it.
//!
//! Waking (unparking a thread, calling a waker) happens after the lock is released, by
//! [`Wake::wake`]: a waker is user code.

use std::cell::Cell;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Waker;

use crate::sync::thread::{self, Thread};

/// How to wake one waiter.
pub(super) enum Wake {
    /// A thread parked with `thread::park`.
    Thread(Thread),
    /// A pending future's task.
    Task(Waker),
}

impl Wake {
    /// Wakes the waiter. Call it with no lock held.
    pub(super) fn wake(self) {
        match self {
            Wake::Thread(thread) => thread.unpark(),
            Wake::Task(waker) => waker.wake(),
        }
    }

    /// The current thread, to park.
    pub(super) fn this_thread() -> Self {
        Wake::Thread(thread::current())
    }
}

/// Waiter ids, unique in the process, so that a list needs no counter of its own (an idle
/// queue stays small). Not a synchronisation point: ids are only compared under a list's lock,
/// so this is a plain `std` atomic even under loom.
///
/// Each thread takes a block of [`ID_BLOCK`] ids at a time and hands them out itself: one
/// process-wide atomic bumped at every wait would bounce between the cores of every thread that
/// waits on any queue (a thread on one side of a queue and a task on the other both register).
static NEXT_ID_BLOCK: AtomicU64 = AtomicU64::new(0);

/// How many ids a thread takes at once.
const ID_BLOCK: u64 = 1024;

thread_local! {
    /// This thread's ids: the next to hand out, and the end of its block.
    static IDS: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
}

/// A waiter id no other waiter in the process has had.
fn next_id() -> u64 {
    IDS.with(|ids| {
        let (mut next, mut end) = ids.get();
        if next == end {
            // u64 ids cannot wrap in practice (584 years at 1e9 registrations/s).
            next = NEXT_ID_BLOCK.fetch_add(ID_BLOCK, Ordering::Relaxed);
            end = next + ID_BLOCK;
        }
        ids.set((next + 1, end));
        next
    })
}

/// Waiters for one condition, oldest first.
pub(super) struct WaitList {
    waiting: VecDeque<(u64, Wake)>,
}

impl WaitList {
    pub(super) fn new() -> Self {
        WaitList {
            waiting: VecDeque::new(),
        }
    }

    /// Adds a waiter at the back; returns its id.
    pub(super) fn register(&mut self, wake: Wake) -> u64 {
        let id = next_id();
        self.waiting.push_back((id, wake));
        id
    }

    /// Whether waiter `id` is still waiting (not notified).
    pub(super) fn contains(&self, id: u64) -> bool {
        self.waiting.iter().any(|(i, _)| *i == id)
    }

    /// Replaces the waker of task `id`, keeping its place; `false` if it is no longer waiting
    /// (it was notified).
    pub(super) fn set_waker(&mut self, id: u64, waker: &Waker) -> bool {
        match self.waiting.iter_mut().find(|(i, _)| *i == id) {
            Some((_, wake)) => {
                if !matches!(wake, Wake::Task(w) if w.will_wake(waker)) {
                    *wake = Wake::Task(waker.clone());
                }
                true
            }
            None => false,
        }
    }

    /// Takes waiter `id` out; `false` if it was no longer there, i.e. it was notified (the
    /// caller then owes the notification to the next waiter, unless it acted on it).
    pub(super) fn remove(&mut self, id: u64) -> bool {
        match self.waiting.iter().position(|(i, _)| *i == id) {
            Some(at) => {
                self.waiting.remove(at);
                true
            }
            None => false,
        }
    }

    /// Notifies the oldest waiter: takes it out and returns how to wake it (after unlocking).
    pub(super) fn pop(&mut self) -> Option<Wake> {
        self.waiting.pop_front().map(|(_, wake)| wake)
    }

    /// Notifies every waiter (shutdown).
    pub(super) fn take_all(&mut self) -> Vec<Wake> {
        self.waiting.drain(..).map(|(_, wake)| wake).collect()
    }
}

/// Wakes every waiter in `wakes` (after the caller has unlocked).
pub(super) fn wake_all(wakes: Vec<Wake>) {
    for wake in wakes {
        wake.wake();
    }
}
