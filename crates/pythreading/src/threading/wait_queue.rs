//! A FIFO of parked waiters, each with its own wake-up slot.
//!
//! `Condition` and the semaphores park every waiter on a slot of its own (as CPython's
//! `Condition` gives each waiter its own lock), so `notify(n)` wakes exactly the `n` oldest and a
//! waiter only ever wakes because it was signalled or its deadline passed: no spurious wake-ups.
//! The list itself is not locked; its owner keeps it under its own mutex.
//!
//! A slot may also hold a task's [`Waker`] (the async faces: `acquire_async`, `wait_async`, …), so
//! threads and tasks queue in one list and are served in one arrival order. A signal sets the
//! flag, wakes a parked thread and wakes the registered task, whichever is there.

use std::collections::VecDeque;
use std::task::{Context, Waker};
use std::time::Duration;

use crate::deadline::Deadline;
use crate::sync::{Arc, Condvar, Mutex, lock};

/// One parked waiter's wake-up flag.
#[derive(Debug)]
pub(crate) struct Slot {
    signalled: Mutex<Signal>,
    cv: Condvar,
}

/// A slot's flag and, when a task (not a thread) waits on it, the task's waker.
#[derive(Debug, Default)]
struct Signal {
    signalled: bool,
    waker: Option<Waker>,
    /// The timeline's flow arrow from the signalling thread (0: none; see `diagnostics`).
    flow: u64,
}

impl Slot {
    fn new() -> Arc<Slot> {
        Arc::new(Slot {
            signalled: Mutex::new(Signal::default()),
            cv: Condvar::new(),
        })
    }

    /// Marks the slot signalled and wakes its waiter (a parked thread or a task).
    pub(crate) fn signal(&self) {
        self.signal_with_flow(0);
    }

    /// As [`signal`](Slot::signal), handing the waiter the id of the timeline arrow that the
    /// signalling thread started (0: none).
    pub(crate) fn signal_with_flow(&self, flow: u64) {
        let waker = {
            let mut signal = lock(&self.signalled);
            signal.signalled = true;
            signal.flow = flow;
            signal.waker.take()
        };
        // Notify after unlocking: the waiter checks the flag under the mutex before sleeping,
        // so the wake-up cannot be missed, and it does not wake into a held mutex.
        match waker {
            Some(waker) => waker.wake(),
            None => self.cv.notify_one(),
        }
    }

    /// The task face of [`wait`](Slot::wait): `true` once signalled; otherwise stores the task's
    /// waker (replacing an older one) so that [`signal`](Slot::signal) wakes it, and `false`.
    ///
    /// The flag is read and the waker stored under the slot's mutex, which `signal` takes too:
    /// a signal either comes before (and is seen here) or after (and finds the waker).
    pub(crate) fn poll_signalled(&self, cx: &Context<'_>) -> bool {
        let mut signal = lock(&self.signalled);
        if signal.signalled {
            return true;
        }
        match &mut signal.waker {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            other => *other = Some(cx.waker().clone()),
        }
        false
    }

    /// Blocks until signalled (`true`) or until `deadline` passes (`false`). A signal that
    /// carried a timeline arrow ends it here, on the woken thread's track.
    pub(crate) fn wait(&self, deadline: Deadline) -> bool {
        let mut signalled = lock(&self.signalled);
        loop {
            if signalled.signalled {
                crate::diagnostics::woken(signalled.flow);
                return true;
            }
            signalled = match deadline.remaining() {
                None => match self.cv.wait(signalled) {
                    Ok(g) => g,
                    Err(p) => p.into_inner(),
                },
                Some(Duration::ZERO) => return false,
                Some(left) => match self.cv.wait_timeout(signalled, left) {
                    Ok((g, _)) => g,
                    Err(p) => p.into_inner().0,
                },
            };
        }
    }
}

/// Waiters in arrival order.
#[derive(Debug, Default)]
pub(crate) struct WaitList {
    queue: VecDeque<Arc<Slot>>,
}

impl WaitList {
    /// An empty list.
    pub(crate) const fn new() -> Self {
        WaitList {
            queue: VecDeque::new(),
        }
    }

    /// Appends a new waiter and returns its slot.
    pub(crate) fn push(&mut self) -> Arc<Slot> {
        let slot = Slot::new();
        self.queue.push_back(Arc::clone(&slot));
        slot
    }

    /// Removes the oldest waiter, to signal it.
    pub(crate) fn pop(&mut self) -> Option<Arc<Slot>> {
        self.queue.pop_front()
    }

    /// Removes `slot` if it is still queued; `false` means someone already popped it.
    pub(crate) fn remove(&mut self, slot: &Arc<Slot>) -> bool {
        match self.queue.iter().position(|s| Arc::ptr_eq(s, slot)) {
            Some(i) => {
                self.queue.remove(i);
                true
            }
            None => false,
        }
    }

    /// How many are waiting.
    pub(crate) fn len(&self) -> usize {
        self.queue.len()
    }

    /// Removes every waiter, oldest first, to signal them all.
    pub(crate) fn take_all(&mut self) -> VecDeque<Arc<Slot>> {
        std::mem::take(&mut self.queue)
    }
}
