//! The diagnostics from the command line (issue 10): `demo deadlock` prints the real cycle
//! (threads, named locks, file:line) and finishes; `demo NAME --trace PATH` writes a Chrome
//! trace that parses; SIGQUIT prints a thread dump to stderr and the command goes on.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pythreading"))
}

/// A child that is killed and reaped when the test ends, even by a failed assertion.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Guard {
    fn wait_for_exit(&mut self, bound: Duration, what: &str) -> std::process::ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.0.try_wait().expect("try_wait") {
                return status;
            }
            assert!(
                start.elapsed() < bound,
                "{what} did not exit within {bound:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Runs to the end (at most `bound`), returning status, stdout and stderr.
fn run(args: &[&str], bound: Duration) -> (std::process::ExitStatus, String, String) {
    let mut child = bin()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let mut guard = Guard(child);
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let status = guard.wait_for_exit(bound, &args.join(" "));
    (status, reader.join().unwrap(), err_reader.join().unwrap())
}

#[test]
fn the_deadlock_demo_prints_the_cycle_and_finishes() {
    let (status, out, err) = run(&["demo", "deadlock"], Duration::from_secs(60));
    assert!(status.success(), "{status}\n{out}\n{err}");
    assert!(out.contains("Found a deadlock of 2 threads:"), "{out}");
    for needle in [
        "\"Thread-A-then-B\"",
        "\"Thread-B-then-A\"",
        "waits for Lock \"mutexA\"",
        "waits for Lock \"mutexB\"",
        "examples/deadlock.rs:",
    ] {
        assert!(out.contains(needle), "{needle} missing:\n{out}");
    }
    // The fixes still run after the report.
    assert!(out.contains("fix 2, always A before B:  10/10"), "{out}");
}

#[test]
fn demo_trace_writes_a_chrome_trace() {
    let path =
        std::env::temp_dir().join(format!("pythreading-cli-diag-{}.json", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let (status, out, err) = run(
        &["demo", "worker-pool", "--trace", path.to_str().unwrap()],
        Duration::from_secs(120),
    );
    assert!(status.success(), "{status}\n{out}\n{err}");
    let text = std::fs::read_to_string(&path).expect("the trace file was written");
    let _ = std::fs::remove_file(&path);
    let doc: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    let events = doc["traceEvents"].as_array().expect("traceEvents");
    assert!(
        events
            .iter()
            .any(|e| e["ph"] == "M" && e["name"] == "thread_name"),
        "no thread tracks"
    );
    assert!(
        events.iter().any(|e| e["ph"] == "C"),
        "no queue depth counter"
    );
    assert!(doc["otherData"]["dropped_events"].is_u64());
}

#[test]
fn sigquit_prints_a_dump_and_the_command_goes_on() {
    let mut child = bin()
        .args(["demo"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut err = child.stderr.take().unwrap();
    let pid = child.id();
    let mut guard = Guard(child);
    // The handler is installed before anything is printed: wait for the first line.
    let mut first = String::new();
    out.read_line(&mut first).expect("first line");
    let killed = Command::new("kill")
        .args(["-QUIT", &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(killed.success());
    let drain = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let status = guard.wait_for_exit(Duration::from_secs(300), "demo after SIGQUIT");
    let rest = drain.join().unwrap();
    let err = err_reader.join().unwrap();
    assert!(
        status.success(),
        "SIGQUIT ended the command: {status}\n{err}"
    );
    assert!(err.contains("pythreading thread dump:"), "{err}");
    assert!(err.contains("\"MainThread\""), "{err}");
    // It went on to the end.
    assert!(rest.contains("all "), "the demo did not finish:\n{rest}");
}
