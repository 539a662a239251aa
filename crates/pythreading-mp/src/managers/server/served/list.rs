//! SyncManager's `list` (proxied by `ListProxy`).
//!
//! Items are shared, as in CPython: `l * 1000` holds 1000 references to each item, not 1000
//! copies, and its reply pickles each distinct item once.

use std::sync::{Arc, Mutex, MutexGuard};

use super::{Method, MethodResult, Outcome, Served, method, ret};
use crate::managers::protocol::{
    CallArgs, as_slice, assign_slice, index_error, int_arg, iter_items, memory_error, py_eq, repr,
    slice_positions, truthy, type_error, value_error,
};
use crate::pickle::{PyException, Value};

/// One item: shared by every place the list holds it.
type Item = Arc<Value>;

pub(crate) struct SharedList(Mutex<Vec<Item>>);

/// The most items `list * n` and `list *= n` may produce (references: 8 bytes each).
const MAX_REPEAT_ITEMS: usize = 1 << 24;

fn items_of(values: Vec<Value>) -> Vec<Item> {
    values.into_iter().map(Arc::new).collect()
}

/// A Python index into `len` items, negative counting from the end.
fn index(i: i64, len: usize) -> Option<usize> {
    let j = if i < 0 { i + len as i64 } else { i };
    (0..len as i64).contains(&j).then_some(j as usize)
}

impl SharedList {
    fn items(&self) -> MutexGuard<'_, Vec<Item>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn repeat(items: &[Item], n: &Value) -> Result<Vec<Item>, PyException> {
        let n = match n {
            Value::Int(n) => (*n).max(0) as usize,
            other => {
                return Err(type_error(format!(
                    "can't multiply sequence by non-int of type '{}'",
                    other.type_name()
                )));
            }
        };
        if items.len().saturating_mul(n) > MAX_REPEAT_ITEMS {
            return Err(memory_error(format!(
                "list too large: {} items, the server's limit is {MAX_REPEAT_ITEMS}",
                items.len().saturating_mul(n)
            )));
        }
        // References, not copies: CPython shares the items too.
        Ok(items
            .iter()
            .cloned()
            .cycle()
            .take(items.len() * n)
            .collect())
    }

    fn getitem(&self, args: CallArgs) -> MethodResult {
        let key = args.one("list.__getitem__", "index")?;
        let items = self.items();
        if let Some(s) = as_slice(&key) {
            let pos = slice_positions(s, items.len())?;
            return Ok(Outcome::ReturnShared(
                pos.into_iter().map(|i| Arc::clone(&items[i])).collect(),
            ));
        }
        let i = int_arg(&key, "list indices")?;
        index(i, items.len())
            .map(|i| Value::clone(&items[i]))
            .map_or_else(|| Err(index_error("list index out of range")), ret)
    }

    fn setitem(&self, args: CallArgs) -> MethodResult {
        let mut a = args.bind("list.__setitem__", &["key", "value"], 2)?;
        let key = a[0].take().unwrap_or(Value::None);
        let value = a[1].take().unwrap_or(Value::None);
        let mut items = self.items();
        if let Some(s) = as_slice(&key) {
            let new = items_of(iter_items(value)?);
            assign_slice(&mut items, s, new, "sequence")?;
            return ret(Value::None);
        }
        let i = int_arg(&key, "list indices")?;
        let i = index(i, items.len())
            .ok_or_else(|| index_error("list assignment index out of range"))?;
        items[i] = Arc::new(value);
        ret(Value::None)
    }

    fn delitem(&self, args: CallArgs) -> MethodResult {
        let key = args.one("list.__delitem__", "index")?;
        let mut items = self.items();
        if let Some(s) = as_slice(&key) {
            let mut pos = slice_positions(s, items.len())?;
            pos.sort_unstable();
            for i in pos.into_iter().rev() {
                items.remove(i);
            }
            return ret(Value::None);
        }
        let i = int_arg(&key, "list indices")?;
        let i = index(i, items.len())
            .ok_or_else(|| index_error("list assignment index out of range"))?;
        items.remove(i);
        ret(Value::None)
    }

    fn len(&self, args: CallArgs) -> MethodResult {
        args.none("list.__len__")?;
        ret(Value::Int(self.items().len() as i64))
    }

    fn contains(&self, args: CallArgs) -> MethodResult {
        let v = args.one("list.__contains__", "value")?;
        ret(Value::Bool(self.items().iter().any(|x| py_eq(x, &v))))
    }

    fn add(&self, args: CallArgs) -> MethodResult {
        match args.one("list.__add__", "value")? {
            Value::List(o) => {
                let mut out = self.items().clone();
                out.extend(items_of(o));
                Ok(Outcome::ReturnShared(out))
            }
            o => Err(type_error(format!(
                "can only concatenate list (not \"{}\") to list",
                o.type_name()
            ))),
        }
    }

    fn mul(&self, args: CallArgs) -> MethodResult {
        let n = args.one("list.__mul__", "value")?;
        let repeated = Self::repeat(&self.items(), &n)?;
        Ok(Outcome::ReturnShared(repeated))
    }

    fn imul(&self, args: CallArgs) -> MethodResult {
        let n = args.one("list.__imul__", "value")?;
        let mut items = self.items();
        let new = Self::repeat(&items, &n)?;
        *items = new;
        Ok(Outcome::ReturnShared(items.clone()))
    }

    fn reversed(&self, args: CallArgs) -> MethodResult {
        args.none("list.__reversed__")?;
        let rev: Vec<Value> = self.items().iter().rev().map(|v| Value::clone(v)).collect();
        ret(Value::reduce(
            Value::global("builtins", "iter"),
            Value::tuple([Value::List(rev)]),
        ))
    }

    fn append(&self, args: CallArgs) -> MethodResult {
        let v = args.one("list.append", "object")?;
        self.items().push(Arc::new(v));
        ret(Value::None)
    }

    fn extend(&self, args: CallArgs) -> MethodResult {
        let new = items_of(iter_items(args.one("list.extend", "iterable")?)?);
        self.items().extend(new);
        ret(Value::None)
    }

    fn insert(&self, args: CallArgs) -> MethodResult {
        let mut a = args.bind("list.insert", &["index", "object"], 2)?;
        let i = int_arg(a[0].as_ref().unwrap_or(&Value::None), "list indices")?;
        let mut items = self.items();
        let len = items.len() as i64;
        let at = if i < 0 { (i + len).max(0) } else { i.min(len) } as usize;
        items.insert(at, Arc::new(a[1].take().unwrap_or(Value::None)));
        ret(Value::None)
    }

    fn pop(&self, args: CallArgs) -> MethodResult {
        let a = args.bind("list.pop", &["index"], 0)?;
        let i = match &a[0] {
            Some(v) => int_arg(v, "list indices")?,
            None => -1,
        };
        let mut items = self.items();
        if items.is_empty() {
            return Err(index_error("pop from empty list"));
        }
        let i = index(i, items.len()).ok_or_else(|| index_error("pop index out of range"))?;
        let item = items.remove(i);
        ret(Arc::try_unwrap(item).unwrap_or_else(|shared| Value::clone(&shared)))
    }

    fn remove(&self, args: CallArgs) -> MethodResult {
        let v = args.one("list.remove", "value")?;
        let mut items = self.items();
        let i = items
            .iter()
            .position(|x| py_eq(x, &v))
            .ok_or_else(|| value_error("list.remove(x): x not in list"))?;
        items.remove(i);
        ret(Value::None)
    }

    fn count(&self, args: CallArgs) -> MethodResult {
        let v = args.one("list.count", "value")?;
        ret(Value::Int(
            self.items().iter().filter(|x| py_eq(x, &v)).count() as i64,
        ))
    }

    fn index(&self, args: CallArgs) -> MethodResult {
        let mut a = args.bind("list.index", &["value", "start", "stop"], 1)?;
        let v = a[0].take().unwrap_or(Value::None);
        let items = self.items();
        let len = items.len() as i64;
        let bound = |x: &Option<Value>, d: i64| -> Result<usize, PyException> {
            let i = match x {
                Some(x) => int_arg(x, "slice indices")?,
                None => d,
            };
            Ok((if i < 0 { (i + len).max(0) } else { i.min(len) }) as usize)
        };
        let (start, stop) = (bound(&a[1], 0)?, bound(&a[2], len)?);
        (start..stop.max(start))
            .find(|&i| py_eq(&items[i], &v))
            .map(|i| Value::Int(i as i64))
            .map_or_else(
                || Err(value_error(format!("{} is not in list", repr(&v)))),
                ret,
            )
    }

    fn reverse(&self, args: CallArgs) -> MethodResult {
        args.none("list.reverse")?;
        self.items().reverse();
        ret(Value::None)
    }

    fn sort(&self, args: CallArgs) -> MethodResult {
        let a = args.bind("list.sort", &["key", "reverse"], 0)?;
        if a[0].as_ref().is_some_and(|k| !k.is_none()) {
            return Err(type_error("sort(key=...) is not supported by this server"));
        }
        let reverse = a[1].as_ref().is_some_and(truthy);
        super::sort::sort(&mut self.items(), reverse)?;
        ret(Value::None)
    }
}

impl Served for SharedList {
    const TYPEIDS: &'static [&'static str] = &["list"];
    const CLASS: &'static str = "list";
    const METHODS: &'static [Method<Self>] = &[
        method("__add__", Self::add),
        method("__contains__", Self::contains),
        method("__delitem__", Self::delitem),
        method("__getitem__", Self::getitem),
        method("__len__", Self::len),
        method("__mul__", Self::mul),
        method("__reversed__", Self::reversed),
        method("__rmul__", Self::mul),
        method("__setitem__", Self::setitem),
        method("append", Self::append),
        method("count", Self::count),
        method("extend", Self::extend),
        method("index", Self::index),
        method("insert", Self::insert),
        method("pop", Self::pop),
        method("remove", Self::remove),
        method("reverse", Self::reverse),
        method("sort", Self::sort),
        method("__imul__", Self::imul),
    ];

    /// `list(iterable=())`.
    fn construct(args: CallArgs) -> Result<Self, PyException> {
        let mut a = args.bind("list", &["iterable"], 0)?;
        let items = match a[0].take() {
            Some(v) => iter_items(v)?,
            None => Vec::new(),
        };
        Ok(SharedList(Mutex::new(items_of(items))))
    }

    fn repr(&self) -> String {
        let items = self.items();
        let parts: Vec<String> = items.iter().map(|v| repr(v)).collect();
        format!("[{}]", parts.join(", "))
    }

    fn value(&self) -> Result<Value, String> {
        Ok(Value::List(
            self.items().iter().map(|v| Value::clone(v)).collect(),
        ))
    }
}
