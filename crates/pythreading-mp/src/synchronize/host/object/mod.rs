//! The hosted objects and their semantics. Every operation, local or remote, runs here: a
//! handle in the hosting process calls [`Object::run`] directly, a remote handle's request
//! reaches it through the host's connection thread. One mutex and one condition variable per
//! object; waits are woken by `notify_all` and re-check their condition.

use std::cell::Cell;
use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

mod barrier;
mod condition;
mod event;
mod lock;
mod numbers;
mod queue;

use super::protocol::{ErrorCode, Op, Owner, Reply, Request};

/// The connection a request came through: 0 for the hosting process itself (it never dies).
pub(crate) type ConnId = u64;
pub(crate) const LOCAL: ConnId = 0;

#[derive(Debug, Clone, Copy)]
pub(crate) struct Holder {
    owner: Owner,
    conn: ConnId,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BarrierPhase {
    Filling,
    Draining,
    Resetting,
    Broken,
}

#[derive(Debug)]
pub(crate) enum State {
    Lock {
        holder: Option<Holder>,
    },
    RLock {
        holder: Option<Holder>,
        count: u64,
    },
    Semaphore {
        value: u64,
        bound: Option<u64>,
    },
    Event {
        set: bool,
    },
    Condition {
        lock: Arc<Object>,
        next_ticket: u64,
        waiting: VecDeque<u64>,
        signaled: HashSet<u64>,
    },
    Barrier {
        parties: u64,
        count: u64,
        phase: BarrierPhase,
    },
    Queue {
        items: VecDeque<Vec<u8>>,
        maxsize: u64,
        unfinished: u64,
    },
    Numbers {
        typecode: u8,
        data: Vec<u64>,
    },
}

/// What kind of object an id names (checked when a handle is rebuilt in another process).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i64)]
pub(crate) enum Kind {
    Lock = 1,
    RLock = 2,
    Semaphore = 3,
    Event = 4,
    Condition = 5,
    Barrier = 6,
    Queue = 7,
    Numbers = 8,
}

impl State {
    pub(crate) fn lock() -> State {
        State::Lock { holder: None }
    }
    pub(crate) fn rlock() -> State {
        State::RLock {
            holder: None,
            count: 0,
        }
    }
    pub(crate) fn semaphore(value: u64, bounded: bool) -> State {
        State::Semaphore {
            value,
            bound: bounded.then_some(value),
        }
    }
    pub(crate) fn event() -> State {
        State::Event { set: false }
    }
    pub(crate) fn condition(lock: Arc<Object>) -> State {
        State::Condition {
            lock,
            next_ticket: 0,
            waiting: VecDeque::new(),
            signaled: HashSet::new(),
        }
    }
    pub(crate) fn barrier(parties: u64) -> State {
        State::Barrier {
            parties,
            count: 0,
            phase: BarrierPhase::Filling,
        }
    }
    pub(crate) fn queue(maxsize: u64) -> State {
        State::Queue {
            items: VecDeque::new(),
            maxsize,
            unfinished: 0,
        }
    }
    pub(crate) fn numbers(typecode: u8, data: Vec<u64>) -> State {
        State::Numbers { typecode, data }
    }
}

/// How often a remote caller's blocked operation checks that its connection is still open.
const CANCEL_CHECK: Duration = Duration::from_millis(200);

/// The limits of one blocking operation.
struct Waiter<'a> {
    forever: bool,
    until: Option<Instant>,
    cancel: Option<&'a dyn Fn() -> bool>,
    cancelled: Cell<bool>,
}

#[derive(Debug)]
pub(crate) struct Object {
    state: Mutex<State>,
    cv: Condvar,
}

fn deadline(timeout: Option<Duration>) -> Option<Instant> {
    timeout.and_then(|t| Instant::now().checked_add(t))
}

impl Object {
    pub(crate) fn new(state: State) -> Arc<Object> {
        Arc::new(Object {
            state: Mutex::new(state),
            cv: Condvar::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every update below leaves the state consistent before anything can panic.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits on the object's condition variable until notified, `w`'s deadline passes, or
    /// (for a remote caller) its connection is found closed; returns the guard and whether to
    /// stop waiting. A remote caller's wait is cut into slices so a dead caller is noticed.
    fn wait<'a>(&self, g: MutexGuard<'a, State>, w: &Waiter<'_>) -> (MutexGuard<'a, State>, bool) {
        let slice = match (w.forever, w.until) {
            (false, Some(until)) => {
                let left = until.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return (g, true);
                }
                Some(left)
            }
            // Forever, or a timeout too large for an Instant.
            _ => None,
        };
        let slice = match (slice, w.cancel.is_some()) {
            (Some(left), true) => Some(left.min(CANCEL_CHECK)),
            (None, true) => Some(CANCEL_CHECK),
            (s, false) => s,
        };
        let g = match slice {
            None if w.forever => self.cv.wait(g).unwrap_or_else(PoisonError::into_inner),
            None => {
                self.cv
                    .wait_timeout(g, Duration::from_secs(3600))
                    .unwrap_or_else(PoisonError::into_inner)
                    .0
            }
            Some(d) => {
                let (g, _) = self
                    .cv
                    .wait_timeout(g, d)
                    .unwrap_or_else(PoisonError::into_inner);
                // Checked after every wakeup, a notify included: the wakeup may be the very
                // item or unlock that must not go to a caller that is gone.
                if let Some(cancel) = w.cancel
                    && cancel()
                {
                    w.cancelled.set(true);
                    return (g, true);
                }
                g
            }
        };
        let passed = !w.forever && w.until.is_some_and(|u| Instant::now() >= u);
        (g, passed)
    }

    pub(crate) fn kind(&self) -> Kind {
        match &*self.lock() {
            State::Lock { .. } => Kind::Lock,
            State::RLock { .. } => Kind::RLock,
            State::Semaphore { .. } => Kind::Semaphore,
            State::Event { .. } => Kind::Event,
            State::Condition { .. } => Kind::Condition,
            State::Barrier { .. } => Kind::Barrier,
            State::Queue { .. } => Kind::Queue,
            State::Numbers { .. } => Kind::Numbers,
        }
    }

    /// Releases whatever `conn` holds here: called when a connection closes, i.e. when the
    /// process that acquired through it exited or died. Only `Lock` and `RLock` (and so a
    /// `Condition`'s lock) remember their holder; a semaphore's count is not owned by anyone.
    pub(crate) fn abandon(&self, conn: ConnId) {
        let mut g = self.lock();
        match &mut *g {
            State::Lock { holder } | State::RLock { holder, .. }
                if holder.is_some_and(|h| h.conn == conn) =>
            {
                *holder = None;
                if let State::RLock { count, .. } = &mut *g {
                    *count = 0;
                }
                drop(g);
                self.cv.notify_all();
            }
            _ => {}
        }
    }

    /// Runs one request from connection `conn`. `cancel`, for a remote caller, says whether its
    /// connection has closed: a blocked operation then gives up without taking anything, so a
    /// consumer killed inside `get` cannot swallow the next item.
    pub(crate) fn run(
        &self,
        r: &Request,
        conn: ConnId,
        cancel: Option<&dyn Fn() -> bool>,
    ) -> Reply {
        let w = Waiter {
            forever: r.timeout.is_none(),
            until: deadline(r.timeout),
            cancel,
            cancelled: Cell::new(false),
        };
        let w = &w;
        match r.op {
            Op::Kind => Reply::ok(self.kind() as i64),
            Op::Acquire => self.acquire(r, conn, w),
            Op::Release => self.release(r),
            Op::Locked => self.locked(),
            Op::SemValue => match &*self.lock() {
                State::Semaphore { value, .. } => Reply::ok(*value as i64),
                _ => wrong(),
            },
            Op::EventSet | Op::EventClear | Op::EventIsSet | Op::EventWait => self.event(r.op, w),
            Op::CondWait => self.cond_wait(r, conn, w),
            Op::CondNotify => self.cond_notify(r),
            Op::BarrierWait
            | Op::BarrierAbort
            | Op::BarrierReset
            | Op::BarrierParties
            | Op::BarrierWaiting
            | Op::BarrierBroken => self.barrier(r.op, w),
            Op::Put | Op::Get | Op::QSize | Op::TaskDone | Op::Join => self.queue(r, w),
            Op::NumGet | Op::NumSet | Op::NumGetAll | Op::NumSetAll | Op::NumLen => self.numbers(r),
        }
    }
}

fn bits(b: &[u8]) -> Option<u64> {
    let a: [u8; 8] = b.try_into().ok()?;
    Some(u64::from_be_bytes(a))
}

fn wrong() -> Reply {
    Reply::refused(
        ErrorCode::WrongKind,
        "this operation does not apply to this object",
    )
}

fn broken() -> Reply {
    Reply::refused(ErrorCode::BrokenBarrier, "the barrier is broken")
}
