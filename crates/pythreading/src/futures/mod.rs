//! Python's `concurrent.futures`: a thread pool, futures, `wait`, `as_completed` and `map`.
//!
//! | Python | pythreading |
//! |---|---|
//! | `ThreadPoolExecutor(max_workers, thread_name_prefix, initializer)` | [`ThreadPoolExecutor::new`], [`ThreadPoolExecutor::builder`] |
//! | `executor.submit(fn, *args)` | [`ThreadPoolExecutor::submit`]`(move \|\| fn(args))` → `Result<`[`TaskFuture`]`<T>, _>` |
//! | `executor.map(fn, it, timeout=t)` | [`ThreadPoolExecutor::map`], [`ThreadPoolExecutor::map_timeout`] |
//! | `executor.shutdown(wait, cancel_futures)`, `with executor:` | [`ThreadPoolExecutor::shutdown`], [`shutdown_nowait`](ThreadPoolExecutor::shutdown_nowait), [`shutdown_with`](ThreadPoolExecutor::shutdown_with)([`Shutdown`]); dropping = `shutdown(wait=True)` |
//! | `Future`, `await fut` | [`TaskFuture<T>`] (also a `std::future::Future`: awaiting reads a clone and leaves the value to the other handles; [`TaskFuture::take_result_async`] moves it out) |
//! | `future.result(timeout)` | [`TaskFuture::result`], [`TaskFuture::result_timeout`], [`TaskFuture::take_result`] |
//! | `future.exception()`, `cancel()`, `cancelled()`, `running()`, `done()` | [`TaskFuture::exception`], [`cancel`](TaskFuture::cancel), [`is_cancelled`](TaskFuture::is_cancelled), [`is_running`](TaskFuture::is_running), [`is_done`](TaskFuture::is_done) |
//! | `future.add_done_callback(fn)` | [`TaskFuture::add_done_callback`] |
//! | `wait(fs, timeout, return_when)` | [`wait`], [`wait_timeout`] with [`ReturnWhen`] → [`DoneAndNotDone`] |
//! | `as_completed(fs, timeout)` | [`as_completed`], [`as_completed_timeout`] |
//!
//! # Errors
//!
//! | Python exception | pythreading |
//! |---|---|
//! | `CancelledError` | [`TaskError::Cancelled`] |
//! | the task's exception, re-raised by `result()` | [`TaskError::Panicked`] with the [`TaskPanic`] (message and payload) |
//! | `BrokenThreadPool` on a queued future / from `submit` | [`TaskError::BrokenPool`] / [`SubmitError::Broken`], carrying a [`BrokenPool`] |
//! | `TimeoutError` from `result(timeout)`, `exception(timeout)`, `map(timeout)` | [`ResultTimeoutError::Timeout`], [`WaitTimeoutError`] |
//! | `TimeoutError("2 (of 4) futures unfinished")` from `as_completed` | [`AsCompletedTimeout`] |
//! | `RuntimeError('cannot schedule new futures after shutdown')` | [`SubmitError::Shutdown`] (hands the closure back) |
//! | `ValueError('max_workers must be greater than 0')` | [`BuildError`] |
//! | `InvalidStateError` | none: only the pool completes a future |
//!
//! # A tour
//!
//! Submit closures, read results in any order:
//!
//! ```
//! use pythreading::futures::ThreadPoolExecutor;
//!
//! let pool = ThreadPoolExecutor::new(5).unwrap();
//! let pages: Vec<_> = ["a", "b", "c"]
//!     .into_iter()
//!     .map(|url| pool.submit(move || format!("<html>{url}</html>")).unwrap())
//!     .collect();
//! for page in &pages {
//!     assert!(page.result().unwrap().starts_with("<html>"));
//! }
//! ```
//!
//! `map` keeps the input order; `as_completed` gives the finishing order:
//!
//! ```
//! use std::time::Duration;
//! use pythreading::futures::{as_completed, ThreadPoolExecutor};
//!
//! let pool = ThreadPoolExecutor::new(3).unwrap();
//! let ordered: Vec<u64> = pool.map(|x: u64| x + 1, [1, 2, 3]).unwrap().map(Result::unwrap).collect();
//! assert_eq!(ordered, [2, 3, 4]);
//!
//! let fs: Vec<_> = [60u64, 0, 30]
//!     .into_iter()
//!     .map(|ms| pool.submit(move || { std::thread::sleep(Duration::from_millis(ms)); ms }).unwrap())
//!     .collect();
//! for f in as_completed(&fs) {
//!     println!("finished: {} ms", f.result().unwrap());
//! }
//! ```
//!
//! A panicking task does not take the pool down; its panic reaches whoever reads the result:
//!
//! ```
//! use pythreading::futures::{TaskError, ThreadPoolExecutor};
//!
//! let pool = ThreadPoolExecutor::new(1).unwrap();
//! let bad = pool.submit(|| -> i32 { panic!("division by zero") }).unwrap();
//! match bad.result() {
//!     Err(TaskError::Panicked(p)) => assert_eq!(p.message(), "division by zero"),
//!     other => panic!("{other:?}"),
//! }
//! assert_eq!(pool.submit(|| 1).unwrap().result().unwrap(), 1); // the worker survived
//! ```
//!
//! # Differences from Python
//!
//! - `submit` takes a closure; arguments are captured instead of passed (`submit(pow, 2, 8)` is
//!   `submit(move || 2u32.pow(8))`). It returns an error rather than raising.
//! - A value is read with `result()` when `T: Clone`, or moved out once with `take_result()`.
//! - A future cancelled by `shutdown_with(Shutdown::wait().cancel_futures())` is reported done by
//!   `wait`/`as_completed`; CPython never reports it (Q-26), which makes them wait forever.
//! - There is no process pool here and no pickling (see `pythreading-mp`).

mod as_completed;
mod error;
mod executor;
mod executor_builder;
mod map;
mod pool_job;
mod task_future;
mod task_state;
mod wait;
mod worker;

pub use as_completed::{AsCompleted, AsCompletedTimeoutIter, as_completed, as_completed_timeout};
pub use error::{
    AsCompletedTimeout, BrokenPool, BuildError, ResultTimeoutError, SubmitError, TaskError,
    TaskPanic, WaitTimeoutError,
};
pub use executor::{Shutdown, ThreadPoolExecutor};
pub use executor_builder::ThreadPoolExecutorBuilder;
pub use map::{Map, MapTimeout};
pub use task_future::{TakeResultFuture, TaskFuture};
pub use wait::{DoneAndNotDone, ReturnWhen, wait, wait_timeout};
