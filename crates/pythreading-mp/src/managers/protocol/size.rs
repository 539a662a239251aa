//! What a value will cost to send, estimated before it is pickled.

use super::walk::walk;
use crate::pickle::Value;

/// Whether pickling `v` would take more than `max` bytes (an upper-bound estimate of the
/// protocol-4 encoding: opcodes, lengths and payloads). Stops counting as soon as `max` is
/// passed, so checking a huge value is cheap.
pub(crate) fn encoded_size_over(v: &Value, max: usize) -> bool {
    encoded_size_capped(v, max) > max
}

/// The estimated encoded size of `v`, or any number above `max` once it is known to be over.
fn encoded_size_capped(v: &Value, max: usize) -> usize {
    let mut total: usize = 0;
    for v in walk(v) {
        total = total.saturating_add(own_size(v));
        if total > max {
            return total;
        }
    }
    total
}

/// What `v` costs without the values it holds (they are counted as the walk reaches them).
fn own_size(v: &Value) -> usize {
    match v {
        Value::None | Value::Bool(_) => 1,
        Value::Int(_) => 9,
        Value::BigInt(b) => 9 + b.to_signed_le_bytes().len(),
        Value::Float(_) => 9,
        Value::Str(s) => 10 + s.len(),
        Value::SurrogateStr(s) => 10 + s.as_bytes().len(),
        Value::Bytes(b) | Value::ByteArray(b) => 40 + b.len(),
        Value::Tuple(items) | Value::List(items) | Value::Set(items) | Value::FrozenSet(items) => {
            4 + items.len() / 500
        }
        Value::Dict(pairs) => 4 + pairs.len() / 500,
        Value::Global { module, name } => 4 + module.len() + name.len(),
        Value::Reduce(_) | Value::Object(_) => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pickle;

    #[test]
    fn the_estimate_bounds_the_encoding() {
        let v = Value::list([
            Value::from("x".repeat(1000)),
            Value::Int(1 << 40),
            Value::tuple([Value::None, Value::Float(1.5)]),
            Value::Bytes(vec![7; 300]),
        ]);
        let len = pickle::dumps(&v).len();
        assert!(!encoded_size_over(&v, len + 64));
        assert!(encoded_size_over(&v, 1000));
    }
}
