//! [`Sentinel`]: a pidfd that becomes readable when its child exits.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags, Timespec, poll};

/// Readiness of a child's exit (Python's `Process.sentinel`): a pidfd, readable once the
/// child has exited. Implements [`AsFd`] for use with `poll`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// fn nap() { std::thread::sleep(Duration::from_secs(30)); }
/// pythreading_mp::register!(nap);
///
/// fn main() {
///     pythreading_mp::init();
///     let p = pythreading_mp::process::Process::new(nap);
///     p.start().unwrap();
///     let s = p.sentinel().unwrap();
///     assert!(!s.is_ready());
///     p.kill().unwrap();
///     assert!(s.wait_timeout(Duration::from_secs(60)));
///     p.join().unwrap();
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Sentinel {
    fd: Arc<OwnedFd>,
}

impl Sentinel {
    pub(super) fn new(fd: Arc<OwnedFd>) -> Self {
        Sentinel { fd }
    }

    /// Whether the child has exited (the handle is ready), without waiting.
    ///
    /// # Examples
    ///
    /// See [`Sentinel`].
    pub fn is_ready(&self) -> bool {
        self.wait_timeout(Duration::ZERO)
    }

    /// Waits at most `timeout` for the child to exit; true if it has.
    ///
    /// # Examples
    ///
    /// See [`Sentinel`].
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        let deadline = Instant::now().checked_add(timeout);
        loop {
            let left = match deadline {
                Some(d) => d.saturating_duration_since(Instant::now()),
                None => Duration::from_secs(3600),
            };
            let ts = Timespec::try_from(left.min(Duration::from_secs(3600))).unwrap_or(Timespec {
                tv_sec: 3600,
                tv_nsec: 0,
            });
            let mut fds = [PollFd::new(&*self.fd, PollFlags::IN)];
            match poll(&mut fds, Some(&ts)) {
                Ok(n) if n > 0 => return true,
                Ok(_) | Err(rustix::io::Errno::INTR) => {}
                Err(_) => return false,
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return false;
            }
        }
    }
}

impl AsFd for Sentinel {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}
