//! SyncManager's `Barrier` (served as `threading.Barrier`, proxied by `BarrierProxy`:
//! `__getattribute__` for `parties`/`n_waiting`/`broken`, `wait`, `abort`, `reset`).
//!
//! Every client blocked in `wait` is a connection thread parked in the core [`Barrier`]; a
//! broken barrier raises `threading.BrokenBarrierError` in each, as CPython's does.

use pythreading::threading::Barrier;

use super::{Method, MethodResult, Served, method, ret};
use crate::managers::protocol::{CallArgs, Wait, attribute_error, type_error, value_error};
use crate::pickle::{PyException, Value};

pub(crate) struct SharedBarrier(Barrier);

fn broken() -> PyException {
    PyException::new("threading", "BrokenBarrierError", Vec::new())
}

impl SharedBarrier {
    fn wait(&self, args: CallArgs) -> MethodResult {
        let a = args.bind("Barrier.wait", &["timeout"], 0)?;
        // `None` means the barrier's own default timeout (if it was built with one).
        let r = match Wait::event_timeout(a[0].as_ref())? {
            Wait::Forever => self.0.wait(),
            Wait::For(d) => self.0.wait_timeout(d),
            Wait::Poll => self.0.wait_timeout(std::time::Duration::ZERO),
        };
        match r {
            Ok(arrived) => ret(Value::Int(arrived.index() as i64)),
            Err(_) => Err(broken()),
        }
    }

    fn abort(&self, args: CallArgs) -> MethodResult {
        args.none("Barrier.abort")?;
        self.0.abort();
        ret(Value::None)
    }

    fn reset(&self, args: CallArgs) -> MethodResult {
        args.none("Barrier.reset")?;
        self.0.reset();
        ret(Value::None)
    }

    /// The three properties `BarrierProxy` reads this way; nothing else of the object.
    fn getattribute(&self, args: CallArgs) -> MethodResult {
        let name = args.one("Barrier.__getattribute__", "name")?;
        match name.as_str() {
            Some("parties") => ret(Value::Int(self.0.parties() as i64)),
            Some("n_waiting") => ret(Value::Int(self.0.n_waiting() as i64)),
            Some("broken") => ret(Value::Bool(self.0.is_broken())),
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
        Ok(SharedBarrier(barrier))
    }

    fn repr(&self) -> String {
        let at = self as *const Self as usize;
        if self.0.is_broken() {
            format!("<threading.Barrier at 0x{at:x}: broken>")
        } else {
            format!(
                "<threading.Barrier at 0x{at:x}: waiters={}/{}>",
                self.0.n_waiting(),
                self.0.parties()
            )
        }
    }

    /// Aborting releases every blocked client with `BrokenBarrierError`.
    fn release_waiters(&self) {
        self.0.abort();
    }
}
