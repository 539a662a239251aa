//! `PYTHREADING_TRACE=path.json` (issue 10): the library reads the variable once, at its first
//! event site, records the whole program, and writes the file at `threading::shutdown()` or
//! `diagnostics::flush()`; an explicit `record()` before that wins. The variable is read once
//! per process, so each case re-executes this test binary with `PYTHREADING_CHILD=<case>` and
//! the variable set, running only that case's `child_*` test (`#[ignore]`d, so a normal run does
//! not count it; the parent runs it with `--ignored --exact`), then checks the file it left.
//! No checklist id: CPython has no timeline.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pythreading::diagnostics;
use pythreading::queue::Queue;
use pythreading::threading;
use serde_json::Value;

const CHILD: &str = "PYTHREADING_CHILD";

fn is_child(case: &str) -> bool {
    std::env::var(CHILD).as_deref() == Ok(case)
}

/// A fresh path for the child's trace (removed first if a past run left it).
fn trace_path(case: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("pythreading-{case}-{}.json", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

/// Runs `case` alone in a child process with `PYTHREADING_TRACE=trace`, within 60 s (killed
/// and failed after that), and asserts it succeeded.
fn run_child(case: &str, trace: &Path) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            case,
            "--ignored",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, case)
        .env("PYTHREADING_TRACE", trace)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("child {case} did not exit within 60 s; killed");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = child.wait_with_output().unwrap();
    // Indented, so that the child's libtest lines are not counted as this binary's by `.ci/run`.
    let indent = |b: &[u8]| {
        String::from_utf8_lossy(b)
            .lines()
            .map(|l| format!("  | {l}\n"))
            .collect::<String>()
    };
    // It ran the one case (a filter that matched nothing would also exit 0).
    let ran = String::from_utf8_lossy(&out.stdout).contains("test result: ok. 1 passed");
    assert!(
        out.status.success() && ran,
        "child {case}: {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status,
        indent(&out.stdout),
        indent(&out.stderr)
    );
}

/// A producer and a consumer through a named bounded queue, on named threads.
fn producer_consumer(queue_name: &str) {
    let q = Arc::new(Queue::<u32>::bounded(1).with_name(queue_name));
    let (qp, qc) = (Arc::clone(&q), Arc::clone(&q));
    let producer = threading::Builder::new()
        .name("env-producer")
        .spawn(move || (0..100).for_each(|i| qp.put(i).unwrap()))
        .unwrap();
    let consumer = threading::Builder::new()
        .name("env-consumer")
        .spawn(move || (0..100).for_each(|i| assert_eq!(qc.get(), Ok(i))))
        .unwrap();
    for h in [producer, consumer] {
        assert_eq!(h.join_timeout(Duration::from_secs(10)), Ok(true));
    }
}

/// The file parses, and has both threads' tracks and the queue's depth track.
fn check_trace(path: &Path, queue_name: &str) {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("no trace at {}: {e}", path.display()));
    let doc: Value = serde_json::from_str(&text).expect("the trace is valid JSON");
    let list = doc["traceEvents"].as_array().expect("traceEvents");
    for name in ["env-producer", "env-consumer"] {
        assert!(
            list.iter()
                .any(|e| e["ph"] == "M" && e["args"]["name"] == name),
            "no track for {name}"
        );
    }
    let depth = format!("queue depth Queue \"{queue_name}\"");
    assert!(
        list.iter()
            .any(|e| e["ph"] == "C" && e["name"] == depth.as_str()),
        "no {depth} track"
    );
    let _ = std::fs::remove_file(path);
}

#[test]
fn the_variable_records_the_program_and_shutdown_writes_it() {
    let path = trace_path("shutdown");
    run_child("child_written_by_shutdown", &path);
    check_trace(&path, "env-shutdown");
}

#[test]
#[ignore = "child-process entry point, run by its parent test"]
fn child_written_by_shutdown() {
    if !is_child("child_written_by_shutdown") {
        return;
    }
    producer_consumer("env-shutdown");
    // Nothing is written before the end of the program.
    let path = std::env::var_os("PYTHREADING_TRACE").unwrap();
    assert!(!Path::new(&path).exists());
    threading::shutdown();
    assert!(Path::new(&path).exists(), "shutdown() wrote the trace");
}

#[test]
fn flush_writes_the_variables_recording_once() {
    let path = trace_path("flush");
    run_child("child_written_by_flush", &path);
    check_trace(&path, "env-flush");
}

#[test]
#[ignore = "child-process entry point, run by its parent test"]
fn child_written_by_flush() {
    if !is_child("child_written_by_flush") {
        return;
    }
    producer_consumer("env-flush");
    let trace = diagnostics::flush().expect("the variable started a recording");
    assert!(trace.events() > 0);
    assert!(diagnostics::flush().is_none(), "written once");
    // Off after the flush: a new explicit recording may start.
    drop(diagnostics::record().expect("nothing records now"));
}

#[test]
fn an_explicit_recording_before_any_event_wins_over_the_variable() {
    let path = trace_path("explicit");
    run_child("child_explicit_recording_wins", &path);
    assert!(!path.exists(), "the variable was not to be used");
}

#[test]
#[ignore = "child-process entry point, run by its parent test"]
fn child_explicit_recording_wins() {
    if !is_child("child_explicit_recording_wins") {
        return;
    }
    let rec = diagnostics::record().unwrap();
    producer_consumer("env-explicit");
    assert!(rec.stop().events() > 0);
    // The variable was settled by the explicit recording: nothing starts from it now.
    producer_consumer("env-explicit-2");
    assert!(diagnostics::record_from_env().is_none());
    assert!(diagnostics::flush().is_none());
    threading::shutdown();
}
