//! Remote queues stored in Redis Streams, for scaling the tutorials' master/worker model past
//! one manager server.
//!
//! A [`RedisQueue<T>`] has the verbs of the managers' `RemoteQueue<T>` (`put`, `get`,
//! `try_get`, `get_timeout`, `len`, `task_done`, `join`) plus acked delivery: `get_leased`
//! returns a [`Lease`] that must be acknowledged, or the item is delivered again — to this or
//! another process — and after too many deliveries it is moved to a dead-letter stream.
//!
//! | queue operation | Redis (one round trip each) |
//! |---|---|
//! | `put` | `MULTI`, `XADD <name> * p <pickle>`, `INCR <name>:unfinished`, `EXEC` (no script) |
//! | `get` | `XREADGROUP ... NOACK` (no script); every 100 takes, or when nothing new is there, the `get_leased` script |
//! | `get_leased` | one script: `XAUTOCLAIM` (leases that ran out or were given back) then `XREADGROUP` |
//! | `Lease::ack` | one script: owner check (`XPENDING`), `XACK`, one fewer unfinished |
//! | `Lease::ack_and_get_leased` | one script: the ack, then the take |
//! | dead-lettering | delivery count from `XPENDING`, `XADD <name>_dead` |
//!
//! Finished entries are not deleted one by one (an `XDEL` at a stream's head costs Redis 7.0
//! several times an `XADD`): every 100th take trims whole stream nodes below the oldest
//! entry still leased (`XTRIM MINID ~`).
//!
//! Items are stored as pickles, the bytes CPython's manager clients send, so Rust programs
//! on Redis and CPython clients of `pythreading serve --broker` share one set of queues.
//!
//! # Examples
//!
//! ```no_run
//! use pythreading_redis::RedisQueue;
//! let tasks = RedisQueue::<i64>::connect("redis://127.0.0.1:6379/", "get_task_queue")?;
//! tasks.put(7)?;
//! let lease = tasks.get_leased()?;
//! println!("{} * {0} = {}", lease.item(), lease.item() * lease.item());
//! lease.ack()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]

mod backend;
mod error;
mod lease;
mod link;
mod options;
mod queue;
mod scripts;
mod stream;

pub use backend::{RedisBackend, RedisStore};
pub use error::{RedisGetError, RedisPutError, RedisQueueError};
pub use lease::Lease;
pub use options::QueueOptions;
pub use queue::RedisQueue;
