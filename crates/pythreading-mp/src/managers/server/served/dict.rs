//! SyncManager's `dict` (proxied by `DictProxy`; `__iter__` returns an `Iterator` proxy).

use std::sync::{Arc, Mutex, MutexGuard};

use super::pydict::PyDict;
use super::{Method, MethodResult, Outcome, Served, SharedIterator, method, ret};
use crate::managers::protocol::{
    CallArgs, check_hashable, iter_items, repr, type_error, value_error,
};
use crate::pickle::{PyException, Value};

/// A served dict. The table sits behind an `Arc` so an iterator handed out by `__iter__` can
/// watch the dict's size (CPython raises `RuntimeError` when a dict changes size during
/// iteration, MP-M17).
pub(crate) struct SharedDict(Arc<Mutex<PyDict>>);

impl SharedDict {
    fn items(&self) -> MutexGuard<'_, PyDict> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `dict.update(other=(), **kwds)`: a mapping or pairs, then keywords.
    fn update_from(&self, args: CallArgs) -> Result<(), PyException> {
        if args.args.len() > 1 {
            return Err(type_error(format!(
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
                                return Err(value_error(
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
        let mut items = self.items();
        for (k, v) in pairs {
            items.insert(k, v);
        }
        Ok(())
    }

    fn contains(&self, args: CallArgs) -> MethodResult {
        let key = args.one("dict.__contains__", "key")?;
        ret(Value::Bool(self.items().contains(&key)))
    }

    fn getitem(&self, args: CallArgs) -> MethodResult {
        let key = args.one("dict.__getitem__", "key")?;
        check_hashable(&key)?;
        let found = self.items().get(&key).cloned();
        found.map_or_else(|| Err(PyException::key_error(key)), ret)
    }

    fn setitem(&self, args: CallArgs) -> MethodResult {
        let mut a = args.bind("dict.__setitem__", &["key", "value"], 2)?;
        let key = a[0].take().unwrap_or(Value::None);
        check_hashable(&key)?;
        self.items().insert(key, a[1].take().unwrap_or(Value::None));
        ret(Value::None)
    }

    fn delitem(&self, args: CallArgs) -> MethodResult {
        let key = args.one("dict.__delitem__", "key")?;
        let removed = self.items().remove(&key);
        match removed {
            Some(_) => ret(Value::None),
            None => Err(PyException::key_error(key)),
        }
    }

    fn len(&self, args: CallArgs) -> MethodResult {
        args.none("dict.__len__")?;
        ret(Value::Int(self.items().len() as i64))
    }

    fn iter(&self, args: CallArgs) -> MethodResult {
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

    fn clear(&self, args: CallArgs) -> MethodResult {
        args.none("dict.clear")?;
        self.items().clear();
        ret(Value::None)
    }

    fn copy(&self, args: CallArgs) -> MethodResult {
        args.none("dict.copy")?;
        ret(Value::Dict(self.items().to_pairs()))
    }

    fn get(&self, args: CallArgs) -> MethodResult {
        let mut a = args.bind("dict.get", &["key", "default"], 1)?;
        let key = a[0].take().unwrap_or(Value::None);
        let found = self.items().get(&key).cloned();
        ret(found.unwrap_or_else(|| a[1].take().unwrap_or(Value::None)))
    }

    fn items_list(&self, args: CallArgs) -> MethodResult {
        args.none("dict.items")?;
        let items = self.items();
        ret(Value::List(
            items
                .iter()
                .map(|(k, v)| Value::tuple([k.clone(), v.clone()]))
                .collect(),
        ))
    }

    fn keys(&self, args: CallArgs) -> MethodResult {
        args.none("dict.keys")?;
        ret(Value::List(
            self.items().iter().map(|(k, _)| k.clone()).collect(),
        ))
    }

    fn values(&self, args: CallArgs) -> MethodResult {
        args.none("dict.values")?;
        ret(Value::List(
            self.items().iter().map(|(_, v)| v.clone()).collect(),
        ))
    }

    fn pop(&self, args: CallArgs) -> MethodResult {
        let has_default = args.args.len() > 1 || !args.kwargs.is_empty();
        let mut a = args.bind("dict.pop", &["key", "default"], 1)?;
        let key = a[0].take().unwrap_or(Value::None);
        let removed = self.items().remove(&key);
        match removed {
            Some((_, v)) => ret(v),
            None if has_default => ret(a[1].take().unwrap_or(Value::None)),
            None => Err(PyException::key_error(key)),
        }
    }

    fn popitem(&self, args: CallArgs) -> MethodResult {
        args.none("dict.popitem")?;
        let last = self.items().pop_last();
        match last {
            Some((k, v)) => ret(Value::tuple([k, v])),
            None => Err(PyException::key_error(Value::from(
                "popitem(): dictionary is empty",
            ))),
        }
    }

    fn setdefault(&self, args: CallArgs) -> MethodResult {
        let mut a = args.bind("dict.setdefault", &["key", "default"], 1)?;
        let key = a[0].take().unwrap_or(Value::None);
        check_hashable(&key)?;
        let default = a[1].take().unwrap_or(Value::None);
        ret(self.items().get_or_insert(key, default))
    }

    fn update(&self, args: CallArgs) -> MethodResult {
        self.update_from(args)?;
        ret(Value::None)
    }
}

impl Served for SharedDict {
    const TYPEIDS: &'static [&'static str] = &["dict"];
    const CLASS: &'static str = "dict";
    const METHODS: &'static [Method<Self>] = &[
        method("__contains__", Self::contains),
        method("__delitem__", Self::delitem),
        method("__getitem__", Self::getitem),
        method("__iter__", Self::iter),
        method("__len__", Self::len),
        method("__setitem__", Self::setitem),
        method("clear", Self::clear),
        method("copy", Self::copy),
        method("get", Self::get),
        method("items", Self::items_list),
        method("keys", Self::keys),
        method("pop", Self::pop),
        method("popitem", Self::popitem),
        method("setdefault", Self::setdefault),
        method("update", Self::update),
        method("values", Self::values),
    ];

    /// `dict(mapping_or_pairs=(), **kwds)`.
    fn construct(args: CallArgs) -> Result<Self, PyException> {
        let d = SharedDict(Arc::new(Mutex::new(PyDict::default())));
        d.update_from(args)?;
        Ok(d)
    }

    fn repr(&self) -> String {
        repr(&Value::Dict(self.items().to_pairs()))
    }

    fn value(&self) -> Result<Value, String> {
        Ok(Value::Dict(self.items().to_pairs()))
    }
}
