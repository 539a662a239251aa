//! Python's `_thread` module: raw threads with no [`Thread`](crate::threading::Thread) object.
//!
//! A raw thread is not listed by [`enumerate`](crate::threading::enumerate) unless it asks for
//! [`current_thread`](crate::threading::current_thread), which registers it as a dummy thread
//! (K-03); [`shutdown`](crate::threading::shutdown()) does not wait for it. A panic in a raw
//! thread is reported by Rust's panic hook (Python's "unraisable" report, B-03), not by the
//! excepthook. [`allocate_lock`] is the primitives section's [`Lock`].
//!
//! # Examples
//!
//! ```
//! use std::sync::Arc;
//! use pythreading::threading::low_level;
//!
//! let done = Arc::new(low_level::allocate_lock());
//! done.acquire();
//! let d = Arc::clone(&done);
//! let ident = low_level::start_new_thread(move || {
//!     // a lock may be released by a thread other than its acquirer (C-14)
//!     d.release().unwrap();
//! })?;
//! assert_ne!(ident, low_level::get_ident());
//! done.acquire(); // waits for the raw thread's release
//! # Ok::<(), std::io::Error>(())
//! ```

use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::Lock;
use super::registry;
use super::thread::DEFAULT_STACK_SIZE;
use super::thread_error::{ExitThread, StackSizeError};

pub use super::registry::get_ident;

/// The smallest stack [`set_stack_size`] accepts (Python's `ValueError` below it).
///
/// # Examples
///
/// ```
/// use pythreading::threading::low_level::{self, MIN_STACK_SIZE};
///
/// assert!(low_level::set_stack_size(MIN_STACK_SIZE - 1).is_err());
/// ```
pub const MIN_STACK_SIZE: usize = 32 * 1024;

static RAW_COUNT: AtomicUsize = AtomicUsize::new(0);

/// Starts a raw thread running `f` and returns its ident, which equals [`get_ident`] inside it
/// (B-01). `low_level::start_new_thread(f)` is `_thread.start_new_thread(f, ())`: arguments are
/// what the closure captures.
///
/// # Errors
///
/// The operating system's error when it refuses a thread.
///
/// # Examples
///
/// ```
/// use std::sync::mpsc;
/// use pythreading::threading::low_level;
///
/// let (tx, rx) = mpsc::channel();
/// let ident = low_level::start_new_thread(move || tx.send(low_level::get_ident()).unwrap())?;
/// assert_eq!(rx.recv().unwrap(), ident);
/// # Ok::<(), std::io::Error>(())
/// ```
#[doc(alias = "start_new")]
pub fn start_new_thread<F>(f: F) -> io::Result<u64>
where
    F: FnOnce() + Send + 'static,
{
    let ident = registry::next_ident();
    let mut os = std::thread::Builder::new();
    let stack = DEFAULT_STACK_SIZE.load(Ordering::Relaxed);
    if stack != 0 {
        os = os.stack_size(stack);
    }
    RAW_COUNT.fetch_add(1, Ordering::SeqCst);
    let spawned = os.spawn(move || {
        // Decrements however the thread ends (B-05).
        struct Count;
        impl Drop for Count {
            fn drop(&mut self) {
                RAW_COUNT.fetch_sub(1, Ordering::SeqCst);
            }
        }
        let _count = Count;
        registry::set_raw_ident(ident);
        match panic::catch_unwind(AssertUnwindSafe(f)) {
            Ok(()) => {}
            // `exit()` ends a raw thread silently (B-04).
            Err(payload) if payload.is::<ExitThread>() => {}
            // Already reported by the panic hook; the thread just ends.
            Err(_) => {}
        }
    });
    match spawned {
        Ok(_detached) => Ok(ident),
        Err(e) => {
            RAW_COUNT.fetch_sub(1, Ordering::SeqCst);
            Err(e)
        }
    }
}

/// Ends the calling thread quietly: Python's `_thread.exit()` / `raise SystemExit` in a thread.
///
/// It unwinds the thread's stack (running destructors) with a marker payload, without invoking
/// the panic hook. In threads started by this library the thread ends normally: no excepthook
/// report, and [`JoinHandle::join`](crate::threading::JoinHandle::join) returns an error whose
/// [`is_exit`](crate::threading::Panicked::is_exit) is true. In other threads the unwind reaches
/// the thread's root like a silent panic (in the main thread that ends the process with an error
/// status, where Python would exit with 0: use [`exit`](crate::threading::exit()) there).
///
/// # Examples
///
/// ```
/// use pythreading::threading::{self, low_level};
///
/// let h = threading::spawn(|| {
///     low_level::exit();
/// });
/// assert!(h.join().unwrap_err().is_exit());
/// ```
#[doc(alias = "exit_thread")]
pub fn exit() -> ! {
    panic::resume_unwind(Box::new(ExitThread))
}

/// A new unlocked [`Lock`] (`_thread.allocate_lock()`, also spelled `_thread.LockType()`).
///
/// The same type as `threading.Lock` in Python 3, so it is simply [`Lock::new`].
///
/// # Examples
///
/// ```
/// use pythreading::threading::low_level;
///
/// let lock = low_level::allocate_lock();
/// assert!(lock.try_acquire());
/// assert!(lock.locked());
/// lock.release().unwrap();
/// // B-01 / C-02: releasing an unlocked lock is an error, not a crash.
/// assert!(lock.release().is_err());
/// ```
#[doc(alias = "allocate")]
#[doc(alias = "LockType")]
pub fn allocate_lock() -> Lock {
    Lock::new()
}

/// How many raw threads started by [`start_new_thread`] are running (`_thread._count()`).
///
/// # Examples
///
/// ```
/// use pythreading::threading::low_level;
///
/// let before = low_level::count();
/// # let _ = before;
/// ```
#[doc(alias = "_count")]
pub fn count() -> usize {
    RAW_COUNT.load(Ordering::SeqCst)
}

/// The default stack size for new threads, 0 meaning the platform's (`_thread.stack_size()`).
///
/// # Examples
///
/// ```
/// use pythreading::threading::low_level;
///
/// assert_eq!(low_level::stack_size(), 0);
/// ```
pub fn stack_size() -> usize {
    DEFAULT_STACK_SIZE.load(Ordering::Relaxed)
}

/// Sets the default stack size for threads created afterwards and returns the previous one
/// (`_thread.stack_size(n)`); 0 restores the platform default.
///
/// # Errors
///
/// [`StackSizeError`] for a size between 1 and [`MIN_STACK_SIZE`]` - 1`; nothing changes.
///
/// # Examples
///
/// ```
/// use pythreading::threading::low_level;
///
/// assert_eq!(low_level::set_stack_size(262_144), Ok(0));
/// assert_eq!(low_level::stack_size(), 262_144);
/// assert_eq!(low_level::set_stack_size(0), Ok(262_144));
/// assert!(low_level::set_stack_size(4096).is_err());
/// ```
#[doc(alias = "stack_size")]
pub fn set_stack_size(bytes: usize) -> Result<usize, StackSizeError> {
    if bytes != 0 && bytes < MIN_STACK_SIZE {
        return Err(StackSizeError { size: bytes });
    }
    Ok(DEFAULT_STACK_SIZE.swap(bytes, Ordering::Relaxed))
}
