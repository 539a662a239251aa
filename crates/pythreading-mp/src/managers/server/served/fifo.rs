//! The queue behind a served `queue.Queue`: CPython's design (a deque and three conditions),
//! plus what a server needs and CPython lacks: waits that end when the caller's connection
//! closes, and putting an undelivered item back at the head.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Instant;

use crate::managers::protocol::{ClientWatch, WATCH_SLICE, Wait};
use crate::pickle::Value;

/// Why a queue operation did not happen.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum FifoError {
    /// Nothing to get in time (`queue.Empty`).
    Empty,
    /// No room in time (`queue.Full`).
    Full,
    /// The queue was shut down (`queue.ShutDown`).
    ShutDown,
    /// The caller's connection closed while it waited: nobody is there to answer.
    CallerGone,
}

/// What the queue holds.
type Item = Value;

struct State {
    items: VecDeque<Item>,
    unfinished: usize,
    shut_down: bool,
    /// Threads inside a `get` or `put` wait: with none, a put or get skips the notify, which
    /// on Linux is a `futex` system call even when nobody waits (one per round trip saved).
    waiting: usize,
}

/// A FIFO queue with CPython's `queue.Queue` semantics (`maxsize <= 0`: unbounded).
pub(crate) struct Fifo {
    state: Mutex<State>,
    maxsize: usize,
    not_empty: Condvar,
    not_full: Condvar,
    all_done: Condvar,
}

/// Waits on `cv` until `ready` holds, the wait runs out, the queue shuts down or the caller
/// goes away; in slices, so the caller is looked at every [`WATCH_SLICE`].
fn wait_until<'a>(
    cv: &Condvar,
    mut st: MutexGuard<'a, State>,
    wait: Wait,
    caller: Option<&ClientWatch>,
    timeout: FifoError,
    ready: impl Fn(&State) -> bool,
) -> Result<MutexGuard<'a, State>, (MutexGuard<'a, State>, FifoError)> {
    let deadline = match wait {
        Wait::For(d) => Instant::now().checked_add(d),
        _ => None,
    };
    loop {
        if ready(&st) {
            return Ok(st);
        }
        if st.shut_down {
            return Err((st, FifoError::ShutDown));
        }
        let slice = match (wait, deadline) {
            (Wait::Poll, _) => return Err((st, timeout)),
            (Wait::For(_), Some(deadline)) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err((st, timeout));
                }
                left.min(WATCH_SLICE)
            }
            // `Forever`, or a timeout beyond what an `Instant` can hold.
            _ => WATCH_SLICE,
        };
        st.waiting += 1;
        st = cv
            .wait_timeout(st, slice)
            .unwrap_or_else(|p| p.into_inner())
            .0;
        st.waiting -= 1;
        if !ready(&st) && caller.is_some_and(ClientWatch::gone) {
            return Err((st, FifoError::CallerGone));
        }
    }
}

impl Fifo {
    pub(crate) fn new(maxsize: i64) -> Self {
        Fifo {
            state: Mutex::new(State {
                items: VecDeque::new(),
                unfinished: 0,
                shut_down: false,
                waiting: 0,
            }),
            maxsize: usize::try_from(maxsize).unwrap_or(0),
            not_empty: Condvar::new(),
            not_full: Condvar::new(),
            all_done: Condvar::new(),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn has_room(&self, st: &State) -> bool {
        self.maxsize == 0 || st.items.len() < self.maxsize
    }

    pub(crate) fn put(
        &self,
        item: Item,
        wait: Wait,
        caller: Option<&ClientWatch>,
    ) -> Result<(), FifoError> {
        let st = self.state();
        if st.shut_down {
            return Err(FifoError::ShutDown);
        }
        let mut st = wait_until(&self.not_full, st, wait, caller, FifoError::Full, |s| {
            self.has_room(s)
        })
        .map_err(|(_, e)| e)?;
        st.items.push_back(item);
        st.unfinished += 1;
        if st.waiting > 0 {
            self.not_empty.notify_one();
        }
        Ok(())
    }

    pub(crate) fn get(&self, wait: Wait, caller: Option<&ClientWatch>) -> Result<Item, FifoError> {
        let st = self.state();
        let mut st = match wait_until(&self.not_empty, st, wait, caller, FifoError::Empty, |s| {
            !s.items.is_empty()
        }) {
            Ok(st) => st,
            Err((st, e)) => {
                // A waiter that leaves may have been the one a `notify_one` chose: pass it on.
                if !st.items.is_empty() && st.waiting > 0 {
                    self.not_empty.notify_one();
                }
                return Err(e);
            }
        };
        let item = st.items.pop_front();
        if st.waiting > 0 {
            self.not_full.notify_one();
        }
        item.ok_or(FifoError::Empty)
    }

    /// Puts back at the head an item a `get` took but could not deliver (its caller went away
    /// before the reply was sent): it is not lost, and stays first in line. It still counts as
    /// unfinished, as it did since its `put`.
    pub(crate) fn give_back(&self, item: Item) {
        let mut st = self.state();
        st.items.push_front(item);
        if st.waiting > 0 {
            self.not_empty.notify_one();
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.state().items.len()
    }

    pub(crate) fn is_full(&self) -> bool {
        let st = self.state();
        self.maxsize > 0 && st.items.len() >= self.maxsize
    }

    /// `task_done()`; `false` if called more times than items were put.
    pub(crate) fn task_done(&self) -> bool {
        let mut st = self.state();
        if st.unfinished == 0 {
            return false;
        }
        st.unfinished -= 1;
        if st.unfinished == 0 {
            self.all_done.notify_all();
        }
        true
    }

    /// `join()`: until every item put was marked done; ends early (`CallerGone`) if the caller
    /// goes away, or at shutdown of the server ([`Fifo::release_all`]).
    pub(crate) fn join(&self, caller: Option<&ClientWatch>) -> Result<(), FifoError> {
        let mut st = self.state();
        while st.unfinished > 0 {
            st = self
                .all_done
                .wait_timeout(st, WATCH_SLICE)
                .unwrap_or_else(|p| p.into_inner())
                .0;
            if st.unfinished > 0 && caller.is_some_and(ClientWatch::gone) {
                return Err(FifoError::CallerGone);
            }
        }
        Ok(())
    }

    /// `shutdown(immediate)` (3.13): puts fail from now on; gets fail once the queue is empty
    /// (at once with `immediate`, which drops the items and their unfinished counts).
    pub(crate) fn shutdown(&self, immediate: bool) {
        let mut st = self.state();
        st.shut_down = true;
        if immediate {
            let n = st.items.len();
            st.items.clear();
            st.unfinished = st.unfinished.saturating_sub(n);
            if st.unfinished == 0 {
                self.all_done.notify_all();
            }
        }
        self.not_empty.notify_all();
        self.not_full.notify_all();
    }

    /// The server is stopping: wake everyone for good.
    pub(crate) fn release_all(&self) {
        self.shutdown(true);
        let mut st = self.state();
        st.unfinished = 0;
        self.all_done.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn fifo_order_timeouts_and_give_back() {
        let q = Fifo::new(2);
        q.put(Value::Int(1), Wait::Forever, None).unwrap();
        q.put(Value::Int(2), Wait::Forever, None).unwrap();
        assert_eq!(q.put(Value::Int(3), Wait::Poll, None), Err(FifoError::Full));
        let t0 = Instant::now();
        assert_eq!(
            q.put(Value::Int(3), Wait::For(Duration::from_millis(50)), None),
            Err(FifoError::Full)
        );
        assert!(t0.elapsed() >= Duration::from_millis(30));
        let first = q.get(Wait::Poll, None).unwrap();
        q.give_back(first);
        assert_eq!(q.get(Wait::Poll, None), Ok(Value::Int(1)));
        assert_eq!(q.get(Wait::Poll, None), Ok(Value::Int(2)));
        assert_eq!(q.get(Wait::Poll, None), Err(FifoError::Empty));
        assert!(q.task_done() && q.task_done() && !q.task_done());
        q.join(None).unwrap();
        q.shutdown(false);
        assert_eq!(
            q.put(Value::None, Wait::Poll, None),
            Err(FifoError::ShutDown)
        );
        assert_eq!(q.get(Wait::Forever, None), Err(FifoError::ShutDown));
    }
}
