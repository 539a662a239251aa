//! The thread registry, the process-wide state: `current_thread`, `main_thread`, `enumerate`,
//! `active_count`, `get_ident`, `get_native_id` and dummy threads. The [`Thread`] handle they
//! return is in `thread_handle.rs`.
//!
//! Cost matters here, because every spawn registers and unregisters: the registry is sharded by
//! ident into small mutex-protected maps (an uncontended lock is a few nanoseconds), one `Arc`
//! per thread carries its record, and nothing else is allocated per spawn besides the name.
//! Idents come from a process-wide counter (never reused, never zero); the main thread's is 1.

use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};

use super::thread_handle::{Kind, Thread};

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
