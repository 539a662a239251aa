//! [`Pool`] and [`PoolBuilder`].

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::collect::{AsyncResult, Collector, IMap, IMapUnordered, decode_all};
use super::engine::{Config, Engine, Job, RunState};
use super::error::PoolError;
use crate::pickle::{self, Value};
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
    engine: Arc<Engine>,
    size: usize,
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("size", &self.size)
            .field("state", &self.engine.state())
            .finish()
    }
}

/// Builds a [`Pool`]: size, initializer, tasks per worker (Python's `Pool(processes,
/// initializer, initargs, maxtasksperchild)`).
///
/// # Examples
///
/// ```
/// use pythreading_mp::pool::Pool;
///
/// fn setup(tag: String) { let _ = tag; }
/// fn pid() -> u32 { std::process::id() }
/// pythreading_mp::register!(setup, pid);
///
/// fn main() {
///     pythreading_mp::init();
///     let pool = Pool::builder()
///         .processes(2)
///         .initializer(setup, ("ready".to_string(),))
///         .max_tasks_per_child(1)
///         .build()
///         .unwrap();
///     let a = pool.apply(pid, ()).unwrap();
///     let b = pool.apply(pid, ()).unwrap();
///     assert_ne!(a, b); // each worker ran one task, then was replaced
/// }
/// ```
#[must_use = "a builder does nothing until `build()`"]
pub struct PoolBuilder {
    processes: Option<usize>,
    max_tasks: Option<u64>,
    initializer: Option<Result<(&'static str, Value), PoolError>>,
}

impl fmt::Debug for PoolBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoolBuilder")
            .field("processes", &self.processes)
            .field("max_tasks", &self.max_tasks)
            .finish_non_exhaustive()
    }
}

impl PoolBuilder {
    /// The number of workers (default: the CPU count). 0 is refused by `build()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let b = pythreading_mp::pool::Pool::builder().processes(3);
    /// # let _ = b;
    /// ```
    pub fn processes(mut self, n: usize) -> Self {
        self.processes = Some(n);
        self
    }

    /// Replace each worker after it ran `n` tasks (Python's `maxtasksperchild`); 0 is refused
    /// by `build()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let b = pythreading_mp::pool::Pool::builder().max_tasks_per_child(10);
    /// # let _ = b;
    /// ```
    #[doc(alias = "maxtasksperchild")]
    pub fn max_tasks_per_child(mut self, n: u64) -> Self {
        self.max_tasks = Some(n);
        self
    }

    /// Run `f(*args)` once in every worker when it starts (Python's `initializer`, `initargs`).
    ///
    /// # Examples
    ///
    /// ```
    /// fn setup(level: u8) { let _ = level; }
    /// pythreading_mp::register!(setup);
    /// let b = pythreading_mp::pool::Pool::builder().initializer(setup, (3,));
    /// # let _ = b;
    /// ```
    #[doc(alias = "initargs")]
    pub fn initializer<F, Args>(mut self, f: F, args: Args) -> Self
    where
        F: Target<Args>,
        Args: Serialize,
    {
        drop(f);
        self.initializer = Some(registered::<F>().and_then(|name| {
            pickle::to_value(&args)
                .map(|v| (name, v))
                .map_err(|e| PoolError::Encode(e.to_string()))
        }));
        self
    }

    /// Starts the workers.
    ///
    /// # Errors
    ///
    /// [`PoolError::InvalidSize`] for 0 processes, [`PoolError::InvalidMaxTasks`] for 0 tasks
    /// per child, [`PoolError::Start`] when a worker cannot start (then none is left running:
    /// MP-L19), and the initializer's registration or encoding error.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pool::{Pool, PoolError};
    /// assert!(matches!(Pool::builder().processes(0).build(), Err(PoolError::InvalidSize)));
    /// ```
    pub fn build(self) -> Result<Pool, PoolError> {
        let size = match self.processes {
            Some(0) => return Err(PoolError::InvalidSize),
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        if self.max_tasks == Some(0) {
            return Err(PoolError::InvalidMaxTasks);
        }
        let initializer = self.initializer.transpose()?;
        crate::process::check_may_start_for_pool()?;
        let engine = Engine::start(
            size,
            Config {
                max_tasks: self.max_tasks,
                initializer,
            },
        )?;
        Ok(Pool { engine, size })
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

type Hook = Box<dyn FnOnce(&[Option<super::collect::Outcome>]) + Send>;

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
        PoolBuilder {
            processes: None,
            max_tasks: None,
            initializer: None,
        }
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

    fn encode_all<A: Serialize>(
        args: impl IntoIterator<Item = A>,
    ) -> Result<Vec<Vec<u8>>, PoolError> {
        args.into_iter().map(|a| encode_item(&a)).collect()
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
        let name = registered::<F>()?;
        let items = Self::encode_all(items.into_iter().map(|t| (t,)))?;
        let c = self.submit_items(name, items, chunksize, None)?;
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
        let name = registered::<F>()?;
        let items = Self::encode_all(items.into_iter().map(|t| (t,)))?;
        let chunk = default_chunksize(items.len(), self.size);
        let c = self.submit_items(name, items, chunk, None)?;
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
        let name = registered::<F>()?;
        let items = Self::encode_all(items.into_iter().map(|t| (t,)))?;
        let chunk = default_chunksize(items.len(), self.size);
        let hook: Hook = Box::new(move |slots| match decode_all::<F::Output>(slots) {
            Ok(v) => callback(v),
            Err(e) => error_callback(e),
        });
        let c = self.submit_items(name, items, chunk, Some(hook))?;
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
        let name = registered::<F>()?;
        let items = Self::encode_all(items)?;
        let chunk = default_chunksize(items.len(), self.size);
        let c = self.submit_items(name, items, chunk, None)?;
        Ok(AsyncResult::all(c))
    }

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
        drop(f);
        let name = registered::<F>()?;
        let items = Self::encode_all(items.into_iter().map(|t| (t,)))?;
        let len = items.len();
        let c = self.submit_items(name, items, chunksize, None)?;
        Ok(IMap::new(c, len))
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
        drop(f);
        let name = registered::<F>()?;
        let items = Self::encode_all(items.into_iter().map(|t| (t,)))?;
        let len = items.len();
        let c = self.submit_items(name, items, chunksize, None)?;
        Ok(IMapUnordered::new(c, len))
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
