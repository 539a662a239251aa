//! `current_process()`, `parent_process()`, `active_children()` and the `Run` form.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::handle::{Process, live_children};
use super::init;
use super::registry::{Lookup, lookup, target_name};

/// What a process knows about itself (Python's `current_process()`).
///
/// # Examples
///
/// ```
/// let me = pythreading_mp::process::current_process();
/// assert_eq!(me.name(), "MainProcess");
/// assert_eq!(me.pid(), std::process::id());
/// ```
#[derive(Debug, Clone)]
pub struct CurrentProcess {
    name: String,
    pid: u32,
    daemon: bool,
}

impl CurrentProcess {
    /// `MainProcess` in the program the user started, `Process-N` (or the given name) in a child.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(pythreading_mp::process::current_process().name(), "MainProcess");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// This process's pid (Python's `pid` and `ident`).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(pythreading_mp::process::current_process().pid(), std::process::id());
    /// ```
    #[doc(alias = "ident")]
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Whether this process is a daemonic child (never true for the main process).
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!pythreading_mp::process::current_process().daemon());
    /// ```
    pub fn daemon(&self) -> bool {
        self.daemon
    }
}

/// This process's own name, pid and daemon flag (Python's `multiprocessing.current_process()`).
///
/// # Examples
///
/// ```
/// assert_eq!(pythreading_mp::process::current_process().name(), "MainProcess");
/// ```
pub fn current_process() -> CurrentProcess {
    let me = init::current();
    CurrentProcess {
        name: me.name.clone(),
        pid: std::process::id(),
        daemon: me.daemon,
    }
}

/// The process that started this one, as a child sees it (Python's `parent_process()`).
///
/// # Examples
///
/// ```
/// // In the main process there is no parent.
/// assert!(pythreading_mp::process::parent_process().is_none());
/// ```
#[derive(Debug, Clone)]
pub struct ParentProcess {
    name: String,
    pid: u32,
}

impl ParentProcess {
    /// The parent's name (`MainProcess` for a first-level child).
    ///
    /// # Examples
    ///
    /// ```
    /// if let Some(p) = pythreading_mp::process::parent_process() {
    ///     println!("started by {}", p.name());
    /// }
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The parent's pid.
    ///
    /// # Examples
    ///
    /// ```
    /// if let Some(p) = pythreading_mp::process::parent_process() {
    ///     println!("parent pid {}", p.pid());
    /// }
    /// ```
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Whether the parent is still running: it is our parent still (not re-parented).
    ///
    /// # Examples
    ///
    /// ```
    /// if let Some(p) = pythreading_mp::process::parent_process() {
    ///     assert!(p.is_alive());
    /// }
    /// ```
    pub fn is_alive(&self) -> bool {
        rustix::process::getppid().is_some_and(|p| p.as_raw_nonzero().get() as u32 == self.pid)
    }
}

/// The parent of this process, or None in the main process (Python's `parent_process()`).
///
/// # Examples
///
/// ```
/// assert!(pythreading_mp::process::parent_process().is_none());
/// ```
pub fn parent_process() -> Option<ParentProcess> {
    init::current()
        .parent
        .as_ref()
        .map(|(name, pid)| ParentProcess {
            name: name.clone(),
            pid: *pid,
        })
}

/// The started children of this process that are still running (Python's
/// `active_children()`); finished ones are reaped as a side effect, as in Python.
///
/// # Examples
///
/// ```
/// assert!(pythreading_mp::process::active_children().is_empty());
/// ```
pub fn active_children() -> Vec<Process> {
    live_children()
}

/// The "subclass `Process` and override `run()`" form: a serde type whose `run` is the child's
/// body. Register it with `register!(run_object::<MyType>)` and start it with
/// [`Process::from_run`].
///
/// # Examples
///
/// ```
/// use pythreading_mp::process::{Process, Run, run_object};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize)]
/// struct Greeter { who: String }
///
/// impl Run for Greeter {
///     fn run(self) { println!("hello {}", self.who); }
/// }
/// pythreading_mp::register!(run_object::<Greeter>);
///
/// fn main() {
///     pythreading_mp::init();
///     let p = Process::from_run(Greeter { who: "world".into() });
///     p.start().unwrap();
///     p.join().unwrap();
///     assert_eq!(p.exitcode().unwrap(), Some(0));
/// }
/// ```
pub trait Run: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The child's body (Python's `run()`).
    fn run(self);
}

/// Runs a [`Run`] object: the function to register for it (`register!(run_object::<T>)`).
///
/// # Examples
///
/// ```
/// use pythreading_mp::process::{Run, run_object};
/// #[derive(serde::Serialize, serde::Deserialize)]
/// struct Noop;
/// impl Run for Noop { fn run(self) {} }
/// run_object(Noop); // what the child does
/// ```
pub fn run_object<T: Run>(object: T) {
    object.run();
}

impl Process {
    /// A process whose body is `object.run()` (the "subclass `Process`" form); the object
    /// travels to the child with serde.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::process::{Process, Run, run_object};
    /// #[derive(serde::Serialize, serde::Deserialize)]
    /// struct Job(u32);
    /// impl Run for Job { fn run(self) { println!("job {}", self.0); } }
    /// pythreading_mp::register!(run_object::<Job>);
    /// let p = Process::from_run(Job(1));
    /// assert!(p.name().starts_with("Process-"));
    /// ```
    pub fn from_run<T: Run>(object: T) -> Process {
        Process::builder(run_object::<T>).args((object,)).build()
    }
}

/// Whether `f` was passed to [`register!`](crate::register), so a child can run it.
///
/// # Examples
///
/// ```
/// fn yes() {}
/// fn no() {}
/// pythreading_mp::register!(yes);
/// assert!(pythreading_mp::process::is_registered(&yes));
/// assert!(!pythreading_mp::process::is_registered(&no));
/// ```
pub fn is_registered<F>(f: &F) -> bool {
    let _ = f;
    matches!(lookup(target_name::<F>()), Lookup::Found(_))
}
