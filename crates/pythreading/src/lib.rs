//! # pythreading
//!
//! Python's concurrency toolkit — `_thread`, `threading`, `queue` and `concurrent.futures` —
//! rebuilt in Rust, without a GIL. The nouns and verbs are Python's; the guarantees are Rust's.
//!
//! | Python | pythreading |
//! |---|---|
//! | `threading`, `_thread` | [`threading`] |
//! | `queue` | [`queue`] |
//! | `concurrent.futures` | [`futures`] |
//! | `socketserver` (`ThreadingTCPServer`) | [`socketserver`] |
//! | `faulthandler.dump_traceback`, jstack, Go's SIGQUIT dump | [`diagnostics`] |
//!
//! Conventions that hold across the crate:
//!
//! - A blocking verb `op()`, a non-blocking `try_op()`, and a timed `op_timeout(Duration)`.
//!   `Duration::ZERO` is a poll; `Duration::MAX` waits forever and never panics.
//! - Errors are typed per operation and hand back whatever was refused.
//! - No poisoning: a panic in a thread or a task reaches whoever joins it, and never hangs them.
//! - Primitives, queues and executors are plain values shared with [`std::sync::Arc`];
//!   handles naming something that runs (threads, futures) are cheap clones.
//!
//! Ids such as `(J-04)` or `(P-22)` in these docs name the line of CPython behaviour an item
//! follows; they resolve in the repository's `docs/behaviour/threading-semantics.md` (and
//! `MP-…` ids in `multiprocessing-semantics.md`), the checklists the tests are written against.
#![cfg_attr(docsrs, feature(doc_cfg))]

// The README's Rust examples compile and run as doc tests (`cargo test --doc -p pythreading`).
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeExamples;

pub mod diagnostics;
pub mod futures;
pub mod queue;
#[cfg(not(loom))]
pub mod socketserver;
pub mod threading;

mod deadline;
mod sync;
