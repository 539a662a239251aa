//! Arguments that are sequences, indices or slices (`list(iterable)`, `lst[i]`, `lst[a:b:c]`).

use super::exceptions::{type_error, value_error};
use crate::pickle::{PyException, Value};

/// The items of an iterable argument (list, tuple, set, frozenset, dict keys, str characters).
pub(crate) fn iter_items(v: Value) -> Result<Vec<Value>, PyException> {
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
pub(crate) fn int_arg(v: &Value, what: &str) -> Result<i64, PyException> {
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
    let Value::Reduce(r) = v else { return None };
    if r.callable.as_global() != Some(("builtins", "slice")) {
        return None;
    }
    let args = r.args.as_tuple().filter(|a| a.len() == 3)?;
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
pub(crate) fn slice_positions(s: [Option<i64>; 3], len: usize) -> Result<Vec<usize>, PyException> {
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

/// `items[s] = new` (Python's slice assignment): a plain slice (step 1) is replaced by `new`
/// whatever its length; an extended slice needs exactly as many items as it selects. `what`
/// names the assigned sequence in that error ("array", "sequence"), which leaves `items` as it
/// was.
pub(crate) fn assign_slice<T>(
    items: &mut Vec<T>,
    s: [Option<i64>; 3],
    new: Vec<T>,
    what: &str,
) -> Result<(), PyException> {
    let pos = slice_positions(s, items.len())?;
    if s[2].unwrap_or(1) == 1 {
        // An empty slice inserts where its start falls.
        let start = pos.first().copied().unwrap_or_else(|| {
            slice_positions([s[0], None, None], items.len())
                .ok()
                .and_then(|p| p.first().copied())
                .unwrap_or(items.len())
        });
        items.splice(start..start + pos.len(), new);
        return Ok(());
    }
    if new.len() != pos.len() {
        return Err(value_error(format!(
            "attempt to assign {what} of size {} to extended slice of size {}",
            new.len(),
            pos.len()
        )));
    }
    for (i, item) in pos.into_iter().zip(new) {
        items[i] = item;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slice_assignment_does_what_python_does() {
        let mut v = vec![0, 1, 2, 3, 4];
        // a[1:3] = [7]: a plain slice takes any length.
        assign_slice(&mut v, [Some(1), Some(3), None], vec![7], "sequence").unwrap();
        assert_eq!(v, [0, 7, 3, 4]);
        // a[2:2] = [8, 9]: an empty slice inserts at its start.
        assign_slice(&mut v, [Some(2), Some(2), None], vec![8, 9], "sequence").unwrap();
        assert_eq!(v, [0, 7, 8, 9, 3, 4]);
        // a[::2] = [...]: an extended slice needs as many items as it selects.
        assign_slice(&mut v, [None, None, Some(2)], vec![1, 1, 1], "sequence").unwrap();
        assert_eq!(v, [1, 7, 1, 9, 1, 4]);
        let e = assign_slice(&mut v, [None, None, Some(-2)], vec![5], "array").unwrap_err();
        assert!(e.is_builtin("ValueError"), "{e}");
        assert!(
            e.to_string()
                .contains("attempt to assign array of size 1 to extended slice of size 3"),
            "{e}"
        );
        assert_eq!(
            v,
            [1, 7, 1, 9, 1, 4],
            "a refused assignment changes nothing"
        );
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
}
