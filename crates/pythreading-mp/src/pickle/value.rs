//! The value model: what a pickle means, as plain inert data.

use super::bigint::BigInt;
use super::pystr::{SurrogateStr, is_surrogatepass_utf8, push_code_point};

/// A Python value as a pickle describes it.
///
/// Scalars and containers map one to one. Anything that CPython would build by calling code
/// (`REDUCE`, `NEWOBJ`, `BUILD`, class references) stays an inert description:
/// [`Value::Global`], [`Value::Reduce`], [`Value::Object`]. Nothing is ever imported or run.
///
/// | Python | `Value` | written as (protocol 4) |
/// |---|---|---|
/// | `None` | [`None`](Value::None) | `NONE` |
/// | `bool` | [`Bool`](Value::Bool) | `NEWTRUE`/`NEWFALSE` |
/// | `int` in `i64` | [`Int`](Value::Int) | `BININT1`/`BININT2`/`BININT`/`LONG1` |
/// | other `int` | [`BigInt`](Value::BigInt) | `LONG1`/`LONG4` |
/// | `float` | [`Float`](Value::Float) | `BINFLOAT` |
/// | `str` | [`Str`](Value::Str), or [`SurrogateStr`](Value::SurrogateStr) with lone surrogates | `SHORT_BINUNICODE`/`BINUNICODE`/`BINUNICODE8` |
/// | `bytes` | [`Bytes`](Value::Bytes) | `SHORT_BINBYTES`/`BINBYTES`/`BINBYTES8` |
/// | `bytearray` | [`ByteArray`](Value::ByteArray) | `REDUCE(builtins.bytearray, (bytes,))` |
/// | `tuple`, `list` | [`Tuple`](Value::Tuple), [`List`](Value::List) | `TUPLEn`/`TUPLE`, `EMPTY_LIST`+`APPENDS` |
/// | `dict` | [`Dict`](Value::Dict) (ordered pairs) | `EMPTY_DICT`+`SETITEMS` |
/// | `set`, `frozenset` | [`Set`](Value::Set), [`FrozenSet`](Value::FrozenSet) | `EMPTY_SET`+`ADDITEMS`, `FROZENSET` |
/// | a class or function | [`Global`](Value::Global) | `STACK_GLOBAL` |
/// | `callable(*args)` (exceptions, `complex`, ...) | [`Reduce`](Value::Reduce) | `REDUCE` (+`BUILD`) |
/// | `cls.__new__(cls, *args)` (e.g. `Token`) | [`Object`](Value::Object) | `NEWOBJ`/`NEWOBJ_EX` (+`BUILD`) |
///
/// Dicts, sets and frozensets keep the order of the pickle and do not deduplicate: `Value` is
/// not `Hash` (floats), so keys are kept as pairs. Shared references in a pickle (`BINGET`)
/// become copies.
///
/// Equality is structural. Floats are equal when `==` says so or when their bits are identical,
/// so a NaN equals itself: a `Value` is data, and a round trip must compare equal.
///
/// # Examples
///
/// ```
/// use pythreading_mp::pickle::{self, Value};
///
/// let request = Value::tuple([
///     Value::None,
///     Value::from("create"),
///     Value::tuple([Value::from("get_task_queue")]),
///     Value::dict([]),
/// ]);
/// let bytes = pickle::dumps(&request);
/// assert_eq!(pickle::loads(&bytes).unwrap(), request);
/// ```
#[derive(Clone, Debug)]
pub enum Value {
    /// `None`.
    None,
    /// `True` / `False`.
    Bool(bool),
    /// An `int` that fits in an `i64`.
    Int(i64),
    /// An `int` outside the `i64` range.
    BigInt(BigInt),
    /// A `float`.
    Float(f64),
    /// A `str` that is valid Unicode.
    Str(String),
    /// A `str` containing lone surrogates (see [`SurrogateStr`]).
    SurrogateStr(SurrogateStr),
    /// `bytes`.
    Bytes(Vec<u8>),
    /// `bytearray`.
    ByteArray(Vec<u8>),
    /// `tuple`.
    Tuple(Vec<Value>),
    /// `list`.
    List(Vec<Value>),
    /// `dict`, as (key, value) pairs in insertion order.
    Dict(Vec<(Value, Value)>),
    /// `set`, in pickle order.
    Set(Vec<Value>),
    /// `frozenset`, in pickle order.
    FrozenSet(Vec<Value>),
    /// A reference to a module-level name (a class or function): `module.name`.
    Global {
        /// The module, e.g. `"multiprocessing.managers"`.
        module: String,
        /// The qualified name in the module, e.g. `"Token"`.
        name: String,
    },
    /// `callable(*args)`, then optionally items appended and state set (`REDUCE`).
    Reduce(Box<Reduce>),
    /// `class.__new__(class, *args, **kwargs)`, then optionally state set (`NEWOBJ`/`NEWOBJ_EX`).
    Object(Box<Object>),
}

/// The parts of a [`Value::Reduce`]: what `__reduce__` returned, as `pickle` writes it.
///
/// # Examples
///
/// ```
/// use pythreading_mp::pickle::{Reduce, Value};
///
/// // complex(1.0, 2.0)
/// let c = Value::reduce(Value::global("builtins", "complex"), Value::tuple([1.0.into(), 2.0.into()]));
/// let Value::Reduce(r) = &c else { panic!() };
/// assert_eq!(r.callable.as_global(), Some(("builtins", "complex")));
/// assert_eq!(r.state, None);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Reduce {
    /// What is called (normally a [`Value::Global`]).
    pub callable: Value,
    /// The argument tuple (normally a [`Value::Tuple`]).
    pub args: Value,
    /// The `BUILD` state (`__setstate__` argument or `__dict__` update), if any.
    pub state: Option<Value>,
    /// Items added with `APPEND`/`APPENDS` after construction (list subclasses, `deque`).
    pub list_items: Vec<Value>,
    /// Items added with `SETITEM`/`SETITEMS` after construction (dict subclasses, `defaultdict`).
    pub dict_items: Vec<(Value, Value)>,
}

/// The parts of a [`Value::Object`]: `class.__new__(class, *args, **kwargs)` plus state.
///
/// # Examples
///
/// ```
/// use pythreading_mp::pickle::{Object, Value};
///
/// let token = Value::object(
///     Value::global("multiprocessing.managers", "Token"),
///     Value::tuple([]),
///     Some(Value::tuple(["Queue".into(), "/tmp/sock".into(), "7f01".into()])),
/// );
/// let Value::Object(o) = &token else { panic!() };
/// assert_eq!(o.class.as_global(), Some(("multiprocessing.managers", "Token")));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Object {
    /// The class (normally a [`Value::Global`]).
    pub class: Value,
    /// The positional arguments of `__new__` (normally a [`Value::Tuple`]).
    pub args: Value,
    /// Keyword arguments of `__new__` (`NEWOBJ_EX` only).
    pub kwargs: Option<Value>,
    /// The `BUILD` state, if any.
    pub state: Option<Value>,
    /// Items added with `APPEND`/`APPENDS`.
    pub list_items: Vec<Value>,
    /// Items added with `SETITEM`/`SETITEMS`.
    pub dict_items: Vec<(Value, Value)>,
}

impl Value {
    /// A tuple.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::Value;
    ///
    /// assert_eq!(Value::tuple([1.into(), 2.into()]), Value::Tuple(vec![Value::Int(1), Value::Int(2)]));
    /// ```
    pub fn tuple(items: impl IntoIterator<Item = Value>) -> Value {
        Value::Tuple(items.into_iter().collect())
    }

    /// A list.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::Value;
    ///
    /// assert_eq!(Value::list([Value::None]), Value::List(vec![Value::None]));
    /// ```
    pub fn list(items: impl IntoIterator<Item = Value>) -> Value {
        Value::List(items.into_iter().collect())
    }

    /// A dict from (key, value) pairs, in order.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::Value;
    ///
    /// let d = Value::dict([("timeout".into(), 1.into())]);
    /// assert_eq!(d.dict_get("timeout"), Some(&Value::Int(1)));
    /// ```
    pub fn dict(pairs: impl IntoIterator<Item = (Value, Value)>) -> Value {
        Value::Dict(pairs.into_iter().collect())
    }

    /// A reference to `module.name`.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::Value;
    ///
    /// assert_eq!(Value::global("_queue", "Empty").as_global(), Some(("_queue", "Empty")));
    /// ```
    pub fn global(module: impl Into<String>, name: impl Into<String>) -> Value {
        Value::Global {
            module: module.into(),
            name: name.into(),
        }
    }

    /// `callable(*args)` with no state.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::Value;
    ///
    /// let empty = Value::reduce(Value::global("_queue", "Empty"), Value::tuple([]));
    /// assert!(matches!(empty, Value::Reduce(_)));
    /// ```
    pub fn reduce(callable: Value, args: Value) -> Value {
        Value::Reduce(Box::new(Reduce {
            callable,
            args,
            state: None,
            list_items: Vec::new(),
            dict_items: Vec::new(),
        }))
    }

    /// `class.__new__(class, *args)`, then `BUILD` with `state` if given.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::Value;
    ///
    /// let o = Value::object(Value::global("m", "C"), Value::tuple([]), None);
    /// assert!(matches!(o, Value::Object(_)));
    /// ```
    pub fn object(class: Value, args: Value, state: Option<Value>) -> Value {
        Value::Object(Box::new(Object {
            class,
            args,
            kwargs: None,
            state,
            list_items: Vec::new(),
            dict_items: Vec::new(),
        }))
    }

    /// A `str` from `surrogatepass` UTF-8 bytes: [`Value::Str`] when they are valid UTF-8,
    /// [`Value::SurrogateStr`] when they hold surrogates, `None` when they are malformed.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::Value;
    ///
    /// assert_eq!(Value::from_surrogatepass_utf8(b"hi".to_vec()), Some(Value::from("hi")));
    /// assert!(matches!(Value::from_surrogatepass_utf8(vec![0xed, 0xa0, 0x80]), Some(Value::SurrogateStr(_))));
    /// assert_eq!(Value::from_surrogatepass_utf8(vec![0xc0, 0x80]), None);
    /// ```
    pub fn from_surrogatepass_utf8(bytes: Vec<u8>) -> Option<Value> {
        match String::from_utf8(bytes) {
            Ok(s) => Some(Value::Str(s)),
            Err(e) => {
                let bytes = e.into_bytes();
                if is_surrogatepass_utf8(&bytes) {
                    SurrogateStr::from_surrogatepass_utf8(bytes)
                        .ok()
                        .map(Value::SurrogateStr)
                } else {
                    None
                }
            }
        }
    }

    /// A `str` from Python code points (`''.join(map(chr, points))`), or `None` if one is
    /// above U+10FFFF.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::Value;
    ///
    /// assert_eq!(Value::from_code_points(&[0x68, 0x69]), Some(Value::from("hi")));
    /// assert!(matches!(Value::from_code_points(&[0xdc00]), Some(Value::SurrogateStr(_))));
    /// assert_eq!(Value::from_code_points(&[0x110000]), None);
    /// ```
    pub fn from_code_points(points: &[u32]) -> Option<Value> {
        let mut bytes = Vec::with_capacity(points.len());
        for &c in points {
            if c > 0x10ffff {
                return None;
            }
            push_code_point(&mut bytes, c);
        }
        Value::from_surrogatepass_utf8(bytes)
    }

    /// Whether this is `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::Value;
    ///
    /// assert!(Value::None.is_none());
    /// assert!(!Value::Int(0).is_none());
    /// ```
    pub fn is_none(&self) -> bool {
        matches!(self, Value::None)
    }

    /// The bool, if this is a `bool`.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::Value;
    ///
    /// assert_eq!(Value::Bool(true).as_bool(), Some(true));
    /// ```
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The integer, if this is an `int` that fits in an `i64` (`bool` excluded).
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::Value;
    ///
    /// assert_eq!(Value::Int(7).as_int(), Some(7));
    /// assert_eq!(Value::Bool(true).as_int(), None);
    /// ```
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The float, if this is a `float`.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::Value;
    ///
    /// assert_eq!(Value::Float(0.5).as_float(), Some(0.5));
    /// ```
    pub fn as_float(&self) -> Option<f64> {
        match self {
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// The text, if this is a `str` without lone surrogates.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::Value;
    ///
    /// assert_eq!(Value::from("get").as_str(), Some("get"));
    /// ```
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The bytes, if this is `bytes` or `bytearray`.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::Value;
    ///
    /// assert_eq!(Value::Bytes(vec![1]).as_bytes(), Some(&[1u8][..]));
    /// assert_eq!(Value::ByteArray(vec![2]).as_bytes(), Some(&[2u8][..]));
    /// ```
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Bytes(b) | Value::ByteArray(b) => Some(b),
            _ => None,
        }
    }

    /// The items, if this is a `tuple`.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::Value;
    ///
    /// assert_eq!(Value::tuple([Value::None]).as_tuple(), Some(&[Value::None][..]));
    /// assert_eq!(Value::list([]).as_tuple(), None);
    /// ```
    pub fn as_tuple(&self) -> Option<&[Value]> {
        match self {
            Value::Tuple(t) => Some(t),
            _ => None,
        }
    }

    /// The items, if this is a `list`.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::Value;
    ///
    /// assert_eq!(Value::list([1.into()]).as_list(), Some(&[Value::Int(1)][..]));
    /// ```
    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    /// The pairs, if this is a `dict`.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::Value;
    ///
    /// assert_eq!(Value::dict([]).as_dict().map(<[_]>::len), Some(0));
    /// ```
    pub fn as_dict(&self) -> Option<&[(Value, Value)]> {
        match self {
            Value::Dict(d) => Some(d),
            _ => None,
        }
    }

    /// Looks up a `str` key in a `dict` (the last matching pair wins, as in Python).
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::Value;
    ///
    /// let kw = Value::dict([("timeout".into(), 1.5.into())]);
    /// assert_eq!(kw.dict_get("timeout"), Some(&Value::Float(1.5)));
    /// assert_eq!(kw.dict_get("block"), None);
    /// ```
    pub fn dict_get(&self, key: &str) -> Option<&Value> {
        self.as_dict()?
            .iter()
            .rev()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }

    /// `(module, name)`, if this is a global reference.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::Value;
    ///
    /// assert_eq!(Value::global("builtins", "KeyError").as_global(), Some(("builtins", "KeyError")));
    /// ```
    pub fn as_global(&self) -> Option<(&str, &str)> {
        match self {
            Value::Global { module, name } => Some((module, name)),
            _ => None,
        }
    }

    /// The class `(module, name)` of an object built by `cls.__new__(cls, ...)`: a
    /// [`Value::Object`] (`NEWOBJ`/`NEWOBJ_EX`) or the equivalent [`Value::Reduce`] forms
    /// `copyreg.__newobj__(cls, ...)` and `copyreg._reconstructor(cls, base, state)` (protocols 0-1).
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::Value;
    ///
    /// let o = Value::object(Value::global("m", "C"), Value::tuple([]), None);
    /// assert_eq!(o.instance_class(), Some(("m", "C")));
    /// let r = Value::reduce(
    ///     Value::global("copyreg", "__newobj__"),
    ///     Value::tuple([Value::global("m", "C")]),
    /// );
    /// assert_eq!(r.instance_class(), Some(("m", "C")));
    /// assert_eq!(Value::Int(1).instance_class(), None);
    /// ```
    pub fn instance_class(&self) -> Option<(&str, &str)> {
        match self {
            Value::Object(o) => o.class.as_global(),
            Value::Reduce(r) => match r.callable.as_global()? {
                ("copyreg", "__newobj__" | "_reconstructor" | "__newobj_ex__") => {
                    r.args.as_tuple()?.first()?.as_global()
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// The `BUILD` state of a [`Value::Object`] or [`Value::Reduce`], if any.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::Value;
    ///
    /// let o = Value::object(Value::global("m", "C"), Value::tuple([]), Some(Value::Int(1)));
    /// assert_eq!(o.instance_state(), Some(&Value::Int(1)));
    /// ```
    pub fn instance_state(&self) -> Option<&Value> {
        match self {
            Value::Object(o) => o.state.as_ref(),
            Value::Reduce(r) => r.state.as_ref(),
            _ => None,
        }
    }

    /// The Python type name of this value (`type(v).__name__`), for error messages.
    /// For [`Value::Reduce`] and [`Value::Object`] it is the callable's or class's name.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::Value;
    ///
    /// assert_eq!(Value::Int(1).type_name(), "int");
    /// assert_eq!(Value::reduce(Value::global("_queue", "Empty"), Value::tuple([])).type_name(), "Empty");
    /// ```
    pub fn type_name(&self) -> &str {
        match self {
            Value::None => "NoneType",
            Value::Bool(_) => "bool",
            Value::Int(_) | Value::BigInt(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) | Value::SurrogateStr(_) => "str",
            Value::Bytes(_) => "bytes",
            Value::ByteArray(_) => "bytearray",
            Value::Tuple(_) => "tuple",
            Value::List(_) => "list",
            Value::Dict(_) => "dict",
            Value::Set(_) => "set",
            Value::FrozenSet(_) => "frozenset",
            Value::Global { .. } => "type",
            Value::Reduce(r) => r.callable.as_global().map_or("object", |(_, n)| n),
            Value::Object(o) => o.class.as_global().map_or("object", |(_, n)| n),
        }
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        use Value as V;
        match (self, other) {
            (V::None, V::None) => true,
            (V::Bool(a), V::Bool(b)) => a == b,
            (V::Int(a), V::Int(b)) => a == b,
            (V::BigInt(a), V::BigInt(b)) => a == b,
            (V::Float(a), V::Float(b)) => a == b || a.to_bits() == b.to_bits(),
            (V::Str(a), V::Str(b)) => a == b,
            (V::SurrogateStr(a), V::SurrogateStr(b)) => a == b,
            (V::Bytes(a), V::Bytes(b)) | (V::ByteArray(a), V::ByteArray(b)) => a == b,
            (V::Tuple(a), V::Tuple(b))
            | (V::List(a), V::List(b))
            | (V::Set(a), V::Set(b))
            | (V::FrozenSet(a), V::FrozenSet(b)) => a == b,
            (V::Dict(a), V::Dict(b)) => a == b,
            (
                V::Global {
                    module: m1,
                    name: n1,
                },
                V::Global {
                    module: m2,
                    name: n2,
                },
            ) => m1 == m2 && n1 == n2,
            (V::Reduce(a), V::Reduce(b)) => a == b,
            (V::Object(a), V::Object(b)) => a == b,
            _ => false,
        }
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Value {
        Value::Bool(v)
    }
}

macro_rules! from_small_int {
    ($($t:ty)*) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Value {
                Value::Int(i64::from(v))
            }
        }
    )*};
}
from_small_int!(i8 i16 i32 i64 u8 u16 u32);

impl From<f64> for Value {
    fn from(v: f64) -> Value {
        Value::Float(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Str(v.to_owned())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Str(v)
    }
}

impl From<()> for Value {
    fn from((): ()) -> Value {
        Value::None
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::None, Into::into)
    }
}
