//! Binding a call's positional and keyword arguments to a method's parameters, as Python does.

use crate::pickle::Value;

use super::super::pyvalue::type_error;

/// The arguments of one method call.
#[derive(Debug, Default)]
pub(crate) struct CallArgs {
    pub(crate) args: Vec<Value>,
    pub(crate) kwargs: Vec<(Value, Value)>,
}

impl CallArgs {
    /// Binds to `params` (in order); `required` of them must be given. Returns one slot per
    /// parameter, or Python's TypeError.
    pub(crate) fn bind(
        self,
        qualname: &str,
        params: &[&str],
        required: usize,
    ) -> Result<Vec<Option<Value>>, Value> {
        if self.args.len() > params.len() {
            return Err(type_error(format!(
                "{qualname}() takes {} positional arguments but {} were given",
                params.len() + 1,
                self.args.len() + 1
            )));
        }
        let mut slots: Vec<Option<Value>> = self.args.into_iter().map(Some).collect();
        slots.resize(params.len(), None);
        for (k, v) in self.kwargs {
            let name = k.as_str().unwrap_or("");
            match params.iter().position(|p| *p == name) {
                Some(i) if slots[i].is_none() => slots[i] = Some(v),
                Some(_) => {
                    return Err(type_error(format!(
                        "{qualname}() got multiple values for argument '{name}'"
                    )));
                }
                None => {
                    return Err(type_error(format!(
                        "{qualname}() got an unexpected keyword argument '{name}'"
                    )));
                }
            }
        }
        if let Some(missing) = slots[..required.min(params.len())]
            .iter()
            .position(Option::is_none)
        {
            return Err(type_error(format!(
                "{qualname}() missing 1 required positional argument: '{}'",
                params[missing]
            )));
        }
        Ok(slots)
    }

    /// For methods without parameters.
    pub(crate) fn none(self, qualname: &str) -> Result<(), Value> {
        self.bind(qualname, &[], 0).map(|_| ())
    }
}
