//! Rust values ↔ pickle `Value`s for the typed proxies.
//!
//! STOPGAP until the pickle layer's serde support lands: the common scalar types and `Value`
//! itself map directly.

use std::any::Any;

use super::error::ManagerError;
use crate::pickle::Value;

pub(crate) fn to_value<T: 'static>(v: &T) -> Result<Value, ManagerError> {
    let any = v as &dyn Any;
    if let Some(v) = any.downcast_ref::<Value>() {
        return Ok(v.clone());
    }
    if let Some(v) = any.downcast_ref::<i64>() {
        return Ok(Value::Int(*v));
    }
    if let Some(v) = any.downcast_ref::<i32>() {
        return Ok(Value::Int(i64::from(*v)));
    }
    if let Some(v) = any.downcast_ref::<String>() {
        return Ok(Value::Str(v.clone()));
    }
    if let Some(v) = any.downcast_ref::<&'static str>() {
        return Ok(Value::Str((*v).to_owned()));
    }
    if let Some(v) = any.downcast_ref::<bool>() {
        return Ok(Value::Bool(*v));
    }
    if let Some(v) = any.downcast_ref::<f64>() {
        return Ok(Value::Float(*v));
    }
    Err(ManagerError::Convert("unsupported type".into()))
}

pub(crate) fn from_value<T: 'static>(v: Value) -> Result<T, ManagerError> {
    let boxed: Box<dyn Any> = match std::any::TypeId::of::<T>() {
        t if t == std::any::TypeId::of::<Value>() => Box::new(v),
        t if t == std::any::TypeId::of::<i64>() => match v {
            Value::Int(i) => Box::new(i),
            _ => return Err(ManagerError::Convert("expected an int".into())),
        },
        t if t == std::any::TypeId::of::<i32>() => match v {
            Value::Int(i) => Box::new(
                i32::try_from(i).map_err(|_| ManagerError::Convert("int out of range".into()))?,
            ),
            _ => return Err(ManagerError::Convert("expected an int".into())),
        },
        t if t == std::any::TypeId::of::<String>() => match v {
            Value::Str(s) => Box::new(s),
            _ => return Err(ManagerError::Convert("expected a str".into())),
        },
        t if t == std::any::TypeId::of::<bool>() => match v {
            Value::Bool(b) => Box::new(b),
            _ => return Err(ManagerError::Convert("expected a bool".into())),
        },
        t if t == std::any::TypeId::of::<f64>() => match v {
            Value::Float(f) => Box::new(f),
            _ => return Err(ManagerError::Convert("expected a float".into())),
        },
        _ => return Err(ManagerError::Convert("unsupported type".into())),
    };
    boxed
        .downcast::<T>()
        .map(|b| *b)
        .map_err(|_| ManagerError::Convert("type mismatch".into()))
}
