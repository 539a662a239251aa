//! [`Thread`]: the cloneable handle naming one thread, Python's `threading.Thread` object once
//! started — its name, ident, native id, daemon flag, `is_alive` and `join` — and the record
//! behind it. The process-wide state that lists threads (`current_thread`, `enumerate`, ...) is
//! the registry, in `registry.rs`.

use crate::diagnostics;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use super::registry::get_ident;
use super::thread_error::JoinError;
use crate::deadline::Deadline;

// The async face (`join_async`) shares this file's private record.
#[path = "thread_handle_async.rs"]
mod async_face;
pub use async_face::ThreadJoin;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// What created a thread record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Main,
    Spawned,
    Dummy,
}

pub(crate) struct Inner {
    name: String,
    ident: u64,
    daemon: bool,
    kind: Kind,
    /// 0 until the thread has recorded its OS id (spawned threads do so first thing).
    native_id: AtomicU64,
    /// Fast path for `is_alive()`; the mutex below is the truth waiters sleep on.
    finished: AtomicBool,
    state: Mutex<bool>,
    changed: Condvar,
    /// Threads blocked in `join`/`native_id`: `finish` skips the wake-up syscall when there are none.
    sleepers: AtomicUsize,
    /// Tasks awaiting `join_async`: `finish` wakes them.
    joiners: Mutex<async_face::Joiners>,
}

/// A handle to a thread: Python's `threading.Thread` object once started.
///
/// Cheap to clone (an `Arc`); every clone names the same thread. Obtained from
/// [`JoinHandle::thread`](crate::threading::JoinHandle::thread),
/// [`current_thread`](super::current_thread), [`main_thread`](super::main_thread) or
/// [`enumerate`](super::enumerate). Two handles are equal when they name the same thread.
///
/// # Examples
///
/// ```
/// use pythreading::threading::{self, Builder};
///
/// let handle = Builder::new().name("worker").spawn(|| 7).unwrap();
/// let thread = handle.thread().clone();
/// assert_eq!(thread.name(), "worker");
/// thread.join().unwrap(); // any thread may wait, any number of times
/// assert!(!thread.is_alive());
/// assert_eq!(handle.join().unwrap(), 7);
/// ```
#[derive(Clone)]
#[doc(alias = "threading.Thread")]
pub struct Thread {
    inner: Arc<Inner>,
}

impl Thread {
    pub(crate) fn new(name: String, ident: u64, daemon: bool, kind: Kind, native_id: u64) -> Self {
        Thread {
            inner: Arc::new(Inner {
                name,
                ident,
                daemon,
                kind,
                native_id: AtomicU64::new(native_id),
                finished: AtomicBool::new(false),
                state: Mutex::new(false),
                changed: Condvar::new(),
                sleepers: AtomicUsize::new(0),
                joiners: Mutex::new(async_face::Joiners::default()),
            }),
        }
    }

    pub(crate) fn kind(&self) -> Kind {
        self.inner.kind
    }

    /// The thread's name: given to the builder, or `Thread-N` / `Dummy-N` / `MainThread`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading;
    /// let h = threading::spawn(|| threading::current_thread().name().to_owned());
    /// let name = h.join().unwrap();
    /// assert!(name.starts_with("Thread-"));
    /// ```
    #[doc(alias = "getName")]
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The thread's identifier, as [`get_ident`] returns it inside the thread: non-zero, unique in
    /// the process, kept after the thread ended.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading;
    /// let h = threading::spawn(threading::get_ident);
    /// let ident = h.thread().ident();
    /// assert_eq!(h.join().unwrap(), ident);
    /// ```
    pub fn ident(&self) -> u64 {
        self.inner.ident
    }

    /// The operating system's id for the thread (Linux: the TID shown by `top -H`).
    ///
    /// For a just-spawned thread this waits the moment the new thread needs to record it. On
    /// platforms other than Linux it is the [`ident`](Self::ident).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading;
    /// let h = threading::spawn(threading::get_native_id);
    /// let id = h.thread().native_id();
    /// assert_eq!(h.join().unwrap(), id);
    /// assert_ne!(id, threading::get_native_id());
    /// ```
    pub fn native_id(&self) -> u64 {
        let id = self.inner.native_id.load(Ordering::SeqCst);
        if id != 0 {
            return id;
        }
        self.inner.sleepers.fetch_add(1, Ordering::SeqCst);
        let mut done = lock(&self.inner.state);
        while self.inner.native_id.load(Ordering::SeqCst) == 0 && !*done {
            done = self
                .inner
                .changed
                .wait(done)
                .unwrap_or_else(|p| p.into_inner());
        }
        drop(done);
        self.inner.sleepers.fetch_sub(1, Ordering::SeqCst);
        self.inner.native_id.load(Ordering::Acquire)
    }

    pub(crate) fn set_native_id(&self, id: u64) {
        self.inner.native_id.store(id, Ordering::SeqCst);
        if self.inner.sleepers.load(Ordering::SeqCst) != 0 {
            let _g = lock(&self.inner.state);
            self.inner.changed.notify_all();
        }
    }

    /// Whether the thread is a daemon: [`shutdown`](crate::threading::shutdown()) does not wait
    /// for daemon threads. Dummy threads are daemons; the main thread is not.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::{self, Builder};
    /// let h = Builder::new().daemon(true).spawn(|| ()).unwrap();
    /// assert!(h.thread().is_daemon());
    /// assert!(!threading::main_thread().is_daemon());
    /// ```
    #[doc(alias = "isDaemon")]
    #[doc(alias = "daemon")]
    pub fn is_daemon(&self) -> bool {
        self.inner.daemon
    }

    /// Whether the thread is a dummy entry for a thread this library did not start.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading;
    /// let dummy = std::thread::spawn(|| threading::current_thread().is_dummy());
    /// assert!(dummy.join().unwrap());
    /// ```
    pub fn is_dummy(&self) -> bool {
        self.inner.kind == Kind::Dummy
    }

    /// Whether the thread's body is still running. It turns false as soon as the closure (and the
    /// excepthook, after a panic) returned, without waiting for the OS thread to be torn down.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading;
    /// let h = threading::spawn(|| ());
    /// let t = h.thread().clone();
    /// t.join().unwrap();
    /// assert!(!t.is_alive());
    /// ```
    #[doc(alias = "isAlive")]
    pub fn is_alive(&self) -> bool {
        !self.inner.finished.load(Ordering::Acquire)
    }

    /// Waits until the thread has finished. Any thread may call it, any number of times.
    ///
    /// # Errors
    ///
    /// [`JoinError::CurrentThread`] when a thread joins itself, [`JoinError::DummyThread`] for a
    /// thread this library did not start. Joining the main thread waits until it calls
    /// [`shutdown`](crate::threading::shutdown()).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading;
    /// let t = threading::spawn(|| ()).thread().clone();
    /// t.join().unwrap();
    /// t.join().unwrap();
    /// ```
    #[track_caller]
    pub fn join(&self) -> Result<(), JoinError> {
        self.join_deadline(Deadline::Never).map(|_| ())
    }

    /// Waits at most `timeout` for the thread to finish; `Ok(true)` when it has.
    /// `Duration::ZERO` polls, `Duration::MAX` waits forever.
    ///
    /// # Errors
    ///
    /// As [`join`](Self::join).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// # use pythreading::threading;
    /// let t = threading::spawn(|| std::thread::sleep(Duration::from_millis(200))).thread().clone();
    /// assert_eq!(t.join_timeout(Duration::ZERO), Ok(false));
    /// assert_eq!(t.join_timeout(Duration::MAX), Ok(true));
    /// ```
    #[track_caller]
    pub fn join_timeout(&self, timeout: Duration) -> Result<bool, JoinError> {
        self.join_deadline(Deadline::after(timeout))
    }

    #[track_caller]
    pub(crate) fn join_deadline(&self, deadline: Deadline) -> Result<bool, JoinError> {
        if self.inner.kind == Kind::Dummy {
            return Err(JoinError::DummyThread);
        }
        if self.inner.ident == get_ident() {
            return Err(JoinError::CurrentThread);
        }
        Ok(self.wait_finished(deadline))
    }

    /// Waits for `finish()` without the self/dummy checks.
    #[track_caller]
    pub(crate) fn wait_finished(&self, deadline: Deadline) -> bool {
        if !self.is_alive() {
            return true;
        }
        let _waiting = diagnostics::joining(self.inner.ident, &self.inner.name);
        self.inner.sleepers.fetch_add(1, Ordering::SeqCst);
        let mut done = lock(&self.inner.state);
        let finished = loop {
            if *done {
                break true;
            }
            match deadline.remaining() {
                None => {
                    done = self
                        .inner
                        .changed
                        .wait(done)
                        .unwrap_or_else(|p| p.into_inner())
                }
                Some(Duration::ZERO) => break false,
                Some(left) => {
                    done = self
                        .inner
                        .changed
                        .wait_timeout(done, left)
                        .unwrap_or_else(|p| p.into_inner())
                        .0
                }
            }
        };
        drop(done);
        self.inner.sleepers.fetch_sub(1, Ordering::SeqCst);
        finished
    }

    /// Marks the thread finished and wakes its joiners.
    pub(crate) fn finish(&self) {
        let mut done = lock(&self.inner.state);
        *done = true;
        self.inner.finished.store(true, Ordering::Release);
        drop(done);
        // A sleeper registers before taking the lock, so a zero here means nobody can be waiting
        // on an unset flag.
        if self.inner.sleepers.load(Ordering::SeqCst) != 0 {
            self.inner.changed.notify_all();
        }
        self.wake_joiners();
    }
}

impl PartialEq for Thread {
    fn eq(&self, other: &Self) -> bool {
        self.inner.ident == other.inner.ident
    }
}

impl Eq for Thread {}

impl Hash for Thread {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.inner.ident.hash(state);
    }
}

impl fmt::Debug for Thread {
    // Python's repr shape: `<Thread(Thread-1, started daemon 1234)>`, "stopped" once finished.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let class = match self.inner.kind {
            Kind::Main => "_MainThread",
            Kind::Spawned => "Thread",
            Kind::Dummy => "_DummyThread",
        };
        let status = if self.is_alive() {
            "started"
        } else {
            "stopped"
        };
        let daemon = if self.inner.daemon { " daemon" } else { "" };
        write!(
            f,
            "<{class}({}, {status}{daemon} {})>",
            self.inner.name, self.inner.ident
        )
    }
}
