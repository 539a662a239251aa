//! SyncManager's `Condition` (served as `threading.Condition`, proxied by `ConditionProxy`:
//! `acquire`, `release`, `wait`, `notify`, `notify_all`; `wait_for` runs on the client, which
//! calls `wait` until its predicate holds).
//!
//! The lock is held across requests (`acquire` in one, `wait` in the next), so the guard-based
//! core `Condition` does not fit; this is CPython's own algorithm instead: the lock is an
//! `RLock` owned by the connection's thread, and each waiter parks on a lock of its own that
//! `notify` releases, oldest waiter first.
//!
//! More reliable than CPython: a waiter whose client goes away (killed, say) leaves the queue
//! without taking the lock back, and a notification it was given goes to the next waiter.
//! CPython's server thread takes the notification and then keeps the lock for good.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use pythreading::threading::{Lock, RLock};

use super::{Method, MethodResult, Served, method, ret};
use crate::managers::protocol::{
    CallArgs, ClientWatch, WATCH_SLICE, Wait, runtime_error, type_error, value_error,
};
use crate::pickle::{PyException, Value};

#[derive(Default)]
struct Waiters {
    /// Each waiter's own lock, held until a `notify` releases it.
    queue: VecDeque<Arc<Lock>>,
    /// Set once when the server stops: no new waits, and every waiter was released.
    stopped: bool,
}

pub(crate) struct SharedCondition {
    lock: RLock,
    waiters: Mutex<Waiters>,
}

fn stopping() -> PyException {
    runtime_error("the manager server is stopping")
}

fn caller_gone() -> PyException {
    runtime_error("the client went away while waiting")
}

impl SharedCondition {
    fn waiters(&self) -> MutexGuard<'_, Waiters> {
        self.waiters.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn is_stopped(&self) -> bool {
        self.waiters().stopped
    }

    /// Takes the lock, giving up only if the server stops or the caller goes away (then the
    /// lock is not held: nobody would ever release it).
    fn acquire_until_stopped(&self, caller: Option<&ClientWatch>) -> Result<(), PyException> {
        loop {
            if self.is_stopped() {
                return Err(stopping());
            }
            if self.lock.acquire_timeout(WATCH_SLICE) {
                return Ok(());
            }
            if caller.is_some_and(ClientWatch::gone) {
                return Err(caller_gone());
            }
        }
    }

    fn acquire(&self, args: CallArgs) -> MethodResult {
        let caller = args.caller.clone();
        let a = args.bind("Condition.acquire", &["blocking", "timeout"], 0)?;
        let got = match Wait::acquire(a[0].as_ref(), a[1].as_ref())? {
            Wait::Poll => self.lock.try_acquire(),
            Wait::For(d) => self.lock.acquire_timeout(d),
            Wait::Forever => {
                self.acquire_until_stopped(caller.as_deref())?;
                true
            }
        };
        ret(Value::Bool(got))
    }

    fn release(&self, args: CallArgs) -> MethodResult {
        args.none("Condition.release")?;
        self.lock
            .release()
            .map_err(|_| runtime_error("cannot release un-acquired lock"))?;
        ret(Value::None)
    }

    fn wait(&self, args: CallArgs) -> MethodResult {
        let caller = args.caller.clone();
        let a = args.bind("Condition.wait", &["timeout"], 0)?;
        let wait = Wait::event_timeout(a[0].as_ref())?;
        if !self.lock.is_owned() {
            return Err(runtime_error("cannot wait on un-acquired lock"));
        }
        let waiter = Arc::new(Lock::new());
        waiter.acquire();
        {
            let mut w = self.waiters();
            if w.stopped {
                return Err(stopping());
            }
            w.queue.push_back(Arc::clone(&waiter));
        }
        // Release every level of the RLock (an owner can hold it several times), and take them
        // all back afterwards, as CPython's `_release_save`/`_acquire_restore` do.
        let depth = self.lock.recursion_count();
        for _ in 0..depth {
            let _ = self.lock.release();
        }
        let mut notified = match wait {
            // `notify` or a stopping server releases the waiter's lock; in slices, to notice a
            // caller that went away.
            Wait::Forever => loop {
                if waiter.acquire_timeout(WATCH_SLICE) {
                    break true;
                }
                if caller.as_ref().is_some_and(|c| c.gone()) {
                    self.leave(&waiter);
                    return Err(caller_gone());
                }
            },
            Wait::For(d) => waiter.acquire_timeout(d),
            Wait::Poll => waiter.try_acquire(),
        };
        if !notified {
            let mut w = self.waiters();
            match w.queue.iter().position(|x| Arc::ptr_eq(x, &waiter)) {
                Some(i) => {
                    w.queue.remove(i);
                }
                // A notify took this waiter while it timed out: it counts as woken, so that
                // `notify(n)` never wakes fewer than it took (CPython loses that wake-up).
                None => notified = true,
            }
        }
        // A client that went away must neither take the lock back (nobody would release it)
        // nor keep a wake-up a live waiter could use: checked before and after re-taking it.
        let gone = || caller.as_ref().is_some_and(|c| c.gone());
        let retaken = if gone() {
            Err(caller_gone())
        } else {
            self.acquire_until_stopped(caller.as_deref())
        };
        if let Err(e) = retaken {
            if notified {
                self.wake_unchecked(1);
            }
            return Err(e);
        }
        for _ in 1..depth {
            self.lock.acquire();
        }
        if gone() {
            for _ in 0..depth {
                let _ = self.lock.release();
            }
            if notified {
                self.wake_unchecked(1);
            }
            return Err(caller_gone());
        }
        if self.is_stopped() {
            return Err(stopping());
        }
        ret(Value::Bool(notified))
    }

    /// A waiter whose client went away leaves the queue; if a `notify` took it already, the
    /// wake-up goes to the next waiter instead of being lost (CPython's would be).
    fn leave(&self, waiter: &Arc<Lock>) {
        let queued = {
            let mut w = self.waiters();
            match w.queue.iter().position(|x| Arc::ptr_eq(x, waiter)) {
                Some(i) => {
                    w.queue.remove(i);
                    true
                }
                None => false,
            }
        };
        if !queued {
            self.wake_unchecked(1);
        }
    }

    /// Wakes at most `n` waiters, oldest first.
    fn wake(&self, n: usize) -> Result<(), PyException> {
        if !self.lock.is_owned() {
            return Err(runtime_error("cannot notify on un-acquired lock"));
        }
        self.wake_unchecked(n);
        Ok(())
    }

    /// [`wake`](Self::wake) without the ownership check.
    fn wake_unchecked(&self, n: usize) {
        let woken: Vec<Arc<Lock>> = {
            let mut w = self.waiters();
            let n = n.min(w.queue.len());
            w.queue.drain(..n).collect()
        };
        for waiter in woken {
            let _ = waiter.release();
        }
    }

    fn notify(&self, args: CallArgs) -> MethodResult {
        let a = args.bind("Condition.notify", &["n"], 0)?;
        let n = match &a[0] {
            None => 1,
            Some(Value::Int(i)) => *i,
            Some(Value::Bool(b)) => i64::from(*b),
            Some(other) => {
                return Err(type_error(format!(
                    "'{}' object cannot be interpreted as an integer",
                    other.type_name()
                )));
            }
        };
        let n = usize::try_from(n).map_err(|_| {
            value_error(
                "Stop argument for islice() must be None or an integer: 0 <= x <= sys.maxsize.",
            )
        })?;
        self.wake(n)?;
        ret(Value::None)
    }

    fn notify_all(&self, args: CallArgs) -> MethodResult {
        args.none("Condition.notify_all")?;
        self.wake(usize::MAX)?;
        ret(Value::None)
    }
}

impl Served for SharedCondition {
    const TYPEIDS: &'static [&'static str] = &["Condition"];
    const CLASS: &'static str = "threading.Condition";
    const METHODS: &'static [Method<Self>] = &[
        method("acquire", Self::acquire),
        method("release", Self::release),
        method("wait", Self::wait),
        method("notify", Self::notify),
        method("notify_all", Self::notify_all),
    ];

    /// `Condition(lock=None)`. A lock proxy argument is refused: CPython's server rebuilds it
    /// as a proxy to itself that cannot authenticate when the manager's key is not the server
    /// process's own (`connect()` clients), so it cannot work there either.
    fn construct(args: CallArgs) -> Result<Self, PyException> {
        let a = args.bind("Condition.__init__", &["lock"], 0)?;
        if a[0].as_ref().is_some_and(|l| !l.is_none()) {
            return Err(type_error(
                "Condition(lock): this server cannot use a lock passed as an argument; \
                 call Condition() for one with its own RLock",
            ));
        }
        Ok(SharedCondition {
            lock: RLock::new(),
            waiters: Mutex::new(Waiters::default()),
        })
    }

    fn repr(&self) -> String {
        let state = if self.lock.locked() {
            "locked"
        } else {
            "unlocked"
        };
        format!(
            "<Condition(<{state} _thread.RLock object at 0x{:x}>, {})>",
            &self.lock as *const RLock as usize,
            self.waiters().queue.len()
        )
    }

    fn release_waiters(&self) {
        let waiting: Vec<Arc<Lock>> = {
            let mut w = self.waiters();
            w.stopped = true;
            w.queue.drain(..).collect()
        };
        for waiter in waiting {
            let _ = waiter.release();
        }
    }
}
