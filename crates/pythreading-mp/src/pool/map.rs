//! The `map` family of [`Pool`]: `map`, `map_async` (with callbacks), `starmap`, each with
//! Python's default chunk size, and `map_chunksize`.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::collect::{AsyncResult, decode_all};
use super::error::PoolError;
use super::handle::{Hook, Pool};
use crate::process::Target;

impl Pool {
    /// `[f(x) for x in items]` in the workers, in order (Python's `map`), with Python's default
    /// chunk size. The first failing task (in input order) is the error; the other tasks still
    /// run (MP-L11).
    ///
    /// # Errors
    ///
    /// An argument that cannot be encoded (nothing is submitted: MP-L13), a refused call, or the
    /// first task's failure.
    ///
    /// # Examples
    ///
    /// ```
    /// fn square(x: u64) -> u64 { x * x }
    /// pythreading_mp::register!(square);
    /// # fn main() {
    /// # pythreading_mp::init();
    /// let pool = pythreading_mp::pool::Pool::new(2).unwrap();
    /// assert_eq!(pool.map(square, 0..5).unwrap(), [0, 1, 4, 9, 16]);
    /// # }
    /// ```
    pub fn map<F, T>(
        &self,
        f: F,
        items: impl IntoIterator<Item = T>,
    ) -> Result<Vec<F::Output>, PoolError>
    where
        F: Target<(T,)>,
        T: Serialize,
        F::Output: DeserializeOwned,
    {
        self.map_async(f, items)?.get()
    }

    /// [`map`](Pool::map) with an explicit `chunksize` (tasks sent to a worker at once).
    ///
    /// # Errors
    ///
    /// As [`map`](Pool::map).
    ///
    /// # Examples
    ///
    /// ```
    /// fn square(x: u64) -> u64 { x * x }
    /// pythreading_mp::register!(square);
    /// # fn main() {
    /// # pythreading_mp::init();
    /// let pool = pythreading_mp::pool::Pool::new(2).unwrap();
    /// assert_eq!(pool.map_chunksize(square, 0..100, 20).unwrap()[99], 9801);
    /// # }
    /// ```
    pub fn map_chunksize<F, T>(
        &self,
        f: F,
        items: impl IntoIterator<Item = T>,
        chunksize: usize,
    ) -> Result<Vec<F::Output>, PoolError>
    where
        F: Target<(T,)>,
        T: Serialize,
        F::Output: DeserializeOwned,
    {
        drop(f);
        let (c, _) =
            self.submit_calls::<F, _>(items.into_iter().map(|t| (t,)), Some(chunksize), None)?;
        AsyncResult::<Vec<F::Output>>::all(c).get()
    }

    /// `map` without waiting (Python's `map_async`).
    ///
    /// # Errors
    ///
    /// As [`map`](Pool::map) for the call; the tasks' failures come from [`AsyncResult::get`].
    ///
    /// # Examples
    ///
    /// ```
    /// fn square(x: u64) -> u64 { x * x }
    /// pythreading_mp::register!(square);
    /// # fn main() {
    /// # pythreading_mp::init();
    /// let pool = pythreading_mp::pool::Pool::new(2).unwrap();
    /// assert_eq!(pool.map_async(square, [3]).unwrap().get().unwrap(), [9]);
    /// # }
    /// ```
    pub fn map_async<F, T>(
        &self,
        f: F,
        items: impl IntoIterator<Item = T>,
    ) -> Result<AsyncResult<Vec<F::Output>>, PoolError>
    where
        F: Target<(T,)>,
        T: Serialize,
        F::Output: DeserializeOwned,
    {
        drop(f);
        let (c, _) = self.submit_calls::<F, _>(items.into_iter().map(|t| (t,)), None, None)?;
        Ok(AsyncResult::all(c))
    }

    /// [`map_async`](Pool::map_async) with callbacks: `callback` gets the whole list once, or
    /// `error_callback` the first failure once (MP-L06).
    ///
    /// # Errors
    ///
    /// As [`map_async`](Pool::map_async).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::mpsc;
    /// fn square(x: u64) -> u64 { x * x }
    /// pythreading_mp::register!(square);
    /// # fn main() {
    /// # pythreading_mp::init();
    /// let pool = pythreading_mp::pool::Pool::new(2).unwrap();
    /// let (tx, rx) = mpsc::channel();
    /// pool.map_async_with(square, [1, 2], move |v| tx.send(v).unwrap(), |e| panic!("{e}"))
    ///     .unwrap()
    ///     .wait();
    /// assert_eq!(rx.recv().unwrap(), [1, 4]);
    /// # }
    /// ```
    pub fn map_async_with<F, T, C, E>(
        &self,
        f: F,
        items: impl IntoIterator<Item = T>,
        callback: C,
        error_callback: E,
    ) -> Result<AsyncResult<Vec<F::Output>>, PoolError>
    where
        F: Target<(T,)>,
        T: Serialize,
        F::Output: DeserializeOwned,
        C: FnOnce(Vec<F::Output>) + Send + 'static,
        E: FnOnce(PoolError) + Send + 'static,
    {
        drop(f);
        let hook: Hook = Box::new(move |slots| match decode_all::<F::Output>(slots) {
            Ok(v) => callback(v),
            Err(e) => error_callback(e),
        });
        let (c, _) =
            self.submit_calls::<F, _>(items.into_iter().map(|t| (t,)), None, Some(hook))?;
        Ok(AsyncResult::all(c))
    }

    /// `[f(*args) for args in items]` (Python's `starmap`): each item is the argument tuple.
    ///
    /// # Errors
    ///
    /// As [`map`](Pool::map).
    ///
    /// # Examples
    ///
    /// ```
    /// fn add(a: i32, b: i32) -> i32 { a + b }
    /// pythreading_mp::register!(add);
    /// # fn main() {
    /// # pythreading_mp::init();
    /// let pool = pythreading_mp::pool::Pool::new(2).unwrap();
    /// assert_eq!(pool.starmap(add, [(1, 2), (3, 4)]).unwrap(), [3, 7]);
    /// # }
    /// ```
    pub fn starmap<F, Args>(
        &self,
        f: F,
        items: impl IntoIterator<Item = Args>,
    ) -> Result<Vec<F::Output>, PoolError>
    where
        F: Target<Args>,
        Args: Serialize,
        F::Output: DeserializeOwned,
    {
        self.starmap_async(f, items)?.get()
    }

    /// `starmap` without waiting (Python's `starmap_async`).
    ///
    /// # Errors
    ///
    /// As [`map_async`](Pool::map_async).
    ///
    /// # Examples
    ///
    /// ```
    /// fn add(a: i32, b: i32) -> i32 { a + b }
    /// pythreading_mp::register!(add);
    /// # fn main() {
    /// # pythreading_mp::init();
    /// let pool = pythreading_mp::pool::Pool::new(2).unwrap();
    /// assert_eq!(pool.starmap_async(add, [(1, 2)]).unwrap().get().unwrap(), [3]);
    /// # }
    /// ```
    pub fn starmap_async<F, Args>(
        &self,
        f: F,
        items: impl IntoIterator<Item = Args>,
    ) -> Result<AsyncResult<Vec<F::Output>>, PoolError>
    where
        F: Target<Args>,
        Args: Serialize,
        F::Output: DeserializeOwned,
    {
        drop(f);
        let (c, _) = self.submit_calls::<F, _>(items, None, None)?;
        Ok(AsyncResult::all(c))
    }
}
