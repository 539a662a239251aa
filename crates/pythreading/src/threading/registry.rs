//! The thread registry: `current_thread`, `main_thread`, `enumerate`, `active_count`, `get_ident`,
//! `get_native_id`, dummy threads, and the [`Thread`] handle they return.
//!
//! Cost matters here, because every spawn registers and unregisters: the registry is sharded by
//! ident into small mutex-protected maps (an uncontended lock is a few nanoseconds), one `Arc`
//! per thread carries its record, and nothing else is allocated per spawn besides the name.
//! Idents come from a process-wide counter (never reused, never zero); the main thread's is 1.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use super::thread_error::JoinError;
use crate::deadline::Deadline;

/// The ident of the main thread.
const MAIN_IDENT: u64 = 1;
/// Next ident to hand out; the main thread has 1.
static NEXT_IDENT: AtomicU64 = AtomicU64::new(2);
/// Python's `_counter`: one counter for `Thread-N`, `Dummy-N` and timer names.
static NAME_COUNTER: AtomicUsize = AtomicUsize::new(1);

const SHARDS: usize = 16;
// A Vec per shard rather than a map: it keeps its capacity, so registering allocates nothing
// once warm, and shards stay short (live threads / SHARDS).
static REGISTRY: [Mutex<Vec<Thread>>; SHARDS] = [const { Mutex::new(Vec::new()) }; SHARDS];

/// Live non-daemon threads (and pending non-daemon timers) that `shutdown()` waits for.
static NON_DAEMON: Mutex<NonDaemon> = Mutex::new(NonDaemon {
    live: 0,
    waiters: 0,
});

struct NonDaemon {
    live: usize,
    /// Threads blocked in `wait_non_daemon`.
    waiters: usize,
}
static NON_DAEMON_DONE: Condvar = Condvar::new();

static MAIN: OnceLock<Thread> = OnceLock::new();

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Takes the next `N` of Python's shared `Thread-N` counter.
pub(crate) fn next_name_number() -> usize {
    NAME_COUNTER.fetch_add(1, Ordering::Relaxed)
}

pub(crate) fn next_ident() -> u64 {
    NEXT_IDENT.fetch_add(1, Ordering::Relaxed)
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
}

/// A handle to a thread: Python's `threading.Thread` object once started.
///
/// Cheap to clone (an `Arc`); every clone names the same thread. Obtained from
/// [`JoinHandle::thread`](crate::threading::JoinHandle::thread), [`current_thread`],
/// [`main_thread`] or [`enumerate`]. Two handles are equal when they name the same thread.
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
    pub fn join_timeout(&self, timeout: Duration) -> Result<bool, JoinError> {
        self.join_deadline(Deadline::after(timeout))
    }

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
    pub(crate) fn wait_finished(&self, deadline: Deadline) -> bool {
        if !self.is_alive() {
            return true;
        }
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

// ---------------------------------------------------------------------------------------------
// Per-thread state.
// ---------------------------------------------------------------------------------------------

struct Current {
    thread: RefCell<Option<Thread>>,
    ident: Cell<u64>,
    native_id: Cell<u64>,
}

impl Drop for Current {
    // A dummy entry lives exactly as long as its thread (K-04, S-16).
    fn drop(&mut self) {
        if let Some(thread) = self.thread.get_mut().take()
            && thread.kind() == Kind::Dummy
        {
            unregister(&thread);
            thread.finish();
        }
    }
}

thread_local! {
    static CURRENT: Current = const {
        Current { thread: RefCell::new(None), ident: Cell::new(0), native_id: Cell::new(0) }
    };
}

/// The OS thread id of the calling thread.
#[cfg(target_os = "linux")]
fn os_tid() -> u64 {
    // No libc and no unsafe in this crate: /proc/thread-self links to /proc/<pid>/task/<tid>.
    // 0 when /proc is not mounted; callers fall back to the ident.
    std::fs::read_link("/proc/thread-self")
        .ok()
        .and_then(|p| p.file_name()?.to_str()?.parse().ok())
        .unwrap_or(0)
}

/// Whether the calling thread is the process's main thread.
fn is_os_main_thread() -> bool {
    // std names the main thread "main"; the OS id is the sure test where /proc is available.
    #[cfg(target_os = "linux")]
    {
        match os_tid() {
            0 => std::thread::current().name() == Some("main"),
            tid => tid == u64::from(std::process::id()),
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        std::thread::current().name() == Some("main")
    }
}

fn main_native_id() -> u64 {
    #[cfg(target_os = "linux")]
    {
        u64::from(std::process::id())
    }
    #[cfg(not(target_os = "linux"))]
    {
        MAIN_IDENT
    }
}

/// Called first thing in a thread this library spawned.
pub(crate) fn enter(thread: &Thread) {
    let _ = CURRENT.try_with(|c| {
        c.ident.set(thread.ident());
        *c.thread.borrow_mut() = Some(thread.clone());
        #[cfg(target_os = "linux")]
        let native = match os_tid() {
            0 => thread.ident(),
            tid => tid,
        };
        #[cfg(not(target_os = "linux"))]
        let native = thread.ident();
        c.native_id.set(native);
        thread.set_native_id(native);
    });
}

/// Called by a raw `low_level` thread to take its pre-assigned ident.
pub(crate) fn set_raw_ident(ident: u64) {
    let _ = CURRENT.try_with(|c| c.ident.set(ident));
}

/// The calling thread's identifier: a non-zero integer, unique among every thread the process
/// ever had, equal to [`Thread::ident`] of [`current_thread`]. It does not register a dummy
/// thread.
///
/// # Examples
///
/// ```
/// use pythreading::threading;
///
/// assert_eq!(threading::get_ident(), threading::current_thread().ident());
/// ```
pub fn get_ident() -> u64 {
    CURRENT
        .try_with(|c| {
            let id = c.ident.get();
            if id != 0 {
                return id;
            }
            let id = if is_os_main_thread() {
                MAIN_IDENT
            } else {
                next_ident()
            };
            c.ident.set(id);
            id
        })
        // During thread-local teardown: a fresh ident is still unique.
        .unwrap_or_else(|_| next_ident())
}

/// The operating system's id for the calling thread (Linux: its TID). On other platforms, the
/// [`get_ident`] value.
///
/// # Examples
///
/// ```
/// use pythreading::threading;
///
/// let here = threading::get_native_id();
/// let there = std::thread::spawn(threading::get_native_id).join().unwrap();
/// assert_ne!(here, there);
/// ```
pub fn get_native_id() -> u64 {
    CURRENT
        .try_with(|c| {
            let id = c.native_id.get();
            if id != 0 {
                return id;
            }
            #[cfg(target_os = "linux")]
            let id = match os_tid() {
                0 => get_ident(),
                tid => tid,
            };
            #[cfg(not(target_os = "linux"))]
            let id = get_ident();
            c.native_id.set(id);
            id
        })
        .unwrap_or_else(|_| get_ident())
}

/// The thread object of the calling thread.
///
/// Inside a thread spawned by this library it is that thread's handle; in the main thread it is
/// [`main_thread`]; in a thread the library did not create (`std::thread::spawn`, a test harness
/// thread) it is a daemon *dummy* entry named `Dummy-N`, registered on this first call and
/// removed when the thread exits.
///
/// # Examples
///
/// ```
/// use pythreading::threading;
///
/// let h = threading::Builder::new()
///     .name("reader")
///     .spawn(|| threading::current_thread().name().to_owned())
///     .unwrap();
/// assert_eq!(h.join().unwrap(), "reader");
/// ```
#[doc(alias = "currentThread")]
pub fn current_thread() -> Thread {
    let found = CURRENT.try_with(|c| {
        if let Some(t) = c.thread.borrow().as_ref() {
            return t.clone();
        }
        let ident = get_ident();
        let thread = if ident == MAIN_IDENT {
            main_thread()
        } else {
            let dummy = Thread::new(
                format!("Dummy-{}", next_name_number()),
                ident,
                true,
                Kind::Dummy,
                get_native_id(),
            );
            register(&dummy);
            dummy
        };
        *c.thread.borrow_mut() = Some(thread.clone());
        thread
    });
    match found {
        Ok(t) => t,
        // Thread-local teardown: an unregistered record that says what it can.
        Err(_) => Thread::new(
            format!("Dummy-{}", next_name_number()),
            get_ident(),
            true,
            Kind::Dummy,
            0,
        ),
    }
}

/// The main thread of the process, named `MainThread`, even when first asked from another
/// thread.
///
/// # Examples
///
/// ```
/// use pythreading::threading;
///
/// let main = threading::main_thread();
/// assert_eq!(main.name(), "MainThread");
/// assert!(!main.is_daemon());
/// ```
pub fn main_thread() -> Thread {
    MAIN.get_or_init(|| {
        let main = Thread::new(
            "MainThread".to_owned(),
            MAIN_IDENT,
            false,
            Kind::Main,
            main_native_id(),
        );
        register(&main);
        main
    })
    .clone()
}

fn shard(ident: u64) -> &'static Mutex<Vec<Thread>> {
    &REGISTRY[(ident as usize) % SHARDS]
}

pub(crate) fn register(thread: &Thread) {
    lock(shard(thread.ident())).push(thread.clone());
}

pub(crate) fn unregister(thread: &Thread) {
    let removed = {
        let mut shard = lock(shard(thread.ident()));
        shard
            .iter()
            .position(|t| t.ident() == thread.ident())
            .map(|i| shard.swap_remove(i))
    };
    drop(removed); // outside the lock
}

/// Every live thread: the main thread, threads spawned by this library (from the moment `spawn`
/// returns until their body finished), and dummy threads. Ordered by ident, i.e. start order.
///
/// # Examples
///
/// ```
/// use pythreading::threading;
///
/// let all = threading::enumerate();
/// assert!(all.contains(&threading::main_thread()));
/// ```
pub fn enumerate() -> Vec<Thread> {
    main_thread();
    let mut all = Vec::new();
    for shard in &REGISTRY {
        all.extend(lock(shard).iter().cloned());
    }
    all.sort_by_key(Thread::ident);
    all
}

/// How many threads [`enumerate`] would list.
///
/// # Examples
///
/// ```
/// use pythreading::threading;
///
/// assert!(threading::active_count() >= 1);
/// ```
#[doc(alias = "activeCount")]
pub fn active_count() -> usize {
    main_thread();
    REGISTRY.iter().map(|s| lock(s).len()).sum()
}

/// One more live non-daemon thread (or pending non-daemon timer) for `shutdown()` to wait for.
pub(crate) fn non_daemon_enter() {
    lock(&NON_DAEMON).live += 1;
}

/// One fewer; wakes `shutdown()` if it waits.
pub(crate) fn non_daemon_exit() {
    let mut n = lock(&NON_DAEMON);
    n.live = n.live.saturating_sub(1);
    // Only a waiting `shutdown()` needs the wake-up; skipping it keeps a futex syscall off every
    // thread exit.
    if n.waiters != 0 {
        NON_DAEMON_DONE.notify_all();
    }
}

/// Blocks until at most `allowed` non-daemon threads are alive.
pub(crate) fn wait_non_daemon(allowed: usize) {
    let mut n = lock(&NON_DAEMON);
    n.waiters += 1;
    while n.live > allowed {
        n = NON_DAEMON_DONE.wait(n).unwrap_or_else(|p| p.into_inner());
    }
    n.waiters -= 1;
}
