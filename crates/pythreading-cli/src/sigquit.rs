//! `SIGQUIT` (Ctrl-\) prints a thread dump and any deadlocks to stderr, and the command goes on:
//! what the JVM and Go do. Without this, SIGQUIT would end the process with a core dump.

use signal_hook::consts::SIGQUIT;
use signal_hook::iterator::Signals;

/// Installs the handler: a small thread that waits for SIGQUIT and prints
/// `pythreading::threading::dump()` and `find_deadlocks()` each time one arrives.
pub(crate) fn install() {
    let mut signals = match Signals::new([SIGQUIT]) {
        Ok(signals) => signals,
        Err(err) => {
            tracing::warn!("cannot handle SIGQUIT (no thread dumps): {err}");
            return;
        }
    };
    // A plain std thread: it is machinery, not part of the user's program, so it stays out of
    // `threading::enumerate()` (and so out of the dump it prints).
    let spawned = std::thread::Builder::new()
        .name("sigquit".into())
        .spawn(move || {
            for _ in signals.forever() {
                let mut text = pythreading::threading::dump().to_string();
                for cycle in pythreading::threading::find_deadlocks() {
                    text.push('\n');
                    text.push_str(&cycle.to_string());
                }
                eprintln!("{text}");
            }
        });
    if let Err(err) = spawned {
        tracing::warn!("cannot start the SIGQUIT thread (no thread dumps): {err}");
    }
}
