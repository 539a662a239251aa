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

/// CPython's `threading.TIMEOUT_MAX` (3.11–3.13 on 64-bit Linux): the longest timeout a
/// CPython server accepts; longer ones raise `OverflowError` there.
pub(crate) const TIMEOUT_MAX_SECS: f64 = 9_223_372_036.0;

/// A timeout as sent to the server: seconds, or `None` (wait for ever) for `Duration::MAX` and
/// anything beyond CPython's `threading.TIMEOUT_MAX`.
pub(crate) fn timeout_arg(d: std::time::Duration) -> Value {
    let s = d.as_secs_f64();
    if d == std::time::Duration::MAX || s > TIMEOUT_MAX_SECS {
        Value::None
    } else {
        Value::Float(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn forever_is_sent_as_none() {
        assert_eq!(timeout_arg(Duration::MAX), Value::None);
        assert_eq!(
            timeout_arg(Duration::from_secs(10_000_000_000)),
            Value::None
        );
        assert_eq!(timeout_arg(Duration::from_millis(1500)), Value::Float(1.5));
        assert_eq!(
            timeout_arg(Duration::from_secs(9_223_372_036)),
            Value::Float(9_223_372_036.0)
        );
    }
}
