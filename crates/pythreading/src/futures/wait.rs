//! `futures::wait`: block until some or all of a set of futures are done.
//!
//! A [`Waiter`] is registered on every unfinished future; a future that completes pushes its index
//! into the waiter's event list. "Done" here means Python's FINISHED or CANCELLED_AND_NOTIFIED:
//! a future cancelled with [`TaskFuture::cancel`] counts once the pool has acknowledged the
//! cancellation (a worker dequeued it, or `shutdown` drained it) — Q-19, Q-22.

use std::borrow::Borrow;
use std::collections::HashSet;
use std::fmt;
use std::time::Duration;

use super::task_future::TaskFuture;
use crate::deadline::Deadline;
use crate::sync::{Arc, Condvar, Mutex, lock};

/// One `wait` / `as_completed` call's mailbox: the futures that completed since it registered.
#[derive(Debug)]
pub(crate) struct Waiter {
    state: Mutex<WaiterState>,
    cond: Condvar,
}

#[derive(Debug, Default)]
pub(crate) struct WaiterState {
    /// (index of the future in the caller's list, whether it failed)
    pub(crate) events: Vec<(usize, bool)>,
    sleeping: bool,
}

impl Waiter {
    pub(crate) fn new() -> Arc<Waiter> {
        Arc::new(Waiter {
            state: Mutex::new(WaiterState::default()),
            cond: Condvar::new(),
        })
    }

    pub(crate) fn notify(&self, index: usize, failed: bool) {
        let mut s = lock(&self.state);
        s.events.push((index, failed));
        let sleeping = s.sleeping;
        drop(s);
        if sleeping {
            self.cond.notify_one();
        }
    }

    /// Moves the events received so far into `out`.
    pub(crate) fn drain_into(&self, out: &mut Vec<(usize, bool)>) {
        out.append(&mut lock(&self.state).events);
    }

    /// Blocks until at least one event is queued or the deadline passes; returns the events.
    pub(crate) fn wait_events(&self, deadline: Deadline, out: &mut Vec<(usize, bool)>) {
        let mut s = lock(&self.state);
        while s.events.is_empty() {
            let remaining = deadline.remaining();
            if remaining == Some(Duration::ZERO) {
                break;
            }
            s.sleeping = true;
            s = match remaining {
                None => match self.cond.wait(s) {
                    Ok(g) => g,
                    Err(p) => p.into_inner(),
                },
                Some(d) => match self.cond.wait_timeout(s, d) {
                    Ok((g, _)) => g,
                    Err(p) => p.into_inner().0,
                },
            };
            s.sleeping = false;
        }
        out.append(&mut s.events);
    }
}

/// Keeps the first occurrence of every future (by identity), in input order (Q-18, Q-30).
pub(crate) fn unique<T, I>(fs: I) -> Vec<TaskFuture<T>>
where
    I: IntoIterator,
    I::Item: Borrow<TaskFuture<T>>,
{
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for f in fs {
        let f = f.borrow();
        if seen.insert(f.addr()) {
            out.push(f.clone());
        }
    }
    out
}

/// When [`wait`] returns (Python's `FIRST_COMPLETED`, `FIRST_EXCEPTION`, `ALL_COMPLETED`).
///
/// # Examples
///
/// ```
/// use pythreading::futures::{wait, ReturnWhen, ThreadPoolExecutor};
///
/// let pool = ThreadPoolExecutor::new(2).unwrap();
/// let fs = vec![pool.submit(|| 1).unwrap(), pool.submit(|| 2).unwrap()];
/// let r = wait(&fs, ReturnWhen::AllCompleted);
/// assert_eq!(r.done.len(), 2);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[doc(alias = "return_when")]
pub enum ReturnWhen {
    /// Return as soon as any future is done.
    #[doc(alias = "FIRST_COMPLETED")]
    FirstCompleted,
    /// Return when any future fails (panics or its pool breaks), or when all are done.
    #[doc(alias = "FIRST_EXCEPTION")]
    FirstException,
    /// Return when every future is done.
    #[doc(alias = "ALL_COMPLETED")]
    #[default]
    AllCompleted,
}

/// What [`wait`] returns: the distinct futures split into done and not done, each in input order
/// (Python's `DoneAndNotDoneFutures`, whose members are sets).
///
/// # Examples
///
/// ```
/// use pythreading::futures::{wait, ReturnWhen, ThreadPoolExecutor};
///
/// let pool = ThreadPoolExecutor::new(1).unwrap();
/// let f = pool.submit(|| 1).unwrap();
/// let r = wait([&f, &f], ReturnWhen::AllCompleted);
/// assert_eq!(r.done, vec![f]);
/// assert!(r.not_done.is_empty());
/// ```
#[doc(alias = "DoneAndNotDoneFutures")]
pub struct DoneAndNotDone<T> {
    /// Futures that finished or whose cancellation the pool acknowledged.
    pub done: Vec<TaskFuture<T>>,
    /// The others.
    pub not_done: Vec<TaskFuture<T>>,
}

impl<T> fmt::Debug for DoneAndNotDone<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DoneAndNotDone")
            .field("done", &self.done)
            .field("not_done", &self.not_done)
            .finish()
    }
}

/// Waits until `return_when` holds for `fs` (Python's `concurrent.futures.wait`).
///
/// Duplicates are collapsed (Q-18); futures from different executors mix. Returns at once when
/// the condition already holds (Q-20, Q-22).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use pythreading::futures::{wait, ReturnWhen, ThreadPoolExecutor};
///
/// let pool = ThreadPoolExecutor::new(2).unwrap();
/// let quick = pool.submit(|| 1).unwrap();
/// let slow = pool.submit(|| { std::thread::sleep(Duration::from_millis(300)); 2 }).unwrap();
/// let r = wait([&quick, &slow], ReturnWhen::FirstCompleted);
/// assert!(r.done.contains(&quick));
/// ```
pub fn wait<T, I>(fs: I, return_when: ReturnWhen) -> DoneAndNotDone<T>
where
    I: IntoIterator,
    I::Item: Borrow<TaskFuture<T>>,
{
    wait_deadline(unique(fs), return_when, Deadline::Never)
}

/// [`wait`] with a timeout: on timeout it returns (it does not fail) with the futures done so far
/// (Q-24).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use pythreading::futures::{wait_timeout, ReturnWhen, ThreadPoolExecutor};
///
/// let pool = ThreadPoolExecutor::new(1).unwrap();
/// let slow = pool.submit(|| std::thread::sleep(Duration::from_millis(300))).unwrap();
/// let r = wait_timeout([&slow], ReturnWhen::AllCompleted, Duration::from_millis(10));
/// assert_eq!(r.not_done, vec![slow]);
/// ```
#[doc(alias = "wait")]
pub fn wait_timeout<T, I>(fs: I, return_when: ReturnWhen, timeout: Duration) -> DoneAndNotDone<T>
where
    I: IntoIterator,
    I::Item: Borrow<TaskFuture<T>>,
{
    wait_deadline(unique(fs), return_when, Deadline::after(timeout))
}

fn wait_deadline<T>(
    fs: Vec<TaskFuture<T>>,
    return_when: ReturnWhen,
    deadline: Deadline,
) -> DoneAndNotDone<T> {
    let waiter = Waiter::new();
    let mut done = vec![false; fs.len()];
    let mut n_done = 0;
    let mut failed = false;
    let mut registered = Vec::new();
    for (i, f) in fs.iter().enumerate() {
        match f.register(&waiter, i) {
            Some(fail) => {
                done[i] = true;
                n_done += 1;
                failed |= fail;
            }
            None => registered.push(i),
        }
    }
    // Every mode is satisfied once all are done, as CPython checks `len(done) == len(fs)` for
    // each: without that, FIRST_COMPLETED on an empty set would wait forever for a completion
    // that cannot come.
    let satisfied = |n_done: usize, failed: bool| {
        n_done == fs.len()
            || match return_when {
                ReturnWhen::FirstCompleted => n_done > 0,
                ReturnWhen::FirstException => failed,
                ReturnWhen::AllCompleted => false,
            }
    };
    let mut events = Vec::new();
    while !satisfied(n_done, failed) {
        if deadline.has_passed() {
            break;
        }
        waiter.wait_events(deadline, &mut events);
        for (i, fail) in events.drain(..) {
            if !done[i] {
                done[i] = true;
                n_done += 1;
                failed |= fail;
            }
        }
    }
    for &i in &registered {
        if !done[i] {
            fs[i].unregister(&waiter);
        }
    }
    // Completions that raced with the unregistering still count.
    waiter.drain_into(&mut events);
    for (i, _) in events {
        done[i] = true;
    }
    let mut out = DoneAndNotDone {
        done: Vec::with_capacity(n_done),
        not_done: Vec::new(),
    };
    for (f, d) in fs.into_iter().zip(done) {
        if d {
            out.done.push(f);
        } else {
            out.not_done.push(f);
        }
    }
    out
}
