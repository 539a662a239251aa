//! What the server (running in this test process) holds, read from `/proc/self`: threads, file
//! descriptors, resident and peak memory.
#![allow(dead_code)]

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

static SERIAL: Mutex<()> = Mutex::new(());

/// Held by each test of a binary that reads process-wide figures, so that tests running in
/// parallel do not disturb each other's counts.
pub(crate) fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

fn status_field(name: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(name))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in /proc/self/status"))
}

/// Threads of this process.
pub(crate) fn threads() -> u64 {
    status_field("Threads:")
}

/// Open file descriptors of this process.
pub(crate) fn fds() -> u64 {
    std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .count() as u64
}

/// Peak resident memory so far, in MiB.
pub(crate) fn peak_rss_mib() -> u64 {
    status_field("VmHWM:") / 1024
}

/// Resident memory now, in MiB.
pub(crate) fn rss_mib() -> u64 {
    status_field("VmRSS:") / 1024
}

/// Waits (at most `within`) until `probe()` is at most `bound`; fails with `what` and the last
/// value otherwise.
pub(crate) fn settles(what: &str, within: Duration, bound: u64, probe: impl Fn() -> u64) {
    let deadline = Instant::now() + within;
    loop {
        let now = probe();
        if now <= bound {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: still {now} after {within:?} (bound {bound})"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
