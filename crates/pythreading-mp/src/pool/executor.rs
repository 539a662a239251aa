//! [`ProcessPoolExecutor`]: `concurrent.futures` over worker processes, returning the core's
//! [`TaskFuture`].

use std::fmt;
use std::sync::Arc;

use pythreading::futures::{Shutdown, SubmitError, TaskFuture, ThreadPoolExecutor};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::collect::{AsyncResult, decode};
use super::error::PoolError;
use super::handle::{Pool, encode_args, registered_name};
use crate::process::Target;

/// Python's `concurrent.futures.ProcessPoolExecutor`, in the shape of the core's
/// [`ThreadPoolExecutor`]: [`submit`](ProcessPoolExecutor::submit) returns the same
/// [`TaskFuture`], so `wait`, `as_completed` and `.await` work on both.
///
/// Unlike CPython, a worker that dies does **not** break the whole executor
/// (`BrokenProcessPool`): only the future it was running fails, with a
/// [`TaskError::Panicked`](pythreading::futures::TaskError::Panicked) whose message is the
/// [`PoolError::WorkerDied`] text; the worker is replaced and the other futures complete.
/// A task's own panic arrives the same way, with the child's message; so do an unregistered
/// function and an unencodable argument (Python raises those from `result()` too).
///
/// How it works: a thread per worker (a core `ThreadPoolExecutor`) hands each task to a
/// [`Pool`] and waits for its value, so cancelling a queued future, `shutdown`, and the
/// future's life cycle are exactly the core's.
///
/// # Examples
///
/// ```
/// use pythreading_mp::pool::ProcessPoolExecutor;
///
/// fn is_prime(n: u64) -> bool { n > 1 && (2..n).take_while(|d| d * d <= n).all(|d| n % d != 0) }
/// pythreading_mp::register!(is_prime);
///
/// fn main() {
///     pythreading_mp::init();
///     let ex = ProcessPoolExecutor::new(2).unwrap();
///     let f = ex.submit(is_prime, (97,)).unwrap();
///     assert!(f.result().unwrap());
///     let primes: Vec<bool> = ex.map(is_prime, [2, 4, 7]).unwrap().map(Result::unwrap).collect();
///     assert_eq!(primes, [true, false, true]);
/// }
/// ```
pub struct ProcessPoolExecutor {
    pool: Arc<Pool>,
    dispatch: ThreadPoolExecutor,
}

impl fmt::Debug for ProcessPoolExecutor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessPoolExecutor")
            .field("max_workers", &self.pool.processes())
            .field("is_shutdown", &self.dispatch.is_shutdown())
            .finish()
    }
}

/// Builds a [`ProcessPoolExecutor`] (Python's `max_workers`, `initializer`, `initargs`,
/// `max_tasks_per_child`).
///
/// # Examples
///
/// ```
/// use pythreading_mp::pool::ProcessPoolExecutor;
/// fn setup() {}
/// pythreading_mp::register!(setup);
/// # fn main() {
/// # pythreading_mp::init();
/// let ex = ProcessPoolExecutor::builder().max_workers(2).initializer(setup, ()).build().unwrap();
/// assert_eq!(ex.max_workers(), 2);
/// # }
/// ```
#[must_use = "a builder does nothing until `build()`"]
#[derive(Debug)]
pub struct ProcessPoolExecutorBuilder {
    pool: super::builder::PoolBuilder,
    max_workers: Option<usize>,
}

impl ProcessPoolExecutorBuilder {
    /// The number of worker processes (default: the CPU count).
    ///
    /// # Examples
    ///
    /// ```
    /// let b = pythreading_mp::pool::ProcessPoolExecutor::builder().max_workers(4);
    /// # let _ = b;
    /// ```
    pub fn max_workers(mut self, n: usize) -> Self {
        self.max_workers = Some(n);
        self.pool = self.pool.processes(n);
        self
    }

    /// Run `f(*args)` once in every worker (Python's `initializer`, `initargs`).
    ///
    /// # Examples
    ///
    /// ```
    /// fn setup(n: u8) { let _ = n; }
    /// pythreading_mp::register!(setup);
    /// let b = pythreading_mp::pool::ProcessPoolExecutor::builder().initializer(setup, (1,));
    /// # let _ = b;
    /// ```
    pub fn initializer<F, Args>(mut self, f: F, args: Args) -> Self
    where
        F: Target<Args>,
        Args: Serialize,
    {
        self.pool = self.pool.initializer(f, args);
        self
    }

    /// Replace each worker after `n` tasks (Python's `max_tasks_per_child`).
    ///
    /// # Examples
    ///
    /// ```
    /// let b = pythreading_mp::pool::ProcessPoolExecutor::builder().max_tasks_per_child(5);
    /// # let _ = b;
    /// ```
    pub fn max_tasks_per_child(mut self, n: u64) -> Self {
        self.pool = self.pool.max_tasks_per_child(n);
        self
    }

    /// Starts the workers.
    ///
    /// # Errors
    ///
    /// As [`PoolBuilder::build`](super::PoolBuilder::build) (0 workers is
    /// [`PoolError::InvalidSize`], Python's "max_workers must be greater than 0").
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pool::{PoolError, ProcessPoolExecutor};
    /// let e = ProcessPoolExecutor::builder().max_workers(0).build().unwrap_err();
    /// assert!(matches!(e, PoolError::InvalidSize));
    /// ```
    pub fn build(self) -> Result<ProcessPoolExecutor, PoolError> {
        let pool = self.pool.build()?;
        let n = self.max_workers.unwrap_or(pool.processes());
        let dispatch = ThreadPoolExecutor::builder()
            .max_workers(n)
            .thread_name_prefix("ProcessPoolExecutor")
            .build()
            .map_err(|e| PoolError::Start(e.to_string()))?;
        Ok(ProcessPoolExecutor {
            pool: Arc::new(pool),
            dispatch,
        })
    }
}

/// Runs one task on the pool and waits; a failure becomes the future's panic, carrying the
/// error's text (`resume_unwind` does not run the panic hook, so nothing is printed).
fn run_on_pool<R: DeserializeOwned>(
    pool: &Pool,
    prepared: Result<(&'static str, Vec<u8>), PoolError>,
) -> R {
    let outcome = prepared
        .and_then(|(name, args)| pool.submit_encoded(name, args))
        .and_then(|c| AsyncResult::<R>::one(c).get_outcome());
    match outcome.and_then(|o| decode::<R>(&Ok(o))) {
        Ok(v) => v,
        Err(e) => std::panic::resume_unwind(Box::new(e.to_string())),
    }
}

impl ProcessPoolExecutor {
    /// An executor with `max_workers` worker processes.
    ///
    /// # Errors
    ///
    /// [`PoolError::InvalidSize`] for 0; [`PoolError::Start`] if a worker cannot start.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() {
    /// # pythreading_mp::init();
    /// let ex = pythreading_mp::pool::ProcessPoolExecutor::new(2).unwrap();
    /// assert_eq!(ex.max_workers(), 2);
    /// # }
    /// ```
    pub fn new(max_workers: usize) -> Result<ProcessPoolExecutor, PoolError> {
        ProcessPoolExecutor::builder()
            .max_workers(max_workers)
            .build()
    }

    /// A builder.
    ///
    /// # Examples
    ///
    /// ```
    /// let b = pythreading_mp::pool::ProcessPoolExecutor::builder();
    /// # let _ = b;
    /// ```
    pub fn builder() -> ProcessPoolExecutorBuilder {
        ProcessPoolExecutorBuilder {
            pool: Pool::builder(),
            max_workers: None,
        }
    }

    /// The number of worker processes.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() {
    /// # pythreading_mp::init();
    /// assert_eq!(pythreading_mp::pool::ProcessPoolExecutor::new(1).unwrap().max_workers(), 1);
    /// # }
    /// ```
    pub fn max_workers(&self) -> usize {
        self.pool.processes()
    }

    /// Schedules `f(*args)` in a worker process (Python's `submit(fn, *args)`).
    ///
    /// # Errors
    ///
    /// [`SubmitError::Shutdown`] after shutdown, handing the arguments back.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading::futures::TaskError;
    /// fn div(a: i32, b: i32) -> i32 { a / b }
    /// pythreading_mp::register!(div);
    /// # fn main() {
    /// # pythreading_mp::init();
    /// let ex = pythreading_mp::pool::ProcessPoolExecutor::new(1).unwrap();
    /// assert_eq!(ex.submit(div, (7, 2)).unwrap().result().unwrap(), 3);
    /// match ex.submit(div, (1, 0)).unwrap().result() {
    ///     Err(TaskError::Panicked(p)) => assert!(p.message().contains("divide by zero")),
    ///     other => panic!("{other:?}"),
    /// }
    /// # }
    /// ```
    pub fn submit<F, Args>(
        &self,
        f: F,
        args: Args,
    ) -> Result<TaskFuture<F::Output>, SubmitError<Args>>
    where
        F: Target<Args>,
        Args: Serialize,
        F::Output: DeserializeOwned + Send + 'static,
    {
        drop(f);
        if self.dispatch.is_shutdown() {
            return Err(SubmitError::Shutdown(args));
        }
        let prepared = registered_name::<F>().and_then(|n| encode_args(&args).map(|a| (n, a)));
        let pool = Arc::clone(&self.pool);
        self.dispatch
            .submit(move || run_on_pool::<F::Output>(&pool, prepared))
            .map_err(|e| match e {
                SubmitError::Shutdown(_) => SubmitError::Shutdown(args),
                SubmitError::Broken(_, b) => SubmitError::Broken(args, b),
                SubmitError::Spawn(_, io) => SubmitError::Spawn(args, io),
                _ => SubmitError::Shutdown(args),
            })
    }

    /// `f(x)` for every item, results in input order (Python's `map`): the core's
    /// [`Map`](pythreading::futures::Map) iterator of `Result<T, TaskError>`.
    ///
    /// # Errors
    ///
    /// [`SubmitError::Shutdown`] after shutdown.
    ///
    /// # Examples
    ///
    /// ```
    /// fn square(x: u64) -> u64 { x * x }
    /// pythreading_mp::register!(square);
    /// # fn main() {
    /// # pythreading_mp::init();
    /// let ex = pythreading_mp::pool::ProcessPoolExecutor::new(2).unwrap();
    /// let v: Vec<u64> = ex.map(square, 0..4).unwrap().map(Result::unwrap).collect();
    /// assert_eq!(v, [0, 1, 4, 9]);
    /// # }
    /// ```
    pub fn map<F, T>(
        &self,
        f: F,
        items: impl IntoIterator<Item = T>,
    ) -> Result<pythreading::futures::Map<F::Output>, SubmitError<()>>
    where
        F: Target<(T,)>,
        T: Serialize + Send + 'static,
        F::Output: DeserializeOwned + Send + 'static,
    {
        drop(f);
        let name = registered_name::<F>();
        let pool = Arc::clone(&self.pool);
        let prepared: Vec<Result<(&'static str, Vec<u8>), PoolError>> = items
            .into_iter()
            .map(|t| {
                name.clone()
                    .and_then(|n| encode_args(&(t,)).map(|a| (n, a)))
            })
            .collect();
        self.dispatch
            .map(move |p| run_on_pool::<F::Output>(&pool, p), prepared)
    }

    /// Stops accepting work, waits for running and queued tasks, then stops the workers
    /// (Python's `shutdown(wait=True)`).
    ///
    /// # Examples
    ///
    /// ```
    /// fn one() -> u8 { 1 }
    /// pythreading_mp::register!(one);
    /// # fn main() {
    /// # pythreading_mp::init();
    /// let ex = pythreading_mp::pool::ProcessPoolExecutor::new(1).unwrap();
    /// let f = ex.submit(one, ()).unwrap();
    /// ex.shutdown();
    /// assert!(f.is_done());
    /// assert!(ex.submit(one, ()).is_err());
    /// # }
    /// ```
    pub fn shutdown(&self) {
        self.shutdown_with(Shutdown::wait());
    }

    /// Stops accepting work without waiting (Python's `shutdown(wait=False)`); the workers stop
    /// once the last task is done.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() {
    /// # pythreading_mp::init();
    /// let ex = pythreading_mp::pool::ProcessPoolExecutor::new(1).unwrap();
    /// ex.shutdown_nowait();
    /// # }
    /// ```
    #[doc(alias = "shutdown")]
    pub fn shutdown_nowait(&self) {
        self.shutdown_with(Shutdown::nowait());
    }

    /// Shutdown with Python's options (`wait`, `cancel_futures`): see [`Shutdown`].
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading::futures::Shutdown;
    /// # fn main() {
    /// # pythreading_mp::init();
    /// let ex = pythreading_mp::pool::ProcessPoolExecutor::new(1).unwrap();
    /// ex.shutdown_with(Shutdown::wait().cancel_futures());
    /// # }
    /// ```
    #[doc(alias = "shutdown")]
    #[doc(alias = "cancel_futures")]
    pub fn shutdown_with(&self, how: Shutdown) {
        self.dispatch.shutdown_with(how);
        // With `wait`, every task is done now: stop the workers. Without it, the pool stops
        // when the last dispatch thread lets go of it (dropping a pool terminates it, and by
        // then nothing is running).
        if self.dispatch.worker_count() == 0 {
            self.pool.close();
        }
    }
}

impl Drop for ProcessPoolExecutor {
    /// Python's `with ProcessPoolExecutor() as ex:` exit: `shutdown(wait=True)`.
    fn drop(&mut self) {
        self.shutdown();
        self.pool.close();
    }
}
