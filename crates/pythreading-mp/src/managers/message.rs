//! Requests and replies as pickles: `(ident, methodname, args, kwds)` and `(kind, result)`.

use crate::pickle::{self, Value};

use super::objects::CallArgs;

/// Reply kinds.
pub(crate) const RETURN: &str = "#RETURN";
pub(crate) const ERROR: &str = "#ERROR";
pub(crate) const TRACEBACK: &str = "#TRACEBACK";
pub(crate) const PROXY: &str = "#PROXY";
pub(crate) const UNSERIALIZABLE: &str = "#UNSERIALIZABLE";

/// One decoded request.
#[derive(Debug)]
pub(crate) struct Request {
    /// `None` for server-level functions.
    pub(crate) ident: Option<String>,
    pub(crate) method: String,
    pub(crate) args: CallArgs,
}

/// Why a request could not be decoded (sent back as `#TRACEBACK`).
pub(crate) fn decode_request(bytes: &[u8]) -> Result<Request, String> {
    let v = pickle::loads(bytes).map_err(|e| format!("_pickle.UnpicklingError: {e}"))?;
    let Value::Tuple(mut parts) = v else {
        return Err(format!(
            "ValueError: not enough values to unpack (expected 4, got a {})",
            v.type_name()
        ));
    };
    if parts.len() != 4 {
        return Err(format!(
            "ValueError: expected a 4-tuple request, got {} items",
            parts.len()
        ));
    }
    let kwds = parts.pop().unwrap_or(Value::None);
    let args = parts.pop().unwrap_or(Value::None);
    let method = parts.pop().unwrap_or(Value::None);
    let ident = parts.pop().unwrap_or(Value::None);
    let ident = match ident {
        Value::None => None,
        Value::Str(s) => Some(s),
        other => {
            return Err(format!(
                "TypeError: bad ident of type {}",
                other.type_name()
            ));
        }
    };
    let Value::Str(method) = method else {
        return Err("TypeError: method name must be a str".into());
    };
    let args = match args {
        Value::Tuple(a) | Value::List(a) => a,
        other => {
            return Err(format!(
                "TypeError: argument after * must be an iterable, not {}",
                other.type_name()
            ));
        }
    };
    let kwargs = match kwds {
        Value::Dict(d) => d,
        other => {
            return Err(format!(
                "TypeError: argument after ** must be a mapping, not {}",
                other.type_name()
            ));
        }
    };
    if kwargs.iter().any(|(k, _)| k.as_str().is_none()) {
        return Err("TypeError: keywords must be strings".into());
    }
    Ok(Request {
        ident,
        method,
        args: CallArgs { args, kwargs },
    })
}

/// Encodes a request.
pub(crate) fn encode_request(
    ident: Option<&str>,
    method: &str,
    args: Vec<Value>,
    kwargs: Vec<(Value, Value)>,
) -> Vec<u8> {
    pickle::dumps(&Value::tuple([
        ident.map_or(Value::None, Value::from),
        Value::from(method),
        Value::Tuple(args),
        Value::Dict(kwargs),
    ]))
}

/// Encodes `(kind, result)`.
pub(crate) fn encode_reply(kind: &str, result: Value) -> Vec<u8> {
    pickle::dumps(&Value::tuple([Value::from(kind), result]))
}

/// A `#TRACEBACK` reply text in CPython's shape, ending with the exception line.
pub(crate) fn traceback(line: &str) -> Vec<u8> {
    encode_reply(
        TRACEBACK,
        Value::from(format!(
            "Traceback (most recent call last):\n  File \"<pythreading manager server>\"\n{line}\n"
        )),
    )
}
