//! Ctrl-C and SIGTERM as a clean shutdown of the server a command runs in the foreground
//! (`serve`, `echo-server`): the signal only wakes a thread, which asks the server to stop, and
//! the command then reports and exits normally.

use anyhow::Context;
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

/// The installed handler, waiting for [`serve`](Interrupts::serve).
pub(crate) struct Interrupts {
    signals: Signals,
}

impl Interrupts {
    /// Installs the handler. Call it before the command announces that it is listening, so
    /// that a signal sent on seeing that line always gets the clean shutdown, never the
    /// default, abrupt one.
    pub(crate) fn install() -> anyhow::Result<Interrupts> {
        let signals =
            Signals::new([SIGINT, SIGTERM]).context("cannot install the signal handler")?;
        Ok(Interrupts { signals })
    }

    /// Runs `serve_forever` on this thread until it returns; the first interrupt calls
    /// `shutdown`, which makes it return. A server stopped otherwise (a client's `shutdown`)
    /// also ends the waiting thread.
    pub(crate) fn serve<E>(
        mut self,
        serve_forever: impl FnOnce() -> Result<(), E>,
        shutdown: impl FnOnce() + Send,
    ) -> anyhow::Result<()>
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        let handle = self.signals.handle();
        std::thread::scope(|s| {
            s.spawn(move || {
                if self.signals.forever().next().is_some() {
                    tracing::info!("interrupted, shutting down");
                    shutdown();
                }
            });
            let served = serve_forever();
            handle.close();
            served.context("the server failed")
        })
    }
}
