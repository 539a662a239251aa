//! SyncManager's `list` (proxied by `ListProxy`).

use std::cmp::Ordering;
use std::sync::{Mutex, MutexGuard};

use super::super::pyvalue::{
    as_slice, builtin_exc, exception, index_error, int_arg, iter_items, py_cmp, py_eq, repr,
    slice_positions, type_error, value_error,
};
use super::{CallArgs, Outcome, SharedObject};
use crate::pickle::Value;

pub(crate) struct SharedList(Mutex<Vec<Value>>);

/// A Python index into `len` items, negative counting from the end.
fn index(i: i64, len: usize) -> Option<usize> {
    let j = if i < 0 { i + len as i64 } else { i };
    (0..len as i64).contains(&j).then_some(j as usize)
}

impl SharedList {
    pub(crate) fn new(items: Vec<Value>) -> Self {
        SharedList(Mutex::new(items))
    }

    /// The `list(...)` constructor's arguments.
    pub(crate) fn from_args(args: CallArgs) -> Result<Self, Value> {
        let mut a = args.bind("list", &["iterable"], 0)?;
        let items = match a[0].take() {
            Some(v) => iter_items(v)?,
            None => Vec::new(),
        };
        Ok(SharedList::new(items))
    }

    fn items(&self) -> MutexGuard<'_, Vec<Value>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn repeat(items: &[Value], n: &Value) -> Result<Vec<Value>, Value> {
        let n = match n {
            Value::Int(n) => (*n).max(0) as usize,
            other => {
                return Err(type_error(format!(
                    "can't multiply sequence by non-int of type '{}'",
                    other.type_name()
                )));
            }
        };
        if items.len().saturating_mul(n) > 1 << 24 {
            return Err(builtin_exc("MemoryError", "list too large"));
        }
        Ok(items
            .iter()
            .cloned()
            .cycle()
            .take(items.len() * n)
            .collect())
    }

    fn call_inner(&self, method: &str, args: CallArgs) -> Result<Value, Value> {
        let one = |args: CallArgs, name: &str| -> Result<Value, Value> {
            let mut a = args.bind(name, &["value"], 1)?;
            Ok(a[0].take().unwrap_or(Value::None))
        };
        match method {
            "__getitem__" => {
                let key = one(args, "list.__getitem__")?;
                let items = self.items();
                if let Some(s) = as_slice(&key) {
                    let pos = slice_positions(s, items.len())?;
                    return Ok(Value::List(
                        pos.into_iter().map(|i| items[i].clone()).collect(),
                    ));
                }
                let i = int_arg(&key, "list indices")?;
                index(i, items.len())
                    .map(|i| items[i].clone())
                    .ok_or_else(|| index_error("list index out of range"))
            }
            "__setitem__" => {
                let mut a = args.bind("list.__setitem__", &["key", "value"], 2)?;
                let key = a[0].take().unwrap_or(Value::None);
                let value = a[1].take().unwrap_or(Value::None);
                let mut items = self.items();
                if let Some(s) = as_slice(&key) {
                    let new = iter_items(value)?;
                    let pos = slice_positions(s, items.len())?;
                    if s[2].unwrap_or(1) == 1 {
                        let start = pos.first().copied().unwrap_or_else(|| {
                            slice_positions([s[0], None, None], items.len())
                                .ok()
                                .and_then(|p| p.first().copied())
                                .unwrap_or(items.len())
                        });
                        let end = start + pos.len();
                        items.splice(start..end, new);
                        return Ok(Value::None);
                    }
                    if new.len() != pos.len() {
                        return Err(value_error(format!(
                            "attempt to assign sequence of size {} to extended slice of size {}",
                            new.len(),
                            pos.len()
                        )));
                    }
                    for (i, v) in pos.into_iter().zip(new) {
                        items[i] = v;
                    }
                    return Ok(Value::None);
                }
                let i = int_arg(&key, "list indices")?;
                let i = index(i, items.len())
                    .ok_or_else(|| index_error("list assignment index out of range"))?;
                items[i] = value;
                Ok(Value::None)
            }
            "__delitem__" => {
                let key = one(args, "list.__delitem__")?;
                let mut items = self.items();
                if let Some(s) = as_slice(&key) {
                    let mut pos = slice_positions(s, items.len())?;
                    pos.sort_unstable();
                    for i in pos.into_iter().rev() {
                        items.remove(i);
                    }
                    return Ok(Value::None);
                }
                let i = int_arg(&key, "list indices")?;
                let i = index(i, items.len())
                    .ok_or_else(|| index_error("list assignment index out of range"))?;
                items.remove(i);
                Ok(Value::None)
            }
            "__len__" => {
                args.none("list.__len__")?;
                Ok(Value::Int(self.items().len() as i64))
            }
            "__contains__" => {
                let v = one(args, "list.__contains__")?;
                Ok(Value::Bool(self.items().iter().any(|x| py_eq(x, &v))))
            }
            "__add__" => {
                let other = one(args, "list.__add__")?;
                match other {
                    Value::List(o) => {
                        let mut out = self.items().clone();
                        out.extend(o);
                        Ok(Value::List(out))
                    }
                    o => Err(type_error(format!(
                        "can only concatenate list (not \"{}\") to list",
                        o.type_name()
                    ))),
                }
            }
            "__mul__" | "__rmul__" => {
                let n = one(args, "list.__mul__")?;
                Ok(Value::List(Self::repeat(&self.items(), &n)?))
            }
            "__imul__" => {
                let n = one(args, "list.__imul__")?;
                let mut items = self.items();
                let new = Self::repeat(&items, &n)?;
                *items = new;
                Ok(Value::List(items.clone()))
            }
            "__reversed__" => {
                args.none("list.__reversed__")?;
                let rev: Vec<Value> = self.items().iter().rev().cloned().collect();
                Ok(Value::reduce(
                    Value::global("builtins", "iter"),
                    Value::tuple([Value::List(rev)]),
                ))
            }
            "append" => {
                let v = one(args, "list.append")?;
                self.items().push(v);
                Ok(Value::None)
            }
            "extend" => {
                let v = one(args, "list.extend")?;
                let new = iter_items(v)?;
                self.items().extend(new);
                Ok(Value::None)
            }
            "insert" => {
                let mut a = args.bind("list.insert", &["index", "object"], 2)?;
                let i = int_arg(a[0].as_ref().unwrap_or(&Value::None), "list indices")?;
                let mut items = self.items();
                let len = items.len() as i64;
                let at = if i < 0 { (i + len).max(0) } else { i.min(len) } as usize;
                items.insert(at, a[1].take().unwrap_or(Value::None));
                Ok(Value::None)
            }
            "pop" => {
                let a = args.bind("list.pop", &["index"], 0)?;
                let i = match &a[0] {
                    Some(v) => int_arg(v, "list indices")?,
                    None => -1,
                };
                let mut items = self.items();
                if items.is_empty() {
                    return Err(index_error("pop from empty list"));
                }
                let i =
                    index(i, items.len()).ok_or_else(|| index_error("pop index out of range"))?;
                Ok(items.remove(i))
            }
            "remove" => {
                let v = one(args, "list.remove")?;
                let mut items = self.items();
                let i = items
                    .iter()
                    .position(|x| py_eq(x, &v))
                    .ok_or_else(|| value_error("list.remove(x): x not in list"))?;
                items.remove(i);
                Ok(Value::None)
            }
            "count" => {
                let v = one(args, "list.count")?;
                Ok(Value::Int(
                    self.items().iter().filter(|x| py_eq(x, &v)).count() as i64,
                ))
            }
            "index" => {
                let mut a = args.bind("list.index", &["value", "start", "stop"], 1)?;
                let v = a[0].take().unwrap_or(Value::None);
                let items = self.items();
                let len = items.len() as i64;
                let bound = |x: &Option<Value>, d: i64| -> Result<usize, Value> {
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
                    .ok_or_else(|| value_error(format!("{} is not in list", repr(&v))))
            }
            "reverse" => {
                args.none("list.reverse")?;
                self.items().reverse();
                Ok(Value::None)
            }
            "sort" => {
                let a = args.bind("list.sort", &["key", "reverse"], 0)?;
                if a[0].as_ref().is_some_and(|k| !k.is_none()) {
                    return Err(type_error("sort(key=...) is not supported by this server"));
                }
                let reverse = a[1].as_ref().is_some_and(super::super::pyvalue::truthy);
                let mut items = self.items();
                let mut failed = None;
                items.sort_by(|x, y| {
                    py_cmp(x, y).unwrap_or_else(|| {
                        failed.get_or_insert((x.type_name().to_owned(), y.type_name().to_owned()));
                        Ordering::Equal
                    })
                });
                if let Some((x, y)) = failed {
                    return Err(type_error(format!(
                        "'<' not supported between instances of '{x}' and '{y}'"
                    )));
                }
                if reverse {
                    items.reverse();
                }
                Ok(Value::None)
            }
            _ => Err(exception(
                "builtins",
                "AttributeError",
                vec![Value::from(format!(
                    "'list' object has no attribute '{method}'"
                ))],
            )),
        }
    }
}

impl SharedObject for SharedList {
    fn exposed(&self) -> &'static [&'static str] {
        &[
            "__add__",
            "__contains__",
            "__delitem__",
            "__getitem__",
            "__len__",
            "__mul__",
            "__reversed__",
            "__rmul__",
            "__setitem__",
            "append",
            "count",
            "extend",
            "index",
            "insert",
            "pop",
            "remove",
            "reverse",
            "sort",
            "__imul__",
        ]
    }

    fn call(&self, method: &str, args: CallArgs) -> Outcome {
        self.call_inner(method, args).into()
    }

    fn class(&self) -> &'static str {
        "list"
    }

    fn repr(&self) -> String {
        repr(&Value::List(self.items().clone()))
    }

    fn value(&self) -> Result<Value, String> {
        Ok(Value::List(self.items().clone()))
    }
}
