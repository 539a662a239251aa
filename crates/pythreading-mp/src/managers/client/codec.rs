//! Rust values ↔ pickle `Value`s for the typed proxies.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::ManagerError;
use crate::pickle::{self, Value};

/// A type a proxy can send to and receive from a manager server.
///
/// Every `Serialize + DeserializeOwned` type is one (mapped through
/// [`pickle::to_value`]/[`pickle::from_value`], so a `#[derive(Serialize, Deserialize)]` struct
/// travels as a Python `dict`), and so is [`Value`] itself, for any Python object at all.
///
/// # Examples
///
/// ```
/// use pythreading_mp::managers::RemoteValue;
/// use pythreading_mp::pickle::Value;
/// assert_eq!(7i64.to_remote().unwrap(), Value::Int(7));
/// assert_eq!(String::from_remote(Value::from("x")).unwrap(), "x");
/// ```
pub trait RemoteValue: Sized {
    /// Converts to a pickle value.
    ///
    /// # Errors
    ///
    /// [`ManagerError::Convert`] when the type's `Serialize` fails.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::managers::RemoteValue;
    /// assert!(true.to_remote().is_ok());
    /// ```
    fn to_remote(&self) -> Result<Value, ManagerError>;

    /// Converts from a pickle value.
    ///
    /// # Errors
    ///
    /// [`ManagerError::Convert`] when the value does not fit the type.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::managers::RemoteValue;
    /// use pythreading_mp::pickle::Value;
    /// assert!(i64::from_remote(Value::from("not an int")).is_err());
    /// ```
    fn from_remote(value: Value) -> Result<Self, ManagerError>;
}

impl<T: Serialize + DeserializeOwned> RemoteValue for T {
    fn to_remote(&self) -> Result<Value, ManagerError> {
        pickle::to_value(self).map_err(|e| ManagerError::Convert(e.to_string()))
    }

    fn from_remote(value: Value) -> Result<Self, ManagerError> {
        pickle::from_value(&value).map_err(|e| ManagerError::Convert(e.to_string()))
    }
}

impl RemoteValue for Value {
    fn to_remote(&self) -> Result<Value, ManagerError> {
        Ok(self.clone())
    }

    fn from_remote(value: Value) -> Result<Self, ManagerError> {
        Ok(value)
    }
}

pub(crate) fn to_value<T: RemoteValue>(v: &T) -> Result<Value, ManagerError> {
    v.to_remote()
}

pub(crate) fn from_value<T: RemoteValue>(v: Value) -> Result<T, ManagerError> {
    T::from_remote(v)
}
