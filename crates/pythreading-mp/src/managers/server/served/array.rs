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
    CallArgs, as_slice, index_error, int_arg, iter_items, slice_positions, type_error, value_error,
};
use crate::pickle::{BigInt, PyException, Value};

/// The typecodes `array.array` accepts (`w` is 3.13's).
const BAD_TYPECODE: &str = "bad typecode (must be b, B, u, w, h, H, i, I, l, L, q, Q, f or d)";

/// What one typecode stores.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// A signed C integer of this many bytes.
    Signed(usize),
    /// An unsigned C integer of this many bytes.
    Unsigned(usize),
    /// `f` (4 bytes, rounded to single precision) or `d` (8).
    Float(usize),
    /// `u` / `w`: one code point in 4 bytes.
    Char,
}

fn kind_of(typecode: char) -> Option<Kind> {
    Some(match typecode {
        'b' => Kind::Signed(1),
        'B' => Kind::Unsigned(1),
        'h' => Kind::Signed(2),
        'H' => Kind::Unsigned(2),
        'i' => Kind::Signed(4),
        'I' => Kind::Unsigned(4),
        'l' | 'q' => Kind::Signed(8),
        'L' | 'Q' => Kind::Unsigned(8),
        'f' => Kind::Float(4),
        'd' => Kind::Float(8),
        'u' | 'w' => Kind::Char,
        _ => return None,
    })
}

/// One stored item.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Item {
    Int(i128),
    Float(f64),
    Char(char),
}

fn overflow(message: &str) -> PyException {
    PyException::builtin("OverflowError", vec![Value::from(message)])
}

impl Kind {
    fn size(self) -> usize {
        match self {
            Kind::Signed(n) | Kind::Unsigned(n) | Kind::Float(n) => n,
            Kind::Char => 4,
        }
    }

    fn range(self) -> (i128, i128) {
        match self {
            Kind::Signed(n) => {
                let bits = 8 * n as u32;
                (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
            }
            Kind::Unsigned(n) => (0, (1i128 << (8 * n as u32)) - 1),
            _ => (0, 0),
        }
    }

    /// A Python value as an item of this kind, or CPython's error for it.
    fn item(self, v: &Value) -> Result<Item, PyException> {
        match self {
            Kind::Signed(_) | Kind::Unsigned(_) => {
                let i = match v {
                    Value::Int(i) => i128::from(*i),
                    Value::Bool(b) => i128::from(*b),
                    Value::BigInt(b) => b.to_i128().unwrap_or(if b.is_negative() {
                        i128::MIN
                    } else {
                        i128::MAX
                    }),
                    other => {
                        return Err(type_error(format!(
                            "'{}' object cannot be interpreted as an integer",
                            other.type_name()
                        )));
                    }
                };
                let (lo, hi) = self.range();
                if i > hi {
                    Err(overflow("array item is greater than maximum"))
                } else if i < lo {
                    Err(overflow("array item is less than minimum"))
                } else {
                    Ok(Item::Int(i))
                }
            }
            Kind::Float(size) => {
                let f = match v {
                    Value::Float(f) => *f,
                    Value::Int(i) => *i as f64,
                    Value::Bool(b) => f64::from(u8::from(*b)),
                    Value::BigInt(b) => b.to_i128().map_or(f64::INFINITY, |i| i as f64),
                    other => {
                        return Err(type_error(format!(
                            "must be real number, not {}",
                            other.type_name()
                        )));
                    }
                };
                Ok(Item::Float(if size == 4 { f64::from(f as f32) } else { f }))
            }
            Kind::Char => {
                let mut chars = v.as_str().map(str::chars).into_iter().flatten();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => Ok(Item::Char(c)),
                    _ => Err(type_error(format!(
                        "array item must be a unicode character, not {}",
                        v.type_name()
                    ))),
                }
            }
        }
    }

    fn encode(self, item: Item, out: &mut Vec<u8>) {
        match item {
            Item::Int(i) => out.extend_from_slice(&i.to_le_bytes()[..self.size()]),
            Item::Float(f) if self.size() == 4 => out.extend_from_slice(&(f as f32).to_le_bytes()),
            Item::Float(f) => out.extend_from_slice(&f.to_le_bytes()),
            Item::Char(c) => out.extend_from_slice(&u32::from(c).to_le_bytes()),
        }
    }

    fn decode(self, b: &[u8]) -> Result<Item, PyException> {
        Ok(match self {
            Kind::Signed(n) => {
                let mut buf = if b[n - 1] & 0x80 != 0 {
                    [0xff; 16]
                } else {
                    [0; 16]
                };
                buf[..n].copy_from_slice(b);
                Item::Int(i128::from_le_bytes(buf))
            }
            Kind::Unsigned(n) => {
                let mut buf = [0; 16];
                buf[..n].copy_from_slice(b);
                Item::Int(i128::from_le_bytes(buf))
            }
            Kind::Float(4) => Item::Float(f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]]))),
            Kind::Float(_) => Item::Float(f64::from_le_bytes([
                b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
            ])),
            Kind::Char => {
                let point = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                Item::Char(char::from_u32(point).ok_or_else(|| {
                    value_error(format!(
                        "character U+{point:x} is not in range [U+0000; U+10ffff]"
                    ))
                })?)
            }
        })
    }

    /// Items from an `array.array`'s bytes.
    fn items_from_bytes(self, bytes: &[u8]) -> Result<Vec<Item>, PyException> {
        if !bytes.len().is_multiple_of(self.size()) {
            return Err(value_error("bytes length not a multiple of item size"));
        }
        bytes
            .chunks_exact(self.size())
            .map(|c| self.decode(c))
            .collect()
    }
}

fn item_value(item: Item) -> Value {
    match item {
        Item::Int(i) => match i64::try_from(i) {
            Ok(i) => Value::Int(i),
            Err(_) => BigInt::value_from_signed_le_bytes(&i.to_le_bytes()),
        },
        Item::Float(f) => Value::Float(f),
        Item::Char(c) => Value::Str(c.to_string()),
    }
}

/// `(typecode, bytes)` of a pickled `array.array` (`REDUCE(array.array, (typecode, bytes))`).
fn as_array(v: &Value) -> Option<(char, &[u8])> {
    let Value::Reduce(r) = v else { return None };
    if r.callable.as_global() != Some(("array", "array")) {
        return None;
    }
    match r.args.as_tuple()? {
        [Value::Str(tc), bytes] => {
            let mut chars = tc.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => Some((c, bytes.as_bytes()?)),
                _ => None,
            }
        }
        _ => None,
    }
}

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
        let mut bytes = Vec::new();
        for item in items {
            self.kind.encode(item, &mut bytes);
        }
        Value::reduce(
            Value::global("array", "array"),
            Value::tuple([Value::from(self.typecode.to_string()), Value::Bytes(bytes)]),
        )
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
            let mut items = self.items();
            let pos = slice_positions(s, items.len())?;
            if s[2].unwrap_or(1) == 1 {
                let start = pos.first().copied().unwrap_or_else(|| {
                    slice_positions([s[0], None, None], items.len())
                        .ok()
                        .and_then(|p| p.first().copied())
                        .unwrap_or(items.len())
                });
                items.splice(start..start + pos.len(), new);
                return ret(Value::None);
            }
            if new.len() != pos.len() {
                return Err(value_error(format!(
                    "attempt to assign array of size {} to extended slice of size {}",
                    new.len(),
                    pos.len()
                )));
            }
            for (i, item) in pos.into_iter().zip(new) {
                items[i] = item;
            }
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
