//! SyncManager's `Array` proxy (`ArrayProxy`: `__len__`, `__getitem__`, `__setitem__`).

use std::fmt;
use std::marker::PhantomData;

use super::Manager;
use super::codec::{RemoteValue, from_value, to_value};
use super::error::ManagerError;
use super::proxy::{ProxyCore, expect_usize};
use crate::managers::protocol::decode_array;
use crate::pickle::{PyException, Value};

/// An `array.array` in a manager server (`ArrayProxy`), of items `T` (`i64`, `f64`, `char`
/// or `String` for `u`, ...).
///
/// # Examples
///
/// ```
/// # use pythreading_mp::managers::{Manager, ServerBuilder};
/// # let server = ServerBuilder::new("k").sync_manager().bind("127.0.0.1:0").unwrap().spawn().unwrap();
/// let m = Manager::connect(server.address(), "k").unwrap();
/// let a = m.array("i", &[1i64, 2, 3]).unwrap();
/// a.set(0, 10).unwrap();
/// assert_eq!(a.to_vec().unwrap(), [10, 2, 3]);
/// ```
#[doc(alias = "Array")]
#[doc(alias = "ArrayProxy")]
pub struct RemoteArray<T> {
    core: ProxyCore,
    _item: PhantomData<fn(T) -> T>,
}

impl<T> fmt::Debug for RemoteArray<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RemoteArray").field(&self.core).finish()
    }
}

fn is_index_error(e: &ManagerError) -> bool {
    e.as_exception()
        .is_some_and(|x: &PyException| x.is_builtin("IndexError"))
}

impl Manager {
    /// A new SyncManager `Array(typecode, items)`: `typecode` is `array.array`'s (`b`, `B`,
    /// `h`, `H`, `i`, `I`, `l`, `L`, `q`, `Q`, `f`, `d`, `u`).
    ///
    /// # Errors
    ///
    /// [`ManagerError::Remote`] for a bad typecode or an item out of its range (the server's
    /// `create` fails); any other [`ManagerError`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # let server = ServerBuilder::new("k").sync_manager().bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// let m = Manager::connect(server.address(), "k").unwrap();
    /// assert!(m.array("B", &[256i64]).is_err()); // out of range for unsigned bytes
    /// ```
    #[doc(alias = "Array")]
    pub fn array<T: RemoteValue>(
        &self,
        typecode: &str,
        items: &[T],
    ) -> Result<RemoteArray<T>, ManagerError> {
        let items = items.iter().map(to_value).collect::<Result<Vec<_>, _>>()?;
        let core = ProxyCore::create(self, "Array", vec![typecode.into(), Value::List(items)])?;
        Ok(RemoteArray {
            core,
            _item: PhantomData,
        })
    }
}

impl<T: RemoteValue> RemoteArray<T> {
    /// How many items (`len(a)`).
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
    /// assert_eq!(m.array("d", &[0.5f64, 1.0]).unwrap().len().unwrap(), 2);
    /// ```
    #[doc(alias = "__len__")]
    pub fn len(&self) -> Result<usize, ManagerError> {
        expect_usize(self.core.call("__len__", Vec::new())?)
    }

    /// Whether it has no items.
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
    /// assert!(m.array::<i64>("i", &[]).unwrap().is_empty().unwrap());
    /// ```
    pub fn is_empty(&self) -> Result<bool, ManagerError> {
        Ok(self.len()? == 0)
    }

    /// The item at `index` (negative counts from the end), or `None` past the end.
    ///
    /// # Errors
    ///
    /// Any [`ManagerError`] other than `IndexError`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # let server = ServerBuilder::new("k").sync_manager().bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// # let m = Manager::connect(server.address(), "k").unwrap();
    /// let a = m.array("h", &[1i64, 2]).unwrap();
    /// assert_eq!(a.get(-1).unwrap(), Some(2));
    /// assert_eq!(a.get(2).unwrap(), None);
    /// ```
    #[doc(alias = "__getitem__")]
    pub fn get(&self, index: i64) -> Result<Option<T>, ManagerError> {
        match self.core.call("__getitem__", vec![Value::Int(index)]) {
            Ok(v) => from_value(v).map(Some),
            Err(e) if is_index_error(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Sets the item at `index`.
    ///
    /// # Errors
    ///
    /// [`ManagerError::Exception`] with `IndexError` past the end, `OverflowError` or
    /// `TypeError` for an item the typecode cannot hold; any other [`ManagerError`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::managers::{Manager, ServerBuilder};
    /// # let server = ServerBuilder::new("k").sync_manager().bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// # let m = Manager::connect(server.address(), "k").unwrap();
    /// let a = m.array("b", &[0i64]).unwrap();
    /// let e = a.set(0, 1000).unwrap_err();
    /// assert!(e.as_exception().unwrap().is_builtin("OverflowError"));
    /// ```
    #[doc(alias = "__setitem__")]
    pub fn set(&self, index: i64, item: T) -> Result<(), ManagerError> {
        self.core
            .call("__setitem__", vec![Value::Int(index), to_value(&item)?])
            .map(|_| ())
    }

    /// Every item (`a[:]`, which travels as an `array.array`).
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
    /// let a = m.array("u", &['h', 'i']).unwrap();
    /// assert_eq!(a.to_vec().unwrap(), ['h', 'i']);
    /// ```
    pub fn to_vec(&self) -> Result<Vec<T>, ManagerError> {
        let all = Value::reduce(
            Value::global("builtins", "slice"),
            Value::tuple([Value::None, Value::None, Value::None]),
        );
        let array = self.core.call("__getitem__", vec![all])?;
        let items = decode_array(&array).map_err(ManagerError::Protocol)?;
        items.into_iter().map(from_value).collect()
    }
}
