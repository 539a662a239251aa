//! Every value inside a pickle [`Value`], one at a time: the one walk the size estimate and the
//! plain-data check share.

use crate::pickle::Value;

/// The values in `v`: `v` itself, then everything it holds, depth first (the last child of a
/// container comes first).
///
/// The walk keeps its own stack instead of recursing, so a value nested as deep as a peer
/// could send it cannot overflow the thread's stack.
pub(crate) fn walk(v: &Value) -> Walk<'_> {
    Walk { stack: vec![v] }
}

/// The iterator [`walk`] returns.
pub(crate) struct Walk<'a> {
    stack: Vec<&'a Value>,
}

impl<'a> Iterator for Walk<'a> {
    type Item = &'a Value;

    fn next(&mut self) -> Option<&'a Value> {
        let v = self.stack.pop()?;
        let stack = &mut self.stack;
        match v {
            Value::Tuple(items)
            | Value::List(items)
            | Value::Set(items)
            | Value::FrozenSet(items) => {
                stack.extend(items);
            }
            Value::Dict(pairs) => {
                for (k, v) in pairs {
                    stack.push(k);
                    stack.push(v);
                }
            }
            Value::Reduce(r) => {
                stack.push(&r.callable);
                stack.push(&r.args);
                stack.extend(&r.state);
                stack.extend(&r.list_items);
                for (k, v) in &r.dict_items {
                    stack.push(k);
                    stack.push(v);
                }
            }
            Value::Object(o) => {
                stack.push(&o.class);
                stack.push(&o.args);
                stack.extend(&o.kwargs);
                stack.extend(&o.state);
                stack.extend(&o.list_items);
                for (k, v) in &o.dict_items {
                    stack.push(k);
                    stack.push(v);
                }
            }
            Value::None
            | Value::Bool(_)
            | Value::Int(_)
            | Value::BigInt(_)
            | Value::Float(_)
            | Value::Str(_)
            | Value::SurrogateStr(_)
            | Value::Bytes(_)
            | Value::ByteArray(_)
            | Value::Global { .. } => {}
        }
        Some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visits_every_value_once_last_child_first() {
        let v = Value::list([
            Value::Int(1),
            Value::dict([(Value::from("k"), Value::Int(2))]),
            Value::reduce(Value::global("m", "f"), Value::tuple([Value::Int(3)])),
        ]);
        let seen: Vec<String> = walk(&v)
            .filter_map(|v| match v {
                Value::Int(i) => Some(i.to_string()),
                Value::Str(s) => Some(s.clone()),
                Value::Global { module, name } => Some(format!("{module}.{name}")),
                _ => None,
            })
            .collect();
        assert_eq!(seen, ["3", "m.f", "2", "k", "1"]);
        assert_eq!(walk(&v).count(), 9);
    }

    #[test]
    fn a_deep_value_does_not_overflow_the_stack() {
        let mut v = Value::None;
        for _ in 0..200_000 {
            v = Value::List(vec![v]);
        }
        assert_eq!(walk(&v).count(), 200_001);
        // Dropping a value this deep recurses; unwind it by hand.
        while let Value::List(mut items) = v {
            v = items.pop().unwrap_or(Value::None);
        }
    }
}
