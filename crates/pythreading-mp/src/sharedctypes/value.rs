//! Process-shared [`Value`] and [`Array`] of plain numbers.

use std::fmt;
use std::marker::PhantomData;

use serde::{Deserialize, Serialize};

use super::number::SharedNumber;
use crate::synchronize::host::{Handle, Kind, Op, State};
use crate::synchronize::{RLock, SharedError};

/// The numbers and their lock, as they travel.
#[derive(Clone, Serialize, Deserialize)]
struct Numbers {
    handle: Handle,
    typecode: char,
    len: usize,
    lock: Option<RLock>,
}

impl Numbers {
    fn new<T: SharedNumber>(data: Vec<u64>, locked: bool) -> Result<Numbers, SharedError> {
        let len = data.len();
        Ok(Numbers {
            handle: Handle::create(State::numbers(T::TYPECODE as u8, data))?,
            typecode: T::TYPECODE,
            len,
            lock: if locked { Some(RLock::new()?) } else { None },
        })
    }

    /// A handle rebuilt as the wrong number type is refused rather than misread.
    fn check<T: SharedNumber>(&self) -> Result<(), SharedError> {
        if self.typecode == T::TYPECODE && self.handle.is_kind(Kind::Numbers) {
            Ok(())
        } else {
            Err(SharedError::WrongKind)
        }
    }

    fn get<T: SharedNumber>(&self, index: usize) -> Result<T, SharedError> {
        self.check::<T>()?;
        if index >= self.len {
            return Err(SharedError::IndexOutOfRange {
                index,
                len: self.len,
            });
        }
        let bits = self.handle.value(Op::NumGet, index as i64, Vec::new())?;
        Ok(T::from_bits64(bits as u64))
    }

    fn set<T: SharedNumber>(&self, index: usize, v: T) -> Result<(), SharedError> {
        self.check::<T>()?;
        if index >= self.len {
            return Err(SharedError::IndexOutOfRange {
                index,
                len: self.len,
            });
        }
        let payload = v.to_bits64().to_be_bytes().to_vec();
        self.handle
            .value(Op::NumSet, index as i64, payload)
            .map(|_| ())
    }
}

/// One number shared between processes (Python's `multiprocessing.Value`), with the
/// [`RLock`] returned by [`get_lock`](Value::get_lock) for read-modify-write updates.
///
/// [`get`](Value::get) and [`set`](Value::set) are each atomic; an update that reads then
/// writes needs the lock, as in Python (`with v.get_lock(): v.value += 1`), or
/// [`update`](Value::update), which does exactly that.
///
/// # Examples
///
/// ```
/// use pythreading_mp::sharedctypes::Value;
/// let counter = Value::new(0i64)?;
/// let handles: Vec<_> = (0..4)
///     .map(|_| {
///         let c = counter.clone();
///         std::thread::spawn(move || {
///             for _ in 0..100 {
///                 c.update(|v| v + 1).unwrap();
///             }
///         })
///     })
///     .collect();
/// for h in handles {
///     h.join().unwrap();
/// }
/// assert_eq!(counter.get()?, 400);
/// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
/// ```
#[derive(Serialize, Deserialize)]
pub struct Value<T> {
    inner: Numbers,
    #[serde(skip)]
    _t: PhantomData<fn(T) -> T>,
}

impl<T> Clone for Value<T> {
    fn clone(&self) -> Self {
        Value {
            inner: self.inner.clone(),
            _t: PhantomData,
        }
    }
}

impl<T> fmt::Debug for Value<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Value")
            .field("typecode", &self.inner.typecode)
            .finish_non_exhaustive()
    }
}

impl<T: SharedNumber> Value<T> {
    /// A shared number with its own new [`RLock`] (Python's `Value(code, v)`).
    ///
    /// # Errors
    ///
    /// [`SharedError::Host`] if this process's host cannot start.
    ///
    /// # Examples
    ///
    /// ```
    /// let v = pythreading_mp::sharedctypes::Value::new(2.5f64)?;
    /// assert_eq!(v.get()?, 2.5);
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn new(v: T) -> Result<Value<T>, SharedError> {
        Ok(Value {
            inner: Numbers::new::<T>(vec![v.to_bits64()], true)?,
            _t: PhantomData,
        })
    }

    /// A shared number guarded by an existing `lock` (Python's `Value(code, v, lock=lock)`).
    ///
    /// # Errors
    ///
    /// As [`new`](Value::new).
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::{sharedctypes::Value, synchronize::RLock};
    /// let lock = RLock::new()?;
    /// let v = Value::with_lock(1u8, lock.clone())?;
    /// lock.acquire()?;
    /// assert!(v.get_lock().locked()?);
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn with_lock(v: T, lock: RLock) -> Result<Value<T>, SharedError> {
        let mut inner = Numbers::new::<T>(vec![v.to_bits64()], false)?;
        inner.lock = Some(lock);
        Ok(Value {
            inner,
            _t: PhantomData,
        })
    }

    /// Reads the number (Python's `v.value`).
    ///
    /// # Errors
    ///
    /// [`SharedError::WrongKind`] when this handle was rebuilt with another number type;
    /// [`SharedError::Host`].
    ///
    /// # Examples
    ///
    /// ```
    /// let v = pythreading_mp::sharedctypes::Value::new(-3i16)?;
    /// assert_eq!(v.get()?, -3);
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn get(&self) -> Result<T, SharedError> {
        self.inner.get(0)
    }

    /// Writes the number (Python's `v.value = x`).
    ///
    /// # Errors
    ///
    /// As [`get`](Value::get).
    ///
    /// # Examples
    ///
    /// ```
    /// let v = pythreading_mp::sharedctypes::Value::new(0u32)?;
    /// v.set(9)?;
    /// assert_eq!(v.get()?, 9);
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn set(&self, v: T) -> Result<(), SharedError> {
        self.inner.set(0, v)
    }

    /// The lock that guards read-modify-write updates (Python's `get_lock()`).
    ///
    /// # Examples
    ///
    /// ```
    /// let v = pythreading_mp::sharedctypes::Value::new(0i32)?;
    /// let _g = v.get_lock().lock()?;
    /// v.set(v.get()? + 1)?;
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn get_lock(&self) -> &RLock {
        // Every constructor of `Value` sets the lock.
        self.inner
            .lock
            .as_ref()
            .unwrap_or_else(|| unreachable!("a Value always has a lock"))
    }

    /// Replaces the number by `f(number)` under [`get_lock`](Value::get_lock), returning the
    /// new number: `with v.get_lock(): v.value = f(v.value)`.
    ///
    /// # Errors
    ///
    /// As [`get`](Value::get).
    ///
    /// # Examples
    ///
    /// ```
    /// let v = pythreading_mp::sharedctypes::Value::new(1i64)?;
    /// assert_eq!(v.update(|x| x * 10)?, 10);
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn update<F: FnOnce(T) -> T>(&self, f: F) -> Result<T, SharedError> {
        let _g = self.get_lock().lock()?;
        let new = f(self.get()?);
        self.set(new)?;
        Ok(new)
    }
}

/// A fixed-length array of numbers shared between processes (Python's
/// `multiprocessing.Array`), with its [`RLock`].
///
/// # Examples
///
/// ```
/// use pythreading_mp::sharedctypes::Array;
/// let a = Array::<i32>::zeroed(10)?;
/// a.assign(&(0..10).collect::<Vec<_>>())?;
/// assert_eq!(a.get(3)?, 3);
/// assert_eq!(a.to_vec()?[2..7], [2, 3, 4, 5, 6]);
/// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
/// ```
#[derive(Serialize, Deserialize)]
pub struct Array<T> {
    inner: Numbers,
    #[serde(skip)]
    _t: PhantomData<fn(T) -> T>,
}

impl<T> Clone for Array<T> {
    fn clone(&self) -> Self {
        Array {
            inner: self.inner.clone(),
            _t: PhantomData,
        }
    }
}

impl<T> fmt::Debug for Array<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Array")
            .field("typecode", &self.inner.typecode)
            .field("len", &self.inner.len)
            .finish_non_exhaustive()
    }
}

impl<T: SharedNumber> Array<T> {
    /// An array holding a copy of `values` (Python's `Array(code, seq)`).
    ///
    /// # Errors
    ///
    /// [`SharedError::Host`] if this process's host cannot start.
    ///
    /// # Examples
    ///
    /// ```
    /// let a = pythreading_mp::sharedctypes::Array::new(&[1.5f64, 2.5])?;
    /// assert_eq!(a.len(), 2);
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn new(values: &[T]) -> Result<Array<T>, SharedError> {
        Ok(Array {
            inner: Numbers::new::<T>(values.iter().map(|v| v.to_bits64()).collect(), true)?,
            _t: PhantomData,
        })
    }

    /// An array of `len` zeros (Python's `Array(code, len)`).
    ///
    /// # Errors
    ///
    /// As [`new`](Array::new).
    ///
    /// # Examples
    ///
    /// ```
    /// let a = pythreading_mp::sharedctypes::Array::<u8>::zeroed(4)?;
    /// assert_eq!(a.to_vec()?, [0, 0, 0, 0]);
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn zeroed(len: usize) -> Result<Array<T>, SharedError> {
        Ok(Array {
            inner: Numbers::new::<T>(vec![0; len], true)?,
            _t: PhantomData,
        })
    }

    /// The number of elements (fixed).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(pythreading_mp::sharedctypes::Array::<i8>::zeroed(3)?.len(), 3);
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.inner.len
    }

    /// Whether the array has no element.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(pythreading_mp::sharedctypes::Array::<i8>::zeroed(0)?.is_empty());
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.inner.len == 0
    }

    /// Element `index` (Python's `a[i]`).
    ///
    /// # Errors
    ///
    /// [`SharedError::IndexOutOfRange`] (Python's `IndexError`); [`SharedError::Host`].
    ///
    /// # Examples
    ///
    /// ```
    /// let a = pythreading_mp::sharedctypes::Array::new(&[5u16])?;
    /// assert_eq!(a.get(0)?, 5);
    /// assert!(a.get(1).is_err());
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn get(&self, index: usize) -> Result<T, SharedError> {
        self.inner.get(index)
    }

    /// Sets element `index` (Python's `a[i] = v`).
    ///
    /// # Errors
    ///
    /// As [`get`](Array::get).
    ///
    /// # Examples
    ///
    /// ```
    /// let a = pythreading_mp::sharedctypes::Array::<i64>::zeroed(2)?;
    /// a.set(1, -1)?;
    /// assert_eq!(a.to_vec()?, [0, -1]);
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn set(&self, index: usize, v: T) -> Result<(), SharedError> {
        self.inner.set(index, v)
    }

    /// A copy of every element, read at one instant (Python's `a[:]`).
    ///
    /// # Errors
    ///
    /// [`SharedError::Host`].
    ///
    /// # Examples
    ///
    /// ```
    /// let a = pythreading_mp::sharedctypes::Array::new(&[1i32, 2, 3])?;
    /// assert_eq!(a.to_vec()?, [1, 2, 3]);
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn to_vec(&self) -> Result<Vec<T>, SharedError> {
        self.inner.check::<T>()?;
        let r = self
            .inner
            .handle
            .call(Op::NumGetAll, None, 0, Vec::new())?
            .ok_or_else(|| SharedError::Protocol("no data".into()))?;
        Ok(r.payload
            .chunks_exact(8)
            .map(|c| {
                let mut b = [0u8; 8];
                b.copy_from_slice(c);
                T::from_bits64(u64::from_be_bytes(b))
            })
            .collect())
    }

    /// Replaces every element at one instant (Python's `a[:] = seq`).
    ///
    /// # Errors
    ///
    /// [`SharedError::LengthMismatch`] when `values` is not exactly [`len`](Array::len) long
    /// (Python's "Can only assign sequence of same size"); nothing is changed then.
    ///
    /// # Examples
    ///
    /// ```
    /// let a = pythreading_mp::sharedctypes::Array::<u8>::zeroed(2)?;
    /// a.assign(&[7, 8])?;
    /// assert!(a.assign(&[1]).is_err());
    /// assert_eq!(a.to_vec()?, [7, 8]);
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn assign(&self, values: &[T]) -> Result<(), SharedError> {
        self.inner.check::<T>()?;
        if values.len() != self.inner.len {
            return Err(SharedError::LengthMismatch {
                expected: self.inner.len,
                got: values.len(),
            });
        }
        let payload = values
            .iter()
            .flat_map(|v| v.to_bits64().to_be_bytes())
            .collect();
        self.inner
            .handle
            .value(Op::NumSetAll, 0, payload)
            .map(|_| ())
    }

    /// The lock that guards read-modify-write updates (Python's `get_lock()`).
    ///
    /// # Examples
    ///
    /// ```
    /// let a = pythreading_mp::sharedctypes::Array::<i32>::zeroed(1)?;
    /// let _g = a.get_lock().lock()?;
    /// a.set(0, a.get(0)? + 1)?;
    /// # Ok::<(), pythreading_mp::synchronize::SharedError>(())
    /// ```
    pub fn get_lock(&self) -> &RLock {
        self.inner
            .lock
            .as_ref()
            .unwrap_or_else(|| unreachable!("an Array always has a lock"))
    }
}
