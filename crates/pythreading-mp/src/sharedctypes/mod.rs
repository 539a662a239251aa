//! Process-shared numbers: [`Value`] and [`Array`] (Python's `multiprocessing.Value` /
//! `multiprocessing.Array` of ctypes numbers; MP-V01..05).
//!
//! Hosted by the creating process like every shared object (see
//! [`synchronize`](crate::synchronize) for why not shared memory: it would need `unsafe`).
//! Each [`get`](Value::get) / [`set`](Value::set) is atomic; read-modify-write needs the
//! object's [`RLock`](crate::synchronize::RLock) (`get_lock()`), exactly as in Python.
//!
//! # Examples
//!
//! ```
//! use pythreading_mp::sharedctypes::{Array, Value};
//! let v = Value::new(0i32)?;
//! v.update(|x| x + 1)?;
//! let a = Array::new(&[1.0f64, 2.0])?;
//! a.set(0, v.get()? as f64 * 10.0)?;
//! assert_eq!(a.to_vec()?, [10.0, 2.0]);
//! # Ok::<(), pythreading_mp::synchronize::SharedError>(())
//! ```

mod number;
mod value;

pub use number::SharedNumber;
pub use value::{Array, Value};
