//! The one server reference every typed proxy holds.
//!
//! Each proxy holds one reference on the server (taken by `create`) and drops it when the proxy
//! is dropped (`decref` on a fresh connection, as CPython's finalizers do). Method calls go over
//! the calling thread's persistent connection.

use std::fmt;

use super::Manager;
use super::error::ManagerError;
use crate::pickle::Value;

/// One server reference: decref'd on drop.
pub(crate) struct ProxyCore {
    manager: Manager,
    ident: String,
}

impl fmt::Debug for ProxyCore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Proxy")
            .field("address", &self.manager.address())
            .field("ident", &self.ident)
            .finish()
    }
}

impl ProxyCore {
    pub(crate) fn create(
        manager: &Manager,
        typeid: &str,
        args: Vec<Value>,
    ) -> Result<Self, ManagerError> {
        let ident = manager.create(typeid, args)?;
        manager.proxy_created();
        Ok(ProxyCore {
            manager: manager.clone(),
            ident,
        })
    }

    /// Takes over the reference a `create` the caller made already holds.
    pub(crate) fn adopt(manager: &Manager, ident: String) -> Self {
        manager.proxy_created();
        ProxyCore {
            manager: manager.clone(),
            ident,
        }
    }

    pub(crate) fn call(&self, method: &str, args: Vec<Value>) -> Result<Value, ManagerError> {
        self.manager
            .call_value(&self.ident, method, args, Vec::new())
    }

    pub(crate) fn call_kw(
        &self,
        method: &str,
        args: Vec<Value>,
        kwargs: Vec<(&str, Value)>,
    ) -> Result<Value, ManagerError> {
        let kwargs = kwargs
            .into_iter()
            .map(|(k, v)| (Value::from(k), v))
            .collect();
        self.manager.call_value(&self.ident, method, args, kwargs)
    }

    pub(crate) fn manager(&self) -> &Manager {
        &self.manager
    }

    pub(crate) fn ident(&self) -> &str {
        &self.ident
    }
}

impl Drop for ProxyCore {
    fn drop(&mut self) {
        self.manager.decref(&self.ident);
        self.manager.proxy_dropped();
    }
}

pub(crate) fn expect_bool(v: Value) -> Result<bool, ManagerError> {
    v.as_bool()
        .ok_or_else(|| ManagerError::Protocol(format!("expected a bool, got {}", v.type_name())))
}

pub(crate) fn expect_usize(v: Value) -> Result<usize, ManagerError> {
    match v {
        Value::Int(n) if n >= 0 => Ok(n as usize),
        other => Err(ManagerError::Protocol(format!(
            "expected a count, got {}",
            other.type_name()
        ))),
    }
}

pub(crate) fn secs(d: std::time::Duration) -> Value {
    Value::Float(d.as_secs_f64())
}
