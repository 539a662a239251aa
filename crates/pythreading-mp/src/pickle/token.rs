//! `multiprocessing.managers.Token`: how a manager names a shared object on the wire.

use std::fmt;

use super::shape::ShapeError;
use super::value::Value;

const MODULE: &str = "multiprocessing.managers";
const EXPECTED: &str = "multiprocessing.managers.Token";

/// Where a manager listens, as a `Token` carries it.
///
/// # Examples
///
/// ```
/// use pythreading_mp::pickle::{Address, Value};
///
/// let tcp = Address::Tcp { host: "127.0.0.1".into(), port: 5000 };
/// assert_eq!(tcp.to_value(), Value::tuple(["127.0.0.1".into(), 5000.into()]));
/// assert_eq!(tcp.to_string(), "('127.0.0.1', 5000)");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Address {
    /// `(host, port)`: TCP.
    Tcp {
        /// Host name or address, e.g. `"127.0.0.1"`.
        host: String,
        /// The port.
        port: u16,
    },
    /// A `str`: an `AF_UNIX` path (a leading NUL is a Linux abstract socket) or a Windows pipe name.
    Path(String),
}

impl Address {
    /// The Python form: `(host, port)` or a `str`.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::{Address, Value};
    ///
    /// assert_eq!(Address::Path("/tmp/s".into()).to_value(), Value::from("/tmp/s"));
    /// ```
    pub fn to_value(&self) -> Value {
        match self {
            Address::Tcp { host, port } => Value::tuple([host.as_str().into(), (*port).into()]),
            Address::Path(p) => p.as_str().into(),
        }
    }

    /// Reads `(host, port)` (tuple or list) or a `str`.
    ///
    /// # Errors
    ///
    /// [`ShapeError`] for anything else, or a port outside 0..=65535.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::{Address, Value};
    ///
    /// let v = Value::tuple(["localhost".into(), 80.into()]);
    /// assert_eq!(Address::from_value(&v)?, Address::Tcp { host: "localhost".into(), port: 80 });
    /// assert!(Address::from_value(&Value::Int(80)).is_err());
    /// # Ok::<(), pythreading_mp::pickle::ShapeError>(())
    /// ```
    pub fn from_value(v: &Value) -> Result<Address, ShapeError> {
        let err = || ShapeError::new("an address: (host, port) or str", v);
        match v {
            Value::Str(p) => Ok(Address::Path(p.clone())),
            Value::Tuple(items) | Value::List(items) => match items.as_slice() {
                [Value::Str(host), Value::Int(port)] => {
                    let port = u16::try_from(*port).map_err(|_| err())?;
                    Ok(Address::Tcp {
                        host: host.clone(),
                        port,
                    })
                }
                _ => Err(err()),
            },
            _ => Err(err()),
        }
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Tcp { host, port } => write!(f, "('{host}', {port})"),
            Address::Path(p) => write!(f, "'{p}'"),
        }
    }
}

/// `multiprocessing.managers.Token(typeid, address, id)`: a typed view of the pickled object.
///
/// CPython pickles a Token (a class with `__slots__` and `__getstate__`) as
/// `NEWOBJ(Token, ())` then `BUILD((typeid, address, id))`; [`Token::to_value`] produces exactly
/// that (byte-identical to CPython once pickled). [`Token::from_value`] also accepts the forms
/// older protocols produce (`copyreg.__newobj__`, `copyreg._reconstructor`).
///
/// # Examples
///
/// ```
/// use pythreading_mp::pickle::{self, Address, Token};
///
/// let token = Token {
///     typeid: "get_task_queue".into(),
///     address: Address::Tcp { host: "127.0.0.1".into(), port: 5000 },
///     id: "7f0000000001".into(),
/// };
/// let bytes = pickle::dumps(&token.to_value());
/// let back = Token::from_value(&pickle::loads(&bytes)?)?;
/// assert_eq!(back, token);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Token {
    /// The registered type name, e.g. `"get_task_queue"`, `"Queue"`, `"Iterator"`.
    pub typeid: String,
    /// The manager's address.
    pub address: Address,
    /// The object's ident on the server (`'%x' % id(obj)`), an opaque string.
    pub id: String,
}

impl Token {
    /// The value CPython would pickle for this token (`NEWOBJ` + `BUILD`).
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::{Address, Token, Value};
    ///
    /// let t = Token { typeid: "Queue".into(), address: Address::Path("/s".into()), id: "1".into() };
    /// let Value::Object(o) = t.to_value() else { panic!() };
    /// assert_eq!(o.class.as_global(), Some(("multiprocessing.managers", "Token")));
    /// ```
    pub fn to_value(&self) -> Value {
        Value::object(
            Value::global(MODULE, "Token"),
            Value::tuple([]),
            Some(Value::tuple([
                self.typeid.as_str().into(),
                self.address.to_value(),
                self.id.as_str().into(),
            ])),
        )
    }

    /// Reads a pickled `Token`.
    ///
    /// # Errors
    ///
    /// [`ShapeError`] if `v` is not an instance of `multiprocessing.managers.Token` whose state
    /// is `(str, address, str)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::{self, Token};
    ///
    /// // CPython 3.11: Token('Queue', '/tmp/pymp-abc/listener-xyz', '7f0000000001')
    /// let bytes = b"\x80\x04\x95`\0\0\0\0\0\0\0\x8c\x18multiprocessing.managers\x94\x8c\x05Token\x94\x93\x94)\x81\x94\x8c\x05Queue\x94\x8c\x1a/tmp/pymp-abc/listener-xyz\x94\x8c\x0c7f0000000001\x94\x87\x94b.";
    /// let token = Token::from_value(&pickle::loads(bytes)?)?;
    /// assert_eq!(token.typeid, "Queue");
    /// assert_eq!(token.id, "7f0000000001");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_value(v: &Value) -> Result<Token, ShapeError> {
        let err = || ShapeError::new(EXPECTED, v);
        if v.instance_class() != Some((MODULE, "Token")) {
            return Err(err());
        }
        match v.instance_state().and_then(Value::as_tuple) {
            Some([Value::Str(typeid), address, Value::Str(id)]) => Ok(Token {
                typeid: typeid.clone(),
                address: Address::from_value(address).map_err(|_| err())?,
                id: id.clone(),
            }),
            _ => Err(err()),
        }
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // CPython's Token.__repr__
        write!(
            f,
            "Token(typeid='{}', address={}, id='{}')",
            self.typeid, self.address, self.id
        )
    }
}

impl From<&Token> for Value {
    fn from(t: &Token) -> Value {
        t.to_value()
    }
}
