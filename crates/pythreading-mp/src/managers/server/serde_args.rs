//! A call's Python arguments as a Rust value: what a registered type's constructor and methods
//! receive ([`ServedType`](super::ServedType)).
//!
//! Python passes positional and keyword arguments; a Rust function takes one `Deserialize`
//! value. The binding, tried in this order:
//!
//! * keyword arguments given: the value must be a struct; positional arguments fill its fields
//!   in declaration order, keywords fill them by name (Python's rules: an unknown or repeated
//!   name is a `TypeError`), and `#[serde(default)]` fields may be left out;
//! * positional arguments only: the tuple of them (`(i64, String)`, or a struct read field by
//!   field), else for no arguments `()`/`None`, else for one argument that argument alone
//!   (`i64`, `Vec<T>`, ...).
//!
//! What does not fit is the caller's `TypeError`, as a Python function's bad arguments are.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeOwned, Visitor};

use crate::managers::protocol::{CallArgs, type_error};
use crate::pickle::{self, PyException, Value};

/// Binds `args` to `A`; `qualname` names the function in the `TypeError`.
pub(crate) fn bind<A: DeserializeOwned>(qualname: &str, args: CallArgs) -> Result<A, PyException> {
    let CallArgs { args, kwargs, .. } = args;
    if !kwargs.is_empty() {
        return bind_keywords(qualname, args, kwargs);
    }
    // serde reads the items a tuple or struct wants and ignores the rest: count them first,
    // so that a surplus argument is Python's TypeError rather than silently dropped.
    let takes = match shape::<A>() {
        Some(Shape::Tuple(n)) => Some(n),
        Some(Shape::Struct(fields)) => Some(fields.len()),
        None => None,
    };
    if let Some(n) = takes
        && args.len() > n
    {
        return Err(too_many(qualname, n, args.len()));
    }
    let whole = pickle::from_value::<A>(&Value::Tuple(args.clone()));
    let first_error = match whole {
        Ok(a) => return Ok(a),
        Err(e) => e,
    };
    let alone = match args.as_slice() {
        [] => pickle::from_value::<A>(&Value::None).ok(),
        [one] => pickle::from_value::<A>(one).ok(),
        _ => None,
    };
    alone.ok_or_else(|| type_error(format!("{qualname}(): bad arguments: {first_error}")))
}

fn bind_keywords<A: DeserializeOwned>(
    qualname: &str,
    args: Vec<Value>,
    kwargs: Vec<(Value, Value)>,
) -> Result<A, PyException> {
    let Some(Shape::Struct(fields)) = shape::<A>() else {
        return Err(type_error(format!(
            "{qualname}() takes no keyword arguments"
        )));
    };
    if args.len() > fields.len() {
        return Err(too_many(qualname, fields.len(), args.len()));
    }
    let mut bound: Vec<(Value, Value)> = fields
        .iter()
        .zip(args)
        .map(|(name, v)| (Value::from(*name), v))
        .collect();
    for (k, v) in kwargs {
        let name = k.as_str().unwrap_or("");
        if !fields.contains(&name) {
            return Err(type_error(format!(
                "{qualname}() got an unexpected keyword argument '{name}'"
            )));
        }
        if bound.iter().any(|(b, _)| b.as_str() == Some(name)) {
            return Err(type_error(format!(
                "{qualname}() got multiple values for argument '{name}'"
            )));
        }
        bound.push((k, v));
    }
    pickle::from_value::<A>(&Value::Dict(bound))
        .map_err(|e| type_error(format!("{qualname}(): bad arguments: {e}")))
}

fn too_many(qualname: &str, takes: usize, given: usize) -> PyException {
    type_error(format!(
        "{qualname}() takes {takes} positional arguments but {given} were given"
    ))
}

/// What `A` reads its arguments as, if it says.
#[derive(Clone, Copy, Debug)]
enum Shape {
    /// A tuple of this many items.
    Tuple(usize),
    /// A struct with these fields, in order.
    Struct(&'static [&'static str]),
}

/// Asked of `A` itself: a deserializer that only records what `deserialize_tuple` or
/// `deserialize_struct` is told, then stops.
fn shape<A: DeserializeOwned>() -> Option<Shape> {
    let seen = Cell::new(None);
    let _ = A::deserialize(FieldProbe(&seen));
    seen.get()
}

struct FieldProbe<'a>(&'a Cell<Option<Shape>>);

#[derive(Debug)]
struct ProbeDone;

impl fmt::Display for ProbeDone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("probe done")
    }
}

impl std::error::Error for ProbeDone {}

impl de::Error for ProbeDone {
    fn custom<T: fmt::Display>(_msg: T) -> Self {
        ProbeDone
    }
}

impl<'de> de::Deserializer<'de> for FieldProbe<'_> {
    type Error = ProbeDone;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, ProbeDone> {
        Err(ProbeDone)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, ProbeDone> {
        self.0.set(Some(Shape::Struct(fields)));
        Err(ProbeDone)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        _visitor: V,
    ) -> Result<V::Value, ProbeDone> {
        self.0.set(Some(Shape::Tuple(len)));
        Err(ProbeDone)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq
        tuple_struct map enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    fn call(args: Vec<Value>, kwargs: Vec<(&str, Value)>) -> CallArgs {
        CallArgs {
            args,
            kwargs: kwargs
                .into_iter()
                .map(|(k, v)| (Value::from(k), v))
                .collect(),
            caller: None,
        }
    }

    #[derive(Deserialize, Debug, PartialEq)]
    struct Put {
        key: String,
        #[serde(default)]
        ttl: i64,
    }

    #[test]
    fn positional_arguments_bind_as_a_tuple_or_alone() {
        let t: (i64, String) = bind("f", call(vec![1.into(), "a".into()], vec![])).unwrap();
        assert_eq!(t, (1, "a".to_owned()));
        let one: i64 = bind("f", call(vec![7.into()], vec![])).unwrap();
        assert_eq!(one, 7);
        let () = bind("f", call(vec![], vec![])).unwrap();
        let list: Vec<i64> = bind("f", call(vec![Value::list([1.into()])], vec![])).unwrap();
        assert_eq!(list, [1]);
        let opt: Option<i64> = bind("f", call(vec![], vec![])).unwrap();
        assert_eq!(opt, None);
    }

    #[test]
    fn keywords_bind_struct_fields_by_name_as_python_does() {
        let p: Put = bind("put", call(vec!["k".into()], vec![("ttl", 5.into())])).unwrap();
        assert_eq!(
            p,
            Put {
                key: "k".into(),
                ttl: 5
            }
        );
        let p: Put = bind("put", call(vec![], vec![("key", "k".into())])).unwrap();
        assert_eq!(p.ttl, 0, "a defaulted field may be left out");
        let p: Put = bind("put", call(vec!["k".into(), 2.into()], vec![])).unwrap();
        assert_eq!(p.ttl, 2, "positional arguments fill fields in order");
        let p: Put = bind("put", call(vec!["k".into()], vec![])).unwrap();
        assert_eq!(
            p.ttl, 0,
            "a defaulted field may be left out positionally too"
        );
        let e = bind::<Put>("put", call(vec![], vec![("nope", 1.into())])).unwrap_err();
        assert_eq!(
            e.message(),
            Some("put() got an unexpected keyword argument 'nope'")
        );
        let e = bind::<Put>("put", call(vec!["k".into()], vec![("key", "k".into())])).unwrap_err();
        assert_eq!(
            e.message(),
            Some("put() got multiple values for argument 'key'")
        );
        let e = bind::<i64>("f", call(vec![], vec![("x", 1.into())])).unwrap_err();
        assert!(e.is_builtin("TypeError"));
    }

    #[test]
    fn arguments_that_do_not_fit_are_a_type_error() {
        let e = bind::<(i64,)>("inc", call(vec!["x".into()], vec![])).unwrap_err();
        assert!(e.is_builtin("TypeError"), "{e}");
        assert!(
            e.message().unwrap().starts_with("inc(): bad arguments"),
            "{e}"
        );
        let e = bind::<i64>("inc", call(vec![1.into(), 2.into()], vec![])).unwrap_err();
        assert!(e.is_builtin("TypeError"), "{e}");
        // A surplus argument is refused, not dropped.
        let e = bind::<(i64,)>("inc", call(vec![1.into(), 2.into()], vec![])).unwrap_err();
        assert_eq!(
            e.message(),
            Some("inc() takes 1 positional arguments but 2 were given")
        );
        let e = bind::<Put>("put", call(vec!["k".into(), 1.into(), 2.into()], vec![])).unwrap_err();
        assert_eq!(
            e.message(),
            Some("put() takes 2 positional arguments but 3 were given")
        );
    }
}
