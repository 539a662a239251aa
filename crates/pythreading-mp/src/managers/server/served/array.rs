//! SyncManager's `Array` (served as `array.array`, proxied by `ArrayProxy`: `__len__`,
//! `__getitem__`, `__setitem__`).
//!
//! Items are stored typed, as `array.array` stores them: each typecode has CPython's item size
//! on Linux x86-64 and range, an item out of range is an `OverflowError` and one of the wrong
//! type a `TypeError`. A slice travels as the `array.array` itself, pickled the way
//! `multiprocessing.managers` registers it: `REDUCE(array.array, (typecode, bytes))`, the bytes
//! native (little-endian).

use std::sync::{Mutex, MutexGuard};

use super::{Method, MethodResult, Served, method, ret};
use crate::managers::protocol::{
    BAD_TYPECODE, CallArgs, Item, Kind, as_array, as_slice, assign_slice, encode_array,
    index_error, int_arg, item_value, iter_items, kind_of, slice_positions, type_error,
    value_error,
};
use crate::pickle::{PyException, Value};

/// A Python index into `len` items, negative counting from the end.
fn index(i: i64, len: usize) -> Option<usize> {
    let j = if i < 0 { i + len as i64 } else { i };
    (0..len as i64).contains(&j).then_some(j as usize)
}

pub(crate) struct SharedArray {
    typecode: char,
    kind: Kind,
    items: Mutex<Vec<Item>>,
}

impl SharedArray {
    fn items(&self) -> MutexGuard<'_, Vec<Item>> {
        self.items.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The pickled `array.array` of these items.
    fn array_value(&self, items: impl Iterator<Item = Item>) -> Value {
        encode_array(self.typecode, self.kind, items)
    }

    fn len(&self, args: CallArgs) -> MethodResult {
        args.none("array.__len__")?;
        ret(Value::Int(self.items().len() as i64))
    }

    fn getitem(&self, args: CallArgs) -> MethodResult {
        let key = args.one("array.__getitem__", "index")?;
        let items = self.items();
        if let Some(s) = as_slice(&key) {
            let pos = slice_positions(s, items.len())?;
            return ret(self.array_value(pos.into_iter().map(|i| items[i])));
        }
        let i = int_arg(&key, "array indices")?;
        match index(i, items.len()) {
            Some(i) => ret(item_value(items[i])),
            None => Err(index_error("array index out of range")),
        }
    }

    fn setitem(&self, args: CallArgs) -> MethodResult {
        let mut a = args.bind("array.__setitem__", &["key", "value"], 2)?;
        let key = a[0].take().unwrap_or(Value::None);
        let value = a[1].take().unwrap_or(Value::None);
        if let Some(s) = as_slice(&key) {
            let Some((typecode, bytes)) = as_array(&value) else {
                return Err(type_error(format!(
                    "can only assign array (not \"{}\") to array slice",
                    value.type_name()
                )));
            };
            if typecode != self.typecode {
                return Err(type_error("bad argument type for built-in operation"));
            }
            let new = self.kind.items_from_bytes(bytes)?;
            assign_slice(&mut self.items(), s, new, "array")?;
            return ret(Value::None);
        }
        let i = int_arg(&key, "array indices")?;
        let item = self.kind.item(&value)?;
        let mut items = self.items();
        let i = index(i, items.len())
            .ok_or_else(|| index_error("array assignment index out of range"))?;
        items[i] = item;
        ret(Value::None)
    }
}

impl Served for SharedArray {
    const TYPEIDS: &'static [&'static str] = &["Array"];
    const CLASS: &'static str = "array.array";
    const METHODS: &'static [Method<Self>] = &[
        method("__len__", Self::len),
        method("__getitem__", Self::getitem),
        method("__setitem__", Self::setitem),
    ];

    /// `Array(typecode, sequence, lock=True)`: `lock` is accepted and ignored, as CPython does.
    /// The sequence may be any iterable of items, `bytes` (the items' machine bytes), a `str`
    /// for `u`/`w`, or another `array.array` of the same typecode.
    fn construct(args: CallArgs) -> Result<Self, PyException> {
        let mut a = args.bind("Array", &["typecode", "sequence", "lock"], 2)?;
        let typecode = match a[0].take() {
            Some(Value::Str(s)) if s.chars().count() == 1 => s.chars().next().unwrap_or('?'),
            Some(Value::Str(_)) => {
                return Err(type_error(
                    "array() argument 1 must be a unicode character, not str",
                ));
            }
            other => {
                return Err(type_error(format!(
                    "array() argument 1 must be a unicode character, not {}",
                    other.as_ref().map_or("NoneType", Value::type_name)
                )));
            }
        };
        let kind = kind_of(typecode).ok_or_else(|| value_error(BAD_TYPECODE))?;
        let sequence = a[1].take().unwrap_or(Value::None);
        let items = match &sequence {
            Value::Bytes(b) | Value::ByteArray(b) => kind.items_from_bytes(b)?,
            Value::Str(s) if kind == Kind::Char => s.chars().map(Item::Char).collect(),
            Value::Str(_) => {
                return Err(type_error(format!(
                    "cannot use a str to initialize an array with typecode '{typecode}'"
                )));
            }
            other => match as_array(other) {
                Some((tc, bytes)) if tc == typecode => kind.items_from_bytes(bytes)?,
                Some(_) => return Err(type_error("bad argument type for built-in operation")),
                None => iter_items(sequence)?
                    .iter()
                    .map(|v| kind.item(v))
                    .collect::<Result<_, _>>()?,
            },
        };
        Ok(SharedArray {
            typecode,
            kind,
            items: Mutex::new(items),
        })
    }

    /// `array('i', [1, 2])`, `array('u', 'ab')`, `array('d')`.
    fn repr(&self) -> String {
        let items = self.items();
        if items.is_empty() {
            return format!("array('{}')", self.typecode);
        }
        let body = if self.kind == Kind::Char {
            let s: String = items
                .iter()
                .map(|i| match i {
                    Item::Char(c) => *c,
                    _ => '?',
                })
                .collect();
            crate::managers::protocol::repr(&Value::Str(s))
        } else {
            crate::managers::protocol::repr(&Value::List(
                items.iter().map(|i| item_value(*i)).collect(),
            ))
        };
        format!("array('{}', {body})", self.typecode)
    }

    /// The `array.array` itself, as `managers` pickles one.
    fn value(&self) -> Result<Value, String> {
        let items = self.items().clone();
        Ok(self.array_value(items.into_iter()))
    }
}
