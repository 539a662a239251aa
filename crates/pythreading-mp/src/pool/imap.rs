//! The lazy results of [`Pool`]: `imap` (in order) and `imap_unordered` (in completion
//! order), chunk size 1 as in Python unless given.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::collect::{IMap, IMapUnordered, LazyResults, ResultOrder};
use super::error::PoolError;
use super::handle::Pool;
use crate::process::Target;

impl Pool {
    /// Ordered, lazy results (Python's `imap`, chunk size 1); see [`IMap::next_timeout`].
    ///
    /// # Errors
    ///
    /// An argument that cannot be encoded, or a refused call.
    ///
    /// # Examples
    ///
    /// ```
    /// fn square(x: u64) -> u64 { x * x }
    /// pythreading_mp::register!(square);
    /// # fn main() {
    /// # pythreading_mp::init();
    /// let pool = pythreading_mp::pool::Pool::new(2).unwrap();
    /// let mut it = pool.imap(square, 1..4).unwrap();
    /// assert_eq!(it.next().unwrap().unwrap(), 1);
    /// # }
    /// ```
    pub fn imap<F, T>(
        &self,
        f: F,
        items: impl IntoIterator<Item = T>,
    ) -> Result<IMap<F::Output>, PoolError>
    where
        F: Target<(T,)>,
        T: Serialize,
        F::Output: DeserializeOwned,
    {
        self.imap_chunksize(f, items, 1)
    }

    /// [`imap`](Pool::imap) with an explicit `chunksize`.
    ///
    /// # Errors
    ///
    /// As [`imap`](Pool::imap).
    ///
    /// # Examples
    ///
    /// ```
    /// fn square(x: u64) -> u64 { x * x }
    /// pythreading_mp::register!(square);
    /// # fn main() {
    /// # pythreading_mp::init();
    /// let pool = pythreading_mp::pool::Pool::new(2).unwrap();
    /// assert_eq!(pool.imap_chunksize(square, 0..1000, 100).unwrap().count(), 1000);
    /// # }
    /// ```
    pub fn imap_chunksize<F, T>(
        &self,
        f: F,
        items: impl IntoIterator<Item = T>,
        chunksize: usize,
    ) -> Result<IMap<F::Output>, PoolError>
    where
        F: Target<(T,)>,
        T: Serialize,
        F::Output: DeserializeOwned,
    {
        self.lazy_results(f, items, chunksize)
    }

    /// Results in completion order (Python's `imap_unordered`, chunk size 1).
    ///
    /// # Errors
    ///
    /// As [`imap`](Pool::imap).
    ///
    /// # Examples
    ///
    /// ```
    /// fn square(x: u64) -> u64 { x * x }
    /// pythreading_mp::register!(square);
    /// # fn main() {
    /// # pythreading_mp::init();
    /// let pool = pythreading_mp::pool::Pool::new(2).unwrap();
    /// let total: u64 = pool.imap_unordered(square, 0..4).unwrap().map(Result::unwrap).sum();
    /// assert_eq!(total, 14);
    /// # }
    /// ```
    pub fn imap_unordered<F, T>(
        &self,
        f: F,
        items: impl IntoIterator<Item = T>,
    ) -> Result<IMapUnordered<F::Output>, PoolError>
    where
        F: Target<(T,)>,
        T: Serialize,
        F::Output: DeserializeOwned,
    {
        self.imap_unordered_chunksize(f, items, 1)
    }

    /// [`imap_unordered`](Pool::imap_unordered) with an explicit `chunksize`.
    ///
    /// # Errors
    ///
    /// As [`imap`](Pool::imap).
    ///
    /// # Examples
    ///
    /// ```
    /// fn square(x: u64) -> u64 { x * x }
    /// pythreading_mp::register!(square);
    /// # fn main() {
    /// # pythreading_mp::init();
    /// let pool = pythreading_mp::pool::Pool::new(2).unwrap();
    /// assert_eq!(pool.imap_unordered_chunksize(square, 0..100, 10).unwrap().count(), 100);
    /// # }
    /// ```
    pub fn imap_unordered_chunksize<F, T>(
        &self,
        f: F,
        items: impl IntoIterator<Item = T>,
        chunksize: usize,
    ) -> Result<IMapUnordered<F::Output>, PoolError>
    where
        F: Target<(T,)>,
        T: Serialize,
        F::Output: DeserializeOwned,
    {
        self.lazy_results(f, items, chunksize)
    }

    /// Submits one call per item in chunks of `chunksize` and hands back its results lazily in
    /// the order `O` says: what the four `imap` faces above share.
    fn lazy_results<F, T, O>(
        &self,
        f: F,
        items: impl IntoIterator<Item = T>,
        chunksize: usize,
    ) -> Result<LazyResults<F::Output, O>, PoolError>
    where
        F: Target<(T,)>,
        T: Serialize,
        F::Output: DeserializeOwned,
        O: ResultOrder,
    {
        drop(f);
        let (c, len) =
            self.submit_calls::<F, _>(items.into_iter().map(|t| (t,)), Some(chunksize), None)?;
        Ok(LazyResults::new(c, len))
    }
}
