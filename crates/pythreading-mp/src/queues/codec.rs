//! Items travel and rest as protocol-4 pickles (what CPython's queues carry), so a queue item
//! is any serde value.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::pickle;
use crate::synchronize::SharedError;

pub(crate) fn encode<T: Serialize + ?Sized>(item: &T) -> Result<Vec<u8>, SharedError> {
    let v = pickle::to_value(item).map_err(|e| SharedError::Serialize(e.to_string()))?;
    Ok(pickle::dumps(&v))
}

pub(crate) fn decode<T: DeserializeOwned>(bytes: Vec<u8>) -> Result<T, SharedError> {
    let v = match pickle::loads(&bytes) {
        Ok(v) => v,
        Err(e) => {
            return Err(SharedError::Deserialize {
                reason: e.to_string(),
                bytes,
            });
        }
    };
    pickle::from_value(&v).map_err(|e| SharedError::Deserialize {
        reason: e.to_string(),
        bytes,
    })
}
