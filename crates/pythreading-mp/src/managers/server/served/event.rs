//! SyncManager's `Event` (served as `threading.Event`, proxied by `EventProxy`).

use pythreading::threading::Event;

use super::{Method, MethodResult, Served, method, ret};
use crate::managers::protocol::{CallArgs, WATCH_SLICE, Wait, runtime_error};
use crate::pickle::{PyException, Value};

pub(crate) struct SharedEvent(Event);

impl SharedEvent {
    fn is_set(&self, args: CallArgs) -> MethodResult {
        args.none("Event.is_set")?;
        ret(Value::Bool(self.0.is_set()))
    }

    fn set(&self, args: CallArgs) -> MethodResult {
        args.none("Event.set")?;
        self.0.set();
        ret(Value::None)
    }

    fn clear(&self, args: CallArgs) -> MethodResult {
        args.none("Event.clear")?;
        self.0.clear();
        ret(Value::None)
    }

    fn wait(&self, args: CallArgs) -> MethodResult {
        let caller = args.caller.clone();
        let a = args.bind("Event.wait", &["timeout"], 0)?;
        let set = match Wait::event_timeout(a[0].as_ref())? {
            // In slices, so a waiter whose client went away does not stay parked for good.
            Wait::Forever => loop {
                if self.0.wait_timeout(WATCH_SLICE) {
                    break true;
                }
                if caller.as_ref().is_some_and(|c| c.gone()) {
                    return Err(runtime_error("the client went away while waiting"));
                }
            },
            Wait::Poll => self.0.is_set(),
            Wait::For(d) => self.0.wait_timeout(d),
        };
        ret(Value::Bool(set))
    }
}

impl Served for SharedEvent {
    const TYPEIDS: &'static [&'static str] = &["Event"];
    const CLASS: &'static str = "threading.Event";
    const METHODS: &'static [Method<Self>] = &[
        method("is_set", Self::is_set),
        method("set", Self::set),
        method("clear", Self::clear),
        method("wait", Self::wait),
    ];

    fn construct(args: CallArgs) -> Result<Self, PyException> {
        args.none("Event")?;
        Ok(SharedEvent(Event::new()))
    }

    fn repr(&self) -> String {
        let state = if self.0.is_set() { "set" } else { "unset" };
        format!(
            "<threading.Event at 0x{:x}: {state}>",
            self as *const Self as usize
        )
    }

    fn release_waiters(&self) {
        // Setting the event ends every `wait()`; the server is stopping, so no client observes it.
        self.0.set();
    }

    fn value(&self) -> Result<Value, String> {
        Err("TypeError: cannot pickle '_thread.lock' object".into())
    }
}
