//! `Timer` (Python's `threading.Timer`) and [`RepeatingTimer`] (the tutorials' re-armed Timer).
//!
//! Pending timers cost no thread: one shared scheduler holds them and a small pool runs the
//! callbacks (see the scheduler's notes below). So 10,000 pending timers need two threads, not
//! 10,000.
//!
//! Differences from Python: a `Timer` is not a [`Thread`](crate::threading::Thread) and
//! is not listed by `enumerate()`; its callback runs on a shared pool thread. It keeps Python's
//! `Thread-N` name (from the same counter) and its daemon rule: a non-daemon timer that is
//! pending keeps [`shutdown`](crate::threading::shutdown()) waiting until it fires or is
//! cancelled, as Python waits for a Timer's thread.
//!
//! # How callbacks run
//!
//! One scheduler thread (`pythreading-timer`) sleeps until the earliest deadline of a min-heap.
//! Due callbacks go to a pool (`pythreading-timer-pool`) that grows by one thread when work is
//! queued and no pool thread is idle, up to 64 threads, and shrinks after 2 s idle. A callback
//! that blocks occupies one pool thread; only 64 simultaneously blocked callbacks delay others.
//! A panicking callback is reported by the [excepthook](crate::threading::set_excepthook).

use crate::diagnostics;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::excepthook;
use super::local;
use super::registry;
use super::timer_scheduler::{self, Due};
use crate::deadline::Deadline;

type Callback = Box<dyn FnOnce() + Send + 'static>;

enum State {
    /// Built, not started.
    Idle(Callback),
    /// Started, waiting for its deadline.
    Pending(Callback),
    Running,
    Fired,
    Cancelled,
}

struct Shared {
    state: Mutex<State>,
    done: Condvar,
    name: String,
    /// Whether it counts for `shutdown()` (a started non-daemon timer until it ends).
    counted: Mutex<bool>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Shared {
    fn end(&self, state: &mut State, to: State) {
        *state = to;
        self.done.notify_all();
        let mut counted = lock(&self.counted);
        if *counted {
            *counted = false;
            registry::non_daemon_exit();
        }
    }
}

impl Due for Shared {
    fn fire(self: Arc<Self>) {
        diagnostics::trace_instant("timer fired");
        let callback = {
            let mut state = lock(&self.state);
            match std::mem::replace(&mut *state, State::Running) {
                State::Pending(f) => f,
                other => {
                    // Cancelled meanwhile.
                    *state = other;
                    return;
                }
            }
        };
        if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(callback)) {
            excepthook::report(None, Some(&self.name), &*payload);
        }
        // A Python Timer runs in a thread of its own, whose `local` values go when it ends. The
        // pool thread lives on to run other timers: drop what this callback stored in `Local`s
        // now, before `join()` can return, so no later callback sees or keeps it (O-07).
        local::forget_current_thread();
        let mut state = lock(&self.state);
        self.end(&mut state, State::Fired);
    }
}

/// Runs a function once after a delay, unless cancelled first: Python's `threading.Timer`.
///
/// Pending timers cost no thread: one scheduler thread (`pythreading-timer`) sleeps until the
/// earliest deadline of a shared min-heap, and due callbacks run on a shared pool
/// (`pythreading-timer-pool`) that grows by one thread when work is queued and none is idle, up
/// to 64 threads, and shrinks after 2 s idle. So 10,000 pending timers need two threads, not
/// 10,000. A callback that blocks holds one pool thread; only 64 blocked callbacks at once delay
/// other timers. A panicking callback is reported by the
/// [excepthook](crate::threading::set_excepthook) (with no thread).
///
/// Dropping the handle does not cancel the timer: it still fires, as a Python `Timer` whose
/// object is gone still runs.
///
/// Differences from Python: a `Timer` is not a [`Thread`](crate::threading::Thread) and is not
/// listed by `enumerate()`. It keeps Python's `Thread-N` name (same counter) and the daemon rule:
/// a pending non-daemon timer keeps [`shutdown`](crate::threading::shutdown()) waiting until it
/// fires or is cancelled, as Python waits for a Timer's thread. As with Python's thread per
/// timer, the callback starts with no [`Local`](crate::threading::Local) values of its own, and
/// those it sets are dropped when it returns.
///
/// # Examples
///
/// ```
/// use std::sync::mpsc;
/// use std::time::Duration;
/// use pythreading::threading::Timer;
///
/// let (tx, rx) = mpsc::channel();
/// let timer = Timer::new(Duration::from_millis(20), move || tx.send("fired").unwrap()).start();
/// assert_eq!(rx.recv().unwrap(), "fired");
/// timer.join();
/// assert!(timer.is_finished());
///
/// let cancelled = Timer::new(Duration::from_secs(60), || unreachable!()).start();
/// assert!(cancelled.cancel()); // never runs
/// ```
#[doc(alias = "threading.Timer")]
pub struct Timer {
    shared: Arc<Shared>,
    interval: Duration,
    daemon: Option<bool>,
}

impl Timer {
    /// A timer that will call `f` `interval` after [`start`](Self::start). `Duration::MAX`
    /// never fires.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// let t = pythreading::threading::Timer::new(Duration::from_secs(1), || ());
    /// assert!(t.name().starts_with("Thread-"));
    /// ```
    pub fn new<F>(interval: Duration, f: F) -> Self
    where
        F: FnOnce() + Send + 'static,
    {
        Timer {
            shared: Arc::new(Shared {
                state: Mutex::new(State::Idle(Box::new(f))),
                done: Condvar::new(),
                name: format!("Thread-{}", registry::next_name_number()),
                counted: Mutex::new(false),
            }),
            interval,
            daemon: None,
        }
    }

    /// Whether [`shutdown`](crate::threading::shutdown()) ignores this timer while pending.
    /// By default it inherits the creating thread's flag, like a thread.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// let t = pythreading::threading::Timer::new(Duration::ZERO, || ()).daemon(true).start();
    /// t.join();
    /// ```
    #[doc(alias = "setDaemon")]
    pub fn daemon(mut self, daemon: bool) -> Self {
        self.daemon = Some(daemon);
        self
    }

    /// Starts the countdown and returns the timer. Starting a started timer does nothing.
    ///
    /// # Panics
    ///
    /// If the operating system refuses to create the shared scheduler thread (first timer only).
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// let t = pythreading::threading::Timer::new(Duration::from_millis(1), || ()).start();
    /// t.join();
    /// ```
    pub fn start(self) -> Self {
        {
            let mut state = lock(&self.shared.state);
            if !matches!(*state, State::Idle(_)) {
                drop(state);
                return self;
            }
            if let State::Idle(f) = std::mem::replace(&mut *state, State::Running) {
                *state = State::Pending(f);
            }
            let daemon = self
                .daemon
                .unwrap_or_else(|| registry::current_thread().is_daemon());
            if !daemon {
                *lock(&self.shared.counted) = true;
                registry::non_daemon_enter();
            }
        }
        if let Deadline::At(at) = Deadline::after(self.interval) {
            timer_scheduler::schedule(at, self.shared.clone());
        }
        self
    }

    /// Stops the timer if it has not fired yet; `true` when this call prevented the callback.
    /// Cancelling a fired or cancelled timer does nothing (M-02).
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// let t = pythreading::threading::Timer::new(Duration::from_secs(5), || ()).start();
    /// assert!(t.cancel());
    /// assert!(!t.cancel());
    /// assert!(t.is_finished());
    /// ```
    pub fn cancel(&self) -> bool {
        let callback = {
            let mut state = lock(&self.shared.state);
            match std::mem::replace(&mut *state, State::Cancelled) {
                State::Pending(f) | State::Idle(f) => {
                    self.shared.end(&mut state, State::Cancelled);
                    f
                }
                other => {
                    *state = other;
                    return false;
                }
            }
        };
        drop(callback); // outside the lock: its captures may do anything when dropped
        true
    }

    /// Whether the timer has fired (and its callback returned) or was cancelled: Python's
    /// `timer.finished.is_set()`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// let t = pythreading::threading::Timer::new(Duration::ZERO, || ()).start();
    /// t.join();
    /// assert!(t.is_finished());
    /// ```
    #[doc(alias = "finished")]
    pub fn is_finished(&self) -> bool {
        matches!(*lock(&self.shared.state), State::Fired | State::Cancelled)
    }

    /// Whether the timer is started and has not finished (Python's `is_alive()`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// let t = pythreading::threading::Timer::new(Duration::from_secs(9), || ()).start();
    /// assert!(t.is_alive());
    /// t.cancel();
    /// assert!(!t.is_alive());
    /// ```
    #[doc(alias = "isAlive")]
    pub fn is_alive(&self) -> bool {
        matches!(
            *lock(&self.shared.state),
            State::Pending(_) | State::Running
        )
    }

    /// Whether the callback ran (as opposed to being cancelled or still pending).
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// let t = pythreading::threading::Timer::new(Duration::ZERO, || ()).start();
    /// t.join();
    /// assert!(t.has_fired());
    /// ```
    pub fn has_fired(&self) -> bool {
        matches!(*lock(&self.shared.state), State::Fired)
    }

    /// The timer's name, `Thread-N` from the counter threads use (M-03, J-02).
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// let t = pythreading::threading::Timer::new(Duration::ZERO, || ());
    /// assert!(t.name().starts_with("Thread-"));
    /// ```
    pub fn name(&self) -> &str {
        &self.shared.name
    }

    /// Waits until the timer has fired (callback returned) or was cancelled. A timer that was
    /// never started finishes only when cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// let t = pythreading::threading::Timer::new(Duration::from_millis(5), || ()).start();
    /// t.join();
    /// ```
    pub fn join(&self) {
        self.join_deadline(Deadline::Never);
    }

    /// Waits at most `timeout` for the timer to finish; `true` when it has.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// let t = pythreading::threading::Timer::new(Duration::from_secs(60), || ()).start();
    /// assert!(!t.join_timeout(Duration::from_millis(10)));
    /// t.cancel();
    /// assert!(t.join_timeout(Duration::ZERO));
    /// ```
    #[must_use = "`false` means the timer has not finished"]
    pub fn join_timeout(&self, timeout: Duration) -> bool {
        self.join_deadline(Deadline::after(timeout))
    }

    fn join_deadline(&self, deadline: Deadline) -> bool {
        let mut state = lock(&self.shared.state);
        loop {
            if matches!(*state, State::Fired | State::Cancelled) {
                return true;
            }
            state = match deadline.remaining() {
                None => self
                    .shared
                    .done
                    .wait(state)
                    .unwrap_or_else(|p| p.into_inner()),
                Some(Duration::ZERO) => return false,
                Some(left) => {
                    self.shared
                        .done
                        .wait_timeout(state, left)
                        .unwrap_or_else(|p| p.into_inner())
                        .0
                }
            };
        }
    }
}

impl fmt::Debug for Timer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = match *lock(&self.shared.state) {
            State::Idle(_) => "initial",
            State::Pending(_) => "pending",
            State::Running => "running",
            State::Fired => "fired",
            State::Cancelled => "cancelled",
        };
        f.debug_struct("Timer")
            .field("name", &self.shared.name)
            .field("interval", &self.interval)
            .field("status", &status)
            .finish()
    }
}

// ---------------------------------------------------------------------------------------------
// Repeating timer.
// ---------------------------------------------------------------------------------------------

struct Repeat {
    callback: Mutex<Box<dyn FnMut() + Send + 'static>>,
    interval: Duration,
    /// (cancelled, a run in progress)
    state: Mutex<(bool, bool)>,
    idle: Condvar,
    runs: AtomicU64,
    next: Mutex<Instant>,
}

impl Due for Repeat {
    fn fire(self: Arc<Self>) {
        diagnostics::trace_instant("timer fired");
        {
            let mut state = lock(&self.state);
            if state.0 {
                return;
            }
            state.1 = true;
        }
        let outcome = {
            let mut callback = lock(&self.callback);
            let _ = IN_REPEAT.try_with(|f| f.set(true));
            let outcome = panic::catch_unwind(AssertUnwindSafe(|| (*callback)()));
            let _ = IN_REPEAT.try_with(|f| f.set(false));
            outcome
        };
        // Each run is a re-armed Timer, a fresh thread in Python: its `Local` values go when it
        // returns (see `Shared::fire`), before `cancel()` can return.
        local::forget_current_thread();
        self.runs.fetch_add(1, Ordering::SeqCst);
        let mut state = lock(&self.state);
        state.1 = false;
        if let Err(payload) = outcome {
            // A panic ends the series, as an exception ends Python's re-arming loop.
            state.0 = true;
            drop(state);
            excepthook::report(None, None, &*payload);
            self.idle.notify_all();
            return;
        }
        let again = !state.0;
        drop(state);
        self.idle.notify_all();
        if again {
            let mut next = lock(&self.next);
            // Fixed rate: the next deadline follows the previous one, never before now (a slow
            // callback delays, it does not cause a burst of catch-up runs).
            let now = Instant::now();
            let at = next.checked_add(self.interval).unwrap_or(now).max(now);
            *next = at;
            drop(next);
            timer_scheduler::schedule(at, self);
        }
    }
}

/// Calls a function every `interval` until cancelled: the tutorials' `Timer` that re-arms itself in
/// its own callback, as one value.
///
/// Runs never overlap: the next one is scheduled when the previous returned, at the previous
/// deadline plus `interval` (or at once when that has passed). A panic in the callback is
/// reported by the excepthook and ends the series. Dropping the handle does not stop the series:
/// call [`cancel`](Self::cancel). A repeating timer never keeps
/// [`shutdown`](crate::threading::shutdown()) waiting (it is a daemon).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicU32, Ordering};
/// use std::time::Duration;
/// use pythreading::threading::RepeatingTimer;
///
/// let ticks = Arc::new(AtomicU32::new(0));
/// let t = ticks.clone();
/// let timer = RepeatingTimer::new(Duration::from_millis(10), move || {
///     t.fetch_add(1, Ordering::SeqCst);
/// })
/// .start();
/// while ticks.load(Ordering::SeqCst) < 3 {
///     std::thread::sleep(Duration::from_millis(5));
/// }
/// timer.cancel();
/// assert!(timer.runs() >= 3);
/// ```
pub struct RepeatingTimer {
    repeat: Arc<Repeat>,
    started: bool,
}

impl RepeatingTimer {
    /// A timer calling `f` every `interval` once started. `Duration::MAX` never fires.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// let t = pythreading::threading::RepeatingTimer::new(Duration::from_secs(1), || ());
    /// assert_eq!(t.runs(), 0);
    /// ```
    pub fn new<F>(interval: Duration, f: F) -> Self
    where
        F: FnMut() + Send + 'static,
    {
        RepeatingTimer {
            repeat: Arc::new(Repeat {
                callback: Mutex::new(Box::new(f)),
                interval,
                state: Mutex::new((false, false)),
                idle: Condvar::new(),
                runs: AtomicU64::new(0),
                next: Mutex::new(Instant::now()),
            }),
            started: false,
        }
    }

    /// Starts the series: the first call comes `interval` from now. Starting twice does nothing.
    ///
    /// # Panics
    ///
    /// If the operating system refuses to create the shared scheduler thread (first timer only).
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// let t = pythreading::threading::RepeatingTimer::new(Duration::from_millis(5), || ()).start();
    /// t.cancel();
    /// ```
    pub fn start(mut self) -> Self {
        if self.started {
            return self;
        }
        self.started = true;
        if let Deadline::At(at) = Deadline::after(self.repeat.interval) {
            *lock(&self.repeat.next) = at;
            timer_scheduler::schedule(at, self.repeat.clone());
        }
        self
    }

    /// Stops the series and waits for a run in progress to return (unless called from the
    /// callback itself). Returns `false` when it was already cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// let t = pythreading::threading::RepeatingTimer::new(Duration::from_millis(5), || ()).start();
    /// assert!(t.cancel());
    /// let runs = t.runs();
    /// std::thread::sleep(Duration::from_millis(30));
    /// assert_eq!(t.runs(), runs); // no run after cancel() returned
    /// ```
    pub fn cancel(&self) -> bool {
        let mut state = lock(&self.repeat.state);
        let was = state.0;
        state.0 = true;
        // From inside a callback, waiting for the run in progress could wait for itself.
        if !in_own_callback() {
            while state.1 {
                state = self
                    .repeat
                    .idle
                    .wait(state)
                    .unwrap_or_else(|p| p.into_inner());
            }
        }
        !was
    }

    /// Whether [`cancel`](Self::cancel) was called (or a panic ended the series).
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// let t = pythreading::threading::RepeatingTimer::new(Duration::from_millis(5), || ()).start();
    /// t.cancel();
    /// assert!(t.is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        lock(&self.repeat.state).0
    }

    /// How many times the callback has run.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// let t = pythreading::threading::RepeatingTimer::new(Duration::from_secs(1), || ());
    /// assert_eq!(t.runs(), 0);
    /// ```
    pub fn runs(&self) -> u64 {
        self.repeat.runs.load(Ordering::SeqCst)
    }
}

thread_local! {
    static IN_REPEAT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn in_own_callback() -> bool {
    IN_REPEAT.try_with(std::cell::Cell::get).unwrap_or(false)
}

impl fmt::Debug for RepeatingTimer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RepeatingTimer")
            .field("interval", &self.repeat.interval)
            .field("runs", &self.runs())
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}
