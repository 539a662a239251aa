//! Process-shared queues: [`Queue`], [`JoinableQueue`] and [`SimpleQueue`] (Python's
//! `multiprocessing.Queue`, `JoinableQueue`, `SimpleQueue`).
//!
//! A queue is hosted by the process that creates it and reached by others through a
//! serializable handle (see [`synchronize`](crate::synchronize) for the design and its rules
//! when a process dies). Items are any serde values, carried as protocol-4 pickles. Empty and
//! full are [`SharedError::Empty`](crate::synchronize::SharedError::Empty) and
//! [`SharedError::Full`](crate::synchronize::SharedError::Full) (Python's `queue.Empty` /
//! `queue.Full`).
//!
//! | Python | Rust |
//! |---|---|
//! | `q.put(x)` / `put(x, False)` / `put(x, True, t)` | [`Queue::put`] / [`Queue::try_put`] / [`Queue::put_timeout`] |
//! | `q.get()` / `get_nowait()` / `get(True, t)` | [`Queue::get`] / [`Queue::try_get`] / [`Queue::get_timeout`] |
//! | `qsize()`, `empty()`, `full()` | [`Queue::qsize`], [`Queue::empty`], [`Queue::full`] |
//! | `task_done()`, `join()` | [`JoinableQueue::task_done`], [`JoinableQueue::join`] |
//! | `close()`, `join_thread()`, `cancel_join_thread()` | not needed: there is no feeder thread, every `put` is complete when it returns |
//!
//! # Examples
//!
//! ```
//! use pythreading_mp::queues::Queue;
//! let q = Queue::<(u32, String)>::new()?;
//! q.put(&(1, "one".into()))?;
//! assert_eq!(q.get()?, (1, "one".to_string()));
//! # Ok::<(), pythreading_mp::synchronize::SharedError>(())
//! ```

mod codec;
mod queue;

pub use queue::{JoinableQueue, Queue, SimpleQueue};
