//! Helpers for tests that run real CPython or other child processes: find an interpreter (and
//! check the version it reports), skip visibly when it is missing, and bound every wait on a
//! child, killing it on failure.
//!
//! Also used by `crates/pythreading-cli/tests` (through `#[path]`), so paths here are relative to
//! the `crates/` directory rather than to one crate.
#![allow(dead_code)]

use std::io::{Read, Write as _};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The project's own copies of the Python scripts.
pub(crate) fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../pythreading-mp/tests/python")
        .join(name)
}

/// The exact interpreter a version label stands for: `"3.11"` is the default `python3` (any
/// 3.11.x), `"3.12"`/`"3.12.1"` and `"3.13"`/`"3.13.0"` are pyenv's builds, selected with
/// `PYENV_VERSION`. Returns (`PYENV_VERSION` to set, the version prefix `python3` must report).
fn interpreter(version: &str) -> (Option<&'static str>, &'static str) {
    match version {
        "3.11" => (None, "3.11."),
        "3.12" | "3.12.1" => (Some("3.12.1"), "3.12.1"),
        "3.13" | "3.13.0" => (Some("3.13.0"), "3.13.0"),
        other => panic!("unknown CPython version label {other:?}"),
    }
}

/// A `python3` command for `version` (see [`interpreter`]), after checking that the interpreter
/// it runs reports that version (pyenv falls back to another Python for an unknown
/// `PYENV_VERSION`, so the label alone proves nothing). When it is missing the test is skipped
/// with [`skip`]: a visible, counted notice, or a failure when `CI` is set.
pub(crate) fn python(version: &str) -> Option<Command> {
    let (pyenv, want) = interpreter(version);
    let make = || {
        let mut c = Command::new("python3");
        match pyenv {
            Some(v) => c.env("PYENV_VERSION", v),
            None => c.env_remove("PYENV_VERSION"),
        };
        c
    };
    let reported = make()
        .args(["-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    match reported {
        Some(v) if format!("{v}.").starts_with(want) || v == want => Some(make()),
        Some(v) => {
            skip(&format!(
                "CPython {version} not found (python3 reports {v})"
            ));
            None
        }
        None => {
            skip(&format!(
                "CPython {version} not found (python3 did not run)"
            ));
            None
        }
    }
}

/// Skips the calling test visibly: with `CI` set this fails the test. Otherwise it appends
/// `SKIPPED <test>: <reason>` to the file named by `PYTHREADING_SKIP_LOG` if that is set (how
/// `.ci/run` counts and lists skips), or else writes that line straight to the process's stderr
/// (libtest captures only `print!`/`eprint!`, so the line shows in a plain `cargo test` even
/// though the test then reports `ok`; `.ci/run` avoids it because it can split libtest's lines).
pub(crate) fn skip(reason: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "{reason}: required when CI is set"
    );
    let thread = std::thread::current();
    let line = format!("SKIPPED {}: {reason}\n", thread.name().unwrap_or("?"));
    match std::env::var_os("PYTHREADING_SKIP_LOG") {
        Some(path) => {
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .expect("open PYTHREADING_SKIP_LOG");
            f.write_all(line.as_bytes())
                .expect("write PYTHREADING_SKIP_LOG");
        }
        None => {
            let _ = std::io::stderr().write_all(line.as_bytes());
        }
    }
}

/// A child process that is killed (and reaped) when dropped, so a failing test leaves none. The
/// child leads a process group of its own, and the whole group is killed: CPython's
/// `manager.start()` forks a server process that would otherwise outlive a killed master.
pub(crate) struct Guard(pub(crate) Option<Child>);

/// Kills process group `pgid` (the child and whatever it started).
fn kill_group(pgid: u32) {
    let _ = Command::new("kill")
        .args(["-9", "--", &format!("-{pgid}")])
        .stderr(Stdio::null())
        .status();
}

impl Guard {
    pub(crate) fn spawn(cmd: &mut Command) -> Guard {
        use std::os::unix::process::CommandExt as _;
        Guard(Some(
            cmd.process_group(0).spawn().expect("spawn child process"),
        ))
    }

    pub(crate) fn child(&mut self) -> &mut Child {
        self.0.as_mut().expect("child")
    }

    /// Waits for the exit, at most `timeout`; on timeout kills the child and fails the test.
    pub(crate) fn wait_timeout(&mut self, timeout: Duration, what: &str) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child().try_wait().expect("try_wait") {
                return status;
            }
            if Instant::now() >= deadline {
                self.kill();
                panic!("{what} did not exit within {timeout:?}; killed");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Reads the rest of stdout and stderr and waits for the exit, all within `timeout`.
    pub(crate) fn output_timeout(mut self, timeout: Duration, what: &str) -> Output {
        let child = self.0.take().expect("child");
        let id = child.id();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(child.wait_with_output());
        });
        match rx.recv_timeout(timeout) {
            Ok(out) => out.expect("wait for child"),
            Err(_) => {
                // The child moved into the waiting thread: kill its group by id (it is not
                // reaped yet, so the id is still ours), which also ends that thread's wait.
                kill_group(id);
                panic!("{what} did not finish within {timeout:?}; killed");
            }
        }
    }

    fn kill(&mut self) {
        if let Some(c) = self.0.as_mut() {
            // The group first, while the leader's id cannot have been reused.
            if c.try_wait().ok().flatten().is_none() {
                kill_group(c.id());
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Reads one line from `r` within `timeout` (a thread does the blocking read), or fails the test
/// with `what`. Returns `None` at end of file.
pub(crate) fn read_line_timeout<R: std::io::BufRead + Send + 'static>(
    r: R,
    timeout: Duration,
    what: &str,
) -> (R, Option<String>) {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut r = r;
        let mut line = String::new();
        let n = r.read_line(&mut line).expect("read a line from the child");
        let _ = tx.send((r, (n > 0).then_some(line)));
    });
    rx.recv_timeout(timeout)
        .unwrap_or_else(|_| panic!("{what}: no line within {timeout:?}"))
}

/// Reads everything left in `r` within `timeout`, or fails the test with `what`.
pub(crate) fn read_to_end_timeout<R: Read + Send + 'static>(
    r: R,
    timeout: Duration,
    what: &str,
) -> String {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut r = r;
        let mut s = String::new();
        let _ = r.read_to_string(&mut s);
        let _ = tx.send(s);
    });
    rx.recv_timeout(timeout)
        .unwrap_or_else(|_| panic!("{what}: output not closed within {timeout:?}"))
}

/// Runs to completion with piped output, within `timeout_secs` (then killed, and the test fails).
pub(crate) fn run(mut cmd: Command, timeout_secs: u64) -> Output {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let what = format!("{:?}", cmd.get_program());
    Guard::spawn(&mut cmd).output_timeout(Duration::from_secs(timeout_secs), &what)
}

pub(crate) fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs the CPython client script `name` (from [`script`]) with `py` against the manager on
/// 127.0.0.1:`port` (`MANAGER_PORT`; other settings go on `py` first), within `timeout_secs`
/// (then killed), and asserts that it succeeded and printed `marker`; returns its stdout.
pub(crate) fn run_client(
    mut py: Command,
    name: &str,
    port: u16,
    timeout_secs: u64,
    marker: &str,
) -> String {
    py.arg(script(name)).env("MANAGER_PORT", port.to_string());
    let out = run(py, timeout_secs);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{name} failed:\n{stdout}\n{stderr}");
    assert!(
        stdout.contains(marker),
        "{name} did not print {marker:?}:\n{stdout}\n{stderr}"
    );
    stdout
}

/// Asserts that a client script's `stdout` begins with the `python X.Y.Z` line of CPython
/// `version`: the script itself ran on the interpreter the test asked for.
pub(crate) fn assert_ran_on(stdout: &str, version: &str) {
    assert!(
        stdout.starts_with(&format!("python {version}")),
        "the client ran on another interpreter than {version}:\n{stdout}"
    );
}

/// Asserts that the manager `m` is connected to holds no object: every proxy its clients made
/// was released (its debug info, which lists what is left, on failure).
pub(crate) fn assert_all_released(m: &pythreading_mp::managers::Manager) {
    assert_eq!(
        m.number_of_objects().unwrap(),
        0,
        "{}",
        m.debug_info().unwrap()
    );
}
