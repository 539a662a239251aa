//! A proxy for any typeid: the Rust client's side of a registered type
//! ([`ServedType`](crate::managers::ServedType) on our server, `BaseManager.register` on
//! CPython's), called by method name with serde values.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::Manager;
use super::error::ManagerError;
use super::proxy::ProxyCore;
use crate::pickle::{self, Value};

/// An object of any typeid in a manager server (CPython's `AutoProxy`).
///
/// Wrap it in a struct of your own with one method per exposed name to get a typed proxy (the
/// `shared_counter` and `kv_cache` examples do).
///
/// # Examples
///
/// ```
/// use pythreading_mp::managers::{Manager, ServedType, ServerBuilder};
///
/// let doubler = ServedType::new("Doubler", |()| Ok(()))
///     .method("double", |_: &(), n: i64| Ok(2 * n));
/// let server = ServerBuilder::new("k").register(doubler).bind("127.0.0.1:0")?.spawn()?;
/// let m = Manager::connect(server.address(), "k")?;
/// let d = m.create_object("Doubler", ())?;
/// assert_eq!(d.call::<_, i64>("double", 21)?, 42);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
#[doc(alias = "AutoProxy")]
pub struct RemoteObject {
    core: ProxyCore,
    typeid: String,
    exposed: Vec<String>,
}

/// Positional and keyword arguments, as a request carries them.
type Arguments = (Vec<Value>, Vec<(Value, Value)>);

/// Python arguments from one serde value: a tuple is the positional arguments, `()` none, a
/// struct (a dict) keyword arguments, anything else the one positional argument.
fn arguments<A: Serialize>(args: &A) -> Result<Arguments, ManagerError> {
    let value = pickle::to_value(args).map_err(|e| ManagerError::Convert(e.to_string()))?;
    Ok(match value {
        Value::Tuple(items) => (items, Vec::new()),
        Value::None => (Vec::new(), Vec::new()),
        Value::Dict(pairs) => (Vec::new(), pairs),
        one => (vec![one], Vec::new()),
    })
}

impl Manager {
    /// `manager.Typeid(*args, **kwds)` for any typeid the server registered: a new object and
    /// its proxy. `args` as [`RemoteObject::call`] takes them.
    ///
    /// # Errors
    ///
    /// [`ManagerError::Remote`] if the server does not know the typeid or its constructor
    /// raised (CPython sends both as a traceback); any other [`ManagerError`].
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::managers::{Manager, ManagerError, ServerBuilder};
    /// let server = ServerBuilder::new("k").bind("127.0.0.1:0")?.spawn()?;
    /// let m = Manager::connect(server.address(), "k")?;
    /// assert!(matches!(m.create_object("Nope", ()), Err(ManagerError::Remote(_))));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[doc(alias = "register")]
    pub fn create_object<A: Serialize>(
        &self,
        typeid: &str,
        args: A,
    ) -> Result<RemoteObject, ManagerError> {
        let (positional, keywords) = arguments(&args)?;
        let mut all = vec![Value::from(typeid)];
        all.extend(positional);
        let reply = self.dispatch("create", all, keywords)?;
        let (ident, exposed) = match reply.as_tuple() {
            Some([Value::Str(ident), exposed]) => (ident.clone(), exposed),
            _ => {
                return Err(ManagerError::Protocol(
                    "create() did not return (ident, exposed)".into(),
                ));
            }
        };
        let exposed = match exposed {
            Value::Tuple(names) | Value::List(names) => names
                .iter()
                .filter_map(|n| n.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        };
        Ok(RemoteObject {
            core: ProxyCore::adopt(self, ident),
            typeid: typeid.to_owned(),
            exposed,
        })
    }
}

impl RemoteObject {
    /// Calls an exposed method: `args` is a tuple of the positional arguments (`()` for none, a
    /// 1-tuple `(x,)` or `x` alone for one), or a `Serialize` struct for keyword arguments;
    /// the result converts to `R`.
    ///
    /// # Errors
    ///
    /// [`ManagerError::Exception`] with the Python exception the method raised;
    /// [`ManagerError::Remote`] for a name that is not exposed; [`ManagerError::Convert`] if
    /// the result does not fit `R`; any other [`ManagerError`].
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::managers::{Manager, ServedType, ServerBuilder};
    /// use pythreading_mp::pickle::PyException;
    ///
    /// let t = ServedType::new("Checked", |()| Ok(()))
    ///     .method("root", |_: &(), x: f64| {
    ///         if x < 0.0 {
    ///             return Err(PyException::builtin("ValueError", vec!["math domain error".into()]));
    ///         }
    ///         Ok(x.sqrt())
    ///     });
    /// let server = ServerBuilder::new("k").register(t).bind("127.0.0.1:0")?.spawn()?;
    /// let m = Manager::connect(server.address(), "k")?;
    /// let c = m.create_object("Checked", ())?;
    /// assert_eq!(c.call::<_, f64>("root", 9.0)?, 3.0);
    /// let err = c.call::<_, f64>("root", -1.0).unwrap_err();
    /// assert!(err.as_exception().unwrap().is_builtin("ValueError"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[doc(alias = "_callmethod")]
    pub fn call<A: Serialize, R: DeserializeOwned>(
        &self,
        method: &str,
        args: A,
    ) -> Result<R, ManagerError> {
        let (positional, keywords) = arguments(&args)?;
        let v = self
            .core
            .manager()
            .call_value(self.core.ident(), method, positional, keywords)?;
        pickle::from_value(&v).map_err(|e| ManagerError::Convert(e.to_string()))
    }

    /// The typeid it was created as.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServedType, ServerBuilder};
    /// # let server = ServerBuilder::new("k").register(ServedType::new("Unit", |()| Ok(())))
    /// #     .bind("127.0.0.1:0")?.spawn()?;
    /// # let m = Manager::connect(server.address(), "k")?;
    /// assert_eq!(m.create_object("Unit", ())?.typeid(), "Unit");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn typeid(&self) -> &str {
        &self.typeid
    }

    /// The method names the server exposes for it (what `create` returned: `_exposed_`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServedType, ServerBuilder};
    /// # let t = ServedType::new("Unit", |()| Ok(())).method("ping", |_: &(), ()| Ok(()));
    /// # let server = ServerBuilder::new("k").register(t).bind("127.0.0.1:0")?.spawn()?;
    /// # let m = Manager::connect(server.address(), "k")?;
    /// assert_eq!(m.create_object("Unit", ())?.exposed(), ["ping"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[doc(alias = "_exposed_")]
    pub fn exposed(&self) -> &[String] {
        &self.exposed
    }
}
