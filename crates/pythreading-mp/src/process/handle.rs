//! [`Process`] and its builder.

use std::fmt;
use std::os::fd::OwnedFd;
use std::process::Child;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags, Timespec, poll};
use rustix::process::{Pid, PidfdFlags, Signal, pidfd_open, pidfd_send_signal};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::bootstrap::{self, Bootstrap, Role};
use super::builder::ProcessBuilder;
use super::error::ProcessError;
use super::init;
use super::launch::{exit_code, launch};
use super::registry::{Lookup, Target, lookup};
use super::sentinel::Sentinel;
use crate::pickle::Value;

/// A child process running a registered function (Python's `multiprocessing.Process`).
///
/// Build one with [`Process::new`] (a function without parameters) or [`Process::builder`],
/// then [`start`](Process::start) and [`join`](Process::join). The handle is cheap to clone
/// (clones share the child), so one thread may `join` while another calls
/// [`terminate`](Process::terminate).
///
/// Dropping the last handle of a running process leaves a non-daemonic child running (it is
/// reaped later, by the next `start()` or [`active_children`](super::active_children)), and
/// kills a daemonic one. Every child is also killed when this process dies.
///
/// # Examples
///
/// ```
/// use pythreading_mp::process::Process;
///
/// fn test(n: u64) { println!("child {} counts to {n}", std::process::id()); }
/// pythreading_mp::register!(test);
///
/// fn main() {
///     pythreading_mp::init();
///     let p = Process::builder(test).args((100,)).build();
///     p.start().unwrap();
///     p.join().unwrap();
///     assert_eq!(p.exitcode().unwrap(), Some(0));
/// }
/// ```
#[derive(Clone)]
pub struct Process {
    inner: Arc<Inner>,
}

struct Inner {
    name: String,
    daemon: bool,
    identity: Vec<u32>,
    target: &'static str,
    state: Mutex<State>,
}

enum State {
    New {
        args: Result<Value, String>,
    },
    Running {
        child: Child,
        pid: u32,
        pidfd: Option<Arc<OwnedFd>>,
    },
    Exited {
        pid: u32,
        code: i32,
        /// Kept so the sentinel stays valid (and ready) until `close()`, as in Python.
        pidfd: Option<Arc<OwnedFd>>,
    },
    Closed,
}

/// Every started process that may still be running, for [`active_children`](super::active_children).
static CHILDREN: Mutex<Vec<Weak<Inner>>> = Mutex::new(Vec::new());
/// Children whose last handle was dropped while they ran; reaped when they exit.
static ORPHANS: Mutex<Vec<Child>> = Mutex::new(Vec::new());

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Reaps finished orphans (Python's `_cleanup()`, run on every start and `active_children()`).
pub(crate) fn reap_orphans() {
    lock(&ORPHANS).retain_mut(|c| matches!(c.try_wait(), Ok(None)));
}

/// The live started processes (Python's `active_children()`), reaping finished ones.
pub(crate) fn live_children() -> Vec<Process> {
    reap_orphans();
    let mut out = Vec::new();
    lock(&CHILDREN).retain(|w| match w.upgrade() {
        Some(inner) => {
            let p = Process { inner };
            if p.is_alive().unwrap_or(false) {
                out.push(p);
                true
            } else {
                false
            }
        }
        None => false,
    });
    out
}

impl Process {
    /// A process not started yet, for [`ProcessBuilder::build`].
    pub(super) fn unstarted(
        name: String,
        daemon: bool,
        identity: Vec<u32>,
        target: &'static str,
        args: Result<Value, String>,
    ) -> Process {
        Process {
            inner: Arc::new(Inner {
                name,
                daemon,
                identity,
                target,
                state: Mutex::new(State::New { args }),
            }),
        }
    }

    /// A process that will run `target()` (a function without parameters).
    ///
    /// # Examples
    ///
    /// ```
    /// fn work() {}
    /// pythreading_mp::register!(work);
    /// let p = pythreading_mp::process::Process::new(work);
    /// assert!(p.name().starts_with("Process-"));
    /// ```
    pub fn new<F: Target<()>>(target: F) -> Process
    where
        F::Output: Serialize,
    {
        Process::builder(target).build()
    }

    /// A builder for a process that will run `target(*args)`.
    ///
    /// # Examples
    ///
    /// ```
    /// fn square(x: u64) -> u64 { x * x }
    /// pythreading_mp::register!(square);
    /// let p = pythreading_mp::process::Process::builder(square).args((3,)).build();
    /// # let _ = p;
    /// ```
    pub fn builder<F, Args>(target: F) -> ProcessBuilder<F, Args>
    where
        F: Target<Args>,
        Args: Serialize + DeserializeOwned,
    {
        drop(target);
        ProcessBuilder::new()
    }

    /// The process's name (Python's `name`).
    ///
    /// # Examples
    ///
    /// ```
    /// fn work() {}
    /// pythreading_mp::register!(work);
    /// let p = pythreading_mp::process::Process::builder(work).name("w").build();
    /// assert_eq!(p.name(), "w");
    /// ```
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// Whether the process is daemonic (Python's `daemon`).
    ///
    /// # Examples
    ///
    /// ```
    /// fn work() {}
    /// pythreading_mp::register!(work);
    /// assert!(!pythreading_mp::process::Process::new(work).daemon());
    /// ```
    pub fn daemon(&self) -> bool {
        self.inner.daemon
    }

    /// Starts the child (Python's `start()`): re-executes this program, which runs the target
    /// in its `init()` and exits.
    ///
    /// # Errors
    ///
    /// [`ProcessError::AlreadyStarted`] on a second call, [`ProcessError::Closed`],
    /// [`ProcessError::NotInitialized`] without `init()`, [`ProcessError::NotRegistered`] for a
    /// function missing from [`register!`](crate::register), [`ProcessError::Encode`] for
    /// arguments that cannot be encoded, and spawn failures.
    ///
    /// # Examples
    ///
    /// ```
    /// fn work() {}
    /// pythreading_mp::register!(work);
    ///
    /// fn main() {
    ///     pythreading_mp::init();
    ///     let p = pythreading_mp::process::Process::new(work);
    ///     p.start().unwrap();
    ///     assert!(p.start().is_err()); // cannot start a process twice
    ///     p.join().unwrap();
    /// }
    /// ```
    pub fn start(&self) -> Result<(), ProcessError> {
        reap_orphans();
        let mut state = lock(&self.inner.state);
        let args = match &*state {
            State::New { args } => args.clone().map_err(ProcessError::Encode)?,
            State::Closed => return Err(ProcessError::Closed),
            _ => return Err(ProcessError::AlreadyStarted),
        };
        let target = self.inner.target;
        match lookup(target) {
            Lookup::Found(_) => {}
            Lookup::Missing => return Err(ProcessError::NotRegistered { name: target }),
            Lookup::Ambiguous => return Err(ProcessError::AmbiguousTarget { name: target }),
        }
        let me = init::current();
        let boot = Bootstrap {
            role: Role::Process,
            name: self.inner.name.clone(),
            identity: self.inner.identity.clone(),
            daemon: self.inner.daemon,
            parent_name: me.name.clone(),
            parent_pid: std::process::id(),
            target: Some(target.to_owned()),
        };
        let mut launched = launch()?;
        if let Err(e) = bootstrap::send(&mut launched.stream, &boot, &args) {
            let _ = launched.child.kill();
            let _ = launched.child.wait();
            return Err(e.into());
        }
        let pid = launched.child.id();
        let pidfd = Pid::from_raw(pid as i32)
            .and_then(|p| pidfd_open(p, PidfdFlags::empty()).ok())
            .map(Arc::new);
        *state = State::Running {
            child: launched.child,
            pid,
            pidfd,
        };
        drop(state);
        lock(&CHILDREN).push(Arc::downgrade(&self.inner));
        Ok(())
    }

    /// Reaps the child if it has exited; `Ok(true)` once it has.
    fn poll_exit(state: &mut State) -> Result<bool, ProcessError> {
        match state {
            State::Running { child, pid, pidfd } => match child.try_wait()? {
                Some(status) => {
                    *state = State::Exited {
                        pid: *pid,
                        code: exit_code(status),
                        pidfd: pidfd.take(),
                    };
                    Ok(true)
                }
                None => Ok(false),
            },
            State::Exited { .. } => Ok(true),
            State::New { .. } => Err(ProcessError::NotStarted),
            State::Closed => Err(ProcessError::Closed),
        }
    }

    /// Waits for the child to exit (Python's `join()`).
    ///
    /// # Errors
    ///
    /// [`ProcessError::NotStarted`] before `start()`, [`ProcessError::Closed`] after `close()`.
    ///
    /// # Examples
    ///
    /// ```
    /// fn work() {}
    /// pythreading_mp::register!(work);
    ///
    /// fn main() {
    ///     pythreading_mp::init();
    ///     let p = pythreading_mp::process::Process::new(work);
    ///     p.start().unwrap();
    ///     p.join().unwrap();
    ///     assert!(!p.is_alive().unwrap());
    /// }
    /// ```
    pub fn join(&self) -> Result<(), ProcessError> {
        self.join_timeout(Duration::MAX).map(|_| ())
    }

    /// Waits at most `timeout` for the child to exit; `Ok(true)` if it has (Python's
    /// `join(timeout)`, which returns None: check `is_alive()`). `Duration::ZERO` only polls;
    /// `Duration::MAX` waits forever.
    ///
    /// # Errors
    ///
    /// As [`join`](Process::join).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// fn nap() { std::thread::sleep(Duration::from_secs(30)); }
    /// pythreading_mp::register!(nap);
    ///
    /// fn main() {
    ///     pythreading_mp::init();
    ///     let p = pythreading_mp::process::Process::new(nap);
    ///     p.start().unwrap();
    ///     assert!(!p.join_timeout(Duration::ZERO).unwrap());
    ///     p.kill().unwrap();
    ///     assert!(p.join_timeout(Duration::from_secs(10)).unwrap());
    /// }
    /// ```
    pub fn join_timeout(&self, timeout: Duration) -> Result<bool, ProcessError> {
        let deadline = Instant::now().checked_add(timeout);
        loop {
            let pidfd = {
                let mut state = lock(&self.inner.state);
                if Self::poll_exit(&mut state)? {
                    return Ok(true);
                }
                match &*state {
                    State::Running { pidfd, .. } => pidfd.clone(),
                    _ => None,
                }
            };
            let remaining = match deadline {
                Some(d) => d.saturating_duration_since(Instant::now()),
                None => Duration::MAX,
            };
            if remaining.is_zero() {
                return Ok(false);
            }
            // A pidfd becomes readable when the process exits: wait on it without holding the
            // lock (another thread may terminate). Without one, poll in short steps.
            let step = match &pidfd {
                Some(_) => remaining.min(Duration::from_secs(3600)),
                None => remaining.min(Duration::from_millis(5)),
            };
            let ts = Timespec::try_from(step).unwrap_or(Timespec {
                tv_sec: 3600,
                tv_nsec: 0,
            });
            match &pidfd {
                Some(fd) => {
                    let mut fds = [PollFd::new(&**fd, PollFlags::IN)];
                    let _ = poll(&mut fds, Some(&ts));
                }
                None => std::thread::sleep(step),
            }
        }
    }

    /// Whether the child is running (Python's `is_alive()`); false before `start()`.
    ///
    /// # Errors
    ///
    /// [`ProcessError::Closed`] after `close()`.
    ///
    /// # Examples
    ///
    /// ```
    /// fn work() {}
    /// pythreading_mp::register!(work);
    /// assert!(!pythreading_mp::process::Process::new(work).is_alive().unwrap());
    /// ```
    pub fn is_alive(&self) -> Result<bool, ProcessError> {
        let mut state = lock(&self.inner.state);
        match Self::poll_exit(&mut state) {
            Ok(exited) => Ok(!exited),
            Err(ProcessError::NotStarted) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// The child's pid once started (Python's `pid`, None before `start()`).
    ///
    /// # Errors
    ///
    /// [`ProcessError::Closed`] after `close()`.
    ///
    /// # Examples
    ///
    /// ```
    /// fn work() {}
    /// pythreading_mp::register!(work);
    /// assert_eq!(pythreading_mp::process::Process::new(work).pid().unwrap(), None);
    /// ```
    #[doc(alias = "ident")]
    pub fn pid(&self) -> Result<Option<u32>, ProcessError> {
        match &*lock(&self.inner.state) {
            State::New { .. } => Ok(None),
            State::Running { pid, .. } | State::Exited { pid, .. } => Ok(Some(*pid)),
            State::Closed => Err(ProcessError::Closed),
        }
    }

    /// The exit code once the child has exited (Python's `exitcode`): 0 after a normal return,
    /// 1 after a panic, `n` after `std::process::exit(n)`, `-signal` when killed; None while it
    /// runs or before `start()`.
    ///
    /// # Errors
    ///
    /// [`ProcessError::Closed`] after `close()`.
    ///
    /// # Examples
    ///
    /// ```
    /// fn work() {}
    /// pythreading_mp::register!(work);
    /// assert_eq!(pythreading_mp::process::Process::new(work).exitcode().unwrap(), None);
    /// ```
    pub fn exitcode(&self) -> Result<Option<i32>, ProcessError> {
        let mut state = lock(&self.inner.state);
        match Self::poll_exit(&mut state) {
            Ok(_) | Err(ProcessError::NotStarted) => {}
            Err(e) => return Err(e),
        }
        match &*state {
            State::Exited { code, .. } => Ok(Some(*code)),
            _ => Ok(None),
        }
    }

    fn signal(&self, sig: Signal) -> Result<(), ProcessError> {
        let mut state = lock(&self.inner.state);
        if Self::poll_exit(&mut state)? {
            return Ok(()); // already gone: nothing to signal (Python ignores it too)
        }
        if let State::Running { child, pidfd, .. } = &mut *state {
            // The pidfd names this child even if its pid were reused; std's `kill` is the
            // fallback (also safe: the child is not reaped while we hold the lock).
            match pidfd {
                Some(fd) => pidfd_send_signal(&**fd, sig).map_err(std::io::Error::from)?,
                None if sig == Signal::KILL => child.kill()?,
                None => {
                    let pid = Pid::from_child(child);
                    rustix::process::kill_process(pid, sig).map_err(std::io::Error::from)?;
                }
            }
        }
        Ok(())
    }

    /// Sends SIGTERM (Python's `terminate()`); after `join()` the exit code is `-15`.
    ///
    /// # Errors
    ///
    /// [`ProcessError::NotStarted`], [`ProcessError::Closed`].
    ///
    /// # Examples
    ///
    /// ```
    /// fn nap() { std::thread::sleep(std::time::Duration::from_secs(30)); }
    /// pythreading_mp::register!(nap);
    ///
    /// fn main() {
    ///     pythreading_mp::init();
    ///     let p = pythreading_mp::process::Process::new(nap);
    ///     p.start().unwrap();
    ///     p.terminate().unwrap();
    ///     p.join().unwrap();
    ///     assert_eq!(p.exitcode().unwrap(), Some(-15));
    /// }
    /// ```
    pub fn terminate(&self) -> Result<(), ProcessError> {
        self.signal(Signal::TERM)
    }

    /// Sends SIGKILL (Python's `kill()`); after `join()` the exit code is `-9`.
    ///
    /// # Errors
    ///
    /// [`ProcessError::NotStarted`], [`ProcessError::Closed`].
    ///
    /// # Examples
    ///
    /// ```
    /// fn nap() { std::thread::sleep(std::time::Duration::from_secs(30)); }
    /// pythreading_mp::register!(nap);
    ///
    /// fn main() {
    ///     pythreading_mp::init();
    ///     let p = pythreading_mp::process::Process::new(nap);
    ///     p.start().unwrap();
    ///     p.kill().unwrap();
    ///     p.join().unwrap();
    ///     assert_eq!(p.exitcode().unwrap(), Some(-9));
    /// }
    /// ```
    pub fn kill(&self) -> Result<(), ProcessError> {
        self.signal(Signal::KILL)
    }

    /// A handle that becomes ready when the child exits (Python's `sentinel`), for `poll` or
    /// `select` together with other descriptors; it stays valid until [`close`](Process::close).
    ///
    /// # Errors
    ///
    /// [`ProcessError::NotStarted`] before `start()` (Python: "process not started"),
    /// [`ProcessError::Closed`] after `close()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// fn work() {}
    /// pythreading_mp::register!(work);
    ///
    /// fn main() {
    ///     pythreading_mp::init();
    ///     let p = pythreading_mp::process::Process::new(work);
    ///     assert!(p.sentinel().is_err());
    ///     p.start().unwrap();
    ///     let s = p.sentinel().unwrap();
    ///     assert!(s.wait_timeout(Duration::from_secs(60)));
    ///     p.join().unwrap();
    ///     assert!(s.is_ready());
    /// }
    /// ```
    pub fn sentinel(&self) -> Result<Sentinel, ProcessError> {
        match &*lock(&self.inner.state) {
            State::New { .. } => Err(ProcessError::NotStarted),
            State::Closed => Err(ProcessError::Closed),
            State::Running { pidfd, .. } | State::Exited { pidfd, .. } => match pidfd {
                Some(fd) => Ok(Sentinel::new(Arc::clone(fd))),
                None => Err(ProcessError::Io(std::io::Error::new(
                    std::io::ErrorKind::Unsupported,
                    "this kernel has no pidfd (Linux 5.3+)",
                ))),
            },
        }
    }

    /// Releases the process's resources (Python's `close()`). Afterwards every query is
    /// [`ProcessError::Closed`]; a second `close()` is a no-op.
    ///
    /// # Errors
    ///
    /// [`ProcessError::StillRunning`] while the child runs.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::process::{Process, ProcessError};
    /// fn work() {}
    /// pythreading_mp::register!(work);
    /// let p = Process::new(work);
    /// p.close().unwrap();
    /// assert!(matches!(p.pid(), Err(ProcessError::Closed)));
    /// p.close().unwrap();
    /// ```
    pub fn close(&self) -> Result<(), ProcessError> {
        let mut state = lock(&self.inner.state);
        match Self::poll_exit(&mut state) {
            Ok(false) => return Err(ProcessError::StillRunning),
            Ok(true) | Err(ProcessError::NotStarted) | Err(ProcessError::Closed) => {}
            Err(e) => return Err(e),
        }
        *state = State::Closed;
        Ok(())
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        let state = std::mem::replace(
            self.state.get_mut().unwrap_or_else(|e| e.into_inner()),
            State::Closed,
        );
        if let State::Running { mut child, .. } = state {
            if self.daemon {
                let _ = child.kill();
            }
            match child.try_wait() {
                Ok(Some(_)) => {}
                _ => lock(&ORPHANS).push(child),
            }
        }
    }
}

impl fmt::Debug for Process {
    /// Python's repr: `<Process name='Process-1' pid=… parent=… stopped exitcode=0>` (MP-P18).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut state = lock(&self.inner.state);
        let _ = Self::poll_exit(&mut state);
        write!(f, "<Process name='{}'", self.inner.name)?;
        match &*state {
            State::New { .. } => f.write_str(" initial")?,
            State::Running { pid, .. } => {
                write!(f, " pid={pid} parent={} started", std::process::id())?
            }
            State::Exited { pid, code, .. } => write!(
                f,
                " pid={pid} parent={} stopped exitcode={code}",
                std::process::id()
            )?,
            State::Closed => f.write_str(" closed")?,
        }
        if self.inner.daemon {
            f.write_str(" daemon")?;
        }
        f.write_str(">")
    }
}
