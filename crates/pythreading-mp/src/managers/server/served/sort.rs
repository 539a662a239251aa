//! `list.sort()` as CPython does it: only `<` is asked, so a NaN among floats sorts (somewhere)
//! instead of failing, and the result is stable.
//!
//! Lists shorter than 64 items are sorted exactly as CPython 3.11 and 3.12's timsort sorts them
//! (one natural run, then binary insertion), so even with NaNs the order is theirs (3.13's new
//! run detection can place a NaN differently). Longer lists are
//! sorted by a stable merge sort of such runs, which agrees with CPython whenever `<` is a
//! total order.

use std::borrow::Borrow;
use std::cmp::Ordering;

use crate::managers::protocol::{py_cmp, type_error};
use crate::pickle::{PyException, Value};

/// CPython's `MIN_GALLOP`-free run length: below 64 items, timsort is binary insertion.
const MIN_RUN: usize = 32;

/// Python's `a < b`, or the `TypeError` Python raises.
fn lt(a: &Value, b: &Value) -> Result<bool, PyException> {
    match (a, b) {
        // NaN compares false both ways: `<` is simply false.
        (Value::Float(x), Value::Float(y)) => Ok(x < y),
        _ => match py_cmp(a, b) {
            Some(o) => Ok(o == Ordering::Less),
            None if is_number(a) && is_number(b) => Ok(false),
            None => Err(type_error(format!(
                "'<' not supported between instances of '{}' and '{}'",
                a.type_name(),
                b.type_name()
            ))),
        },
    }
}

fn is_number(v: &Value) -> bool {
    matches!(v, Value::Int(_) | Value::Bool(_) | Value::Float(_))
}

/// Sorts `items` in place (`reverse` as `list.sort(reverse=True)`: stable, like CPython, by
/// reversing before and after).
pub(crate) fn sort<T: Borrow<Value>>(items: &mut Vec<T>, reverse: bool) -> Result<(), PyException> {
    if reverse {
        items.reverse();
    }
    let result = sort_ascending(items);
    if reverse {
        items.reverse();
    }
    result
}

fn sort_ascending<T: Borrow<Value>>(items: &mut Vec<T>) -> Result<(), PyException> {
    let n = items.len();
    if n < 2 {
        return Ok(());
    }
    if n < 64 {
        let run = count_run(items)?;
        return binary_insertion(items, run);
    }
    // Runs of MIN_RUN items sorted by insertion, then merged pairwise.
    let mut runs = Vec::new();
    let mut start = 0;
    let mut sorted = Vec::with_capacity(n);
    let mut rest = std::mem::take(items).into_iter();
    while start < n {
        let len = MIN_RUN.min(n - start);
        let mut chunk: Vec<T> = rest.by_ref().take(len).collect();
        let run = count_run(&mut chunk)?;
        binary_insertion(&mut chunk, run)?;
        runs.push(chunk);
        start += len;
    }
    while runs.len() > 1 {
        let mut next = Vec::with_capacity(runs.len().div_ceil(2));
        let mut it = runs.into_iter();
        while let Some(a) = it.next() {
            match it.next() {
                Some(b) => next.push(merge(a, b)?),
                None => next.push(a),
            }
        }
        runs = next;
    }
    sorted.extend(runs.into_iter().flatten());
    *items = sorted;
    Ok(())
}

/// The length of the natural run at the start (a strictly descending run is reversed), as
/// CPython's `count_run`.
fn count_run<T: Borrow<Value>>(items: &mut [T]) -> Result<usize, PyException> {
    let n = items.len();
    if n < 2 {
        return Ok(n);
    }
    let mut k = 2;
    if lt(items[1].borrow(), items[0].borrow())? {
        while k < n && lt(items[k].borrow(), items[k - 1].borrow())? {
            k += 1;
        }
        items[..k].reverse();
    } else {
        while k < n && !lt(items[k].borrow(), items[k - 1].borrow())? {
            k += 1;
        }
    }
    Ok(k)
}

/// CPython's `binarysort`: `items[..start]` is sorted; insert the rest one by one, each after
/// every item it is not less than (stable).
fn binary_insertion<T: Borrow<Value>>(items: &mut [T], start: usize) -> Result<(), PyException> {
    for i in start.max(1)..items.len() {
        let (mut l, mut r) = (0, i);
        while l < r {
            let p = l + ((r - l) >> 1);
            if lt(items[i].borrow(), items[p].borrow())? {
                r = p;
            } else {
                l = p + 1;
            }
        }
        items[l..=i].rotate_right(1);
    }
    Ok(())
}

/// A stable merge: an item of `b` goes first only if it is less than the item of `a`.
fn merge<T: Borrow<Value>>(a: Vec<T>, b: Vec<T>) -> Result<Vec<T>, PyException> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let mut a = a.into_iter().peekable();
    let mut b = b.into_iter().peekable();
    loop {
        let take_b = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) => lt(y.borrow(), x.borrow())?,
            (Some(_), None) => false,
            (None, Some(_)) => true,
            (None, None) => return Ok(out),
        };
        out.extend(if take_b { b.next() } else { a.next() });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn floats(v: &[f64]) -> Vec<Value> {
        v.iter().map(|f| Value::Float(*f)).collect()
    }

    fn bits(v: &[Value]) -> Vec<u64> {
        v.iter().map(|x| x.as_float().unwrap().to_bits()).collect()
    }

    #[test]
    fn nan_sorts_as_cpython_sorts_it() {
        // CPython: sorted([3.0, nan, 1.0, 2.0]) == [3.0, nan, 1.0, 2.0]
        //          sorted([nan, 2.0, 1.0]) == [nan, 1.0, 2.0]
        //          sorted([2.0, 1.0, nan, 0.5]) == [0.5, 1.0, 2.0, nan]
        let nan = f64::NAN;
        for (input, want) in [
            (vec![3.0, nan, 1.0, 2.0], vec![3.0, nan, 1.0, 2.0]),
            (vec![nan, 2.0, 1.0], vec![nan, 1.0, 2.0]),
            (vec![2.0, 1.0, nan, 0.5], vec![0.5, 1.0, 2.0, nan]),
            (
                vec![1.0, nan, 0.0, 5.5, -1.0],
                vec![1.0, nan, -1.0, 0.0, 5.5],
            ),
        ] {
            let mut v = floats(&input);
            sort(&mut v, false).unwrap();
            assert_eq!(bits(&v), bits(&floats(&want)), "{input:?}");
        }
    }

    #[test]
    fn long_lists_sort_stably_and_type_errors_are_pythons() {
        let mut v: Vec<Value> = (0..1000).map(|i| Value::Int((i * 7919) % 1000)).collect();
        sort(&mut v, false).unwrap();
        assert!(v.windows(2).all(|w| w[0].as_int() <= w[1].as_int()));
        let mut v: Vec<Value> = (0..100).map(|i| Value::Int(i % 10)).collect();
        sort(&mut v, true).unwrap();
        assert!(v.windows(2).all(|w| w[0].as_int() >= w[1].as_int()));
        let mut mixed = vec![Value::Int(1), Value::from("a")];
        let e = sort(&mut mixed, false).unwrap_err();
        assert!(e.message().unwrap().contains("'<' not supported"), "{e}");
    }
}
