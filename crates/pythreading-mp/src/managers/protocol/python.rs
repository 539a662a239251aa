//! What Python says about a value: `repr()`, `==`, `<`, truthiness and hashability — in one
//! place, so every served type and every error message agree.

use std::cmp::Ordering;
use std::fmt::Write as _;
use std::hash::{Hash, Hasher};

use super::exceptions::type_error;
use crate::pickle::{PyException, Value};

/// Python truthiness of the values a `block` argument can take.
pub(crate) fn truthy(v: &Value) -> bool {
    match v {
        Value::None => false,
        Value::Bool(b) => *b,
        Value::Int(i) => *i != 0,
        Value::Float(f) => *f != 0.0,
        Value::Str(s) => !s.is_empty(),
        Value::Bytes(b) | Value::ByteArray(b) => !b.is_empty(),
        Value::Tuple(t) | Value::List(t) | Value::Set(t) | Value::FrozenSet(t) => !t.is_empty(),
        Value::Dict(d) => !d.is_empty(),
        _ => true,
    }
}

/// Python's `repr()` of a value, for the `__str__`/`__repr__` fallbacks.
pub(crate) fn repr(v: &Value) -> String {
    let mut out = String::new();
    write_repr(&mut out, v, 0);
    out
}

fn write_seq(out: &mut String, open: &str, items: &[Value], close: &str, depth: usize) {
    out.push_str(open);
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_repr(out, item, depth + 1);
    }
    out.push_str(close);
}

fn write_repr(out: &mut String, v: &Value, depth: usize) {
    if depth > 64 {
        out.push_str("...");
        return;
    }
    match v {
        Value::None => out.push_str("None"),
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => out.push_str(&float_repr(*f)),
        Value::Str(s) => str_repr(out, s),
        Value::Bytes(b) => bytes_repr(out, b),
        Value::ByteArray(b) => {
            out.push_str("bytearray(");
            bytes_repr(out, b);
            out.push(')');
        }
        Value::Tuple(t) if t.len() == 1 => {
            out.push('(');
            write_repr(out, &t[0], depth + 1);
            out.push_str(",)");
        }
        Value::Tuple(t) => write_seq(out, "(", t, ")", depth),
        Value::List(l) => write_seq(out, "[", l, "]", depth),
        Value::Set(s) if s.is_empty() => out.push_str("set()"),
        Value::Set(s) => write_seq(out, "{", s, "}", depth),
        Value::FrozenSet(s) => write_seq(out, "frozenset({", s, "})", depth),
        Value::Dict(d) => {
            out.push('{');
            for (i, (k, v)) in d.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_repr(out, k, depth + 1);
                out.push_str(": ");
                write_repr(out, v, depth + 1);
            }
            out.push('}');
        }
        Value::Global { module, name } => {
            let _ = write!(out, "<class '{module}.{name}'>");
        }
        other => match PyException::from_value(other) {
            Ok(e) => {
                out.push_str(&e.name);
                write_seq(out, "(", &e.args, ")", depth);
            }
            Err(_) => {
                let _ = write!(out, "<{} object>", other.type_name());
            }
        },
    }
}

fn float_repr(f: f64) -> String {
    if f.is_nan() {
        "nan".into()
    } else if f.is_infinite() {
        if f > 0.0 { "inf".into() } else { "-inf".into() }
    } else if f == f.trunc() && f.abs() < 1e16 {
        format!("{f:.1}")
    } else {
        format!("{f}")
    }
}

fn str_repr(out: &mut String, s: &str) {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
}

fn bytes_repr(out: &mut String, b: &[u8]) {
    let quote = if b.contains(&b'\'') && !b.contains(&b'"') {
        b'"'
    } else {
        b'\''
    };
    out.push('b');
    out.push(quote as char);
    for &c in b {
        match c {
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c as char);
            }
            0x20..=0x7e => out.push(c as char),
            c => {
                let _ = write!(out, "\\x{c:02x}");
            }
        }
    }
    out.push(quote as char);
}

/// Python `==` for the values a shared dict or list holds (numbers compare across int, bool and
/// float, exactly, as CPython compares them).
pub(crate) fn py_eq(a: &Value, b: &Value) -> bool {
    match (number(a), number(b)) {
        (Some(x), Some(y)) => return x == y,
        (Some(_), None) | (None, Some(_)) => return false,
        (None, None) => {}
    }
    match (a, b) {
        (Value::Tuple(x), Value::Tuple(y)) | (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| py_eq(p, q))
        }
        _ => a == b,
    }
}

/// Feeds `v` to `h` so that values [`py_eq`] calls equal hash equal (`hash(1) == hash(1.0)`).
pub(crate) fn py_hash(v: &Value, h: &mut impl Hasher) {
    match number(v) {
        Some(Number::Int(i)) => {
            0u8.hash(h);
            i.hash(h);
        }
        Some(Number::Float(f)) => match integral(f) {
            Some(i) => {
                0u8.hash(h);
                i.hash(h);
            }
            None => {
                1u8.hash(h);
                f.to_bits().hash(h);
            }
        },
        None => match v {
            Value::Str(s) => {
                2u8.hash(h);
                s.hash(h);
            }
            Value::Bytes(b) => {
                3u8.hash(h);
                b.hash(h);
            }
            Value::Tuple(items) => {
                4u8.hash(h);
                items.len().hash(h);
                for item in items {
                    py_hash(item, h);
                }
            }
            // Anything else compares structurally: its type is a consistent (coarse) hash.
            other => {
                5u8.hash(h);
                other.type_name().hash(h);
            }
        },
    }
}

/// A number as Python compares it: ints exactly, floats as floats.
#[derive(Clone, Copy)]
enum Number {
    Int(i64),
    Float(f64),
}

impl PartialEq for Number {
    fn eq(&self, other: &Number) -> bool {
        match (*self, *other) {
            (Number::Int(x), Number::Int(y)) => x == y,
            (Number::Float(x), Number::Float(y)) => x == y,
            (Number::Int(i), Number::Float(f)) | (Number::Float(f), Number::Int(i)) => {
                integral(f) == Some(i)
            }
        }
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Number) -> Option<Ordering> {
        match (*self, *other) {
            (Number::Int(x), Number::Int(y)) => Some(x.cmp(&y)),
            (Number::Float(x), Number::Float(y)) => x.partial_cmp(&y),
            (Number::Int(i), Number::Float(f)) => int_float_cmp(i, f),
            (Number::Float(f), Number::Int(i)) => int_float_cmp(i, f).map(Ordering::reverse),
        }
    }
}

/// `i` against `f`, exactly (no rounding of large ints); `None` for NaN.
fn int_float_cmp(i: i64, f: f64) -> Option<Ordering> {
    if f.is_nan() {
        return None;
    }
    // 2^63 as f64 is exact; every f64 at or beyond it is larger than any i64.
    if f >= 9_223_372_036_854_775_808.0 {
        return Some(Ordering::Less);
    }
    if f < -9_223_372_036_854_775_808.0 {
        return Some(Ordering::Greater);
    }
    let t = f.trunc();
    match i.cmp(&(t as i64)) {
        Ordering::Equal if f > t => Some(Ordering::Less),
        Ordering::Equal if f < t => Some(Ordering::Greater),
        o => Some(o),
    }
}

/// `f` as an `i64` when it is exactly an integer in range.
fn integral(f: f64) -> Option<i64> {
    (f.fract() == 0.0 && (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f))
        .then_some(f as i64)
}

fn number(v: &Value) -> Option<Number> {
    match v {
        Value::Bool(b) => Some(Number::Int(i64::from(*b))),
        Value::Int(i) => Some(Number::Int(*i)),
        Value::Float(f) => Some(Number::Float(*f)),
        _ => None,
    }
}

/// Python `<` ordering for sorting; `None` where Python raises TypeError.
pub(crate) fn py_cmp(a: &Value, b: &Value) -> Option<Ordering> {
    if let (Some(x), Some(y)) = (number(a), number(b)) {
        return x.partial_cmp(&y);
    }
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => Some(x.cmp(y)),
        (Value::Bytes(x), Value::Bytes(y)) => Some(x.cmp(y)),
        (Value::Tuple(x), Value::Tuple(y)) | (Value::List(x), Value::List(y)) => {
            for (p, q) in x.iter().zip(y) {
                if !py_eq(p, q) {
                    return py_cmp(p, q);
                }
            }
            Some(x.len().cmp(&y.len()))
        }
        _ => None,
    }
}

/// TypeError unless `v` can be a dict key.
pub(crate) fn check_hashable(v: &Value) -> Result<(), PyException> {
    match v {
        Value::List(_) | Value::Dict(_) | Value::Set(_) | Value::ByteArray(_) => {
            Err(type_error(format!("unhashable type: '{}'", v.type_name())))
        }
        Value::Tuple(items) => items.iter().try_for_each(check_hashable),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reprs_match_python() {
        let v = Value::list([
            Value::from(4),
            Value::from("it's"),
            Value::from(2.0),
            Value::tuple([Value::from(1)]),
            Value::None,
        ]);
        assert_eq!(repr(&v), "[4, \"it's\", 2.0, (1,), None]");
        assert_eq!(repr(&Value::Bytes(b"a\x00".to_vec())), "b'a\\x00'");
        assert_eq!(
            repr(&Value::dict([(Value::from("a"), Value::from(true))])),
            "{'a': True}"
        );
    }

    #[test]
    fn python_equality_and_ordering() {
        assert!(py_eq(&Value::Int(1), &Value::Float(1.0)));
        assert!(py_eq(&Value::Bool(true), &Value::Int(1)));
        assert!(!py_eq(&Value::Int(1), &Value::from("1")));
        // Large ints compare exactly, not through a rounded float.
        assert!(!py_eq(&Value::Int((1 << 53) + 1), &Value::Int(1 << 53)));
        assert!(!py_eq(
            &Value::Int((1 << 53) + 1),
            &Value::Float(9007199254740992.0)
        ));
        assert_eq!(
            py_cmp(&Value::Int(i64::MAX), &Value::Float(9.3e18)),
            Some(Ordering::Less)
        );
        assert_eq!(
            py_cmp(&Value::Float(1.5), &Value::Int(1)),
            Some(Ordering::Greater)
        );
        assert_eq!(
            py_cmp(&Value::from("a"), &Value::from("b")),
            Some(Ordering::Less)
        );
        assert_eq!(py_cmp(&Value::from("a"), &Value::Int(1)), None);
        assert!(check_hashable(&Value::list([])).is_err());
        assert!(check_hashable(&Value::tuple([Value::Int(1)])).is_ok());
    }

    #[test]
    fn equal_values_hash_equal() {
        use std::hash::BuildHasher;
        let s = std::collections::hash_map::RandomState::new();
        let h = |v: &Value| {
            let mut hasher = s.build_hasher();
            py_hash(v, &mut hasher);
            hasher.finish()
        };
        for (a, b) in [
            (Value::Int(1), Value::Float(1.0)),
            (Value::Bool(true), Value::Int(1)),
            (
                Value::tuple([Value::Int(2), Value::from("x")]),
                Value::tuple([Value::Float(2.0), Value::from("x")]),
            ),
        ] {
            assert!(py_eq(&a, &b));
            assert_eq!(h(&a), h(&b));
        }
    }
}
