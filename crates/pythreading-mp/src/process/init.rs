//! [`init()`]: the one line `main` needs, and what a child does when it reaches it.

use std::cell::RefCell;
use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};

use super::bootstrap::{self, Bootstrap, Role};
use super::error::ProcessError;
use super::launch::{ENV_PARENT, ENV_SOCKET, ENV_TOKEN, connect_back};
use super::registry::{CallError, Lookup, call_entry, lookup};

/// `init()` ran in this process (as a parent).
static INITIALIZED: AtomicBool = AtomicBool::new(false);
/// `init()` dispatched this process as a child.
static DISPATCHED: AtomicBool = AtomicBool::new(false);
/// Some test that called `init()`: any such test works as the re-execution target, because its
/// first line dispatches the child.
static ANY_TEST: Mutex<Option<String>> = Mutex::new(None);

thread_local! {
    /// The test this thread runs, if `init()` was called on a libtest thread.
    static THIS_TEST: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// How to re-execute this program so that the child reaches `init()` at once.
#[derive(Debug)]
pub(crate) enum Reexec {
    /// A plain `main`: run it again with the same arguments.
    Main,
    /// A libtest binary: run only this test.
    Test(String),
}

/// Makes this program able to start child processes; **call it first thing in `main`** (in a
/// test binary: first thing in each test that starts processes).
///
/// In the parent it only records that it ran (and, in a test, which test to re-run). In a child
/// started by this crate it runs the function the parent asked for and exits: it never returns,
/// so the rest of `main` (or of the test suite) never runs in a child.
///
/// Forgetting it makes [`Process::start`](super::Process::start) and
/// [`Pool::new`](crate::pool::Pool::new) fail with [`ProcessError::NotInitialized`], whose
/// message names the line to add.
///
/// # Examples
///
/// ```
/// fn hello(n: u32) { println!("child {} got {n}", std::process::id()); }
/// pythreading_mp::register!(hello);
///
/// fn main() {
///     pythreading_mp::init();
///     let p = pythreading_mp::process::Process::builder(hello).args((7,)).build();
///     p.start().unwrap();
///     p.join().unwrap();
///     assert_eq!(p.exitcode().unwrap(), Some(0));
/// }
/// ```
pub fn init() {
    if let (Ok(path), Ok(token)) = (std::env::var(ENV_SOCKET), std::env::var(ENV_TOKEN))
        && !DISPATCHED.swap(true, Ordering::SeqCst)
    {
        run_child(&path, &token);
    }
    INITIALIZED.store(true, Ordering::SeqCst);
    let me = std::thread::current();
    if let Some(name) = me.name()
        && name != "main"
    {
        // libtest runs each test on a thread named after the test.
        THIS_TEST.with(|t| *t.borrow_mut() = Some(name.to_owned()));
        *ANY_TEST.lock().unwrap_or_else(|e| e.into_inner()) = Some(name.to_owned());
    }
}

/// Refuses to start a child where that would be wrong: before `init()`, in a child that was
/// never dispatched (a fork-bomb guard), or in a daemonic child.
pub(crate) fn check_may_start() -> Result<(), ProcessError> {
    if DISPATCHED.load(Ordering::SeqCst) {
        if current().daemon {
            return Err(ProcessError::DaemonChildren);
        }
        return Ok(());
    }
    if std::env::var_os(ENV_SOCKET).is_some() {
        return Err(ProcessError::UndispatchedChild);
    }
    if !INITIALIZED.load(Ordering::SeqCst) {
        return Err(ProcessError::NotInitialized);
    }
    Ok(())
}

/// The checks of [`check_may_start`] and [`reexec`] for a pool, run in the caller's thread so
/// the error comes from `Pool::new` (workers are started from the pool's own threads).
pub(crate) fn check_may_start_for_pool() -> Result<(), ProcessError> {
    check_may_start()?;
    reexec().map(|_| ())
}

/// How a child of this process must be started.
pub(crate) fn reexec() -> Result<Reexec, ProcessError> {
    if let Some(test) = THIS_TEST.with(|t| t.borrow().clone()) {
        return Ok(Reexec::Test(test));
    }
    if let Some(test) = ANY_TEST.lock().unwrap_or_else(|e| e.into_inner()).clone() {
        return Ok(Reexec::Test(test));
    }
    if INITIALIZED.load(Ordering::SeqCst) || DISPATCHED.load(Ordering::SeqCst) {
        return Ok(Reexec::Main);
    }
    Err(ProcessError::NotInitialized)
}

/// Who this process is (Python's `current_process()` data).
#[derive(Debug, Clone)]
pub(crate) struct Identity {
    pub(crate) name: String,
    pub(crate) identity: Vec<u32>,
    pub(crate) daemon: bool,
    pub(crate) parent: Option<(String, u32)>,
}

static CURRENT: OnceLock<Identity> = OnceLock::new();
/// Numbers this process's children (Python's `_children_counter`).
static CHILD_COUNTER: AtomicU32 = AtomicU32::new(0);

pub(crate) fn current() -> &'static Identity {
    CURRENT.get_or_init(|| Identity {
        name: "MainProcess".to_owned(),
        identity: Vec::new(),
        daemon: false,
        parent: None,
    })
}

/// The identity and default name of the next child: `Process-N`, `Process-N:M` in a child.
pub(crate) fn next_child_identity(prefix: &str) -> (Vec<u32>, String) {
    let n = CHILD_COUNTER.fetch_add(1, Ordering::SeqCst) + 1;
    let mut identity = current().identity.clone();
    identity.push(n);
    let parts: Vec<String> = identity.iter().map(u32::to_string).collect();
    (identity, format!("{prefix}-{}", parts.join(":")))
}

/// Exits, flushing stdout and stderr first (Python flushes both before a child exits).
pub(crate) fn exit_flushed(code: i32) -> ! {
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    std::process::exit(code)
}

/// The child's whole life: connect back, read the job, run it, exit.
fn run_child(path: &str, token: &str) -> ! {
    // Die with the parent (no orphans), and do not start at all if it is already gone.
    let _ = rustix::process::set_parent_process_death_signal(Some(rustix::process::Signal::KILL));
    let parent_ok = std::env::var(ENV_PARENT)
        .ok()
        .and_then(|p| p.parse::<i32>().ok())
        .zip(rustix::process::getppid())
        .is_some_and(|(want, got)| got.as_raw_nonzero().get() == want);
    if !parent_ok {
        exit_flushed(1);
    }
    let mut stream = match connect_back(path, token) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("pythreading-mp child: cannot connect to the parent: {e}");
            exit_flushed(1);
        }
    };
    let (boot, args) = match bootstrap::recv(&mut stream) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("pythreading-mp child: {e}");
            exit_flushed(1);
        }
    };
    let _ = CURRENT.set(Identity {
        name: boot.name.clone(),
        identity: boot.identity.clone(),
        daemon: boot.daemon,
        parent: Some((boot.parent_name.clone(), boot.parent_pid)),
    });
    match boot.role {
        Role::Process => {
            drop(stream);
            run_process(&boot, &args)
        }
        Role::PoolWorker { max_tasks } => crate::pool::worker::run(stream, &boot, &args, max_tasks),
        Role::ConnectionWorker => crate::socketserver::worker::run(stream, &boot),
    }
}

/// A `Process` child: `target(*args)`, exit code 0, or 1 with "Process NAME:" and the panic on stderr.
fn run_process(boot: &Bootstrap, args: &crate::pickle::Value) -> ! {
    let name = boot.name.clone();
    let Some(target) = boot.target.as_deref() else {
        exit_flushed(0)
    };
    let entry = match lookup(target) {
        Lookup::Found(e) => e,
        Lookup::Missing | Lookup::Ambiguous => {
            eprintln!("Process {name}:\nfunction `{target}` is not registered in the child");
            exit_flushed(1);
        }
    };
    let default_hook = std::panic::take_hook();
    let hook_name = name.clone();
    std::panic::set_hook(Box::new(move |info| {
        eprintln!("Process {hook_name}:");
        default_hook(info);
    }));
    let code = match catch_unwind(AssertUnwindSafe(|| call_entry(entry, args))) {
        Ok(Ok(_)) => 0,
        Ok(Err(CallError::Args(e))) => {
            eprintln!("Process {name}:\ncannot decode the arguments: {e}");
            1
        }
        // A `Process` discards its target's value (as Python does), so an unencodable one is fine.
        Ok(Err(CallError::Result(_))) => 0,
        Err(_) => 1,
    };
    // As Python's child does (`threading._shutdown()`): wait for the non-daemon threads the
    // target started (daemon ones are not waited for) and run the `atexit` callbacks (MP-P14).
    let _ = catch_unwind(pythreading::threading::shutdown);
    exit_flushed(code)
}
