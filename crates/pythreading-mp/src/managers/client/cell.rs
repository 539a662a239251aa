//! SyncManager's `Value` proxy (`ValueProxy`: `get`, `set`).

use std::fmt;
use std::marker::PhantomData;

use super::Manager;
use super::codec::{RemoteValue, from_value, to_value};
use super::error::ManagerError;
use super::proxy::ProxyCore;

/// A `Value` in a manager server (`ValueProxy`): one shared value of type `T`.
///
/// Named `RemoteCell` because [`RemoteValue`] is the conversion trait. As in CPython, the
/// typecode is only a label: the server stores whatever is set.
///
/// # Examples
///
/// ```
/// # use pythreading_mp::managers::{Manager, ServerBuilder};
/// # let server = ServerBuilder::new("k").sync_manager().bind("127.0.0.1:0").unwrap().spawn().unwrap();
/// let m = Manager::connect(server.address(), "k").unwrap();
/// let v = m.value("i", 7i64).unwrap();
/// v.set(8).unwrap();
/// assert_eq!(v.get().unwrap(), 8);
/// ```
#[doc(alias = "Value")]
#[doc(alias = "ValueProxy")]
pub struct RemoteCell<T> {
    core: ProxyCore,
    _item: PhantomData<fn(T) -> T>,
}

impl<T> fmt::Debug for RemoteCell<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RemoteCell").field(&self.core).finish()
    }
}

impl Manager {
    /// A new SyncManager `Value(typecode, initial)`.
    ///
    /// # Errors
    ///
    /// Any [`ManagerError`] (the server must serve SyncManager types).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # let server = ServerBuilder::new("k").sync_manager().bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// let m = Manager::connect(server.address(), "k").unwrap();
    /// let flag = m.value("b", false).unwrap();
    /// assert!(!flag.get().unwrap());
    /// ```
    #[doc(alias = "Value")]
    pub fn value<T: RemoteValue>(
        &self,
        typecode: &str,
        initial: T,
    ) -> Result<RemoteCell<T>, ManagerError> {
        let core = ProxyCore::create(self, "Value", vec![typecode.into(), to_value(&initial)?])?;
        Ok(RemoteCell {
            core,
            _item: PhantomData,
        })
    }
}

impl<T: RemoteValue> RemoteCell<T> {
    /// The value (`proxy.value`, `proxy.get()`).
    ///
    /// # Errors
    ///
    /// [`ManagerError::Convert`] if another client stored something that is not a `T`; any
    /// other [`ManagerError`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # let server = ServerBuilder::new("k").sync_manager().bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// # let m = Manager::connect(server.address(), "k").unwrap();
    /// let v = m.value("d", 1.5f64).unwrap();
    /// assert_eq!(v.get().unwrap(), 1.5);
    /// ```
    pub fn get(&self) -> Result<T, ManagerError> {
        from_value(self.core.call("get", Vec::new())?)
    }

    /// Replaces the value (`proxy.value = x`, `proxy.set(x)`).
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
    /// # let m = Manager::connect(server.address(), "k").unwrap();
    /// let v = m.value("u", String::from("a")).unwrap();
    /// v.set("b".into()).unwrap();
    /// assert_eq!(v.get().unwrap(), "b");
    /// ```
    pub fn set(&self, value: T) -> Result<(), ManagerError> {
        self.core.call("set", vec![to_value(&value)?]).map(|_| ())
    }
}
