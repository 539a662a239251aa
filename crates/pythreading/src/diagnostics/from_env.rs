//! `PYTHREADING_TRACE=path.json`: the timeline of a whole program, without changing its code.
//!
//! The variable is read once per process, by whichever comes first: the first event site of the
//! library that runs (a thread parking on a primitive, a queue put or get, a task submitted: the
//! flag check every event site makes sees "not looked yet" exactly once), [`record_from_env`],
//! or an explicit [`record`](super::record) (which settles it without starting anything: an
//! explicit recording wins). After that, event sites pay their usual one relaxed load.
//!
//! When the variable names a file, recording starts at that first use, with the default ring
//! size. Rust has no `atexit`, so the file is written at one of these, whichever comes first:
//!
//! - [`threading::shutdown()`](crate::threading::shutdown) or
//!   [`threading::exit()`](crate::threading::exit), Python's end of program: the recording is an
//!   `atexit` callback there, so it is written after every non-daemon thread has finished;
//! - [`flush()`], which stops the recording and writes it;
//! - the drop of the guard that [`record_from_env`] hands over (the CLI takes it that way).
//!
//! A process that ends otherwise (`main` returns without `shutdown()`,
//! `std::process::exit`, a signal) writes nothing.

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, Once};

use super::trace::{self, Recording};
use super::trace_file::Trace;

/// Looked at the variable.
static ENV: Once = Once::new();
/// The recording the variable started, until someone takes or flushes it.
static STARTED: Mutex<Option<Recording>> = Mutex::new(None);

fn started() -> MutexGuard<'static, Option<Recording>> {
    STARTED.lock().unwrap_or_else(|p| p.into_inner())
}

/// The first use of the library's event sites: start the variable's recording, if it names a
/// file and no recording is live.
pub(super) fn first_use() {
    ENV.call_once(|| {
        let Some(path) = std::env::var_os("PYTHREADING_TRACE").filter(|p| !p.is_empty()) else {
            return;
        };
        if let Ok(rec) = trace::start_to(PathBuf::from(path)) {
            *started() = Some(rec);
            // Refused only once shutdown runs its `atexit` phase: then `flush()` still writes.
            let _ = crate::threading::atexit_register(|| drop(flush()));
        }
    });
}

/// An explicit recording starts: the variable is not looked at any more.
pub(super) fn settle() {
    ENV.call_once(|| {});
}

/// The recording `PYTHREADING_TRACE` started (at the library's first use, or now), handed over:
/// its file is written when the guard drops. `None` if the variable is unset or empty, if
/// another recording was live, or if the guard was taken or flushed already.
///
/// # Examples
///
/// ```
/// // Unset in doc tests: nothing is recorded.
/// # if std::env::var_os("PYTHREADING_TRACE").is_none() {
/// assert!(pythreading::diagnostics::record_from_env().is_none());
/// # }
/// ```
pub fn record_from_env() -> Option<Recording> {
    first_use();
    started().take()
}

/// Stops the recording `PYTHREADING_TRACE` started, writes its file (an error writing it is
/// printed to stderr) and returns it; `None` if there is none (variable unset, or written
/// already). [`threading::shutdown()`](crate::threading::shutdown) calls it for you.
///
/// # Examples
///
/// ```
/// # if std::env::var_os("PYTHREADING_TRACE").is_none() {
/// assert!(pythreading::diagnostics::flush().is_none());
/// # }
/// ```
pub fn flush() -> Option<Trace> {
    let rec = started().take()?;
    Some(rec.stop())
}
