//! Python's `multiprocessing.Process`: run a registered function in a child process.
//!
//! | Python | pythreading-mp |
//! |---|---|
//! | `Process(target=f, args=(x,), name=n, daemon=d)` | [`Process::builder`]`(f).args((x,)).name(n).daemon(d).build()`, [`Process::new`]`(f)` |
//! | `p.start()`, `p.join()`, `p.join(t)` | [`Process::start`], [`Process::join`], [`Process::join_timeout`] (→ `bool`) |
//! | `p.is_alive()`, `p.pid`, `p.exitcode`, `p.name`, `p.daemon` | [`Process::is_alive`], [`Process::pid`], [`Process::exitcode`], [`Process::name`], [`Process::daemon`] |
//! | `p.terminate()`, `p.kill()`, `p.close()` | [`Process::terminate`], [`Process::kill`], [`Process::close`] |
//! | `p.sentinel` | [`Process::sentinel`] → [`Sentinel`] (a pidfd) |
//! | `current_process()`, `parent_process()`, `active_children()` | [`current_process`], [`parent_process`], [`active_children`] |
//! | `class P(Process): def run(self): ...` | a serde type implementing [`Run`], [`Process::from_run`] |
//! | `ValueError` / `AssertionError` from misuse | [`ProcessError`] |
//!
//! # The one line: [`init()`](crate::init)
//!
//! `pythreading_mp::init();` must be the **first line of `main`** (and, in a test binary, the
//! first line of every test that starts processes). See the crate docs for how a child is
//! started and how it finds its function.
//!
//! # Examples
//!
//! ```
//! use pythreading_mp::process::{Process, current_process, parent_process};
//!
//! fn test(n: u64) {
//!     let me = current_process();
//!     let parent = parent_process().unwrap();
//!     println!("{} (pid {}) of parent {}: {n}", me.name(), me.pid(), parent.pid());
//! }
//! pythreading_mp::register!(test);
//!
//! fn main() {
//!     pythreading_mp::init();
//!     let p = Process::builder(test).args((100,)).build();
//!     p.start().unwrap();
//!     p.join().unwrap();
//!     assert_eq!(p.exitcode().unwrap(), Some(0));
//! }
//! ```

//!
//! # Differences from Python
//!
//! * **One start method.** Safe Rust cannot `fork` a threaded program, so every child is this
//!   executable started again (like Python's `spawn`, but without re-importing anything: the
//!   child jumps straight to the function in `init()`). A target must be a registered `fn`
//!   whose arguments and value are serde types; closures are refused with
//!   [`ProcessError::NotRegistered`].
//! * **Typed errors instead of `ValueError`/`AssertionError`**, and `join_timeout` says whether
//!   the child exited (Python's `join(timeout)` returns None).
//! * **Dropping** the last handle of a running daemonic child kills it; a non-daemonic one runs
//!   on and is reaped later. Every child is killed when its parent dies (`PR_SET_PDEATHSIG`).

mod bootstrap;
mod builder;
mod current;
mod error;
mod handle;
mod init;
mod launch;
mod registry;
mod sentinel;

pub use builder::ProcessBuilder;
pub use current::{
    CurrentProcess, ParentProcess, Run, active_children, current_process, is_registered,
    parent_process, run_object,
};
pub use error::ProcessError;
pub use handle::Process;
pub use init::init;
pub use registry::Target;
pub use sentinel::Sentinel;

pub(crate) use bootstrap::{Bootstrap, Role, send as send_bootstrap};
pub(crate) use error::short_name;
pub(crate) use init::{check_may_start_for_pool, current, exit_flushed, next_child_identity};
pub(crate) use launch::{exit_code, launch};
pub(crate) use registry::{CallError, Lookup, call_entry, lookup, target_name};

/// What [`register!`](crate::register) expands to; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use super::registry::{CallErrorOpaque, Entry, REGISTRY, call_encoded, name_of};
    pub use linkme;
}
