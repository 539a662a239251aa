//! The diagnostics from the command line (issue 10): `demo deadlock` prints the real cycle
//! (threads, named locks, file:line) and finishes; `demo NAME --trace PATH` writes a Chrome
//! trace that parses; SIGQUIT prints a thread dump to stderr and the command goes on.

mod cli_common;

use std::io::Read;
use std::process::Command;
use std::time::Duration;

use cli_common::{spawn_until, text};

/// Runs to the end (at most `bound`, then killed and failing), returning status, stdout and
/// stderr.
fn run(args: &[&str], bound: Duration) -> (std::process::ExitStatus, String, String) {
    let out = cli_common::run(args, bound);
    (out.status, text(&out.stdout), text(&out.stderr))
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
    // The handler is installed before anything is printed: wait for the first line.
    let (mut guard, mut out, _first) = spawn_until(&["demo"], "");
    let pid = guard.child().id();
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
    let finished = guard.output_timeout(Duration::from_secs(300), "demo after SIGQUIT");
    let rest = drain.join().unwrap();
    let (status, err) = (finished.status, text(&finished.stderr));
    assert!(
        status.success(),
        "SIGQUIT ended the command: {status}\n{err}"
    );
    assert!(err.contains("pythreading thread dump:"), "{err}");
    assert!(err.contains("\"MainThread\""), "{err}");
    // It went on to the end.
    assert!(rest.contains("all "), "the demo did not finish:\n{rest}");
}
