//! SyncManager's `dict` (proxied by `DictProxy`; `__iter__` returns an `Iterator` proxy).

use std::sync::{Arc, Mutex, MutexGuard};

use super::super::pyvalue::{builtin_exc, check_hashable, iter_items, key_error, py_eq, repr};
use super::{CallArgs, Outcome, SharedIterator, SharedObject};
use crate::pickle::Value;

/// Insertion-ordered pairs; lookups compare with Python's `==` rules. The pairs sit behind an
/// `Arc` so an iterator handed out by `__iter__` can watch the dict's size (CPython raises
/// `RuntimeError` when a dict changes size during iteration, MP-M17).
pub(crate) struct SharedDict(Arc<Mutex<Vec<(Value, Value)>>>);

impl SharedDict {
    pub(crate) fn new(initial: Vec<(Value, Value)>) -> Self {
        let d = SharedDict(Arc::new(Mutex::new(Vec::new())));
        for (k, v) in initial {
            d.insert(k, v);
        }
        d
    }

    /// The `dict(...)` constructor's arguments: a mapping or pairs, then keywords.
    pub(crate) fn from_args(args: CallArgs) -> Result<Self, Value> {
        let d = SharedDict::new(Vec::new());
        d.update(args)?;
        Ok(d)
    }

    fn items(&self) -> MutexGuard<'_, Vec<(Value, Value)>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn position(items: &[(Value, Value)], key: &Value) -> Option<usize> {
        items.iter().position(|(k, _)| py_eq(k, key))
    }

    fn insert(&self, key: Value, value: Value) {
        let mut items = self.items();
        match Self::position(&items, &key) {
            Some(i) => items[i].1 = value,
            None => items.push((key, value)),
        }
    }

    fn update(&self, args: CallArgs) -> Result<(), Value> {
        if args.args.len() > 1 {
            return Err(super::super::pyvalue::type_error(format!(
                "update expected at most 1 argument, got {}",
                args.args.len()
            )));
        }
        let mut pairs = Vec::new();
        if let Some(other) = args.args.into_iter().next() {
            match other {
                Value::Dict(d) => pairs.extend(d),
                other => {
                    for item in iter_items(other)? {
                        match item {
                            Value::Tuple(mut kv) | Value::List(mut kv) if kv.len() == 2 => {
                                let v = kv.pop().unwrap_or(Value::None);
                                let k = kv.pop().unwrap_or(Value::None);
                                pairs.push((k, v));
                            }
                            _ => {
                                return Err(super::super::pyvalue::value_error(
                                    "dictionary update sequence element has wrong length",
                                ));
                            }
                        }
                    }
                }
            }
        }
        pairs.extend(args.kwargs);
        for (k, _) in &pairs {
            check_hashable(k)?;
        }
        for (k, v) in pairs {
            self.insert(k, v);
        }
        Ok(())
    }

    fn call_inner(&self, method: &str, args: CallArgs) -> Result<Outcome, Value> {
        let ret = |v: Value| Ok(Outcome::Return(v));
        match method {
            "__contains__" => {
                let a = args.bind("dict.__contains__", &["key"], 1)?;
                let key = a[0].as_ref().unwrap_or(&Value::None);
                ret(Value::Bool(Self::position(&self.items(), key).is_some()))
            }
            "__getitem__" => {
                let mut a = args.bind("dict.__getitem__", &["key"], 1)?;
                let key = a[0].take().unwrap_or(Value::None);
                check_hashable(&key)?;
                let items = self.items();
                match Self::position(&items, &key) {
                    Some(i) => ret(items[i].1.clone()),
                    None => Err(key_error(key)),
                }
            }
            "__setitem__" => {
                let mut a = args.bind("dict.__setitem__", &["key", "value"], 2)?;
                let key = a[0].take().unwrap_or(Value::None);
                check_hashable(&key)?;
                self.insert(key, a[1].take().unwrap_or(Value::None));
                ret(Value::None)
            }
            "__delitem__" => {
                let mut a = args.bind("dict.__delitem__", &["key"], 1)?;
                let key = a[0].take().unwrap_or(Value::None);
                let mut items = self.items();
                match Self::position(&items, &key) {
                    Some(i) => {
                        items.remove(i);
                        ret(Value::None)
                    }
                    None => Err(key_error(key)),
                }
            }
            "__len__" => {
                args.none("dict.__len__")?;
                ret(Value::Int(self.items().len() as i64))
            }
            "__iter__" => {
                args.none("dict.__iter__")?;
                let keys: Vec<Value> = self.items().iter().map(|(k, _)| k.clone()).collect();
                // A weak handle: a live iterator must not keep a released dict alive.
                let watched = Arc::downgrade(&self.0);
                let len = move || {
                    watched
                        .upgrade()
                        .map(|d| d.lock().unwrap_or_else(|p| p.into_inner()).len())
                };
                Ok(Outcome::Proxy(
                    "Iterator",
                    Arc::new(SharedIterator::watching(keys, Box::new(len))),
                ))
            }
            "clear" => {
                args.none("dict.clear")?;
                self.items().clear();
                ret(Value::None)
            }
            "copy" => {
                args.none("dict.copy")?;
                ret(Value::Dict(self.items().clone()))
            }
            "get" => {
                let mut a = args.bind("dict.get", &["key", "default"], 1)?;
                let key = a[0].take().unwrap_or(Value::None);
                let items = self.items();
                ret(match Self::position(&items, &key) {
                    Some(i) => items[i].1.clone(),
                    None => a[1].take().unwrap_or(Value::None),
                })
            }
            "items" => {
                args.none("dict.items")?;
                let items = self.items();
                ret(Value::List(
                    items
                        .iter()
                        .map(|(k, v)| Value::tuple([k.clone(), v.clone()]))
                        .collect(),
                ))
            }
            "keys" => {
                args.none("dict.keys")?;
                ret(Value::List(
                    self.items().iter().map(|(k, _)| k.clone()).collect(),
                ))
            }
            "values" => {
                args.none("dict.values")?;
                ret(Value::List(
                    self.items().iter().map(|(_, v)| v.clone()).collect(),
                ))
            }
            "pop" => {
                let has_default = args.args.len() > 1 || !args.kwargs.is_empty();
                let mut a = args.bind("dict.pop", &["key", "default"], 1)?;
                let key = a[0].take().unwrap_or(Value::None);
                let mut items = self.items();
                match Self::position(&items, &key) {
                    Some(i) => ret(items.remove(i).1),
                    None if has_default => ret(a[1].take().unwrap_or(Value::None)),
                    None => Err(key_error(key)),
                }
            }
            "popitem" => {
                args.none("dict.popitem")?;
                match self.items().pop() {
                    Some((k, v)) => ret(Value::tuple([k, v])),
                    None => Err(key_error(Value::from("popitem(): dictionary is empty"))),
                }
            }
            "setdefault" => {
                let mut a = args.bind("dict.setdefault", &["key", "default"], 1)?;
                let key = a[0].take().unwrap_or(Value::None);
                check_hashable(&key)?;
                let mut items = self.items();
                match Self::position(&items, &key) {
                    Some(i) => ret(items[i].1.clone()),
                    None => {
                        let v = a[1].take().unwrap_or(Value::None);
                        items.push((key, v.clone()));
                        ret(v)
                    }
                }
            }
            "update" => {
                self.update(args)?;
                ret(Value::None)
            }
            _ => Err(builtin_exc(
                "AttributeError",
                format!("'dict' object has no attribute '{method}'"),
            )),
        }
    }
}

impl SharedObject for SharedDict {
    fn exposed(&self) -> &'static [&'static str] {
        &[
            "__contains__",
            "__delitem__",
            "__getitem__",
            "__iter__",
            "__len__",
            "__setitem__",
            "clear",
            "copy",
            "get",
            "items",
            "keys",
            "pop",
            "popitem",
            "setdefault",
            "update",
            "values",
        ]
    }

    fn call(&self, method: &str, args: CallArgs) -> Outcome {
        self.call_inner(method, args).unwrap_or_else(Outcome::Raise)
    }

    fn class(&self) -> &'static str {
        "dict"
    }

    fn repr(&self) -> String {
        repr(&Value::Dict(self.items().clone()))
    }

    fn value(&self) -> Result<Value, String> {
        Ok(Value::Dict(self.items().clone()))
    }
}
