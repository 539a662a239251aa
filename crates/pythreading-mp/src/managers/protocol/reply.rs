//! A reply: `(kind, result)`, encoded by the server, decoded by the client.

use crate::pickle::{self, Limits, PickleError, PyException, Token, Value};

const RETURN: &str = "#RETURN";
const ERROR: &str = "#ERROR";
const TRACEBACK: &str = "#TRACEBACK";
const PROXY: &str = "#PROXY";
const UNSERIALIZABLE: &str = "#UNSERIALIZABLE";

/// One reply, by kind.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Reply {
    /// `('#RETURN', value)`.
    Return(Value),
    /// `('#ERROR', exception)`: the method raised.
    Error(PyException),
    /// `('#TRACEBACK', text)`: the server failed outside the method (CPython's `RemoteError`).
    Traceback(String),
    /// `('#PROXY', (exposed, token))`: the result stays on the server as a new object.
    Proxy {
        /// The methods the new object exposes.
        exposed: Vec<String>,
        /// Where the new object lives.
        token: Token,
    },
    /// `('#UNSERIALIZABLE', text)`: the server could not pickle its result.
    Unserializable(String),
}

/// Why a reply could not be read.
#[derive(Debug)]
pub(crate) enum ReplyError {
    /// Not a pickle.
    Pickle(PickleError),
    /// A pickle, but not a reply the protocol allows.
    Shape(String),
}

impl Reply {
    /// A `#TRACEBACK` reply in CPython's shape, ending with `line` (`Name: message`).
    pub(crate) fn traceback(line: &str) -> Reply {
        Reply::Traceback(traceback_text(line))
    }

    /// The value a server sends.
    pub(crate) fn into_value(self) -> Value {
        let (kind, result) = match self {
            Reply::Return(v) => (RETURN, v),
            Reply::Error(e) => (ERROR, e.to_value()),
            Reply::Traceback(t) => (TRACEBACK, Value::Str(t)),
            Reply::Proxy { exposed, token } => (
                PROXY,
                Value::tuple([
                    Value::Tuple(exposed.iter().map(|m| Value::from(m.as_str())).collect()),
                    token.to_value(),
                ]),
            ),
            Reply::Unserializable(t) => (UNSERIALIZABLE, Value::Str(t)),
        };
        Value::tuple([Value::from(kind), result])
    }

    /// The pickle a server sends.
    pub(crate) fn encode(self) -> Vec<u8> {
        match self {
            // The common reply, written without building its tuple.
            Reply::Return(v) => pickle::dumps_pair(RETURN, &v),
            other => pickle::dumps(&other.into_value()),
        }
    }

    /// `('#RETURN', value)` as a server sends it, handing `value` back (so a value taken from
    /// a queue can be returned to it if the reply cannot be delivered).
    pub(crate) fn encode_return(value: Value) -> (Vec<u8>, Value) {
        (pickle::dumps_pair(RETURN, &value), value)
    }

    /// Reads a reply as the client receives it.
    pub(crate) fn decode(bytes: &[u8], limits: &Limits) -> Result<Reply, ReplyError> {
        let v = pickle::loads_with(bytes, limits).map_err(ReplyError::Pickle)?;
        let shape = |m: &str| ReplyError::Shape(m.to_owned());
        let Value::Tuple(mut parts) = v else {
            return Err(shape("reply is not a 2-tuple"));
        };
        if parts.len() != 2 {
            return Err(shape("reply is not a 2-tuple"));
        }
        let result = parts.pop().unwrap_or(Value::None);
        let kind = parts.pop().unwrap_or(Value::None);
        let text = |v: &Value| v.as_str().unwrap_or("<non-str traceback>").to_owned();
        match kind.as_str() {
            Some(RETURN) => Ok(Reply::Return(result)),
            Some(ERROR) => PyException::from_value(&result)
                .map(Reply::Error)
                .map_err(|_| shape("#ERROR without an exception")),
            Some(TRACEBACK) => Ok(Reply::Traceback(text(&result))),
            Some(UNSERIALIZABLE) => Ok(Reply::Unserializable(text(&result))),
            Some(PROXY) => match result.as_tuple() {
                Some([exposed, token]) => Ok(Reply::Proxy {
                    exposed: exposed
                        .as_tuple()
                        .or_else(|| exposed.as_list())
                        .unwrap_or(&[])
                        .iter()
                        .filter_map(|m| m.as_str().map(str::to_owned))
                        .collect(),
                    token: Token::from_value(token).map_err(|_| shape("#PROXY without a Token"))?,
                }),
                _ => Err(shape("#PROXY without (exposed, Token)")),
            },
            _ => Err(ReplyError::Shape(format!(
                "unrecognized message type {}",
                super::python::repr(&kind)
            ))),
        }
    }
}

/// A traceback text in CPython's shape, ending with the exception line.
pub(crate) fn traceback_text(line: &str) -> String {
    format!("Traceback (most recent call last):\n  File \"<pythreading manager server>\"\n{line}\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pickle::Address;

    #[test]
    fn replies_round_trip() {
        let token = Token {
            typeid: "Iterator".into(),
            address: Address::Tcp {
                host: "127.0.0.1".into(),
                port: 5000,
            },
            id: "7f00".into(),
        };
        for r in [
            Reply::Return(Value::Int(7)),
            Reply::Error(PyException::queue_empty()),
            Reply::traceback("KeyError: 'x'"),
            Reply::Unserializable("tb".into()),
            Reply::Proxy {
                exposed: vec!["__next__".into()],
                token,
            },
        ] {
            let back = Reply::decode(&r.clone().encode(), &Limits::default()).unwrap();
            assert_eq!(back, r);
        }
    }

    #[test]
    fn a_return_keeps_its_value() {
        let v = Value::from("item");
        let (bytes, back) = Reply::encode_return(v.clone());
        assert_eq!(back, v);
        assert_eq!(bytes, Reply::Return(v).encode());
    }

    #[test]
    fn a_return_is_written_as_its_tuple() {
        for v in [
            Value::None,
            Value::Int(70_000),
            Value::from("x".repeat(70_000)),
            Value::List(vec![Value::from("a"); 3]),
        ] {
            let tuple = Value::tuple([Value::from(RETURN), v.clone()]);
            assert_eq!(Reply::Return(v).encode(), pickle::dumps(&tuple));
        }
    }

    #[test]
    fn a_return_encodes_as_cpython_does() {
        let wire = Reply::Return(Value::None).encode();
        assert_eq!(
            pickle::loads(&wire).unwrap(),
            Value::tuple([Value::from("#RETURN"), Value::None])
        );
    }
}
