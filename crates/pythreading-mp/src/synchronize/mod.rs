//! Process-shared `Lock`, `RLock`, `Semaphore`, `BoundedSemaphore`, `Event`, `Condition` and
//! `Barrier` (Python's `multiprocessing.synchronize`).
//!
//! # How objects are shared between processes
//!
//! Every process that creates a shared object (here, a queue in [`queues`](crate::queues), a
//! value in [`sharedctypes`](crate::sharedctypes)) **hosts** it: the object lives in that
//! process, and the first creation starts a small server thread there, listening on a private
//! Unix socket (an abstract-namespace name on Linux: no file to clean up) and authenticating
//! every client with the `multiprocessing.connection` handshake under a fresh random 32-byte key.
//! A handle is small and serializable (socket name, key, object number), so it travels to a
//! child process as an ordinary argument; in the child, each operation is one request and one
//! reply over a pooled, authenticated connection, and a blocking operation (an `acquire`, a
//! `get`, a `wait`) blocks the host's thread for that connection, never the whole host. In the
//! hosting process itself a handle calls the object directly, with no socket at all.
//!
//! Why not shared memory, as CPython does: it needs `mmap` and process-shared futexes, i.e.
//! `unsafe`, which this crate forbids; and a POSIX semaphore held by a process that dies stays
//! held forever (CPython's behaviour). A host knows which connection holds what, so:
//!
//! * **A lock held by a process that dies is released.** A `Lock` or `RLock` (and so a
//!   `Condition`'s lock) remembers the connection it was acquired through; when that
//!   connection closes — the process exited or was killed — the host releases the lock and
//!   wakes its waiters. A process's connections stay open until it exits. Semaphores are not
//!   owned (any process may release them), so their count is not restored.
//! * **A process that dies inside a blocking operation takes nothing with it.** The host
//!   checks the caller's connection after every wakeup (and every 200 ms): a dead caller's
//!   `get` does not swallow the next item, its `acquire` takes no unit, and a barrier party that
//!   dies mid-wait breaks the barrier (the others get [`SharedError::BrokenBarrier`]) instead of
//!   leaving them waiting forever. Only a reply already being written when the process dies is
//!   lost with it.
//! * **The host must outlive its users.** When the hosting process exits, its objects go with
//!   it, and other processes' operations fail with [`SharedError::Host`] (never hang). An
//!   object lives while a handle to it exists in its host process or a remote process is
//!   connected to it; a handle that reaches a child after every handle in the host was
//!   dropped reports [`SharedError::ObjectGone`].
//!
//! # Examples
//!
//! ```
//! use pythreading_mp::synchronize::Lock;
//! let lock = Lock::new()?;
//! {
//!     let _held = lock.lock()?;
//!     assert!(!lock.try_acquire()?);
//! }
//! assert!(lock.try_acquire()?);
//! lock.release()?;
//! # Ok::<(), pythreading_mp::synchronize::SharedError>(())
//! ```

mod barrier;
mod condition;
mod error;
mod event;
pub(crate) mod host;
mod lock;
mod semaphore;

pub use barrier::Barrier;
pub use condition::Condition;
pub use error::SharedError;
pub use event::Event;
pub use lock::{
    Lock, LockGuard, LockKind, NonReentrant, RLock, RLockGuard, Reentrant, SharedLock,
    SharedLockGuard,
};
pub use semaphore::{BoundedSemaphore, Semaphore};
