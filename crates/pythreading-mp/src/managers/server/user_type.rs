//! Rust types served to Python: the Rust side of `BaseManager.register(typeid, callable,
//! exposed=...)`.
//!
//! A [`ServedType`] states a typeid, a constructor and the exposed methods, each a Rust
//! function whose arguments and result are serde values ([`serde_args`](super::serde_args)
//! says how Python's positional and keyword arguments bind). The method list is both the
//! exposed list `create` sends (a CPython `AutoProxy` builds its methods from it) and the
//! dispatch, so they cannot disagree.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::registry::Constructor;
use super::serde_args;
use super::served::{MethodResult, Outcome, SharedObject};
use crate::managers::protocol::{CallArgs, attribute_error, type_error};
use crate::pickle::{self, PyException, Value};

type Build<T> = Arc<dyn Fn(CallArgs) -> Result<T, PyException> + Send + Sync>;
type MethodFn<T> = Arc<dyn Fn(&T, CallArgs) -> MethodResult + Send + Sync>;
type ReprFn<T> = Arc<dyn Fn(&T) -> String + Send + Sync>;

/// A Rust type a manager server serves under a typeid, with its exposed methods
/// (`BaseManager.register(typeid, callable, exposed=...)`).
///
/// Objects are shared between client connections, each served on its own thread, so methods
/// take `&T`: keep the state in atomics or behind a lock. A method raises a Python exception
/// by returning `Err(PyException)`; the client sees that exception (`#ERROR`). Arguments that
/// do not convert are the caller's `TypeError`.
///
/// # Examples
///
/// A counter CPython can use as `manager.Counter(5)`, `c.increment()`, `c.value()`:
///
/// ```
/// use std::sync::atomic::{AtomicI64, Ordering};
/// use pythreading_mp::managers::{Manager, ServedType, ServerBuilder};
///
/// struct Counter(AtomicI64);
///
/// let counter = ServedType::new("Counter", |start: Option<i64>| {
///     Ok(Counter(AtomicI64::new(start.unwrap_or(0))))
/// })
/// .method("increment", |c: &Counter, ()| Ok(c.0.fetch_add(1, Ordering::SeqCst) + 1))
/// .method("value", |c: &Counter, ()| Ok(c.0.load(Ordering::SeqCst)));
///
/// let server = ServerBuilder::new("key").register(counter).bind("127.0.0.1:0")?.spawn()?;
/// let m = Manager::connect(server.address(), "key")?;
/// let c = m.create_object("Counter", (5,))?;
/// assert_eq!(c.call::<_, i64>("increment", ())?, 6);
/// assert_eq!(c.exposed(), ["increment", "value"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[doc(alias = "register")]
#[doc(alias = "BaseManager.register")]
pub struct ServedType<T> {
    typeid: &'static str,
    constructor: Build<T>,
    methods: Vec<(&'static str, MethodFn<T>)>,
    repr: Option<ReprFn<T>>,
}

impl<T> fmt::Debug for ServedType<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServedType")
            .field("typeid", &self.typeid)
            .field(
                "methods",
                &self.methods.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl<T: Send + Sync + 'static> ServedType<T> {
    /// A type served as `typeid`, built by `constructor` from `create(typeid, *args, **kwds)`'s
    /// arguments (the `callable` of `register`).
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::managers::ServedType;
    /// use pythreading_mp::pickle::PyException;
    ///
    /// let t = ServedType::new("Limit", |n: u32| {
    ///     if n == 0 {
    ///         return Err(PyException::builtin("ValueError", vec!["must be positive".into()]));
    ///     }
    ///     Ok(n)
    /// });
    /// assert_eq!(t.typeid(), "Limit");
    /// ```
    pub fn new<A: DeserializeOwned>(
        typeid: &'static str,
        constructor: impl Fn(A) -> Result<T, PyException> + Send + Sync + 'static,
    ) -> Self {
        ServedType {
            typeid,
            constructor: Arc::new(move |args| constructor(serde_args::bind(typeid, args)?)),
            methods: Vec::new(),
            repr: None,
        }
    }

    /// Exposes `name`: a client's `obj.name(*args, **kwds)` calls `method(&obj, args)` and gets
    /// its result. Registering a name twice replaces the first.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::managers::ServedType;
    ///
    /// let t = ServedType::new("Pair", |(a, b): (i64, i64)| Ok((a, b)))
    ///     .method("sum", |p: &(i64, i64), ()| Ok(p.0 + p.1))
    ///     .method("scaled", |p: &(i64, i64), k: i64| Ok((p.0 * k, p.1 * k)));
    /// assert_eq!(t.exposed(), ["sum", "scaled"]);
    /// ```
    pub fn method<A: DeserializeOwned, R: Serialize>(
        mut self,
        name: &'static str,
        method: impl Fn(&T, A) -> Result<R, PyException> + Send + Sync + 'static,
    ) -> Self {
        let typeid = self.typeid;
        let f: MethodFn<T> = Arc::new(move |object, args| {
            let qualname = format!("{typeid}.{name}");
            let result = method(object, serde_args::bind(&qualname, args)?)?;
            let value = pickle::to_value(&result).map_err(|e| {
                type_error(format!(
                    "{qualname}() returned a value Python cannot hold: {e}"
                ))
            })?;
            Ok(Outcome::Return(value))
        });
        match self.methods.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = f,
            None => self.methods.push((name, f)),
        }
        self
    }

    /// What `str(proxy)` and `repr` show on a CPython client (default
    /// `<typeid object at 0x…>`).
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::managers::ServedType;
    ///
    /// let t = ServedType::new("Num", |n: i64| Ok(n)).repr(|n| format!("Num({n})"));
    /// # let _ = t;
    /// ```
    #[doc(alias = "__repr__")]
    pub fn repr(mut self, repr: impl Fn(&T) -> String + Send + Sync + 'static) -> Self {
        self.repr = Some(Arc::new(repr));
        self
    }

    /// The typeid.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::managers::ServedType;
    /// assert_eq!(ServedType::new("Unit", |()| Ok(())).typeid(), "Unit");
    /// ```
    pub fn typeid(&self) -> &'static str {
        self.typeid
    }

    /// The exposed method names, in registration order (what `create` sends).
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::managers::ServedType;
    /// let t = ServedType::new("Unit", |()| Ok(())).method("ping", |_: &(), ()| Ok("pong"));
    /// assert_eq!(t.exposed(), ["ping"]);
    /// ```
    pub fn exposed(&self) -> Vec<&'static str> {
        self.methods.iter().map(|(n, _)| *n).collect()
    }

    /// The constructor the registry calls for `create(typeid, ...)`.
    pub(crate) fn into_constructor(self) -> (&'static str, Constructor) {
        let ServedType {
            typeid,
            constructor,
            methods,
            repr,
        } = self;
        let class = Arc::new(Class {
            typeid,
            methods,
            repr,
        });
        let make = move |args: CallArgs| -> Result<Arc<dyn SharedObject>, PyException> {
            let value = constructor(args)?;
            Ok(Arc::new(UserObject {
                value,
                class: Arc::clone(&class),
            }))
        };
        (typeid, Arc::new(make))
    }
}

/// What every object of one registered type shares.
struct Class<T> {
    typeid: &'static str,
    methods: Vec<(&'static str, MethodFn<T>)>,
    repr: Option<ReprFn<T>>,
}

/// One object of a registered type in the server's table.
struct UserObject<T> {
    value: T,
    class: Arc<Class<T>>,
}

impl<T: Send + Sync + 'static> SharedObject for UserObject<T> {
    fn exposed(&self) -> Vec<&'static str> {
        self.class.methods.iter().map(|(n, _)| *n).collect()
    }

    fn call(&self, method: &str, args: CallArgs) -> MethodResult {
        match self.class.methods.iter().find(|(n, _)| *n == method) {
            Some((_, f)) => f(&self.value, args),
            None => Err(attribute_error(format!(
                "'{}' object has no attribute '{method}'",
                self.class.typeid
            ))),
        }
    }

    fn repr(&self) -> String {
        match &self.class.repr {
            Some(repr) => repr(&self.value),
            None => format!(
                "<{} object at 0x{:x}>",
                self.class.typeid, self as *const Self as usize
            ),
        }
    }

    fn class(&self) -> &'static str {
        self.class.typeid
    }

    fn value(&self) -> Result<Value, String> {
        Err(format!(
            "TypeError: cannot pickle '{}' object",
            self.class.typeid
        ))
    }

    fn release_waiters(&self) {}

    fn give_back(&self, _value: Value) {}
}
