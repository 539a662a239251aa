//! The builder of [`ThreadPoolExecutor`]: Python's constructor arguments.

use std::fmt;
use std::sync::Arc as StdArc;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::error::BuildError;
use super::executor::{Pool, ThreadPoolExecutor};

pub(crate) type Initializer = StdArc<dyn Fn() -> Result<(), String> + Send + Sync>;

/// Python's `ThreadPoolExecutor._counter`: numbers executors without a name prefix (Q-52).
static EXECUTOR_COUNTER: AtomicUsize = AtomicUsize::new(0);
/// Identifies pools internally (never 0, which means "not a worker").
static POOL_ID: AtomicUsize = AtomicUsize::new(1);

/// Configures a [`ThreadPoolExecutor`]: `max_workers`, `thread_name_prefix`, `initializer`.
///
/// # Examples
///
/// ```
/// use pythreading::futures::ThreadPoolExecutor;
///
/// let pool = ThreadPoolExecutor::builder()
///     .max_workers(3)
///     .thread_name_prefix("SpecialPool")
///     .initializer(|| println!("worker ready"))
///     .build()
///     .unwrap();
/// assert_eq!(pool.max_workers(), 3);
/// ```
#[must_use]
pub struct ThreadPoolExecutorBuilder {
    max_workers: Option<usize>,
    prefix: Option<String>,
    initializer: Option<Initializer>,
}

impl fmt::Debug for ThreadPoolExecutorBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadPoolExecutorBuilder")
            .field("max_workers", &self.max_workers)
            .field("thread_name_prefix", &self.prefix)
            .field("initializer", &self.initializer.is_some())
            .finish()
    }
}

impl Default for ThreadPoolExecutorBuilder {
    fn default() -> Self {
        Self::new()
    }
}

/// Python's default: `min(32, (os.process_cpu_count() or 1) + 4)` (Q-39).
fn default_workers() -> usize {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    (cpus + 4).min(32)
}

impl ThreadPoolExecutorBuilder {
    /// A builder with Python's defaults.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading::futures::ThreadPoolExecutorBuilder;
    /// let pool = ThreadPoolExecutorBuilder::new().build().unwrap();
    /// assert!(pool.max_workers() >= 5);
    /// ```
    pub fn new() -> Self {
        ThreadPoolExecutorBuilder {
            max_workers: None,
            prefix: None,
            initializer: None,
        }
    }

    /// The most threads the pool starts (default `min(32, cpus + 4)`); 0 makes
    /// [`build`](Self::build) fail.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::futures::ThreadPoolExecutor;
    /// assert_eq!(ThreadPoolExecutor::builder().max_workers(7).build().unwrap().max_workers(), 7);
    /// ```
    pub fn max_workers(mut self, n: usize) -> Self {
        self.max_workers = Some(n);
        self
    }

    /// Names the workers `prefix_0`, `prefix_1`, ... (default `ThreadPoolExecutor-k_i`, where `k`
    /// numbers the executors of the process).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::futures::ThreadPoolExecutor;
    /// let pool = ThreadPoolExecutor::builder().thread_name_prefix("io").build().unwrap();
    /// let name = pool.submit(|| std::thread::current().name().unwrap().to_string()).unwrap();
    /// assert_eq!(name.result().unwrap(), "io_0");
    /// ```
    pub fn thread_name_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into());
        self
    }

    /// Runs `init` in every worker before it takes a task (Q-56). If it panics, the pool breaks:
    /// queued tasks fail with [`TaskError::BrokenPool`](super::TaskError::BrokenPool) and later
    /// submissions with [`SubmitError::Broken`](super::SubmitError::Broken) (Q-57).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    /// # use pythreading::futures::ThreadPoolExecutor;
    ///
    /// let started = Arc::new(AtomicUsize::new(0));
    /// let s = started.clone();
    /// let pool = ThreadPoolExecutor::builder()
    ///     .initializer(move || { s.fetch_add(1, Ordering::SeqCst); })
    ///     .build()
    ///     .unwrap();
    /// pool.submit(|| ()).unwrap().result().unwrap();
    /// assert_eq!(started.load(Ordering::SeqCst), 1);
    /// ```
    #[doc(alias = "initargs")]
    pub fn initializer<F>(mut self, init: F) -> Self
    where
        F: Fn() + Send + Sync + 'static,
    {
        self.initializer = Some(StdArc::new(move || {
            init();
            Ok(())
        }));
        self
    }

    /// Like [`initializer`](Self::initializer), for an initializer that reports failure with
    /// `Err` instead of panicking.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::futures::ThreadPoolExecutor;
    /// let pool = ThreadPoolExecutor::builder()
    ///     .try_initializer(|| Err("error in initializer"))
    ///     .build()
    ///     .unwrap();
    /// assert!(pool.submit(|| 1).unwrap().result().is_err());
    /// assert!(pool.is_broken());
    /// ```
    pub fn try_initializer<F, E>(mut self, init: F) -> Self
    where
        F: Fn() -> Result<(), E> + Send + Sync + 'static,
        E: fmt::Display,
    {
        self.initializer = Some(StdArc::new(move || init().map_err(|e| e.to_string())));
        self
    }

    /// Builds the executor. No thread starts until the first task is submitted.
    ///
    /// # Errors
    ///
    /// [`BuildError`] if `max_workers` is 0 (Python's `ValueError`, Q-39).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::futures::ThreadPoolExecutor;
    /// let err = ThreadPoolExecutor::builder().max_workers(0).build().unwrap_err();
    /// assert_eq!(err.to_string(), "max_workers must be greater than 0");
    /// ```
    pub fn build(self) -> Result<ThreadPoolExecutor, BuildError> {
        if self.max_workers == Some(0) {
            return Err(BuildError { _private: () });
        }
        Ok(self.build_default())
    }

    pub(crate) fn build_default(self) -> ThreadPoolExecutor {
        let max_workers = self.max_workers.unwrap_or_else(default_workers).max(1);
        let prefix = match self.prefix {
            Some(p) if !p.is_empty() => p,
            _ => format!(
                "ThreadPoolExecutor-{}",
                EXECUTOR_COUNTER.fetch_add(1, Ordering::Relaxed)
            ),
        };
        let id = POOL_ID.fetch_add(1, Ordering::Relaxed);
        ThreadPoolExecutor::from_pool(Pool::new(max_workers, prefix, self.initializer, id))
    }
}
