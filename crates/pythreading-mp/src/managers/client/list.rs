//! SyncManager's `list` proxy.

use std::fmt;
use std::marker::PhantomData;

use super::Manager;
use super::codec::{RemoteValue, from_value, to_value};
use super::error::ManagerError;
use super::proxy::{ProxyCore, expect_usize};
use crate::pickle::Value;

/// A `list` in a manager server (`ListProxy`).
///
/// # Examples
///
/// ```
/// # use pythreading_mp::managers::{Manager, ServerBuilder};
/// # let server = ServerBuilder::new("k").sync_manager().bind("127.0.0.1:0").unwrap().spawn().unwrap();
/// let m = Manager::connect(server.address(), "k").unwrap();
/// let l = m.list::<i64>().unwrap();
/// l.push(3).unwrap();
/// l.push(1).unwrap();
/// l.sort().unwrap();
/// assert_eq!(l.to_vec().unwrap(), vec![1, 3]);
/// ```
pub struct RemoteList<T> {
    core: ProxyCore,
    _items: PhantomData<fn(T) -> T>,
}

impl<T> fmt::Debug for RemoteList<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RemoteList").field(&self.core).finish()
    }
}

impl Manager {
    /// A new, empty SyncManager `list()`.
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
    /// let l = Manager::connect(server.address(), "k").unwrap().list::<String>().unwrap();
    /// assert_eq!(l.len().unwrap(), 0);
    /// ```
    pub fn list<T: RemoteValue>(&self) -> Result<RemoteList<T>, ManagerError> {
        Ok(RemoteList {
            core: ProxyCore::create(self, "list", Vec::new())?,
            _items: PhantomData,
        })
    }
}

impl<T: RemoteValue> RemoteList<T> {
    /// `l.append(item)`.
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
    /// # let l = Manager::connect(server.address(), "k").unwrap().list::<i64>().unwrap();
    /// l.push(1).unwrap();
    /// ```
    #[doc(alias = "append")]
    pub fn push(&self, item: T) -> Result<(), ManagerError> {
        self.core.call("append", vec![to_value(&item)?]).map(|_| ())
    }

    /// `l[index]` (negative counts from the end); `None` when out of range.
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
    /// # let l = Manager::connect(server.address(), "k").unwrap().list::<i64>().unwrap();
    /// l.push(7).unwrap();
    /// assert_eq!(l.get(-1).unwrap(), Some(7));
    /// assert_eq!(l.get(5).unwrap(), None);
    /// ```
    #[doc(alias = "__getitem__")]
    pub fn get(&self, index: i64) -> Result<Option<T>, ManagerError> {
        match self.core.call("__getitem__", vec![Value::Int(index)]) {
            Ok(v) => from_value(v).map(Some),
            Err(e) if e.as_exception().is_some_and(|x| x.is_builtin("IndexError")) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `l[index] = item`.
    ///
    /// # Errors
    ///
    /// [`ManagerError::Exception`] `IndexError` when out of range.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # let server = ServerBuilder::new("k").sync_manager().bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// # let l = Manager::connect(server.address(), "k").unwrap().list::<i64>().unwrap();
    /// l.push(7).unwrap();
    /// l.set(0, 8).unwrap();
    /// assert_eq!(l.get(0).unwrap(), Some(8));
    /// ```
    #[doc(alias = "__setitem__")]
    pub fn set(&self, index: i64, item: T) -> Result<(), ManagerError> {
        self.core
            .call("__setitem__", vec![Value::Int(index), to_value(&item)?])
            .map(|_| ())
    }

    /// `l.pop()`: the last item, if any.
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
    /// # let l = Manager::connect(server.address(), "k").unwrap().list::<i64>().unwrap();
    /// assert_eq!(l.pop().unwrap(), None);
    /// ```
    pub fn pop(&self) -> Result<Option<T>, ManagerError> {
        match self.core.call("pop", Vec::new()) {
            Ok(v) => from_value(v).map(Some),
            Err(e) if e.as_exception().is_some_and(|x| x.is_builtin("IndexError")) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `len(l)`.
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
    /// # let l = Manager::connect(server.address(), "k").unwrap().list::<i64>().unwrap();
    /// assert_eq!(l.len().unwrap(), 0);
    /// ```
    #[doc(alias = "__len__")]
    pub fn len(&self) -> Result<usize, ManagerError> {
        expect_usize(self.core.call("__len__", Vec::new())?)
    }

    /// `len(l) == 0`.
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
    /// # let l = Manager::connect(server.address(), "k").unwrap().list::<i64>().unwrap();
    /// assert!(l.is_empty().unwrap());
    /// ```
    pub fn is_empty(&self) -> Result<bool, ManagerError> {
        Ok(self.len()? == 0)
    }

    /// `l.sort()`.
    ///
    /// # Errors
    ///
    /// [`ManagerError::Exception`] `TypeError` for items Python cannot order.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # let server = ServerBuilder::new("k").sync_manager().bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// # let l = Manager::connect(server.address(), "k").unwrap().list::<i64>().unwrap();
    /// l.sort().unwrap();
    /// ```
    pub fn sort(&self) -> Result<(), ManagerError> {
        self.core.call("sort", Vec::new()).map(|_| ())
    }

    /// All items (`l[:]`).
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
    /// # let l = Manager::connect(server.address(), "k").unwrap().list::<i64>().unwrap();
    /// l.push(1).unwrap();
    /// assert_eq!(l.to_vec().unwrap(), vec![1]);
    /// ```
    pub fn to_vec(&self) -> Result<Vec<T>, ManagerError> {
        let all = Value::reduce(
            Value::global("builtins", "slice"),
            Value::tuple([Value::None, Value::None, Value::None]),
        );
        match self.core.call("__getitem__", vec![all])? {
            Value::List(items) => items.into_iter().map(from_value).collect(),
            other => Err(ManagerError::Protocol(format!(
                "expected a list, got {}",
                other.type_name()
            ))),
        }
    }

    /// The object's ident on the server (its `Token.id`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # let server = ServerBuilder::new("k").sync_manager().bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// let l = Manager::connect(server.address(), "k").unwrap().list::<i64>().unwrap();
    /// assert!(l.ident().chars().all(|c| c.is_ascii_hexdigit()));
    /// ```
    pub fn ident(&self) -> &str {
        self.core.ident()
    }
}
