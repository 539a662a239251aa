//! SyncManager's `Namespace` proxy (`NamespaceProxy`: `__getattribute__`, `__setattr__`,
//! `__delattr__`).

use super::Manager;
use super::codec::{RemoteValue, from_value, to_value};
use super::error::ManagerError;
use super::proxy::ProxyCore;
use crate::pickle::Value;

/// A `Namespace` in a manager server: named attributes of any type.
///
/// # Examples
///
/// ```
/// # use pythreading_mp::managers::{Manager, ServerBuilder};
/// # let server = ServerBuilder::new("k").sync_manager().bind("127.0.0.1:0").unwrap().spawn().unwrap();
/// let m = Manager::connect(server.address(), "k").unwrap();
/// let ns = m.namespace().unwrap();
/// ns.set("name", &String::from("Bob")).unwrap();
/// assert_eq!(ns.get::<String>("name").unwrap().as_deref(), Some("Bob"));
/// assert_eq!(ns.get::<String>("age").unwrap(), None);
/// ```
#[derive(Debug)]
#[doc(alias = "Namespace")]
#[doc(alias = "NamespaceProxy")]
pub struct RemoteNamespace(ProxyCore);

fn is_attribute_error(e: &ManagerError) -> bool {
    e.as_exception()
        .is_some_and(|x| x.is_builtin("AttributeError"))
}

impl Manager {
    /// A new, empty SyncManager `Namespace()`.
    ///
    /// # Errors
    ///
    /// Any [`ManagerError`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # let server = ServerBuilder::new("k").sync_manager().bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// let ns = Manager::connect(server.address(), "k").unwrap().namespace().unwrap();
    /// # drop(ns);
    /// ```
    #[doc(alias = "Namespace")]
    pub fn namespace(&self) -> Result<RemoteNamespace, ManagerError> {
        ProxyCore::create(self, "Namespace", Vec::new()).map(RemoteNamespace)
    }
}

impl RemoteNamespace {
    /// The attribute `name` (`ns.name`), or `None` if it is not set.
    ///
    /// # Errors
    ///
    /// [`ManagerError::Convert`] if it is not a `T`; any other [`ManagerError`] except
    /// `AttributeError`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # let server = ServerBuilder::new("k").sync_manager().bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// # let ns = Manager::connect(server.address(), "k").unwrap().namespace().unwrap();
    /// ns.set("n", &3).unwrap();
    /// assert_eq!(ns.get::<i64>("n").unwrap(), Some(3));
    /// ```
    #[doc(alias = "__getattr__")]
    #[doc(alias = "__getattribute__")]
    pub fn get<T: RemoteValue>(&self, name: &str) -> Result<Option<T>, ManagerError> {
        match self.0.call("__getattribute__", vec![Value::from(name)]) {
            Ok(v) => from_value(v).map(Some),
            Err(e) if is_attribute_error(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Sets the attribute `name` (`ns.name = value`).
    ///
    /// # Errors
    ///
    /// Any [`ManagerError`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # let server = ServerBuilder::new("k").sync_manager().bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// # let ns = Manager::connect(server.address(), "k").unwrap().namespace().unwrap();
    /// ns.set("tags", &vec![1, 2]).unwrap();
    /// ```
    #[doc(alias = "__setattr__")]
    pub fn set<T: RemoteValue>(&self, name: &str, value: &T) -> Result<(), ManagerError> {
        self.0
            .call("__setattr__", vec![Value::from(name), to_value(value)?])
            .map(|_| ())
    }

    /// Deletes the attribute `name` (`del ns.name`); whether it was set.
    ///
    /// # Errors
    ///
    /// Any [`ManagerError`] except `AttributeError`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # let server = ServerBuilder::new("k").sync_manager().bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// # let ns = Manager::connect(server.address(), "k").unwrap().namespace().unwrap();
    /// ns.set("x", &1).unwrap();
    /// assert!(ns.remove("x").unwrap());
    /// assert!(!ns.remove("x").unwrap());
    /// ```
    #[doc(alias = "__delattr__")]
    pub fn remove(&self, name: &str) -> Result<bool, ManagerError> {
        match self.0.call("__delattr__", vec![Value::from(name)]) {
            Ok(_) => Ok(true),
            Err(e) if is_attribute_error(&e) => Ok(false),
            Err(e) => Err(e),
        }
    }
}
