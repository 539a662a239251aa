//! The handler threads: at most `max_handlers` connections in flight, served by threads that
//! are started on demand, reused while busy, and retire when idle.
//!
//! CPython's `ThreadingMixIn` starts one thread per connection with no bound, and from 3.7 to
//! 3.8 kept every finished thread in a list until `server_close()` (gh-81374, a leak under load).
//! Here a finished handler leaves nothing behind: the connection's bookkeeping is removed when its
//! handler returns, and a thread that finds no work for `keep_alive` exits.
//!
//! The accept loop takes a slot ([`Pool::wait_for_slot`]) *before* it accepts, so while every
//! slot is busy the server stops accepting: clients wait in the kernel's listen backlog instead
//! of costing a thread each (back-pressure on accept).

use std::collections::{HashMap, VecDeque};
use std::net::{Shutdown, TcpStream};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use super::{Connection, Handler, HandlerError};
use crate::deadline::Deadline;
use crate::sync::lock;
use crate::threading;

/// What the server reports errors to.
pub(crate) type ErrorHook = Arc<dyn Fn(&HandlerError) + Send + Sync>;

/// The fixed settings of a pool.
pub(crate) struct PoolConfig {
    pub(crate) max_handlers: usize,
    pub(crate) keep_alive: Duration,
    pub(crate) daemon_threads: bool,
    pub(crate) thread_name_prefix: String,
}

/// One accepted connection waiting for a thread.
struct Job {
    id: u64,
    conn: Connection,
}

#[derive(Default)]
struct State {
    /// Accepted connections no thread has taken yet (never more than `max_handlers`).
    queue: VecDeque<Job>,
    /// Threads waiting for a job.
    idle: usize,
    /// Live handler threads, idle or busy.
    threads: usize,
    /// Connections queued or being handled: what the slots count.
    in_flight: usize,
    /// A second handle on each open connection's socket, so closing the server can end
    /// connections whose handlers are blocked on them. Removed as soon as the handler returns.
    open: HashMap<u64, TcpStream>,
    /// Set by `close`: no new jobs; threads exit once the queue is empty.
    closing: bool,
    next_id: u64,
    /// Counters for [`Stats`](super::Stats).
    peak_threads: usize,
    handled: u64,
    errors: u64,
}

/// Counts of a pool at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Counts {
    pub(crate) in_flight: usize,
    pub(crate) threads: usize,
    pub(crate) peak_threads: usize,
    pub(crate) handled: u64,
    pub(crate) errors: u64,
}

pub(crate) struct Pool {
    state: Mutex<State>,
    /// Idle threads wait here for a job.
    work: Condvar,
    /// The accept loop waits here for a slot, and `close` for the last handler to finish.
    slots: Condvar,
    handler: Arc<dyn Handler>,
    on_error: ErrorHook,
    config: PoolConfig,
}

impl Pool {
    pub(crate) fn new(handler: Arc<dyn Handler>, on_error: ErrorHook, config: PoolConfig) -> Self {
        Pool {
            state: Mutex::new(State::default()),
            work: Condvar::new(),
            slots: Condvar::new(),
            handler,
            on_error,
            config,
        }
    }

    pub(crate) fn report(&self, error: &HandlerError) {
        lock(&self.state).errors += 1;
        (self.on_error)(error);
    }

    /// Waits until fewer than `max_handlers` connections are in flight; `false` if `stop` was
    /// set, the pool is closing, or `deadline` passed first. Whoever sets `stop` calls
    /// [`Pool::wake_slot_waiters`] afterwards, so the flag is never missed.
    pub(crate) fn wait_for_slot(&self, stop: &AtomicBool, deadline: Deadline) -> bool {
        let mut st = lock(&self.state);
        loop {
            if stop.load(Ordering::Acquire) || st.closing {
                return false;
            }
            if st.in_flight < self.config.max_handlers {
                return true;
            }
            st = match deadline.remaining() {
                None => self.slots.wait(st).unwrap_or_else(|e| e.into_inner()),
                Some(Duration::ZERO) => return false,
                Some(left) => {
                    self.slots
                        .wait_timeout(st, left)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
            };
        }
    }

    pub(crate) fn wake_slot_waiters(&self) {
        let _st = lock(&self.state);
        self.slots.notify_all();
    }

    /// Hands an accepted connection to a thread, starting one if none is idle.
    pub(crate) fn submit(self: &Arc<Self>, conn: Connection) {
        let peer = conn.peer_addr();
        let mut st = lock(&self.state);
        if st.closing {
            // Closed between the slot and the accept: drop the connection unanswered.
            return;
        }
        let id = st.next_id;
        st.next_id += 1;
        // Without a second handle the server could not end this connection at close; if the
        // process is out of descriptors, refuse the connection rather than lose control of it.
        match conn.stream().try_clone() {
            Ok(clone) => {
                st.open.insert(id, clone);
            }
            Err(error) => {
                st.errors += 1;
                drop(st);
                (self.on_error)(&HandlerError::Accept(error));
                return;
            }
        }
        st.in_flight += 1;
        st.queue.push_back(Job { id, conn });
        if st.queue.len() <= st.idle {
            self.work.notify_one();
            return;
        }
        if st.threads >= self.config.max_handlers {
            // Every thread is busy: one of them takes the job when it finishes. (Cannot happen
            // while the accept loop honours the slots, but costs nothing to handle.)
            return;
        }
        st.threads += 1;
        st.peak_threads = st.peak_threads.max(st.threads);
        let n = st.next_id;
        drop(st);
        let pool = Arc::clone(self);
        let spawned = threading::Builder::new()
            .name(format!("{}-{n}", self.config.thread_name_prefix))
            .daemon(self.config.daemon_threads)
            .spawn(move || pool.worker());
        if let Err(error) = spawned {
            let mut st = lock(&self.state);
            st.threads -= 1;
            if st.threads > 0 {
                // A live thread will take the job when it is free.
                return;
            }
            // Nobody can take it: close the connection unanswered, and say why.
            let job = st.queue.pop_back();
            if let Some(job) = &job {
                st.open.remove(&job.id);
                st.in_flight -= 1;
            }
            st.errors += 1;
            self.slots.notify_all();
            drop(st);
            drop(job);
            (self.on_error)(&HandlerError::Spawn { peer, error });
        }
    }

    /// A handler thread: takes jobs until none comes for `keep_alive`, or the pool closes.
    fn worker(&self) {
        loop {
            let job = {
                let mut st = lock(&self.state);
                loop {
                    if let Some(job) = st.queue.pop_front() {
                        break job;
                    }
                    if st.closing {
                        return self.exit(st);
                    }
                    st.idle += 1;
                    let (guard, waited) = self
                        .work
                        .wait_timeout(st, self.config.keep_alive)
                        .unwrap_or_else(|e| e.into_inner());
                    st = guard;
                    st.idle -= 1;
                    if waited.timed_out() && st.queue.is_empty() {
                        return self.exit(st);
                    }
                }
            };
            self.run(job);
        }
    }

    fn exit(&self, mut st: std::sync::MutexGuard<'_, State>) {
        st.threads -= 1;
        // `close` waits for the last thread to leave.
        self.slots.notify_all();
    }

    fn run(&self, job: Job) {
        let Job { id, mut conn } = job;
        let peer = conn.peer_addr();
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| self.handler.handle(&mut conn)));
        // Python's `shutdown_request`: say goodbye (FIN) even if the handler kept a clone.
        let _ = conn.stream().shutdown(Shutdown::Write);
        let error = match outcome {
            Ok(Ok(())) => None,
            Ok(Err(error)) => Some(HandlerError::Io { peer, error }),
            Err(payload) => Some(HandlerError::Panicked {
                peer,
                message: panic_message(payload.as_ref()),
            }),
        };
        if let Some(error) = &error {
            (self.on_error)(error);
        }
        let mut st = lock(&self.state);
        // Finished handlers are never kept (gh-81374): the second handle goes now.
        let clone = st.open.remove(&id);
        st.in_flight -= 1;
        st.handled += 1;
        if error.is_some() {
            st.errors += 1;
        }
        self.slots.notify_all();
        drop(st);
        drop(clone);
        drop(conn);
    }

    /// Stops taking jobs and ends the open connections: their read side at once (a handler
    /// waiting for its client sees end of file), then, if they are still open at `grace`'s end,
    /// both sides. Waits for the handler threads to exit when `wait` is set. Returns how many
    /// connections were still open after the grace period.
    pub(crate) fn close(&self, wait: bool, grace: Duration) -> Closing {
        let mut st = lock(&self.state);
        st.closing = true;
        self.work.notify_all();
        self.slots.notify_all();
        // Queued connections no thread has taken are closed unanswered.
        let unanswered = st.queue.len();
        for job in st.queue.drain(..).collect::<Vec<_>>() {
            st.open.remove(&job.id);
            st.in_flight -= 1;
        }
        for stream in st.open.values() {
            let _ = stream.shutdown(Shutdown::Read);
        }
        if !wait {
            return Closing {
                unanswered,
                forced: 0,
                still_running: st.threads,
            };
        }
        let deadline = Deadline::after(grace);
        st = self.wait_until(st, deadline, |st| st.threads == 0);
        let forced = st.open.len();
        if forced > 0 {
            for stream in st.open.values() {
                let _ = stream.shutdown(Shutdown::Both);
            }
            // Their reads and writes fail now; give the handlers a bounded moment to return.
            st = self.wait_until(st, Deadline::after(FORCED_EXIT_WAIT), |st| st.threads == 0);
        }
        Closing {
            unanswered,
            forced,
            still_running: st.threads,
        }
    }

    fn wait_until<'a>(
        &self,
        mut st: std::sync::MutexGuard<'a, State>,
        deadline: Deadline,
        done: impl Fn(&State) -> bool,
    ) -> std::sync::MutexGuard<'a, State> {
        while !done(&st) {
            st = match deadline.remaining() {
                None => self.slots.wait(st).unwrap_or_else(|e| e.into_inner()),
                Some(Duration::ZERO) => break,
                Some(left) => {
                    self.slots
                        .wait_timeout(st, left)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
            };
        }
        st
    }

    pub(crate) fn counts(&self) -> Counts {
        let st = lock(&self.state);
        Counts {
            in_flight: st.in_flight,
            threads: st.threads,
            peak_threads: st.peak_threads,
            handled: st.handled,
            errors: st.errors,
        }
    }
}

/// How long a handler whose socket was shut both ways gets to notice and return.
const FORCED_EXIT_WAIT: Duration = Duration::from_secs(1);

/// What closing the pool found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Closing {
    pub(crate) unanswered: usize,
    pub(crate) forced: usize,
    pub(crate) still_running: usize,
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a non-string panic payload".to_owned()
    }
}
