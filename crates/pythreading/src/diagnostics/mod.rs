//! Diagnostics: who waits for whom, deadlock detection, thread dumps and a timeline.
//!
//! Python tells a thread that waits forever nothing, and neither does Rust. Every blocking
//! primitive of this crate records, on its slow path only (when the thread is about to park),
//! what it waits for, since when and from which `file:line`; `Lock` and `RLock` record their
//! holder. From that:
//!
//! | what | call | like |
//! |---|---|---|
//! | a jstack-style picture of every thread | [`dump()`] (also `threading::dump`) | `jstack`, Go's SIGQUIT dump |
//! | the deadlocks now (cycles of lock holders and joins) | [`find_deadlocks()`] | `ThreadMXBean.findDeadlockedThreads` |
//! | report each new deadlock once, from a daemon thread | [`deadlock_watchdog`] | Go's "all goroutines are asleep" |
//! | a Chrome trace / Perfetto timeline | [`record()`], [`record_to`], `PYTHREADING_TRACE` ([`flush`]) | `go tool trace` |
//!
//! The module is named `diagnostics` (not `debug`, which suggests a build mode, nor `deadlock`,
//! which is one of its four jobs); the three calls Python users reach for from `threading` are
//! re-exported there (`threading::dump()`, `threading::find_deadlocks()`,
//! `threading::deadlock_watchdog()`), next to `threading::enumerate()`.
//!
//! Primitives can be named for the reports (`Lock::named("accounts")`); unnamed ones get a
//! stable per-kind id, `Lock#3`, handed out the first time they are waited on.
//!
//! Cost: the uncontended `Lock` acquire reads the caller's ident (a `const` thread-local) and
//! writes it into the lock's state word with the compare-exchange that takes the lock; the
//! release's swap clears it (no extra store, no new atomic read-modify-write, no fence).
//! Callgrind, per uncontended acquire + release (with the loop around it): 12 instructions
//! without the diagnostics, 18 with them (three of them read the ident).
//! Everything else happens when a thread parks, which already costs a system call or two; event
//! sites of the timeline (queue depth, task start) cost one relaxed load when no recording is
//! live.
//!
//! ```
//! use pythreading::diagnostics;
//! assert!(diagnostics::find_deadlocks().is_empty());
//! println!("{}", diagnostics::dump());
//! ```

mod deadlock;
mod dump;
mod from_env;
mod json;
mod label;
mod task_slice;
#[cfg(feature = "tracing")]
mod to_tracing;
mod trace;
mod trace_file;
mod wait_graph;
mod watchdog;

pub use deadlock::{Deadlock, Step, find_deadlocks};
pub use dump::{Dump, ThreadDump, WaitInfo, dump};
pub use from_env::{flush, record_from_env};
pub use label::{Kind, Resource};
pub use trace::{
    AlreadyRecording, DEFAULT_CAPACITY, DEPTH_CLOCK_EVERY, DEPTH_SAMPLE_INTERVAL, Recording,
    record, record_to, record_with_capacity,
};
pub use trace_file::Trace;
pub use watchdog::{Watchdog, deadlock_watchdog, deadlock_watchdog_with};

pub(crate) use label::Label;
pub(crate) use task_slice::{TaskSubmit, task_ran, task_submitted, tracing_tasks};
pub(crate) use trace::{instant as trace_instant, job_id, queue_depth, wake_flows, woken};
pub(crate) use wait_graph::{LockDiag, joining, my_ident, parked, waiting, waiting_for};
