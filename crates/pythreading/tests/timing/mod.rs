//! Timing helpers shared by the integration tests (the CPython test-suite conventions, A-01/A-02).
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
