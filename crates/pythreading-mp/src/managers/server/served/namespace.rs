//! SyncManager's `Namespace` (served as `multiprocessing.managers.Namespace`, proxied by
//! `NamespaceProxy`: `__getattribute__`, `__setattr__`, `__delattr__`).
//!
//! The attributes live in an insertion-ordered list, as a Python instance `__dict__` keeps
//! them. Only stored attributes can be read: a client asking for `__class__` or `__init__`
//! gets `AttributeError`, never a server object.

use std::sync::{Mutex, MutexGuard};

use super::{Method, MethodResult, Served, method, ret};
use crate::managers::protocol::{CallArgs, attribute_error, repr, type_error};
use crate::pickle::{PyException, Value};

pub(crate) struct SharedNamespace {
    attrs: Mutex<Vec<(String, Value)>>,
}

fn attr_name(v: &Value) -> Result<&str, PyException> {
    v.as_str().ok_or_else(|| {
        type_error(format!(
            "attribute name must be string, not '{}'",
            v.type_name()
        ))
    })
}

fn no_attribute(name: &str) -> PyException {
    attribute_error(format!("'Namespace' object has no attribute '{name}'"))
}

impl SharedNamespace {
    fn attrs(&self) -> MutexGuard<'_, Vec<(String, Value)>> {
        self.attrs.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn as_dict(attrs: &[(String, Value)]) -> Value {
        Value::Dict(
            attrs
                .iter()
                .map(|(k, v)| (Value::from(k.as_str()), v.clone()))
                .collect(),
        )
    }

    fn getattribute(&self, args: CallArgs) -> MethodResult {
        let name = args.one("Namespace.__getattribute__", "name")?;
        let name = attr_name(&name)?;
        let attrs = self.attrs();
        if name == "__dict__" {
            return ret(Self::as_dict(&attrs));
        }
        match attrs.iter().find(|(k, _)| k == name) {
            Some((_, v)) => ret(v.clone()),
            None => Err(no_attribute(name)),
        }
    }

    fn setattr(&self, args: CallArgs) -> MethodResult {
        let mut a = args.bind("Namespace.__setattr__", &["name", "value"], 2)?;
        let value = a[1].take().unwrap_or(Value::None);
        let name = a[0].take().unwrap_or(Value::None);
        let name = attr_name(&name)?.to_owned();
        let old = {
            let mut attrs = self.attrs();
            match attrs.iter_mut().find(|(k, _)| *k == name) {
                Some((_, slot)) => Some(std::mem::replace(slot, value)),
                None => {
                    attrs.push((name, value));
                    None
                }
            }
        };
        drop(old);
        ret(Value::None)
    }

    fn delattr(&self, args: CallArgs) -> MethodResult {
        let name = args.one("Namespace.__delattr__", "name")?;
        let name = attr_name(&name)?;
        let removed = {
            let mut attrs = self.attrs();
            match attrs.iter().position(|(k, _)| k == name) {
                Some(i) => attrs.remove(i),
                None => return Err(no_attribute(name)),
            }
        };
        drop(removed);
        ret(Value::None)
    }
}

impl Served for SharedNamespace {
    const TYPEIDS: &'static [&'static str] = &["Namespace"];
    const CLASS: &'static str = "multiprocessing.managers.Namespace";
    const METHODS: &'static [Method<Self>] = &[
        method("__getattribute__", Self::getattribute),
        method("__setattr__", Self::setattr),
        method("__delattr__", Self::delattr),
    ];

    /// `Namespace(**kwds)`: keyword arguments only.
    fn construct(args: CallArgs) -> Result<Self, PyException> {
        if !args.args.is_empty() {
            return Err(type_error(format!(
                "Namespace.__init__() takes 1 positional argument but {} were given",
                args.args.len() + 1
            )));
        }
        let mut attrs: Vec<(String, Value)> = Vec::with_capacity(args.kwargs.len());
        for (k, v) in args.kwargs {
            let name = attr_name(&k)?.to_owned();
            match attrs.iter_mut().find(|(n, _)| *n == name) {
                Some((_, slot)) => *slot = v,
                None => attrs.push((name, v)),
            }
        }
        Ok(SharedNamespace {
            attrs: Mutex::new(attrs),
        })
    }

    /// `Namespace(age=3, name='Bob')`: public attributes, sorted, as CPython's `__repr__`.
    fn repr(&self) -> String {
        let mut items: Vec<String> = self
            .attrs()
            .iter()
            .filter(|(k, _)| !k.starts_with('_'))
            .map(|(k, v)| format!("{k}={}", repr(v)))
            .collect();
        items.sort();
        format!("Namespace({})", items.join(", "))
    }

    /// The `managers.Namespace` instance: `NEWOBJ` of the class, then its `__dict__`.
    fn value(&self) -> Result<Value, String> {
        Ok(Value::object(
            Value::global("multiprocessing.managers", "Namespace"),
            Value::Tuple(Vec::new()),
            Some(Self::as_dict(&self.attrs())),
        ))
    }
}
