//! Running this test binary again as a child process, for the cases that end or report on the
//! process itself (exit, the default excepthook report): bounded in time, killed on every way
//! out of the parent (a timeout or a failed assertion), and with its output read while it
//! runs, so that a child printing more than a pipe holds cannot stall until the bound.
// Each test crate includes this module and uses a subset of it.
#![allow(dead_code)]

use std::io::Read;
use std::process::{Child, Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// The environment variable that tells the re-executed binary which case to run.
pub(crate) const CHILD: &str = "PYTHREADING_CHILD";

/// How long a child may run before it is killed and the test fails.
pub(crate) const LIMIT: Duration = Duration::from_secs(60);

/// This test binary, set to run only the ignored libtest case `case` (a `child_*` entry point),
/// with [`CHILD`] naming it.
pub(crate) fn libtest_case(case: &str) -> Command {
    let mut cmd = Command::new(std::env::current_exe().expect("this test binary's path"));
    cmd.args([
        case,
        "--ignored",
        "--exact",
        "--nocapture",
        "--test-threads=1",
    ])
    .env(CHILD, case);
    cmd
}

/// Kills and reaps the child when dropped, so that no way out of the parent leaves it running.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs `cmd` with its stdout and stderr captured and returns its output; kills it and fails
/// the test if it has not exited within [`LIMIT`]. `what` names the child in that failure.
pub(crate) fn output_within_limit(cmd: &mut Command, what: &str) -> Output {
    let mut child = KillOnDrop(
        cmd.stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {what}: {e}")),
    );
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        let mut pipe = pipe.expect("a piped stream");
        thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    };
    let stdout = drain(child.0.stdout.take().map(|p| Box::new(p) as _));
    let stderr = drain(child.0.stderr.take().map(|p| Box::new(p) as _));
    let deadline = Instant::now() + LIMIT;
    let status = loop {
        if let Some(status) = child.0.try_wait().expect("polling the child") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "{what} did not exit within {LIMIT:?}; killed"
        );
        thread::sleep(Duration::from_millis(10));
    };
    Output {
        status,
        stdout: stdout.join().expect("the stdout reader"),
        stderr: stderr.join().expect("the stderr reader"),
    }
}

/// `bytes` as text with every line indented, so that a child's own libtest lines ("test
/// result: ...") shown with a failure are not counted as the parent's by `.ci/run`.
pub(crate) fn indented(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .lines()
        .map(|l| format!("  | {l}\n"))
        .collect()
}
