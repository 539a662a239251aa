//! SyncManager's `Value` (served as `multiprocessing.managers.Value`, proxied by `ValueProxy`:
//! `get`, `set`).
//!
//! As in CPython, the typecode is only remembered for `repr`: `set` stores any value
//! (`managers.Value` is a plain holder, not a ctypes object).

use std::sync::Mutex;

use super::{Method, MethodResult, Served, method, ret};
use crate::managers::protocol::{CallArgs, repr};
use crate::pickle::{PyException, Value};

pub(crate) struct SharedValue {
    typecode: Value,
    value: Mutex<Value>,
}

impl SharedValue {
    fn cell(&self) -> std::sync::MutexGuard<'_, Value> {
        self.value.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn get(&self, args: CallArgs) -> MethodResult {
        args.none("Value.get")?;
        ret(self.cell().clone())
    }

    fn set(&self, args: CallArgs) -> MethodResult {
        let new = args.one("Value.set", "value")?;
        // The old value is dropped after the lock is released.
        let old = std::mem::replace(&mut *self.cell(), new);
        drop(old);
        ret(Value::None)
    }
}

impl Served for SharedValue {
    const TYPEIDS: &'static [&'static str] = &["Value"];
    const CLASS: &'static str = "multiprocessing.managers.Value";
    const METHODS: &'static [Method<Self>] = &[method("get", Self::get), method("set", Self::set)];

    /// `Value(typecode, value, lock=True)`; `lock` is accepted and ignored, as CPython does.
    fn construct(args: CallArgs) -> Result<Self, PyException> {
        let mut a = args.bind("Value.__init__", &["typecode", "value", "lock"], 2)?;
        Ok(SharedValue {
            typecode: a[0].take().unwrap_or(Value::None),
            value: Mutex::new(a[1].take().unwrap_or(Value::None)),
        })
    }

    /// `Value('i', 7)`.
    fn repr(&self) -> String {
        format!("Value({}, {})", repr(&self.typecode), repr(&self.cell()))
    }

    /// The `managers.Value` instance itself, pickled as CPython pickles it: `NEWOBJ` of the
    /// class, then its `__dict__`.
    fn value(&self) -> Result<Value, String> {
        Ok(Value::object(
            Value::global("multiprocessing.managers", "Value"),
            Value::Tuple(Vec::new()),
            Some(Value::dict([
                (Value::from("_typecode"), self.typecode.clone()),
                (Value::from("_value"), self.cell().clone()),
            ])),
        ))
    }
}
