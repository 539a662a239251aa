//! [`Pool`] and [`PoolBuilder`].

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::builder::PoolBuilder;
use super::collect::{AsyncResult, Collector};
use super::engine::{Engine, Job, RunState};
use super::error::PoolError;
use crate::pickle;
use crate::process::{Lookup, Target, lookup, target_name};

/// A pool of worker processes running registered functions (Python's `multiprocessing.Pool`),
/// which **never hangs when a worker dies**: that worker's task fails alone with
/// [`PoolError::WorkerDied`], the worker is replaced, and every other task completes.
///
/// Dropping a running pool terminates it (Python's `with Pool() as p:` exit).
///
/// # Examples
///
/// The tutorials' `Pool(5).map(test, range(13))`:
///
/// ```
/// use pythreading_mp::pool::Pool;
///
/// fn test(n: u64) -> (u64, u32) { (n * n, std::process::id()) }
/// pythreading_mp::register!(test);
///
/// fn main() {
///     pythreading_mp::init();
///     let pool = Pool::new(5).unwrap();
///     for (n, (square, pid)) in pool.map(test, 0..13).unwrap().into_iter().enumerate() {
///         println!("{n}² = {square} in process {pid}");
///     }
/// }
/// ```
pub struct Pool {
    pub(super) engine: Arc<Engine>,
    pub(super) size: usize,
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("size", &self.size)
            .field("state", &self.engine.state())
            .finish()
    }
}

/// The registry name of `F`, or the error naming the `register!` line to add.
fn registered<F>() -> Result<&'static str, PoolError> {
    let name = target_name::<F>();
    match lookup(name) {
        Lookup::Found(_) => Ok(name),
        Lookup::Missing => Err(PoolError::NotRegistered { name }),
        Lookup::Ambiguous => Err(PoolError::Start(format!(
            "`{name}` names several registered functions: register named `fn` items only"
        ))),
    }
}

fn encode_item<A: Serialize>(args: &A) -> Result<Vec<u8>, PoolError> {
    pickle::to_value(args)
        .map(|v| pickle::dumps(&v))
        .map_err(|e| PoolError::Encode(e.to_string()))
}

/// Python's default `chunksize` for `map`: `ceil(len / (4 * workers))`.
fn default_chunksize(len: usize, workers: usize) -> usize {
    len.div_ceil(4 * workers).max(1)
}

pub(super) type Hook = Box<dyn FnOnce(&[Option<super::collect::Outcome>]) + Send>;

impl Pool {
    /// A pool of `processes` workers (Python's `Pool(processes)`).
    ///
    /// # Errors
    ///
    /// [`PoolError::InvalidSize`] for 0; [`PoolError::Start`] if a worker cannot start
    /// (for example without `pythreading_mp::init()` first in `main`).
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pool::{Pool, PoolError};
    /// assert!(matches!(Pool::new(0), Err(PoolError::InvalidSize)));
    /// ```
    pub fn new(processes: usize) -> Result<Pool, PoolError> {
        Pool::builder().processes(processes).build()
    }

    /// A builder (size, initializer, max tasks per child).
    ///
    /// # Examples
    ///
    /// ```
    /// let b = pythreading_mp::pool::Pool::builder();
    /// # let _ = b;
    /// ```
    pub fn builder() -> PoolBuilder {
        PoolBuilder::new()
    }

    /// The number of worker processes.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() {
    /// # pythreading_mp::init();
    /// assert_eq!(pythreading_mp::pool::Pool::new(3).unwrap().processes(), 3);
    /// # }
    /// ```
    pub fn processes(&self) -> usize {
        self.size
    }

    /// The pids of the workers running now (replaced workers have new pids).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() {
    /// # pythreading_mp::init();
    /// let pool = pythreading_mp::pool::Pool::new(2).unwrap();
    /// assert_eq!(pool.worker_pids().len(), 2);
    /// # }
    /// ```
    pub fn worker_pids(&self) -> Vec<u32> {
        self.engine.pids()
    }

    fn submit_items(
        &self,
        target: &'static str,
        items: Vec<Vec<u8>>,
        chunksize: usize,
        on_done: Option<Hook>,
    ) -> Result<Arc<Collector>, PoolError> {
        if self.engine.state() != RunState::Running {
            return Err(PoolError::NotRunning);
        }
        let collector = Collector::new(items.len(), on_done);
        let chunksize = chunksize.max(1);
        let mut jobs = Vec::with_capacity(items.len().div_ceil(chunksize));
        let mut current: VecDeque<(usize, Vec<u8>)> = VecDeque::new();
        for (i, item) in items.into_iter().enumerate() {
            current.push_back((i, item));
            if current.len() == chunksize {
                jobs.push(Job {
                    target,
                    items: std::mem::take(&mut current),
                    collector: Arc::clone(&collector),
                });
            }
        }
        if !current.is_empty() {
            jobs.push(Job {
                target,
                items: current,
                collector: Arc::clone(&collector),
            });
        }
        self.engine.submit(jobs)?;
        Ok(collector)
    }

    /// Encodes every argument tuple (all of them first: one that cannot be encoded submits
    /// nothing, MP-L13) and submits them as calls of `F` in chunks of `chunksize` (`None`:
    /// Python's default for `map`). Hands back the collector and the number of calls.
    pub(super) fn submit_calls<F, A: Serialize>(
        &self,
        args: impl IntoIterator<Item = A>,
        chunksize: Option<usize>,
        on_done: Option<Hook>,
    ) -> Result<(Arc<Collector>, usize), PoolError> {
        let name = registered::<F>()?;
        let items = args
            .into_iter()
            .map(|a| encode_item(&a))
            .collect::<Result<Vec<_>, _>>()?;
        let len = items.len();
        let chunksize = chunksize.unwrap_or_else(|| default_chunksize(len, self.size));
        Ok((self.submit_items(name, items, chunksize, on_done)?, len))
    }

    /// Calls `f(*args)` in a worker and waits for the value (Python's `apply`).
    ///
    /// # Errors
    ///
    /// The task's failure ([`PoolError::Panicked`], [`PoolError::WorkerDied`],
    /// [`PoolError::Encode`]), or the call's refusal ([`PoolError::NotRunning`],
    /// [`PoolError::NotRegistered`]).
    ///
    /// # Examples
    ///
    /// ```
    /// fn add(a: i64, b: i64) -> i64 { a + b }
    /// pythreading_mp::register!(add);
    /// # fn main() {
    /// # pythreading_mp::init();
    /// let pool = pythreading_mp::pool::Pool::new(1).unwrap();
    /// assert_eq!(pool.apply(add, (2, 3)).unwrap(), 5);
    /// # }
    /// ```
    pub fn apply<F, Args>(&self, f: F, args: Args) -> Result<F::Output, PoolError>
    where
        F: Target<Args>,
        Args: Serialize,
        F::Output: DeserializeOwned,
    {
        self.apply_async(f, args)?.get()
    }

    /// Calls `f(*args)` in a worker without waiting (Python's `apply_async`).
    ///
    /// # Errors
    ///
    /// As [`apply`](Pool::apply) for the call's refusal; the task's own failure comes from
    /// [`AsyncResult::get`].
    ///
    /// # Examples
    ///
    /// ```
    /// fn add(a: i64, b: i64) -> i64 { a + b }
    /// pythreading_mp::register!(add);
    /// # fn main() {
    /// # pythreading_mp::init();
    /// let pool = pythreading_mp::pool::Pool::new(1).unwrap();
    /// let r = pool.apply_async(add, (2, 3)).unwrap();
    /// assert_eq!(r.get().unwrap(), 5);
    /// # }
    /// ```
    pub fn apply_async<F, Args>(
        &self,
        f: F,
        args: Args,
    ) -> Result<AsyncResult<F::Output>, PoolError>
    where
        F: Target<Args>,
        Args: Serialize,
        F::Output: DeserializeOwned,
    {
        drop(f);
        let name = registered::<F>()?;
        let c = self.submit_items(name, vec![encode_item(&args)?], 1, None)?;
        Ok(AsyncResult::one(c))
    }

    /// [`apply_async`](Pool::apply_async) with a `callback` for the value and an
    /// `error_callback` for the failure; exactly one runs, once, on a pool thread (Python's
    /// `callback=`, `error_callback=`).
    ///
    /// # Errors
    ///
    /// As [`apply_async`](Pool::apply_async).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::mpsc;
    /// fn add(a: i64, b: i64) -> i64 { a + b }
    /// pythreading_mp::register!(add);
    /// # fn main() {
    /// # pythreading_mp::init();
    /// let pool = pythreading_mp::pool::Pool::new(1).unwrap();
    /// let (tx, rx) = mpsc::channel();
    /// let r = pool
    ///     .apply_async_with(add, (2, 3), move |v| tx.send(v).unwrap(), |e| panic!("{e}"))
    ///     .unwrap();
    /// r.wait();
    /// assert_eq!(rx.recv().unwrap(), 5);
    /// # }
    /// ```
    pub fn apply_async_with<F, Args, C, E>(
        &self,
        f: F,
        args: Args,
        callback: C,
        error_callback: E,
    ) -> Result<AsyncResult<F::Output>, PoolError>
    where
        F: Target<Args>,
        Args: Serialize,
        F::Output: DeserializeOwned,
        C: FnOnce(F::Output) + Send + 'static,
        E: FnOnce(PoolError) + Send + 'static,
    {
        drop(f);
        let name = registered::<F>()?;
        let hook: Hook = Box::new(move |slots| match slots.first().and_then(Option::as_ref) {
            Some(o) => match super::collect::decode::<F::Output>(o) {
                Ok(v) => callback(v),
                Err(e) => error_callback(e),
            },
            None => error_callback(PoolError::Terminated),
        });
        let c = self.submit_items(name, vec![encode_item(&args)?], 1, Some(hook))?;
        Ok(AsyncResult::one(c))
    }

    /// Accepts no more tasks; the workers exit once the queued ones are done (Python's `close`).
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pool::{Pool, PoolError};
    /// fn one() -> u8 { 1 }
    /// pythreading_mp::register!(one);
    /// # fn main() {
    /// # pythreading_mp::init();
    /// let pool = Pool::new(1).unwrap();
    /// pool.close();
    /// assert!(matches!(pool.apply(one, ()), Err(PoolError::NotRunning)));
    /// pool.join().unwrap();
    /// # }
    /// ```
    pub fn close(&self) {
        self.engine.close();
    }

    /// Stops now: workers are killed, unfinished tasks fail with [`PoolError::Terminated`]
    /// (Python's `terminate`).
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pool::{Pool, PoolError};
    /// fn nap() { std::thread::sleep(std::time::Duration::from_secs(30)); }
    /// pythreading_mp::register!(nap);
    /// # fn main() {
    /// # pythreading_mp::init();
    /// let pool = Pool::new(1).unwrap();
    /// let r = pool.apply_async(nap, ()).unwrap();
    /// pool.terminate();
    /// pool.join().unwrap();
    /// assert!(matches!(r.get(), Err(PoolError::Terminated)));
    /// # }
    /// ```
    pub fn terminate(&self) {
        self.engine.terminate();
    }

    /// Waits for the workers to exit after [`close`](Pool::close) or
    /// [`terminate`](Pool::terminate) (Python's `join`).
    ///
    /// # Errors
    ///
    /// [`PoolError::StillRunning`] if neither was called.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pool::{Pool, PoolError};
    /// # fn main() {
    /// # pythreading_mp::init();
    /// let pool = Pool::new(1).unwrap();
    /// assert!(matches!(pool.join(), Err(PoolError::StillRunning)));
    /// pool.close();
    /// pool.join().unwrap();
    /// # }
    /// ```
    pub fn join(&self) -> Result<(), PoolError> {
        if self.engine.state() == RunState::Running {
            return Err(PoolError::StillRunning);
        }
        self.engine.join_threads();
        Ok(())
    }
}

impl Drop for Pool {
    /// Terminates a running pool and waits for its workers, as Python's `with Pool() as p:` exit.
    fn drop(&mut self) {
        self.engine.terminate();
        self.engine.join_threads();
    }
}

impl Pool {
    /// Submits one encoded call; used by [`ProcessPoolExecutor`](super::ProcessPoolExecutor).
    pub(crate) fn submit_encoded(
        &self,
        target: &'static str,
        args: Vec<u8>,
    ) -> Result<Arc<Collector>, PoolError> {
        self.submit_items(target, vec![args], 1, None)
    }
}

/// The registry name of `F` or the error naming the fix (for the executor).
pub(crate) fn registered_name<F>() -> Result<&'static str, PoolError> {
    registered::<F>()
}

/// Encodes one argument tuple (for the executor).
pub(crate) fn encode_args<A: Serialize>(args: &A) -> Result<Vec<u8>, PoolError> {
    encode_item(args)
}
