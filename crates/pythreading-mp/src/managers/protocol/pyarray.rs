//! `array.array` values as the manager protocol carries them: `REDUCE(array.array, (typecode,
//! bytes))`, the way `multiprocessing.managers` registers arrays with its pickler. The bytes are
//! the items in native order (little-endian) with CPython's item sizes on Linux x86-64.
//!
//! The server's `Array` stores [`Item`]s of one [`Kind`]; the client decodes a received array
//! with [`decode_array`].

use crate::managers::protocol::{type_error, value_error};
use crate::pickle::{BigInt, PyException, Value};

/// The typecodes `array.array` accepts (`w` is 3.13's).
pub(crate) const BAD_TYPECODE: &str =
    "bad typecode (must be b, B, u, w, h, H, i, I, l, L, q, Q, f or d)";

/// What one typecode stores.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    /// A signed C integer of this many bytes.
    Signed(usize),
    /// An unsigned C integer of this many bytes.
    Unsigned(usize),
    /// `f` (4 bytes, rounded to single precision) or `d` (8).
    Float(usize),
    /// `u` / `w`: one code point in 4 bytes.
    Char,
}

pub(crate) fn kind_of(typecode: char) -> Option<Kind> {
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
pub(crate) enum Item {
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
    pub(crate) fn item(self, v: &Value) -> Result<Item, PyException> {
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

    pub(crate) fn encode(self, item: Item, out: &mut Vec<u8>) {
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
    pub(crate) fn items_from_bytes(self, bytes: &[u8]) -> Result<Vec<Item>, PyException> {
        if !bytes.len().is_multiple_of(self.size()) {
            return Err(value_error("bytes length not a multiple of item size"));
        }
        bytes
            .chunks_exact(self.size())
            .map(|c| self.decode(c))
            .collect()
    }
}

pub(crate) fn item_value(item: Item) -> Value {
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
pub(crate) fn as_array(v: &Value) -> Option<(char, &[u8])> {
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

/// The items of a pickled `array.array`, as Python values (`array[:]` received by a client).
pub(crate) fn decode_array(v: &Value) -> Result<Vec<Value>, String> {
    let (typecode, bytes) = as_array(v).ok_or("not an array.array")?;
    let kind = kind_of(typecode).ok_or_else(|| format!("unknown array typecode {typecode:?}"))?;
    let items = kind
        .items_from_bytes(bytes)
        .map_err(|e| e.message().unwrap_or("bad array bytes").to_owned())?;
    Ok(items.into_iter().map(item_value).collect())
}

/// A pickled `array.array` of `items` (each already of `typecode`'s kind).
pub(crate) fn encode_array(typecode: char, kind: Kind, items: impl Iterator<Item = Item>) -> Value {
    let mut bytes = Vec::new();
    for item in items {
        kind.encode(item, &mut bytes);
    }
    Value::reduce(
        Value::global("array", "array"),
        Value::tuple([Value::from(typecode.to_string()), Value::Bytes(bytes)]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn array(typecode: &str, bytes: &[u8]) -> Value {
        Value::reduce(
            Value::global("array", "array"),
            Value::tuple([Value::from(typecode), Value::Bytes(bytes.to_vec())]),
        )
    }

    #[test]
    fn bytes_are_cpythons_native_little_endian_items() {
        // array('h', [1, -2]).tobytes() on x86-64
        let v = array("h", &[1, 0, 0xfe, 0xff]);
        assert_eq!(decode_array(&v).unwrap(), [Value::Int(1), Value::Int(-2)]);
        // array('Q', [2**64 - 1]) is beyond i64: a BigInt
        let v = array("Q", &[0xff; 8]);
        let items = decode_array(&v).unwrap();
        assert!(matches!(items[0], Value::BigInt(_)), "{items:?}");
        // array('u', 'é') is one 4-byte code point
        let v = array("u", &[0xe9, 0, 0, 0]);
        assert_eq!(decode_array(&v).unwrap(), [Value::from("é")]);
        assert!(
            decode_array(&array("i", &[1, 2, 3])).is_err(),
            "not a whole item"
        );
        assert!(decode_array(&array("z", &[])).is_err(), "bad typecode");
        assert!(decode_array(&Value::from("x")).is_err());
    }

    #[test]
    fn encoding_round_trips_every_typecode() {
        for (tc, v) in [
            ('b', Value::Int(-128)),
            ('B', Value::Int(255)),
            ('h', Value::Int(-32768)),
            ('H', Value::Int(65535)),
            ('i', Value::Int(i64::from(i32::MIN))),
            ('I', Value::Int(i64::from(u32::MAX))),
            ('l', Value::Int(i64::MIN)),
            ('q', Value::Int(i64::MAX)),
            ('d', Value::Float(0.1)),
            ('f', Value::Float(0.5)),
            ('u', Value::from("x")),
            ('w', Value::from("\u{10ffff}")),
        ] {
            let kind = kind_of(tc).unwrap();
            let item = kind.item(&v).unwrap();
            let encoded = encode_array(tc, kind, [item].into_iter());
            assert_eq!(decode_array(&encoded).unwrap(), [v], "{tc}");
        }
    }

    #[test]
    fn items_out_of_range_or_of_the_wrong_type_are_refused_as_python_does() {
        let b = kind_of('b').unwrap();
        assert!(
            b.item(&Value::Int(128))
                .unwrap_err()
                .is_builtin("OverflowError")
        );
        assert!(
            b.item(&Value::Int(-129))
                .unwrap_err()
                .is_builtin("OverflowError")
        );
        assert!(
            b.item(&Value::Float(1.0))
                .unwrap_err()
                .is_builtin("TypeError")
        );
        assert_eq!(b.item(&Value::Bool(true)).unwrap(), Item::Int(1));
        let d = kind_of('d').unwrap();
        assert!(
            d.item(&Value::from("1"))
                .unwrap_err()
                .is_builtin("TypeError")
        );
        assert_eq!(d.item(&Value::Int(3)).unwrap(), Item::Float(3.0));
        let f = kind_of('f').unwrap();
        assert_eq!(
            f.item(&Value::Float(0.1)).unwrap(),
            Item::Float(f64::from(0.1f32)),
            "rounded to single precision as array('f') stores it"
        );
        let u = kind_of('u').unwrap();
        assert!(
            u.item(&Value::from("ab"))
                .unwrap_err()
                .is_builtin("TypeError")
        );
        assert!(kind_of('x').is_none());
    }
}
