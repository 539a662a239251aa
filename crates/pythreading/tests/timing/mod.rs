//! Timing helpers shared by the integration tests (the CPython test-suite conventions, A-01/A-02).
//! The parked-thread handshakes read Linux's `/proc` (the platform CI runs on); elsewhere they
//! fail with a message rather than pass without checking.
// Each test crate includes this module and uses a subset of it.
#![allow(dead_code)]

use std::thread;
use std::time::{Duration, Instant};

/// `lock_tests.assertTimeout`: a timed wait lasted at least 0.6·T and less than 10·T.
pub(crate) fn assert_timeout(elapsed: Duration, expected: Duration) {
    assert!(
        elapsed >= expected.mul_f64(0.6),
        "returned too early: {elapsed:?} < 0.6 × {expected:?}"
    );
    assert!(
        elapsed < expected * 10,
        "returned too late: {elapsed:?} ≥ 10 × {expected:?}"
    );
}

/// Polls `what` every millisecond until it holds; fails the test after 10 s (a handshake, not a
/// measurement: the bound only turns a hang into a failure).
pub(crate) fn wait_for(what: impl Fn() -> bool) {
    let start = Instant::now();
    while !what() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "condition never held"
        );
        thread::sleep(Duration::from_millis(1));
    }
}

/// Runs `body` on its own thread and fails the test if it has not finished within `limit` (a
/// lost wake-up then fails with `what` instead of hanging the run; the stuck thread is left
/// behind). A panic in `body` fails the test with its message.
pub(crate) fn within<T: Send + 'static>(
    limit: Duration,
    what: &str,
    body: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    let h = thread::spawn(move || {
        let v = body();
        let _ = tx.send(());
        v
    });
    match rx.recv_timeout(limit) {
        Ok(()) => h.join().unwrap(),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            // `body` panicked: re-raise its panic here.
            match h.join() {
                Err(panic) => std::panic::resume_unwind(panic),
                Ok(_) => unreachable!("the body ended without reporting"),
            }
        }
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what}: not finished within {limit:?} (a lost wake-up or a deadlock)")
        }
    }
}

/// The calling thread's kernel thread id (Linux), to hand to [`wait_parked`] before blocking.
pub(crate) fn thread_id() -> u32 {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").expect("/proc/thread-self/stat");
    stat.split_whitespace()
        .next()
        .and_then(|t| t.parse().ok())
        .expect("a thread id")
}

/// Waits until thread `tid` of this process sleeps in the kernel (state `S` in
/// `/proc/self/task/TID/stat`), failing the test after 10 s. Use it as a handshake: the thread
/// sends its [`thread_id`] and then makes one blocking call, so once it sleeps it is parked in
/// that call (a thread that is only preempted or spinning is `R`, not `S`). This observes a
/// blocked waiter of a primitive that has no waiter count (`Lock`, `Semaphore`, a queue's
/// getters) without sleeping as synchronisation.
pub(crate) fn wait_parked(tid: u32) {
    let start = Instant::now();
    while state(tid) != Some('S') {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "thread {tid} never parked in its blocking call (state {:?}; None: it exited, \
             so the call did not block)",
            state(tid)
        );
        thread::sleep(Duration::from_millis(1));
    }
}

/// Thread `tid`'s scheduler state (`R` running or runnable, `S` asleep, ...), `None` once it
/// has exited.
pub(crate) fn state(tid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).ok()?;
    // "TID (comm) STATE ...": comm may hold spaces and parentheses, so split after the last ')'.
    stat.rsplit_once(')')?.1.trim_start().chars().next()
}

/// Whether every thread in `tids` is asleep in the kernel or has exited: nothing among them can
/// make progress until another thread wakes one.
pub(crate) fn all_parked_or_gone(tids: &[u32]) -> bool {
    tids.iter().all(|&t| matches!(state(t), None | Some('S')))
}

/// Spawns `body` on a new thread; returns its handle and kernel thread id.
pub(crate) fn spawn_with_tid<T: Send + 'static>(
    body: impl FnOnce() -> T + Send + 'static,
) -> (thread::JoinHandle<T>, u32) {
    let (tx, rx) = std::sync::mpsc::channel();
    let h = thread::spawn(move || {
        tx.send(thread_id()).unwrap();
        body()
    });
    let tid = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the thread started");
    (h, tid)
}

/// Spawns `body` on a new thread and returns once that thread is parked in the blocking call
/// `body` starts with (see [`wait_parked`]).
pub(crate) fn spawn_parked<T: Send + 'static>(
    body: impl FnOnce() -> T + Send + 'static,
) -> thread::JoinHandle<T> {
    let (h, tid) = spawn_with_tid(body);
    wait_parked(tid);
    h
}

/// The `futex` system call's number: what a thread parked on a lock, condition or channel is
/// blocked in (as opposed to, say, a socket read).
#[cfg(target_arch = "x86_64")]
pub(crate) const SYS_FUTEX: &str = "202";
#[cfg(target_arch = "aarch64")]
pub(crate) const SYS_FUTEX: &str = "98";
#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
pub(crate) const SYS_FUTEX: &str = "futex number unknown on this architecture";

/// How many threads of this process whose name starts with `name` (the kernel keeps 15 bytes)
/// are blocked in system call `syscall` (a number, as `/proc/self/task/TID/syscall` shows it).
pub(crate) fn threads_blocked_in(name: &str, syscall: &str) -> usize {
    let name = &name[..name.len().min(15)];
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .filter_map(Result::ok)
        .filter(|t| {
            let p = t.path();
            let comm = std::fs::read_to_string(p.join("comm")).unwrap_or_default();
            let call = std::fs::read_to_string(p.join("syscall")).unwrap_or_default();
            comm.trim_end().starts_with(name) && call.split_whitespace().next() == Some(syscall)
        })
        .count()
}
