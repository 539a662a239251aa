//! SyncManager's `dict` proxy.

use std::fmt;
use std::marker::PhantomData;

use super::codec::{RemoteValue, from_value, to_value};
use super::error::ManagerError;
use super::proxy::{ProxyCore, expect_usize};
use super::{Answer, Manager};
use crate::pickle::Value;

/// Keeps `RemoteDict` `Send + Sync` whatever `K` and `V` are: it holds none of them.
type Types<K, V> = fn(K, V) -> (K, V);

/// A `dict` in a manager server (`DictProxy`).
///
/// # Examples
///
/// ```
/// # use pythreading_mp::managers::{Manager, ServerBuilder};
/// # let server = ServerBuilder::new("k").sync_manager().bind("127.0.0.1:0").unwrap().spawn().unwrap();
/// let m = Manager::connect(server.address(), "k").unwrap();
/// let d = m.dict::<String, i64>().unwrap();
/// d.insert("a".to_string(), 1).unwrap();
/// assert_eq!(d.get("a".to_string()).unwrap(), Some(1));
/// assert_eq!(d.keys().unwrap(), vec!["a".to_string()]);
/// ```
pub struct RemoteDict<K, V> {
    core: ProxyCore,
    _types: PhantomData<Types<K, V>>,
}

impl<K, V> fmt::Debug for RemoteDict<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RemoteDict").field(&self.core).finish()
    }
}

impl Manager {
    /// A new, empty SyncManager `dict()`.
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
    /// let d = Manager::connect(server.address(), "k").unwrap().dict::<i64, i64>().unwrap();
    /// assert_eq!(d.len().unwrap(), 0);
    /// ```
    pub fn dict<K: RemoteValue, V: RemoteValue>(&self) -> Result<RemoteDict<K, V>, ManagerError> {
        Ok(RemoteDict {
            core: ProxyCore::create(self, "dict", Vec::new())?,
            _types: PhantomData,
        })
    }
}

impl<K: RemoteValue, V: RemoteValue> RemoteDict<K, V> {
    /// `d[key] = value`.
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
    /// # let d = Manager::connect(server.address(), "k").unwrap().dict::<i64, i64>().unwrap();
    /// d.insert(1, 2).unwrap();
    /// ```
    #[doc(alias = "__setitem__")]
    pub fn insert(&self, key: K, value: V) -> Result<(), ManagerError> {
        self.core
            .call("__setitem__", vec![to_value(&key)?, to_value(&value)?])
            .map(|_| ())
    }

    /// `d.get(key)`.
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
    /// # let d = Manager::connect(server.address(), "k").unwrap().dict::<i64, i64>().unwrap();
    /// assert_eq!(d.get(1).unwrap(), None);
    /// ```
    pub fn get(&self, key: K) -> Result<Option<V>, ManagerError> {
        match self.core.call("__getitem__", vec![to_value(&key)?]) {
            Ok(v) => from_value(v).map(Some),
            Err(e) if e.as_exception().is_some_and(|x| x.is_builtin("KeyError")) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `d.pop(key)`: removes and returns the value, if there was one.
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
    /// # let d = Manager::connect(server.address(), "k").unwrap().dict::<i64, i64>().unwrap();
    /// d.insert(1, 2).unwrap();
    /// assert_eq!(d.remove(1).unwrap(), Some(2));
    /// assert_eq!(d.remove(1).unwrap(), None);
    /// ```
    #[doc(alias = "pop")]
    pub fn remove(&self, key: K) -> Result<Option<V>, ManagerError> {
        match self.core.call("pop", vec![to_value(&key)?]) {
            Ok(v) => from_value(v).map(Some),
            Err(e) if e.as_exception().is_some_and(|x| x.is_builtin("KeyError")) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `len(d)`.
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
    /// # let d = Manager::connect(server.address(), "k").unwrap().dict::<i64, i64>().unwrap();
    /// assert_eq!(d.len().unwrap(), 0);
    /// ```
    #[doc(alias = "__len__")]
    pub fn len(&self) -> Result<usize, ManagerError> {
        expect_usize(self.core.call("__len__", Vec::new())?)
    }

    /// `len(d) == 0`.
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
    /// # let d = Manager::connect(server.address(), "k").unwrap().dict::<i64, i64>().unwrap();
    /// assert!(d.is_empty().unwrap());
    /// ```
    pub fn is_empty(&self) -> Result<bool, ManagerError> {
        Ok(self.len()? == 0)
    }

    /// `key in d`.
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
    /// # let d = Manager::connect(server.address(), "k").unwrap().dict::<i64, i64>().unwrap();
    /// assert!(!d.contains_key(3).unwrap());
    /// ```
    #[doc(alias = "__contains__")]
    pub fn contains_key(&self, key: K) -> Result<bool, ManagerError> {
        super::proxy::expect_bool(self.core.call("__contains__", vec![to_value(&key)?])?)
    }

    /// The keys in insertion order, by iterating through the server's `Iterator` proxy
    /// (`list(iter(d))`, the `#PROXY` path).
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
    /// # let d = Manager::connect(server.address(), "k").unwrap().dict::<i64, i64>().unwrap();
    /// d.insert(2, 0).unwrap();
    /// d.insert(1, 0).unwrap();
    /// assert_eq!(d.keys().unwrap(), vec![2, 1]);
    /// ```
    pub fn keys(&self) -> Result<Vec<K>, ManagerError> {
        let manager = self.core.manager();
        let Answer::Proxy { ident, .. } =
            manager.call_method(self.core.ident(), "__iter__", Vec::new(), Vec::new())?
        else {
            return Err(ManagerError::Protocol(
                "__iter__ did not return #PROXY".into(),
            ));
        };
        let mut out = Vec::new();
        let result = loop {
            match manager.call_value(&ident, "__next__", Vec::new(), Vec::new()) {
                Ok(v) => match from_value(v) {
                    Ok(k) => out.push(k),
                    Err(e) => break Err(e),
                },
                Err(e) if e.as_exception().is_some_and(|x| x.is_stop_iteration()) => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        manager.decref(&ident);
        result.map(|()| out)
    }

    /// `d.clear()`.
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
    /// # let d = Manager::connect(server.address(), "k").unwrap().dict::<i64, i64>().unwrap();
    /// d.clear().unwrap();
    /// ```
    pub fn clear(&self) -> Result<(), ManagerError> {
        self.core.call("clear", Vec::new()).map(|_| ())
    }

    /// `d.copy()`: the whole dict by value, as pickle values.
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
    /// # let d = Manager::connect(server.address(), "k").unwrap().dict::<i64, i64>().unwrap();
    /// assert_eq!(d.copy().unwrap(), pythreading_mp::pickle::Value::Dict(vec![]));
    /// ```
    pub fn copy(&self) -> Result<Value, ManagerError> {
        self.core.call("copy", Vec::new())
    }

    /// The object's ident on the server (its `Token.id`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # let server = ServerBuilder::new("k").sync_manager().bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// let d = Manager::connect(server.address(), "k").unwrap().dict::<String, i64>().unwrap();
    /// assert!(d.ident().chars().all(|c| c.is_ascii_hexdigit()));
    /// ```
    pub fn ident(&self) -> &str {
        self.core.ident()
    }
}
