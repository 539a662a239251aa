//! [`StopFlag`]: cooperative stopping, the tutorials' `kill_received` pattern done right.
//!
//! Python cannot kill a thread, and neither can Rust: a worker checks a flag and returns. The
//! tutorials set `t.kill_received = True` on every thread when Ctrl-C reaches the main thread. A
//! `StopFlag` is that flag, shared by clones, plus an interruptible sleep, so a worker waiting
//! between rounds wakes at once instead of finishing its `time.sleep`.
//!
//! # Ctrl-C reaches main, main stops the workers and joins them
//!
//! The core crate has no signal dependency. The signal handler only sets an atomic (all it may
//! safely do); the main thread watches that atomic and calls [`StopFlag::stop`], then joins:
//!
//! ```
//! use std::sync::Arc;
//! use std::sync::atomic::{AtomicBool, Ordering};
//! use std::time::Duration;
//! use pythreading::threading::{self, StopFlag};
//!
//! // With the `signal-hook` crate, the handler is one line:
//! //     signal_hook::flag::register(signal_hook::consts::SIGINT, ctrl_c.clone())?;
//! // Here another thread plays the user pressing Ctrl-C.
//! let ctrl_c = Arc::new(AtomicBool::new(false));
//! let presser = ctrl_c.clone();
//! std::thread::spawn(move || {
//!     std::thread::sleep(Duration::from_millis(50));
//!     presser.store(true, Ordering::SeqCst);
//! });
//!
//! let stop = StopFlag::new();
//! let workers: Vec<_> = (0..3)
//!     .map(|i| {
//!         let stop = stop.clone();
//!         threading::spawn(move || {
//!             let mut rounds = 0;
//!             while !stop.is_stopped() {
//!                 rounds += 1; // one unit of work
//!                 let _ = stop.wait_timeout(Duration::from_secs(1)); // sleep, but wake on stop
//!             }
//!             (i, rounds)
//!         })
//!     })
//!     .collect();
//!
//! while !ctrl_c.load(Ordering::SeqCst) {
//!     std::thread::sleep(Duration::from_millis(10)); // main stays responsive
//! }
//! stop.stop();
//! for w in workers {
//!     let (_i, rounds) = w.join().unwrap();
//!     assert!(rounds >= 1);
//! }
//! ```

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use crate::deadline::Deadline;

struct Inner {
    stopped: AtomicBool,
    lock: Mutex<()>,
    wake: Condvar,
}

/// A shared "please stop" flag with an interruptible wait. Clones share the flag.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use pythreading::threading::{self, StopFlag};
///
/// let stop = StopFlag::new();
/// let worker = {
///     let stop = stop.clone();
///     threading::spawn(move || {
///         let mut polls = 0;
///         while !stop.wait_timeout(Duration::from_millis(10)) {
///             polls += 1;
///         }
///         polls
///     })
/// };
/// stop.stop();
/// worker.join().unwrap();
/// assert!(stop.is_stopped());
/// ```
#[derive(Clone)]
#[doc(alias = "kill_received")]
pub struct StopFlag {
    inner: Arc<Inner>,
}

impl StopFlag {
    /// A flag not yet stopped.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!pythreading::threading::StopFlag::new().is_stopped());
    /// ```
    pub fn new() -> Self {
        StopFlag {
            inner: Arc::new(Inner {
                stopped: AtomicBool::new(false),
                lock: Mutex::new(()),
                wake: Condvar::new(),
            }),
        }
    }

    /// Asks every holder to stop and wakes all of them that wait. Idempotent.
    ///
    /// # Examples
    ///
    /// ```
    /// let flag = pythreading::threading::StopFlag::new();
    /// flag.stop();
    /// flag.stop();
    /// assert!(flag.is_stopped());
    /// ```
    pub fn stop(&self) {
        let _g = self.inner.lock.lock().unwrap_or_else(|p| p.into_inner());
        self.inner.stopped.store(true, Ordering::SeqCst);
        self.inner.wake.notify_all();
    }

    /// Whether [`stop`](Self::stop) was called.
    ///
    /// # Examples
    ///
    /// ```
    /// let flag = pythreading::threading::StopFlag::new();
    /// assert!(!flag.is_stopped());
    /// ```
    pub fn is_stopped(&self) -> bool {
        self.inner.stopped.load(Ordering::SeqCst)
    }

    /// Blocks until [`stop`](Self::stop) is called.
    ///
    /// # Examples
    ///
    /// ```
    /// let flag = pythreading::threading::StopFlag::new();
    /// let f = flag.clone();
    /// std::thread::spawn(move || f.stop());
    /// flag.wait();
    /// ```
    pub fn wait(&self) {
        self.wait_deadline(Deadline::Never);
    }

    /// Sleeps up to `timeout`, returning early when stopped; returns [`is_stopped`](Self::is_stopped).
    /// `Duration::ZERO` polls, `Duration::MAX` waits forever.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// let flag = pythreading::threading::StopFlag::new();
    /// assert!(!flag.wait_timeout(Duration::from_millis(1)));
    /// flag.stop();
    /// assert!(flag.wait_timeout(Duration::MAX));
    /// ```
    #[must_use = "`true` means the flag was set; `let _ =` to use it as a sleep"]
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        self.wait_deadline(Deadline::after(timeout))
    }

    fn wait_deadline(&self, deadline: Deadline) -> bool {
        if self.is_stopped() {
            return true;
        }
        let mut g = self.inner.lock.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if self.is_stopped() {
                return true;
            }
            g = match deadline.remaining() {
                None => self.inner.wake.wait(g).unwrap_or_else(|p| p.into_inner()),
                Some(Duration::ZERO) => return false,
                Some(left) => {
                    self.inner
                        .wake
                        .wait_timeout(g, left)
                        .unwrap_or_else(|p| p.into_inner())
                        .0
                }
            };
        }
    }
}

impl Default for StopFlag {
    fn default() -> Self {
        StopFlag::new()
    }
}

impl fmt::Debug for StopFlag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StopFlag")
            .field("stopped", &self.is_stopped())
            .finish()
    }
}
