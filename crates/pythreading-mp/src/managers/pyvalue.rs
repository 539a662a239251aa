//! Building and reading the Python values the protocol speaks in: exceptions, tokens, reprs.

use std::fmt::Write as _;
use std::time::Duration;

use crate::pickle::Value;

/// An exception instance as CPython pickles it: `REDUCE(module.name, args)`.
pub(crate) fn exception(module: &str, name: &str, args: Vec<Value>) -> Value {
    Value::reduce(Value::global(module, name), Value::Tuple(args))
}

pub(crate) fn builtin_exc(name: &str, message: impl Into<String>) -> Value {
    exception("builtins", name, vec![Value::Str(message.into())])
}

pub(crate) fn type_error(message: impl Into<String>) -> Value {
    builtin_exc("TypeError", message)
}

pub(crate) fn value_error(message: impl Into<String>) -> Value {
    builtin_exc("ValueError", message)
}

pub(crate) fn runtime_error(message: impl Into<String>) -> Value {
    builtin_exc("RuntimeError", message)
}

pub(crate) fn index_error(message: impl Into<String>) -> Value {
    builtin_exc("IndexError", message)
}

pub(crate) fn key_error(key: Value) -> Value {
    exception("builtins", "KeyError", vec![key])
}

/// If `v` is an exception instance (or any reduce of a global), its `(module, name, args)`.
pub(crate) fn as_exception(v: &Value) -> Option<(&str, &str, &[Value])> {
    match v {
        Value::Reduce(r) => {
            let (module, name) = r.callable.as_global()?;
            let args = r.args.as_tuple().unwrap_or(&[]);
            Some((module, name, args))
        }
        _ => None,
    }
}

/// The pickled `multiprocessing.managers.Token`: NEWOBJ of the class, then BUILD with the state.
pub(crate) fn token(typeid: &str, address: Value, id: &str) -> Value {
    Value::object(
        Value::global("multiprocessing.managers", "Token"),
        Value::Tuple(Vec::new()),
        Some(Value::tuple([
            Value::from(typeid),
            address,
            Value::from(id),
        ])),
    )
}

/// `(typeid, address, id)` of a pickled Token.
pub(crate) fn as_token(v: &Value) -> Option<(&str, &Value, &str)> {
    let Value::Object(o) = v else { return None };
    if o.class.as_global() != Some(("multiprocessing.managers", "Token")) {
        return None;
    }
    let state = o.state.as_ref()?.as_tuple()?;
    match state {
        [typeid, address, id] => Some((typeid.as_str()?, address, id.as_str()?)),
        _ => None,
    }
}

/// A `(host, port)` tuple.
pub(crate) fn address(host: &str, port: u16) -> Value {
    Value::tuple([Value::from(host), Value::from(port)])
}

/// A timeout argument: `None` waits forever; a negative number is a ValueError.
pub(crate) fn timeout_of(v: Option<&Value>) -> Result<Option<Duration>, Value> {
    let secs = match v {
        None | Some(Value::None) => return Ok(None),
        Some(Value::Int(i)) => *i as f64,
        Some(Value::Bool(b)) => f64::from(u8::from(*b)),
        Some(Value::Float(f)) => *f,
        Some(other) => {
            return Err(type_error(format!(
                "'{}' object cannot be interpreted as a timeout",
                other.type_name()
            )));
        }
    };
    if secs.is_nan() || secs < 0.0 {
        return Err(value_error("'timeout' must be a non-negative number"));
    }
    Ok(Some(
        Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX),
    ))
}

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
        other => match as_exception(other) {
            Some((_, name, args)) => {
                out.push_str(name);
                write_seq(out, "(", args, ")", depth);
            }
            None => {
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

/// Python `==` for the values a shared dict or list holds (numbers compare across int/bool/float).
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

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}

/// Python `<` ordering for sorting; `None` where Python raises TypeError.
pub(crate) fn py_cmp(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    if let (Value::Int(x), Value::Int(y)) = (a, b) {
        return Some(x.cmp(y));
    }
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
pub(crate) fn check_hashable(v: &Value) -> Result<(), Value> {
    match v {
        Value::List(_) | Value::Dict(_) | Value::Set(_) | Value::ByteArray(_) => {
            Err(type_error(format!("unhashable type: '{}'", v.type_name())))
        }
        Value::Tuple(items) => items.iter().try_for_each(check_hashable),
        _ => Ok(()),
    }
}

/// The items of an iterable argument (list, tuple, set, frozenset, dict keys, str characters).
pub(crate) fn iter_items(v: Value) -> Result<Vec<Value>, Value> {
    match v {
        Value::List(x) | Value::Tuple(x) | Value::Set(x) | Value::FrozenSet(x) => Ok(x),
        Value::Dict(d) => Ok(d.into_iter().map(|(k, _)| k).collect()),
        Value::Str(s) => Ok(s.chars().map(|c| Value::Str(c.to_string())).collect()),
        Value::Bytes(b) | Value::ByteArray(b) => Ok(b.into_iter().map(Value::from).collect()),
        other => Err(type_error(format!(
            "'{}' object is not iterable",
            other.type_name()
        ))),
    }
}

/// An int argument (bool counts, as in Python).
pub(crate) fn int_arg(v: &Value, what: &str) -> Result<i64, Value> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::Bool(b) => Ok(i64::from(*b)),
        other => Err(type_error(format!(
            "{what} must be integers or slices, not {}",
            other.type_name()
        ))),
    }
}

/// `slice(start, stop, step)` arguments, if `v` is a pickled slice.
pub(crate) fn as_slice(v: &Value) -> Option<[Option<i64>; 3]> {
    let (module, name, args) = as_exception(v)?;
    if (module, name) != ("builtins", "slice") || args.len() != 3 {
        return None;
    }
    let mut out = [None; 3];
    for (slot, a) in out.iter_mut().zip(args) {
        *slot = match a {
            Value::None => None,
            Value::Int(i) => Some(*i),
            _ => return None,
        };
    }
    Some(out)
}

/// The positions a slice selects in a sequence of `len` items (Python's `slice.indices`).
pub(crate) fn slice_positions(s: [Option<i64>; 3], len: usize) -> Result<Vec<usize>, Value> {
    let len = len as i64;
    let step = s[2].unwrap_or(1);
    if step == 0 {
        return Err(value_error("slice step cannot be zero"));
    }
    let clamp = |v: Option<i64>, default: i64| -> i64 {
        match v {
            None => default,
            Some(i) if i < 0 => {
                let j = i + len;
                if j < 0 {
                    if step < 0 { -1 } else { 0 }
                } else {
                    j
                }
            }
            Some(i) if i >= len => {
                if step < 0 {
                    len - 1
                } else {
                    len
                }
            }
            Some(i) => i,
        }
    };
    let (start, stop) = if step > 0 {
        (clamp(s[0], 0), clamp(s[1], len))
    } else {
        (clamp(s[0], len - 1), clamp(s[1], -1))
    };
    let mut out = Vec::new();
    let mut i = start;
    while (step > 0 && i < stop) || (step < 0 && i > stop) {
        out.push(i as usize);
        match i.checked_add(step) {
            Some(next) => i = next,
            None => break,
        }
    }
    Ok(out)
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
    fn timeouts_follow_python() {
        assert_eq!(timeout_of(None).unwrap(), None);
        assert_eq!(
            timeout_of(Some(&Value::Float(0.5))).unwrap(),
            Some(Duration::from_millis(500))
        );
        assert!(timeout_of(Some(&Value::Int(-1))).is_err());
    }

    #[test]
    fn slices_select_what_python_selects() {
        let cases: [([Option<i64>; 3], &[usize]); 8] = [
            ([None, None, None], &[0, 1, 2, 3, 4]),
            ([Some(1), Some(3), None], &[1, 2]),
            ([None, None, Some(-1)], &[4, 3, 2, 1, 0]),
            ([Some(-2), None, None], &[3, 4]),
            ([None, None, Some(2)], &[0, 2, 4]),
            ([Some(4), Some(0), Some(-2)], &[4, 2]),
            ([Some(10), Some(20), None], &[]),
            ([Some(-10), Some(2), None], &[0, 1]),
        ];
        for (s, want) in cases {
            assert_eq!(slice_positions(s, 5).unwrap(), want, "{s:?}");
        }
        assert!(slice_positions([None, None, Some(0)], 5).is_err());
        // Extreme values never overflow.
        assert_eq!(
            slice_positions([Some(4), None, Some(i64::MAX)], 5).unwrap(),
            [4]
        );
        assert_eq!(
            slice_positions([Some(i64::MIN), Some(i64::MAX), Some(i64::MIN)], 5).unwrap(),
            Vec::<usize>::new()
        );
    }

    #[test]
    fn python_equality_and_ordering() {
        assert!(py_eq(&Value::Int(1), &Value::Float(1.0)));
        assert!(py_eq(&Value::Bool(true), &Value::Int(1)));
        assert!(!py_eq(&Value::Int(1), &Value::from("1")));
        assert_eq!(
            py_cmp(&Value::from("a"), &Value::from("b")),
            Some(std::cmp::Ordering::Less)
        );
        assert_eq!(py_cmp(&Value::from("a"), &Value::Int(1)), None);
        assert!(check_hashable(&Value::list([])).is_err());
        assert!(check_hashable(&Value::tuple([Value::Int(1)])).is_ok());
    }

    #[test]
    fn tokens_round_trip() {
        let t = token("Iterator", address("127.0.0.1", 5000), "7f00");
        let (typeid, _, id) = as_token(&t).unwrap();
        assert_eq!((typeid, id), ("Iterator", "7f00"));
    }
}
