//! A request: `(ident, methodname, args, kwds)`, encoded by the client, decoded by the server.

use super::args::CallArgs;
use crate::pickle::{self, Limits, Value};

/// One request.
#[derive(Debug)]
pub(crate) struct Request {
    /// The object called; `None` for server-level functions (`create`, `decref`, ...).
    pub(crate) ident: Option<String>,
    pub(crate) method: String,
    pub(crate) args: CallArgs,
}

impl Request {
    /// A request calling `method` on `ident` (or on the server itself).
    #[cfg(test)]
    pub(crate) fn new(
        ident: Option<&str>,
        method: &str,
        args: Vec<Value>,
        kwargs: Vec<(Value, Value)>,
    ) -> Request {
        Request {
            ident: ident.map(str::to_owned),
            method: method.to_owned(),
            args: CallArgs {
                args,
                kwargs,
                caller: None,
            },
        }
    }

    /// The pickle a client sends.
    #[cfg(test)]
    pub(crate) fn encode(self) -> Vec<u8> {
        Request::encode_parts(
            self.ident.as_deref(),
            &self.method,
            &self.args.args,
            &self.args.kwargs,
        )
    }

    /// The pickle of a request from borrowed parts (what a client's call sends, with no
    /// `Request` built and no string copied).
    pub(crate) fn encode_parts(
        ident: Option<&str>,
        method: &str,
        args: &[Value],
        kwargs: &[(Value, Value)],
    ) -> Vec<u8> {
        pickle::dumps_request(ident, method, args, kwargs)
    }

    /// Reads a request as the server receives it; the error is the last line of the traceback
    /// the client gets back (`#TRACEBACK`).
    pub(crate) fn decode(bytes: &[u8], limits: &Limits) -> Result<Request, String> {
        let v = pickle::loads_with(bytes, limits)
            .map_err(|e| format!("_pickle.UnpicklingError: {e}"))?;
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
            args: CallArgs {
                args,
                kwargs,
                caller: None,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_round_trip() {
        let r = Request::new(Some("7f0"), "put", vec![Value::Int(1)], Vec::new());
        let back = Request::decode(&r.encode(), &Limits::default()).unwrap();
        assert_eq!(back.ident.as_deref(), Some("7f0"));
        assert_eq!(back.method, "put");
        assert_eq!(back.args.args, [Value::Int(1)]);
    }

    #[test]
    fn a_request_is_written_as_its_tuple() {
        let args = vec![Value::Int(1), Value::from("x"), Value::Tuple(vec![])];
        let kwargs = [
            (Value::from("block"), Value::Bool(true)),
            (Value::from("timeout"), Value::Float(0.5)),
        ];
        for ident in [None, Some("7f0")] {
            for kw in [&kwargs[..0], &kwargs[..1], &kwargs[..]] {
                let tuple = Value::tuple([
                    ident.map_or(Value::None, Value::from),
                    Value::from("put"),
                    Value::Tuple(args.clone()),
                    Value::Dict(kw.to_vec()),
                ]);
                assert_eq!(
                    Request::encode_parts(ident, "put", &args, kw),
                    pickle::dumps(&tuple)
                );
            }
        }
    }

    #[test]
    fn malformed_requests_are_refused_with_a_python_line() {
        let not_tuple = pickle::dumps(&Value::Int(3));
        let e = Request::decode(&not_tuple, &Limits::default()).unwrap_err();
        assert!(e.starts_with("ValueError"), "{e}");
    }
}
