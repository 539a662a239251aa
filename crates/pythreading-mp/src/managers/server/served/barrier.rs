//! SyncManager's `Barrier` (served as `threading.Barrier`, proxied by `BarrierProxy`:
//! `__getattribute__` for `parties`/`n_waiting`/`broken`, `wait`, `abort`, `reset`).
//!
//! Every client blocked in `wait` is a connection thread parked in the core [`Barrier`]; a
//! broken barrier raises `threading.BrokenBarrierError` in each, as CPython's does.
//!
//! More reliable than CPython: a party whose client goes away while it waits (killed, say)
//! breaks the barrier, as a timeout would. CPython counts it as arrived, so the others pass
//! the barrier one party short and nobody learns of it. A waiting party cannot leave the core
//! barrier without breaking it, so a watchdog thread (one per barrier, only while someone
//! waits) looks at the waiting clients every [`WATCH_SLICE`] and aborts the barrier for them.

use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;

use pythreading::threading::Barrier;

use super::{Method, MethodResult, Served, method, ret};
use crate::managers::protocol::{
    CallArgs, ClientWatch, WATCH_SLICE, Wait, attribute_error, type_error, value_error,
};
use crate::pickle::{PyException, Value};

/// The clients waiting now, and whether the watchdog runs.
#[derive(Default)]
struct Waiting {
    callers: Vec<(u64, Arc<ClientWatch>)>,
    next_id: u64,
    watchdog: bool,
}

pub(crate) struct SharedBarrier {
    barrier: Arc<Barrier>,
    waiting: Arc<Mutex<Waiting>>,
}

fn lock(w: &Mutex<Waiting>) -> MutexGuard<'_, Waiting> {
    w.lock().unwrap_or_else(|p| p.into_inner())
}

/// Until nobody waits: aborts the barrier when a waiting party's client is gone.
fn watchdog(barrier: Arc<Barrier>, waiting: Arc<Mutex<Waiting>>) {
    loop {
        thread::sleep(WATCH_SLICE);
        // Looked at under the lock: a party leaves the list (under the same lock) before its
        // connection thread reads or writes again, and `gone` switches the socket to
        // non-blocking for a moment, which must not happen under a read in progress.
        let dead = {
            let mut w = lock(&waiting);
            if w.callers.is_empty() {
                w.watchdog = false;
                return;
            }
            w.callers.iter().any(|(_, c)| c.gone())
        };
        if dead {
            barrier.abort();
        }
    }
}

fn broken() -> PyException {
    PyException::new("threading", "BrokenBarrierError", Vec::new())
}

impl SharedBarrier {
    /// Adds a waiting client to the watchdog's list (starting the watchdog if it is idle).
    fn watch(&self, caller: Arc<ClientWatch>) -> u64 {
        let mut w = lock(&self.waiting);
        let id = w.next_id;
        w.next_id += 1;
        w.callers.push((id, caller));
        if !w.watchdog {
            let (barrier, waiting) = (Arc::clone(&self.barrier), Arc::clone(&self.waiting));
            let spawned = thread::Builder::new()
                .name("pythreading-barrier-watch".into())
                .spawn(move || watchdog(barrier, waiting));
            // Without a thread the barrier still works; only a dead party goes unnoticed.
            w.watchdog = spawned.is_ok();
        }
        id
    }

    fn unwatch(&self, id: u64) {
        lock(&self.waiting).callers.retain(|(i, _)| *i != id);
    }

    fn wait(&self, args: CallArgs) -> MethodResult {
        let caller = args.caller.clone();
        let a = args.bind("Barrier.wait", &["timeout"], 0)?;
        let wait = Wait::event_timeout(a[0].as_ref())?;
        let id = caller.map(|c| self.watch(c));
        // `None` means the barrier's own default timeout (if it was built with one).
        let r = match wait {
            Wait::Forever => self.barrier.wait(),
            Wait::For(d) => self.barrier.wait_timeout(d),
            Wait::Poll => self.barrier.wait_timeout(std::time::Duration::ZERO),
        };
        if let Some(id) = id {
            self.unwatch(id);
        }
        match r {
            Ok(arrived) => ret(Value::Int(arrived.index() as i64)),
            Err(_) => Err(broken()),
        }
    }

    fn abort(&self, args: CallArgs) -> MethodResult {
        args.none("Barrier.abort")?;
        self.barrier.abort();
        ret(Value::None)
    }

    fn reset(&self, args: CallArgs) -> MethodResult {
        args.none("Barrier.reset")?;
        self.barrier.reset();
        ret(Value::None)
    }

    /// The three properties `BarrierProxy` reads this way; nothing else of the object.
    fn getattribute(&self, args: CallArgs) -> MethodResult {
        let name = args.one("Barrier.__getattribute__", "name")?;
        match name.as_str() {
            Some("parties") => ret(Value::Int(self.barrier.parties() as i64)),
            Some("n_waiting") => ret(Value::Int(self.barrier.n_waiting() as i64)),
            Some("broken") => ret(Value::Bool(self.barrier.is_broken())),
            Some(other) => Err(attribute_error(format!(
                "'Barrier' object has no attribute '{other}'"
            ))),
            None => Err(type_error(format!(
                "attribute name must be string, not '{}'",
                name.type_name()
            ))),
        }
    }
}

impl Served for SharedBarrier {
    const TYPEIDS: &'static [&'static str] = &["Barrier"];
    const CLASS: &'static str = "threading.Barrier";
    const METHODS: &'static [Method<Self>] = &[
        method("__getattribute__", Self::getattribute),
        method("wait", Self::wait),
        method("abort", Self::abort),
        method("reset", Self::reset),
    ];

    /// `Barrier(parties, action=None, timeout=None)`. `parties` must be at least 1 (3.13's rule;
    /// 3.11 and 3.12 build a barrier that never trips). An `action` is refused: it would be
    /// Python code, and this server runs none.
    fn construct(args: CallArgs) -> Result<Self, PyException> {
        let a = args.bind("Barrier.__init__", &["parties", "action", "timeout"], 1)?;
        let parties = match &a[0] {
            Some(Value::Int(n)) if *n >= 1 => *n as usize,
            Some(Value::Int(_)) | Some(Value::Bool(false)) => {
                return Err(value_error("parties must be > 0"));
            }
            Some(Value::Bool(true)) => 1,
            Some(other) => {
                return Err(type_error(format!(
                    "'{}' object cannot be interpreted as an integer",
                    other.type_name()
                )));
            }
            None => return Err(type_error("Barrier() missing the parties argument")),
        };
        if a[1].as_ref().is_some_and(|action| !action.is_none()) {
            return Err(type_error(
                "Barrier(action=...): this server runs no Python code, so a barrier action \
                 cannot be served; run it in the client after wait() returns 0",
            ));
        }
        let mut builder = Barrier::builder(parties);
        if let Wait::For(d) = Wait::event_timeout(a[2].as_ref())? {
            builder = builder.timeout(d);
        }
        let barrier = builder.build().map_err(|e| value_error(e.to_string()))?;
        Ok(SharedBarrier {
            barrier: Arc::new(barrier),
            waiting: Arc::new(Mutex::new(Waiting::default())),
        })
    }

    fn repr(&self) -> String {
        let at = self as *const Self as usize;
        if self.barrier.is_broken() {
            format!("<threading.Barrier at 0x{at:x}: broken>")
        } else {
            format!(
                "<threading.Barrier at 0x{at:x}: waiters={}/{}>",
                self.barrier.n_waiting(),
                self.barrier.parties()
            )
        }
    }

    /// Aborting releases every blocked client with `BrokenBarrierError`.
    fn release_waiters(&self) {
        self.barrier.abort();
    }
}
