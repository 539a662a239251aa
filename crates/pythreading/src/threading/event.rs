//! `Event`: Python's one-flag signal that many threads can wait for.

use crate::diagnostics::{self, Kind, Label};
use std::fmt;
use std::time::Duration;

use super::wait_queue::WaitList;
use crate::deadline::Deadline;
use crate::sync::atomic::{AtomicBool, Ordering};
use crate::sync::{Condvar, Mutex, lock};

// The async face (`wait_async`) shares this file's private state.
#[path = "event_async.rs"]
mod async_face;
pub use async_face::EventWait;

#[derive(Debug, Default)]
struct State {
    generation: u64,
    waiting: usize,
    /// Tasks in `wait_async`, each on a slot of its own; `set` signals them all.
    tasks: WaitList,
    /// The timeline's arrows from the last `set` to the threads it released: the next id to
    /// hand to a woken waiter, and the end of the range (both 0 when nothing records).
    flows: (u64, u64),
}

/// A flag threads can wait for: Python's `threading.Event`.
///
/// It starts unset; [`set`](Event::set) wakes every waiter, [`clear`](Event::clear) resets it.
/// A waiter released by a `set()` returns `true` even if `clear()` follows at once (H-05): each
/// `set()` starts a new generation, and waiters watch the generation, not the flag.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use pythreading::threading::Event;
///
/// let ready = Arc::new(Event::new());
/// let r = Arc::clone(&ready);
/// let t = std::thread::spawn(move || r.wait());
/// ready.set();
/// t.join().unwrap();
/// assert!(ready.is_set());
/// ```
pub struct Event {
    /// The flag, readable without the lock; written under it.
    flag: AtomicBool,
    /// The generation (how many times the flag went from unset to set) and how many wait.
    state: Mutex<State>,
    changed: Condvar,
    /// Name and id in thread dumps (`diagnostics`).
    diag: Label,
}

impl Event {
    /// A new, unset event (`const`: it can be a `static`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Event;
    /// assert!(!Event::new().is_set());
    /// ```
    #[cfg(not(loom))]
    pub const fn new() -> Self {
        Event {
            flag: AtomicBool::new(false),
            state: Mutex::new(State {
                generation: 0,
                waiting: 0,
                tasks: WaitList::new(),
                flows: (0, 0),
            }),
            changed: Condvar::new(),
            diag: Label::new(Kind::Event),
        }
    }

    /// As the `const` constructor of normal builds (loom's types are not `const`).
    #[cfg(loom)]
    pub fn new() -> Self {
        Event {
            flag: AtomicBool::new(false),
            state: Mutex::new(State {
                generation: 0,
                waiting: 0,
                tasks: WaitList::new(),
                flows: (0, 0),
            }),
            changed: Condvar::new(),
            diag: Label::new(Kind::Event),
        }
    }

    /// Whether the flag is set.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Event;
    /// let ev = Event::new();
    /// ev.set();
    /// assert!(ev.is_set());
    /// ```
    #[doc(alias = "isSet")]
    pub fn is_set(&self) -> bool {
        self.flag.load(Ordering::Acquire)
    }

    /// Sets the flag and wakes every waiter. Setting a set event changes nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Event;
    /// let ev = Event::new();
    /// ev.set();
    /// ev.set();
    /// assert!(ev.is_set());
    /// ```
    pub fn set(&self) {
        let mut state = lock(&self.state);
        if !self.flag.load(Ordering::Relaxed) {
            self.flag.store(true, Ordering::Release);
            state.generation = state.generation.wrapping_add(1);
            let waiting = state.waiting;
            let flow = diagnostics::wake_flows("set", &self.diag, waiting);
            state.flows = (flow, flow + if flow == 0 { 0 } else { waiting as u64 });
            let tasks = state.tasks.take_all();
            // Notify after unlocking, so the woken threads do not wake into a held mutex. A
            // waiter checks the generation under the mutex before it sleeps, so none is missed.
            drop(state);
            if waiting > 0 {
                self.changed.notify_all();
            }
            tasks.iter().for_each(|task| task.signal());
        }
    }

    /// Clears the flag; later waiters block until the next `set()`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Event;
    /// let ev = Event::new();
    /// ev.set();
    /// ev.clear();
    /// assert!(!ev.is_set());
    /// ```
    pub fn clear(&self) {
        let _state = lock(&self.state);
        self.flag.store(false, Ordering::Release);
    }

    /// Blocks until the flag is set. Returns at once if it already is.
    ///
    /// Python's `wait()` returns `True` here; there is nothing to report.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Event;
    /// let ev = Event::new();
    /// ev.set();
    /// ev.wait();
    /// ```
    #[track_caller]
    pub fn wait(&self) {
        self.wait_until(Deadline::Never);
    }

    /// Waits at most `timeout` for the flag; `true` if it was set (or a `set()` released this
    /// waiter), `false` on timeout. `ZERO` polls, `MAX` waits forever.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Event;
    /// # use std::time::Duration;
    /// let ev = Event::new();
    /// assert!(!ev.wait_timeout(Duration::ZERO));
    /// ev.set();
    /// assert!(ev.wait_timeout(Duration::ZERO));
    /// ```
    #[must_use = "`false` means the event was not set in time"]
    #[track_caller]
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        self.wait_until(Deadline::after(timeout))
    }

    #[track_caller]
    fn wait_until(&self, deadline: Deadline) -> bool {
        if self.is_set() {
            return true;
        }
        let mut state = lock(&self.state);
        if self.flag.load(Ordering::Relaxed) {
            return true;
        }
        let start = state.generation;
        state.waiting += 1;
        let _waiting = diagnostics::waiting(&self.diag);
        let released = loop {
            if state.generation != start {
                // The end of the setter's arrow to this thread, inside its wait slice.
                let (next, end) = state.flows;
                if next < end {
                    state.flows.0 += 1;
                    diagnostics::woken(next);
                }
                break true;
            }
            state = match deadline.remaining() {
                None => match self.changed.wait(state) {
                    Ok(g) => g,
                    Err(p) => p.into_inner(),
                },
                Some(Duration::ZERO) => break false,
                Some(left) => match self.changed.wait_timeout(state, left) {
                    Ok((g, _)) => g,
                    Err(p) => p.into_inner().0,
                },
            };
        };
        state.waiting -= 1;
        released
    }

    /// A new, unset event named for thread dumps (unnamed: `Event#3`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Event;
    /// assert_eq!(Event::named("ready").name(), Some("ready"));
    /// ```
    pub fn named(name: impl Into<std::sync::Arc<str>>) -> Self {
        let mut event = Event::new();
        event.diag = Label::named(Kind::Event, name);
        event
    }

    /// The name given with [`named`](Event::named), if any.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Event;
    /// assert_eq!(Event::new().name(), None);
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.diag.name()
    }

    /// How many threads are blocked in `wait`, and tasks pending in `wait_async`, now
    /// (introspection; Python has no such call).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::threading::Event;
    /// assert_eq!(Event::new().n_waiting(), 0);
    /// ```
    pub fn n_waiting(&self) -> usize {
        let state = lock(&self.state);
        state.waiting + state.tasks.len()
    }
}

impl Default for Event {
    fn default() -> Self {
        Event::new()
    }
}

impl fmt::Debug for Event {
    /// Python's repr shape: `<pythreading::threading::Event at 0x…: unset>` (H-06).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = if self.is_set() { "set" } else { "unset" };
        write!(f, "<pythreading::threading::Event at {:p}: {state}>", self)
    }
}
