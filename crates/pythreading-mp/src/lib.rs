//! # pythreading-mp
//!
//! Python's `multiprocessing` for pythreading. Layers, each using only the ones before it:
//!
//! 1. [`pickle`]: bytes ↔ a [`pickle::Value`] model. Never executes or imports anything.
//! 2. [`wire`]: framing and the HMAC handshake of `multiprocessing.connection`.
//! 3. [`managers`]: a `multiprocessing.managers`-compatible server and client.
//! 4. [`process`]: `Process`, a registered function run in a child process.
//! 5. [`pool`]: `Pool` and `ProcessPoolExecutor`, which never hang when a worker dies.
//! 6. [`connection`]: `Pipe`, `Connection`, `Listener` and `Client` (`multiprocessing.connection`).
//! 7. [`synchronize`], [`queues`], [`sharedctypes`]: locks, queues and numbers shared between
//!    processes, hosted by the process that creates them (the design is in [`synchronize`]).
//! 8. [`socketserver`]: `ForkingTcpServer`, connections served by worker processes.
//!
//! # Processes: the one line, and how a child finds its function
//!
//! ```
//! fn test(n: u64) {
//!     println!("child {} of {}: {n}", std::process::id(),
//!              pythreading_mp::process::parent_process().unwrap().pid());
//! }
//! pythreading_mp::register!(test); // a child can run only registered functions
//!
//! fn main() {
//!     pythreading_mp::init(); // FIRST line of main (in a test: of the test)
//!     let p = pythreading_mp::process::Process::builder(test).args((100,)).build();
//!     p.start().unwrap();
//!     p.join().unwrap();
//!     assert_eq!(p.exitcode().unwrap(), Some(0));
//! }
//! ```
//!
//! **How a child is started.** Safe Rust cannot `fork` a multi-threaded program, so every
//! child is the current executable (`std::env::current_exe()`) started again with environment
//! variables that mark it as a child. Its first line, [`init()`], sees the marker, connects back
//! to the parent over a Unix socket in a fresh private (`0700`) temp directory, proves itself
//! with a 32-byte random token, reads what to run (its name, the function, the arguments), runs
//! it and exits — it never returns into `main`, so nothing after `init()` runs twice. The child's
//! stdout and stderr are the parent's (children print, as in the tutorials); the control
//! channel never touches them. From a plain `main` the child gets the parent's arguments; from a
//! `cargo test` binary it gets `--exact <the test> --nocapture`, so it runs the one test whose
//! first line is `init()` (libtest names each test's thread after the test, which is how `init()`
//! learns the name), never the suite. Children ask the kernel to kill them when the parent dies
//! (`PR_SET_PDEATHSIG`, through `rustix`), so a crashed parent leaves no orphans; all spawns run
//! on one long-lived thread because Linux ties that signal to the spawning thread.
//!
//! **How a child finds its function.** [`register!`]`(f, g, ..)` adds each function to a table
//! the linker assembles from every `register!` in the program (a `linkme` distributed slice:
//! the link-section `unsafe` stays inside that well-kept crate; this crate keeps
//! `#![forbid(unsafe_code)]`). An entry's key is `std::any::type_name` of the function item's
//! own type — unique per function in one binary — so the parent derives the key from the
//! function value it was given, and the child, being the same binary, finds the same entry.
//! Unlike procspawn and mitosis, no function address crosses the process boundary, and a
//! function missing from `register!` is refused at the call with an error naming the line to add.
//! Arguments and results travel as serde values through the [`pickle`] codec and [`wire`] frames.
//!
//! **Forgetting `init()`** makes `start()` fail with
//! [`ProcessError::NotInitialized`](process::ProcessError::NotInitialized) ("add
//! `pythreading_mp::init();` as the first line of `main`"). A re-executed child that somehow
//! reaches `start()` without being dispatched by `init()` refuses to spawn
//! ([`ProcessError::UndispatchedChild`](process::ProcessError::UndispatchedChild)): no fork bomb.
//!
//! **Exit codes** follow Python: 0 after a normal return, 1 after a panic (the child prints
//! `Process NAME:` and the panic on its stderr), `n` after `std::process::exit(n)`, `-signal`
//! when killed. A program built with `panic = "abort"` cannot catch the panic, so its panicking
//! children end with `-6` (SIGABRT) instead of 1.
//!
//! # Pools that never hang
//!
//! ```
//! use pythreading_mp::pool::{Pool, PoolError};
//!
//! fn work(n: u64) -> u64 {
//!     if n == 2 { std::process::abort() } // a crash in one task
//!     n * n
//! }
//! pythreading_mp::register!(work);
//!
//! fn main() {
//!     pythreading_mp::init();
//!     let pool = Pool::new(2).unwrap();
//!     let results: Vec<Result<u64, PoolError>> = pool.imap(work, 0..5).unwrap().collect();
//!     assert!(matches!(results[2], Err(PoolError::WorkerDied { exitcode: -6, .. })));
//!     assert_eq!(results[4].as_ref().unwrap(), &16);
//! }
//! ```
//!
//! CPython's `Pool` waits forever for a result a killed worker will never send (gh-66587). Here
//! each worker has a supervising thread in the parent that talks to it synchronously — it sends
//! a job (a chunk of tasks) and reads the reply — so the parent always knows which job each
//! worker holds. When the worker's socket reaches end-of-file (SIGKILL, the OOM killer, a
//! segfault, `abort`, `exit`), the supervisor reaps it, fails that task with
//! [`PoolError::WorkerDied`](pool::PoolError::WorkerDied) `{ pid, exitcode }` at once, starts a
//! replacement and goes on; the other tasks complete. (A dead worker's chunk of several tasks
//! is re-run one task at a time so the culprit still fails alone.) A task's panic is that
//! task's [`PoolError::Panicked`](pool::PoolError::Panicked) with the child's message and
//! location; an argument or value that cannot be encoded is a typed error from that call.
//! [`ProcessPoolExecutor`](pool::ProcessPoolExecutor) has the core `ThreadPoolExecutor`'s shape
//! and returns its `TaskFuture`; a dead worker fails its own future instead of breaking the
//! executor (CPython's `BrokenProcessPool`).
#![forbid(unsafe_code)]

pub mod connection;
pub mod managers;
pub mod pickle;
pub mod pool;
pub mod process;
pub mod queues;
pub mod sharedctypes;
pub mod socketserver;
pub mod synchronize;
pub mod wire;

pub use process::init;
