//! Python's `queue` module: thread-safe queues for handing work between threads.
//!
//! | Python | pythreading |
//! |---|---|
//! | `queue.Queue(maxsize)` | [`Queue::bounded`]`(n)`, [`Queue::unbounded`]`()` (`maxsize <= 0`), [`Queue::from_maxsize`] |
//! | `queue.LifoQueue(maxsize)` | [`LifoQueue`] |
//! | `queue.PriorityQueue(maxsize)` | [`PriorityQueue`] (smallest first, like `heapq`; the opposite of `BinaryHeap`) |
//! | `queue.SimpleQueue()` | [`SimpleQueue::new`] |
//! | `put(x)`, `put_nowait(x)`, `put(x, timeout=t)` | `put(x)`, `try_put(x)`, `put_timeout(x, d)` |
//! | `get()`, `get_nowait()`, `get(timeout=t)` | `get()`, `try_get()`, `get_timeout(d)` |
//! | `qsize()`, `empty()`, `full()`, `maxsize` | `len()`, `is_empty()`, `is_full()`, `capacity()` |
//! | `task_done()`, `join()`, `unfinished_tasks` | `task_done() -> Result`, `join()`, `join_timeout(d) -> bool`, `unfinished_tasks()` |
//! | `shutdown()`, `shutdown(immediate=True)`, `is_shutdown` (3.13) | `shutdown()`, `shutdown_immediate()`, `is_shut_down()` |
//! | `while True: item = q.get()` | `for item in &q` (ends at shutdown), `q.try_iter()` |
//! | `await q.get()`, `await q.put(x)` (`asyncio.Queue`; `janus` for threads and tasks on one queue) | `q.get_async().await`, `q.put_async(x).await` (any executor; cancel-safe) |
//! | `queue.Full`, `queue.Empty`, `queue.ShutDown`, `ValueError` | typed errors per operation: see [`error`](self#errors) below |
//!
//! Queues are plain values: share one between threads with [`Arc`](std::sync::Arc), as with
//! std's `Mutex`. An idle queue costs no thread. A bounded [`Queue`] of modest capacity (its
//! slots fit in 1 MiB) allocates its ring of slots when it is created, so that puts and gets
//! never share a lock (an unbounded `Queue` gets the same with a lock for each side, as
//! [`SimpleQueue`]); every other queue allocates as items arrive, gives back what a burst made
//! it allocate beyond 16 KiB of spare slots once drained, and never allocates room for twice its
//! capacity.
//!
//! The examples start their threads with [`threading::spawn`](crate::threading::spawn) rather
//! than `std::thread::spawn`: such threads have Python's names, show up in
//! [`enumerate`](crate::threading::enumerate) and report a panic through the excepthook; a queue
//! works with either (and with async tasks: see `get_async` / `put_async`).
//!
//! Constructors say what they mean: [`Queue::bounded`]`(n)` holds at most `n` items and
//! [`Queue::unbounded`]`()` has no limit. There is no magic 0: `bounded(0)` is a queue that can
//! hold nothing (always full; `put` waits for a shutdown), not Python's "`maxsize=0` means
//! infinite". Code that receives a Python `maxsize` can use [`Queue::from_maxsize`].
//!
//! [`PriorityQueue`] pops the **smallest** item first, like Python's `heapq` and the opposite of
//! [`BinaryHeap`](std::collections::BinaryHeap); equal items come out first in, first out.
//!
//! # A producer and a consumer
//!
//! ```
//! use std::sync::Arc;
//! use pythreading::threading;
//! use pythreading::queue::Queue;
//!
//! let q = Arc::new(Queue::bounded(48));
//! let consumer = {
//!     let q = Arc::clone(&q);
//!     threading::spawn(move || {
//!         let mut seen = 0;
//!         for _item in &*q {
//!             seen += 1;
//!         }
//!         seen
//!     })
//! };
//! for i in 0..100 {
//!     q.put(i).unwrap(); // waits while 48 items are queued
//! }
//! q.shutdown(); // the consumer drains what is left, then its loop ends
//! assert_eq!(consumer.join().unwrap(), 100);
//! ```
//!
//! # Workers, `task_done` and `join`
//!
//! ```
//! use std::sync::Arc;
//! use std::sync::atomic::{AtomicU64, Ordering};
//! use pythreading::threading;
//! use pythreading::queue::Queue;
//!
//! let q = Arc::new(Queue::unbounded());
//! let total = Arc::new(AtomicU64::new(0));
//! for _ in 0..2 {
//!     let (q, total) = (Arc::clone(&q), Arc::clone(&total));
//!     threading::spawn(move || {
//!         for n in &*q {
//!             total.fetch_add(n, Ordering::Relaxed);
//!             q.task_done().unwrap();
//!         }
//!     });
//! }
//! for n in 0..100 {
//!     q.put(n).unwrap();
//! }
//! q.join(); // every item has been processed
//! assert_eq!(total.load(Ordering::Relaxed), 4950);
//! q.shutdown(); // let the workers leave
//! ```
//!
//! # Errors
//!
//! Each operation has its own error type, and put errors hand the item back:
//!
//! ```
//! use std::time::Duration;
//! use pythreading::queue::{GetTimeoutError, Queue, TryPutError};
//!
//! let q = Queue::bounded(1);
//! q.put("first").unwrap();
//! match q.try_put("second") {
//!     Err(TryPutError::Full(item)) => assert_eq!(item, "second"), // Python: queue.Full
//!     Err(TryPutError::ShutDown(_)) => unreachable!(),
//!     Ok(()) => unreachable!(),
//! }
//! q.shutdown();
//! assert_eq!(q.get_timeout(Duration::from_secs(1)), Ok("first")); // still drained
//! assert_eq!(q.get_timeout(Duration::from_secs(1)), Err(GetTimeoutError::ShutDown));
//! ```
//!
//! Every Python exception and its Rust error:
//!
//! | Python | Rust |
//! |---|---|
//! | `queue.Full` from `put_nowait(x)` / `put(x, block=False)` | [`TryPutError::Full`]`(x)` |
//! | `queue.Full` from `put(x, timeout=t)` | [`PutTimeoutError::Timeout`]`(x)` |
//! | `queue.ShutDown` from a `put` | [`PutError::ShutDown`]`(x)`, [`TryPutError::ShutDown`]`(x)`, [`PutTimeoutError::ShutDown`]`(x)` |
//! | `queue.Empty` from `get_nowait()` / `get(block=False)` | [`TryGetError::Empty`] |
//! | `queue.Empty` from `get(timeout=t)` | [`GetTimeoutError::Timeout`] |
//! | `queue.ShutDown` from a `get` | [`GetError::ShutDown`], [`TryGetError::ShutDown`], [`GetTimeoutError::ShutDown`] |
//! | `ValueError('task_done() called too many times')` | [`TaskDoneError`] |
//! | `ValueError` for a negative timeout | none: a [`Duration`](std::time::Duration) is never negative |
//! | `queue.Empty` from a `SimpleQueue` | `None` from [`SimpleQueue::try_get`] / [`SimpleQueue::get_timeout`] |

mod api;
mod backoff;
mod core;
mod error;
mod fifo;
mod future;
mod iter;
mod lifo;
mod list_queue;
mod priority;
// The one module with `unsafe` (it allows it at its top): see `ring.rs`.
mod ring;
mod ring_queue;
mod simple;
mod waiters;

pub use error::{
    GetError, GetTimeoutError, PutError, PutTimeoutError, TaskDoneError, TryGetError, TryPutError,
};
pub use fifo::Queue;
pub use future::{GetFuture, PutFuture, SimpleGetFuture};
pub use iter::{Iter, TryIter};
pub use lifo::LifoQueue;
pub use priority::PriorityQueue;
pub use simple::SimpleQueue;
