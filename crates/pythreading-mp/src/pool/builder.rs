//! [`PoolBuilder`]: a pool's size, initializer and tasks per worker.

use std::fmt;

use serde::Serialize;

use super::engine::{Config, Engine};
use super::error::PoolError;
use super::handle::{Pool, registered_name};
use crate::pickle::{self, Value};
use crate::process::Target;

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
    /// Nothing set: the CPU count's workers, no initializer, no retirement.
    pub(super) fn new() -> Self {
        PoolBuilder {
            processes: None,
            max_tasks: None,
            initializer: None,
        }
    }

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
        self.initializer = Some(registered_name::<F>().and_then(|name| {
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
