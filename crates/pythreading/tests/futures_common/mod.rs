//! Helpers shared by the `futures_*` integration tests.

use std::sync::{Arc, Condvar, Mutex};

/// A latch the tests open by hand: a task blocked on it is RUNNING for as long as we like.
#[derive(Clone, Default)]
pub(crate) struct Gate(Arc<(Mutex<bool>, Condvar)>);

impl Gate {
    /// Blocks until the gate is open.
    pub(crate) fn wait(&self) {
        let (m, c) = &*self.0;
        let mut open = m.lock().unwrap();
        while !*open {
            open = c.wait(open).unwrap();
        }
    }

    /// Opens the gate for every waiter, present and future.
    pub(crate) fn open(&self) {
        let (m, c) = &*self.0;
        *m.lock().unwrap() = true;
        c.notify_all();
    }
}

/// A failing assertion must not leave a task blocked forever (the pool's drop waits for it):
/// any handle to the gate opens it when dropped.
impl Drop for Gate {
    fn drop(&mut self) {
        let (m, c) = &*self.0;
        *m.lock().unwrap_or_else(|p| p.into_inner()) = true;
        c.notify_all();
    }
}

/// Runs `cmd` to completion with its output captured, killing it and failing the test if it
/// has not exited within 60 s.
#[allow(dead_code)]
pub(crate) fn output_within_60s(cmd: &mut std::process::Command) -> std::process::Output {
    use std::process::Stdio;
    use std::time::{Duration, Instant};
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the child process");
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().expect("try_wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the child process did not exit within 60 s; killed");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    child.wait_with_output().expect("the child's output")
}
