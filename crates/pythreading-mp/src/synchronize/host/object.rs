//! The hosted objects and their semantics. Every operation, local or remote, runs here: a
//! handle in the hosting process calls [`Object::run`] directly, a remote handle's request
//! reaches it through the host's connection thread. One mutex and one condition variable per
//! object; waits are woken by `notify_all` and re-check their condition.

use std::cell::Cell;
use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

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

    fn acquire(&self, r: &Request, conn: ConnId, w: &Waiter<'_>) -> Reply {
        let mut g = self.lock();
        loop {
            match &mut *g {
                State::Lock { holder } => {
                    if holder.is_none() {
                        *holder = Some(Holder {
                            owner: r.owner,
                            conn,
                        });
                        return Reply::ok(1);
                    }
                }
                State::RLock { holder, count } => match holder {
                    None => {
                        *holder = Some(Holder {
                            owner: r.owner,
                            conn,
                        });
                        *count = 1;
                        return Reply::ok(1);
                    }
                    Some(h) if h.owner == r.owner => {
                        *count += 1;
                        return Reply::ok(1);
                    }
                    Some(_) => {}
                },
                State::Semaphore { value, .. } => {
                    if *value > 0 {
                        *value -= 1;
                        return Reply::ok(1);
                    }
                }
                _ => return wrong(),
            }
            let (g2, timed_out) = self.wait(g, w);
            g = g2;
            if timed_out {
                // One last look: the state may have changed as the deadline passed (not for a
                // caller that is gone: nothing may be taken on its behalf).
                if !w.cancelled.get() && self.try_once(&mut g, r.owner, conn) {
                    return Reply::ok(1);
                }
                return Reply::not_now();
            }
        }
    }

    fn try_once(&self, g: &mut MutexGuard<'_, State>, owner: Owner, conn: ConnId) -> bool {
        match &mut **g {
            State::Lock { holder } if holder.is_none() => {
                *holder = Some(Holder { owner, conn });
                true
            }
            State::RLock { holder, count } if holder.is_none_or(|h| h.owner == owner) => {
                *holder = Some(Holder { owner, conn });
                *count += 1;
                true
            }
            State::Semaphore { value, .. } if *value > 0 => {
                *value -= 1;
                true
            }
            _ => false,
        }
    }

    fn release(&self, r: &Request) -> Reply {
        let mut g = self.lock();
        let reply = match &mut *g {
            State::Lock { holder } => {
                if holder.take().is_none() {
                    return Reply::refused(
                        ErrorCode::NotHeld,
                        "semaphore or lock released too many times",
                    );
                }
                Reply::ok(0)
            }
            State::RLock { holder, count } => match holder {
                Some(h) if h.owner == r.owner => {
                    *count -= 1;
                    if *count == 0 {
                        *holder = None;
                    }
                    Reply::ok(0)
                }
                _ => {
                    return Reply::refused(
                        ErrorCode::NotOwner,
                        "attempt to release recursive lock not owned by thread",
                    );
                }
            },
            State::Semaphore { value, bound } => {
                let n = r.arg.max(1) as u64;
                let new = value.saturating_add(n);
                if bound.is_some_and(|b| new > b) {
                    return Reply::refused(
                        ErrorCode::TooManyReleases,
                        "semaphore or lock released too many times",
                    );
                }
                *value = new;
                Reply::ok(0)
            }
            _ => return wrong(),
        };
        drop(g);
        self.cv.notify_all();
        reply
    }

    fn locked(&self) -> Reply {
        match &*self.lock() {
            State::Lock { holder } => Reply::ok(holder.is_some() as i64),
            State::RLock { holder, .. } => Reply::ok(holder.is_some() as i64),
            State::Semaphore { value, .. } => Reply::ok((*value == 0) as i64),
            _ => wrong(),
        }
    }

    /// Whether `owner` holds this lock (a `Lock` is held by whoever acquired it); and for an
    /// `RLock`, its count, which a condition wait saves and restores.
    fn held_by(&self, owner: Owner) -> Option<u64> {
        match &*self.lock() {
            State::Lock { holder: Some(h) } if h.owner == owner => Some(1),
            State::RLock {
                holder: Some(h),
                count,
            } if h.owner == owner => Some(*count),
            _ => None,
        }
    }

    /// Releases a lock entirely on behalf of a condition wait.
    fn release_all(&self) {
        let mut g = self.lock();
        match &mut *g {
            State::Lock { holder } => *holder = None,
            State::RLock { holder, count } => {
                *holder = None;
                *count = 0;
            }
            _ => {}
        }
        drop(g);
        self.cv.notify_all();
    }

    /// Takes a lock back after a condition wait, with the saved recursion count.
    fn reacquire(&self, owner: Owner, conn: ConnId, saved: u64) {
        let mut g = self.lock();
        loop {
            match &mut *g {
                State::Lock { holder } if holder.is_none() => {
                    *holder = Some(Holder { owner, conn });
                    return;
                }
                State::RLock { holder, count } if holder.is_none() => {
                    *holder = Some(Holder { owner, conn });
                    *count = saved;
                    return;
                }
                State::Lock { .. } | State::RLock { .. } => {}
                _ => return,
            }
            g = self.cv.wait(g).unwrap_or_else(PoisonError::into_inner);
        }
    }

    fn event(&self, op: Op, w: &Waiter<'_>) -> Reply {
        let mut g = self.lock();
        let State::Event { set } = &mut *g else {
            return wrong();
        };
        match op {
            Op::EventSet => {
                *set = true;
                drop(g);
                self.cv.notify_all();
                Reply::ok(0)
            }
            Op::EventClear => {
                *set = false;
                Reply::ok(0)
            }
            Op::EventIsSet => Reply::ok(*set as i64),
            _ => loop {
                if let State::Event { set: true } = &*g {
                    return Reply::ok(1);
                }
                let (g2, timed_out) = self.wait(g, w);
                g = g2;
                if timed_out {
                    let State::Event { set } = &*g else {
                        return wrong();
                    };
                    return Reply::ok(*set as i64);
                }
            },
        }
    }

    fn cond_wait(&self, r: &Request, conn: ConnId, w: &Waiter<'_>) -> Reply {
        let (lock, ticket) = {
            let mut g = self.lock();
            let State::Condition {
                lock,
                next_ticket,
                waiting,
                ..
            } = &mut *g
            else {
                return wrong();
            };
            let lock = Arc::clone(lock);
            // Registered before the lock is let go: a notify after that point finds us.
            let ticket = *next_ticket;
            *next_ticket += 1;
            waiting.push_back(ticket);
            (lock, ticket)
        };
        let Some(saved) = lock.held_by(r.owner) else {
            self.forget(ticket);
            return Reply::refused(ErrorCode::NotOwner, "cannot wait on un-acquired lock");
        };
        lock.release_all();
        let mut g = self.lock();
        let notified = loop {
            if let State::Condition { signaled, .. } = &mut *g
                && signaled.remove(&ticket)
            {
                break true;
            }
            let (g2, timed_out) = self.wait(g, w);
            g = g2;
            if timed_out {
                let State::Condition {
                    signaled, waiting, ..
                } = &mut *g
                else {
                    break false;
                };
                // A notify that raced with the deadline still counts as a wakeup.
                if signaled.remove(&ticket) {
                    break true;
                }
                waiting.retain(|&t| t != ticket);
                break false;
            }
        };
        drop(g);
        lock.reacquire(r.owner, conn, saved);
        Reply::ok(notified as i64)
    }

    fn forget(&self, ticket: u64) {
        if let State::Condition { waiting, .. } = &mut *self.lock() {
            waiting.retain(|&t| t != ticket);
        }
    }

    fn cond_notify(&self, r: &Request) -> Reply {
        let lock = match &*self.lock() {
            State::Condition { lock, .. } => Arc::clone(lock),
            _ => return wrong(),
        };
        if lock.held_by(r.owner).is_none() {
            return Reply::refused(ErrorCode::NotOwner, "cannot notify on un-acquired lock");
        }
        let mut g = self.lock();
        let State::Condition {
            waiting, signaled, ..
        } = &mut *g
        else {
            return wrong();
        };
        let n = if r.arg < 0 { u64::MAX } else { r.arg as u64 };
        let mut woken = 0u64;
        while woken < n {
            let Some(t) = waiting.pop_front() else { break };
            signaled.insert(t);
            woken += 1;
        }
        drop(g);
        if woken > 0 {
            self.cv.notify_all();
        }
        Reply::ok(woken as i64)
    }

    fn barrier(&self, op: Op, w: &Waiter<'_>) -> Reply {
        let mut g = self.lock();
        let State::Barrier {
            parties,
            count,
            phase,
        } = &mut *g
        else {
            return wrong();
        };
        match op {
            Op::BarrierParties => return Reply::ok(*parties as i64),
            Op::BarrierWaiting => {
                let n = if *phase == BarrierPhase::Filling {
                    *count
                } else {
                    0
                };
                return Reply::ok(n as i64);
            }
            Op::BarrierBroken => return Reply::ok((*phase == BarrierPhase::Broken) as i64),
            Op::BarrierAbort => {
                *phase = BarrierPhase::Broken;
                drop(g);
                self.cv.notify_all();
                return Reply::ok(0);
            }
            Op::BarrierReset => {
                if *count > 0 {
                    if matches!(*phase, BarrierPhase::Filling | BarrierPhase::Broken) {
                        *phase = BarrierPhase::Resetting;
                    }
                } else {
                    *phase = BarrierPhase::Filling;
                }
                drop(g);
                self.cv.notify_all();
                return Reply::ok(0);
            }
            _ => {}
        }
        // Wait: threading.Barrier's algorithm (enter, release or wait, exit).
        loop {
            let State::Barrier { phase, .. } = &*g else {
                return wrong();
            };
            match phase {
                BarrierPhase::Draining | BarrierPhase::Resetting => {
                    let (g2, timed_out) = self.wait(g, w);
                    g = g2;
                    if timed_out {
                        return self.break_barrier(g);
                    }
                }
                BarrierPhase::Broken => return broken(),
                BarrierPhase::Filling => break,
            }
        }
        let State::Barrier { parties, count, .. } = &mut *g else {
            return wrong();
        };
        let index = *count;
        *count += 1;
        let last = index + 1 == *parties;
        let result = if last {
            if let State::Barrier { phase, .. } = &mut *g {
                *phase = BarrierPhase::Draining;
            }
            self.cv.notify_all();
            Ok(index)
        } else {
            loop {
                let State::Barrier { phase, .. } = &*g else {
                    return wrong();
                };
                match phase {
                    BarrierPhase::Filling => {}
                    BarrierPhase::Draining => break Ok(index),
                    BarrierPhase::Broken | BarrierPhase::Resetting => break Err(()),
                }
                let (g2, timed_out) = self.wait(g, w);
                g = g2;
                if timed_out
                    && let State::Barrier { phase, .. } = &mut *g
                    && *phase == BarrierPhase::Filling
                {
                    *phase = BarrierPhase::Broken;
                    self.cv.notify_all();
                    break Err(());
                }
            }
        };
        // Exit: the last one out lets the next round in.
        if let State::Barrier { count, phase, .. } = &mut *g {
            *count -= 1;
            if *count == 0 && matches!(phase, BarrierPhase::Resetting | BarrierPhase::Draining) {
                *phase = BarrierPhase::Filling;
                self.cv.notify_all();
            }
        }
        match result {
            Ok(i) => Reply::ok(i as i64),
            Err(()) => broken(),
        }
    }

    fn break_barrier(&self, mut g: MutexGuard<'_, State>) -> Reply {
        if let State::Barrier { phase, .. } = &mut *g {
            *phase = BarrierPhase::Broken;
        }
        drop(g);
        self.cv.notify_all();
        broken()
    }

    fn queue(&self, r: &Request, w: &Waiter<'_>) -> Reply {
        let mut g = self.lock();
        let State::Queue {
            items,
            maxsize,
            unfinished,
        } = &mut *g
        else {
            return wrong();
        };
        match r.op {
            Op::QSize => Reply::ok(items.len() as i64),
            Op::TaskDone => {
                if *unfinished == 0 {
                    return Reply::refused(
                        ErrorCode::TaskDoneTooManyTimes,
                        "task_done() called too many times",
                    );
                }
                *unfinished -= 1;
                if *unfinished == 0 {
                    drop(g);
                    self.cv.notify_all();
                }
                Reply::ok(0)
            }
            Op::Put => loop {
                let State::Queue {
                    items,
                    maxsize,
                    unfinished,
                } = &mut *g
                else {
                    return wrong();
                };
                if *maxsize == 0 || (items.len() as u64) < *maxsize {
                    items.push_back(r.payload.clone());
                    *unfinished += 1;
                    drop(g);
                    self.cv.notify_all();
                    return Reply::ok(0);
                }
                let (g2, timed_out) = self.wait(g, w);
                g = g2;
                if timed_out {
                    let State::Queue { items, maxsize, .. } = &*g else {
                        return wrong();
                    };
                    if !w.cancelled.get() && (items.len() as u64) < *maxsize {
                        continue;
                    }
                    return Reply::not_now();
                }
            },
            Op::Get => loop {
                let State::Queue { items, .. } = &mut *g else {
                    return wrong();
                };
                if let Some(item) = items.pop_front() {
                    drop(g);
                    self.cv.notify_all();
                    return Reply::data(item);
                }
                let (g2, timed_out) = self.wait(g, w);
                g = g2;
                if timed_out {
                    let State::Queue { items, .. } = &mut *g else {
                        return wrong();
                    };
                    if w.cancelled.get() {
                        return Reply::not_now();
                    }
                    return match items.pop_front() {
                        Some(item) => {
                            drop(g);
                            self.cv.notify_all();
                            Reply::data(item)
                        }
                        None => Reply::not_now(),
                    };
                }
            },
            Op::Join => loop {
                let State::Queue { unfinished, .. } = &*g else {
                    return wrong();
                };
                if *unfinished == 0 {
                    return Reply::ok(1);
                }
                let (g2, timed_out) = self.wait(g, w);
                g = g2;
                if timed_out {
                    let State::Queue { unfinished, .. } = &*g else {
                        return wrong();
                    };
                    return Reply::ok((*unfinished == 0) as i64);
                }
            },
            _ => {
                let _ = maxsize;
                wrong()
            }
        }
    }

    fn numbers(&self, r: &Request) -> Reply {
        let mut g = self.lock();
        let State::Numbers { typecode, data } = &mut *g else {
            return wrong();
        };
        let index = |len: usize| -> Result<usize, Reply> {
            usize::try_from(r.arg)
                .ok()
                .filter(|&i| i < len)
                .ok_or_else(|| {
                    Reply::refused(
                        ErrorCode::IndexOutOfRange,
                        format!("index {} out of range for length {len}", r.arg),
                    )
                })
        };
        match r.op {
            Op::NumLen => Reply {
                status: super::protocol::Status::Ok,
                value: data.len() as i64,
                payload: vec![*typecode],
            },
            Op::NumGet => match index(data.len()) {
                Ok(i) => Reply::ok(data[i] as i64),
                Err(e) => e,
            },
            Op::NumSet => match index(data.len()) {
                Ok(i) => match bits(&r.payload) {
                    Some(v) => {
                        data[i] = v;
                        Reply::ok(0)
                    }
                    None => Reply::refused(ErrorCode::BadRequest, "a value is 8 bytes"),
                },
                Err(e) => e,
            },
            Op::NumGetAll => Reply::data(data.iter().flat_map(|v| v.to_be_bytes()).collect()),
            Op::NumSetAll => {
                if r.payload.len() != data.len() * 8 {
                    return Reply::refused(
                        ErrorCode::LengthMismatch,
                        "Can only assign sequence of same size",
                    );
                }
                for (d, chunk) in data.iter_mut().zip(r.payload.chunks_exact(8)) {
                    *d = bits(chunk).unwrap_or(0);
                }
                Reply::ok(0)
            }
            _ => wrong(),
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
