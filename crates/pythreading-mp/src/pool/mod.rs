//! Python's `multiprocessing.Pool` (and, below, `concurrent.futures.ProcessPoolExecutor`).
//!
//! | Python | pythreading-mp |
//! |---|---|
//! | `Pool(processes, initializer, initargs, maxtasksperchild)` | [`Pool::new`], [`Pool::builder`] |
//! | `map`, `starmap`, `map_async`, `starmap_async` | [`Pool::map`], [`Pool::map_chunksize`], [`Pool::starmap`], [`Pool::map_async`], [`Pool::starmap_async`] |
//! | `imap`, `imap_unordered`, `it.next(timeout)` | [`Pool::imap`], [`Pool::imap_unordered`], [`IMap::next_timeout`] |
//! | `apply`, `apply_async(callback=, error_callback=)` | [`Pool::apply`], [`Pool::apply_async`], [`Pool::apply_async_with`], [`Pool::map_async_with`] |
//! | `AsyncResult.get/wait/ready/successful` | [`AsyncResult`] |
//! | `close`, `terminate`, `join`, `with Pool() as p:` | [`Pool::close`], [`Pool::terminate`], [`Pool::join`], drop |
//! | a task's exception (`RemoteTraceback`) | [`PoolError::Panicked`] |
//! | a killed worker: **hangs forever** (gh-66587) | [`PoolError::WorkerDied`] for that task alone |
//! | `ProcessPoolExecutor(max_workers)`, `submit`, `map`, `shutdown` | [`ProcessPoolExecutor`] (returns the core's `TaskFuture`) |
//! | `BrokenProcessPool` for every future when one worker dies | only the dead worker's future fails |
//!
//! Functions run by a pool must be registered with [`register!`](crate::register), and
//! `main` must start with [`init()`](crate::init), as for [`Process`](crate::process::Process).
//!
//! # Examples
//!
//! ```
//! use pythreading_mp::pool::{Pool, PoolError};
//!
//! fn risky(n: u32) -> u32 {
//!     if n == 3 { std::process::exit(3) } // this worker dies mid-task
//!     n * 10
//! }
//! pythreading_mp::register!(risky);
//!
//! fn main() {
//!     pythreading_mp::init();
//!     let pool = Pool::new(2).unwrap();
//!     let results: Vec<_> = pool.imap(risky, 0..6).unwrap().collect();
//!     assert!(matches!(results[3], Err(PoolError::WorkerDied { exitcode: 3, .. })));
//!     assert_eq!(results[5].as_ref().unwrap(), &50); // the pool carried on
//! }
//! ```

//!
//! # Differences from Python
//!
//! * **A dead worker fails its task** ([`PoolError::WorkerDied`]) instead of hanging the pool
//!   forever; the worker is replaced. A dead worker's chunk of several tasks is run again one
//!   task at a time to find the one that killed it (a task of that chunk that had finished may
//!   run twice; chunk size 1 — `imap`, `apply`, the executor — never runs a task twice).
//! * **A failing initializer** is an error from [`PoolBuilder::build`] carrying its panic;
//!   CPython's `Pool` starts replacement workers forever.
//! * **`terminate()`** fails every unfinished result with [`PoolError::Terminated`]; CPython
//!   leaves their `get()` waiting forever.
//! * **Inputs are consumed at once** by `map`, `imap` and friends (Python's task feeder does the
//!   same); `imap` results are lazy. An input iterator cannot raise in Rust, so MP-L10 has no
//!   counterpart.
//! * **Callbacks** run on the pool's supervising thread for the worker that finished the last
//!   task (Python: the result-handler thread); a slow callback delays that worker's next job.
//! * **Workers are daemonic** (as in Python): a task that starts a
//!   [`Process`](crate::process::Process) gets
//!   [`ProcessError::DaemonChildren`](crate::process::ProcessError::DaemonChildren).

mod builder;
mod collect;
mod engine;
mod error;
mod executor;
mod handle;
mod imap;
mod jobwire;
mod map;
pub(crate) mod worker;

pub use builder::PoolBuilder;
pub use collect::{
    AsyncResult, CompletionOrder, IMap, IMapUnordered, InputOrder, LazyResults, ResultOrder,
};
pub use error::PoolError;
pub use executor::{ProcessPoolExecutor, ProcessPoolExecutorBuilder};
pub use handle::Pool;
