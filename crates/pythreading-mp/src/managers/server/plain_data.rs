//! Plain-data mode: refuse values that name a global outside the protocol's own.
//!
//! The server never runs a pickle: a `REDUCE` of `os.system` stays an inert value here. But it
//! hands that value unchanged to the next consumer, and a CPython consumer runs it when it
//! unpickles. In plain-data mode ([`ServerConfig::with_plain_data`](super::ServerConfig)) such
//! values are refused where they come in.

use crate::managers::protocol::{type_error, walk};
use crate::pickle::{PyException, Value};

/// The globals a plain value may name: the few types older protocols spell as constructor
/// calls, `slice` (list indexing) and the exception and token classes the protocol itself
/// carries. None of them runs anything a client chooses.
const ALLOWED: &[(&str, &str)] = &[
    ("builtins", "bytearray"),
    ("builtins", "set"),
    ("builtins", "frozenset"),
    ("builtins", "complex"),
    ("builtins", "slice"),
    // `array.array(typecode, bytes)`: how `managers` pickles the arrays an `Array` proxy sends.
    ("array", "array"),
    ("builtins", "object"),
    ("_codecs", "encode"),
    ("copyreg", "_reconstructor"),
    ("collections", "OrderedDict"),
    ("datetime", "datetime"),
    ("datetime", "date"),
    ("datetime", "time"),
    ("datetime", "timedelta"),
    ("decimal", "Decimal"),
    ("multiprocessing.managers", "Token"),
    ("_queue", "Empty"),
    ("queue", "Empty"),
    ("queue", "Full"),
];

/// Whether `module.name` may appear in a plain value: the allow-list and the built-in
/// exception classes (constructing an exception runs no client code).
fn allowed(module: &str, name: &str) -> bool {
    ALLOWED.contains(&(module, name))
        || (module == "builtins"
            && (name.ends_with("Error") || name.ends_with("Exception") || name == "StopIteration"))
}

/// `TypeError` naming the first global in `v` outside the allow-list.
pub(crate) fn check(v: &Value) -> Result<(), PyException> {
    for v in walk(v) {
        if let Value::Global { module, name } = v
            && !allowed(module, name)
        {
            return Err(type_error(format!(
                "this server accepts plain data only: the value references the global \
                 {module}.{name}, which a Python consumer would call when unpickling it"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_hostile_globals_anywhere_and_keeps_plain_values() {
        let evil = Value::reduce(
            Value::global("os", "system"),
            Value::tuple([Value::from("echo pwned")]),
        );
        let nested = Value::dict([(
            Value::from("job"),
            Value::list([Value::Int(1), evil.clone()]),
        )]);
        for v in [&evil, &nested] {
            let e = check(v).unwrap_err();
            assert!(e.message().unwrap().contains("os.system"), "{e}");
        }
        let plain = Value::tuple([
            Value::from("x"),
            Value::ByteArray(vec![1]),
            Value::reduce(Value::global("builtins", "KeyError"), Value::tuple([])),
        ]);
        check(&plain).unwrap();
    }
}
