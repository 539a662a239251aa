//! `deadlock_watchdog(interval)`: a daemon thread that polls [`find_deadlocks`] and reports each
//! new cycle once, like Go's "all goroutines are asleep" but for partial deadlocks too. It only
//! reports; it never breaks or unblocks anything.

use std::sync::mpsc;
use std::time::Duration;

use super::deadlock::{Deadlock, find_deadlocks};
use crate::threading;

/// Stops the watchdog when dropped.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// let watchdog = pythreading::threading::deadlock_watchdog(Duration::from_millis(100));
/// drop(watchdog); // stops it
/// ```
#[must_use = "the watchdog stops when this handle drops"]
#[derive(Debug)]
pub struct Watchdog {
    stop: Option<mpsc::Sender<()>>,
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        // Dropping the sender wakes the watchdog's `recv_timeout` at once.
        self.stop.take();
    }
}

/// Starts a daemon thread that checks for deadlocks every `interval` and prints each new one
/// to stderr, once. Off unless called.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// let _watchdog = pythreading::threading::deadlock_watchdog(Duration::from_secs(1));
/// ```
pub fn deadlock_watchdog(interval: Duration) -> Watchdog {
    deadlock_watchdog_with(interval, |cycle| {
        eprintln!("pythreading: {cycle}");
    })
}

/// As [`deadlock_watchdog`], handing each new cycle to `report` instead of printing it.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// let _watchdog = pythreading::diagnostics::deadlock_watchdog_with(
///     Duration::from_millis(50),
///     |cycle| eprintln!("deadlock: {cycle}"),
/// );
/// ```
pub fn deadlock_watchdog_with(
    interval: Duration,
    mut report: impl FnMut(&Deadlock) + Send + 'static,
) -> Watchdog {
    let (stop, stopped) = mpsc::channel::<()>();
    let spawned = threading::Builder::new()
        .name("deadlock-watchdog")
        .daemon(true)
        .spawn(move || {
            // Cycles already reported, by their threads: a cycle never dissolves by itself, so
            // reporting it again would only repeat the message.
            let mut seen: Vec<Vec<u64>> = Vec::new();
            while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(interval) {
                for cycle in find_deadlocks() {
                    let idents = cycle.idents();
                    if !seen.contains(&idents) {
                        report(&cycle);
                        seen.push(idents);
                    }
                }
            }
        });
    if let Err(err) = spawned {
        eprintln!("pythreading: cannot start the deadlock watchdog: {err}");
    }
    Watchdog { stop: Some(stop) }
}
