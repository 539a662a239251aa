//! The command line as a user meets it: bad option values are refused before anything is
//! printed, the worker's timeouts, hints and normal finish, logging levels, a closed stdout, and
//! the demo list.

mod cli_common;

use std::io::BufReader;
use std::net::TcpListener;
use std::process::{ChildStdout, Command};
use std::time::{Duration, Instant};

use cli_common::child::read_to_end_timeout;
use cli_common::{Guard, LIMIT, bin, output, spawn_until, text};

/// Runs to the end within [`LIMIT`] (killed and failing otherwise).
fn run(args: &[&str]) -> std::process::Output {
    cli_common::run(args, LIMIT)
}

/// Starts a server and returns the port from the first stdout line starting with `marker` (then
/// `HOST:PORT`).
fn spawn_server(args: &[&str], marker: &str) -> (Guard, BufReader<ChildStdout>, u16) {
    let (guard, out, rest) = spawn_until(args, marker);
    let addr = rest.split_whitespace().next().unwrap();
    let port = addr.rsplit(':').next().unwrap().parse().unwrap();
    (guard, out, port)
}

#[test]
fn an_address_without_a_port_is_refused_before_anything_is_printed() {
    let out = run(&["worker", "--address", "127.0.0.1", "--authkey", "k"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(text(&out.stdout), "", "nothing printed before the check");
    let err = text(&out.stderr);
    assert!(err.contains("expected HOST:PORT"), "{err}");
    assert!(!err.contains("invalid socket address"), "{err}");
}

#[test]
fn bad_counts_and_durations_are_errors() {
    for (args, expected) in [
        (
            &["serve", "--authkey", "k", "--max-connections", "0"][..],
            "must be at least 1",
        ),
        (
            &["master", "--authkey", "k", "--timeout", "-1"][..],
            "cannot be negative",
        ),
        (
            &["master", "--authkey", "k", "--timeout", "soon"][..],
            "expected a number of seconds",
        ),
        (
            &["serve", "--authkey", "k", "--handshake-timeout", "-0.5"][..],
            "cannot be negative",
        ),
        (
            &["worker", "--authkey", "k", "--connect-timeout", "NaN"][..],
            "out of range",
        ),
        (
            &["worker", "--authkey", "k", "--tries", "0"][..],
            "at least 1",
        ),
    ] {
        let out = run(args);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(expected), "{args:?}: {err}");
    }
}

#[test]
fn a_queue_named_twice_is_an_error() {
    let out = run(&[
        "serve",
        "--address",
        "127.0.0.1:0",
        "--authkey",
        "k",
        "--queue",
        "q",
        "--queue",
        "q",
    ]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("--queue q is given twice"));
    assert!(!text(&out.stdout).contains("serving on"));
}

#[test]
fn the_worker_gives_up_on_a_server_that_never_answers() {
    // Accepts (the kernel's backlog does) and never answers the handshake.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = silent.local_addr().unwrap().to_string();
    let start = Instant::now();
    let out = run(&[
        "worker",
        "--address",
        &address,
        "--authkey",
        "k",
        "--connect-timeout",
        "0.5",
    ]);
    let elapsed = start.elapsed();
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("no answer from") && err.contains("within 0.5 s"),
        "{err}"
    );
    assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    drop(silent);
}

#[test]
fn a_server_without_the_queues_gets_a_hint() {
    let (_serve, _out, port) = spawn_server(
        &["serve", "--address", "127.0.0.1:0", "--authkey", "k"],
        "serving on ",
    );
    let out = run(&[
        "worker",
        "--address",
        &format!("127.0.0.1:{port}"),
        "--authkey",
        "k",
    ]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("--queue get_task_queue"), "{err}");
    assert!(!err.contains("Traceback"), "{err}");
}

#[test]
fn the_workers_normal_finish_reads_as_one() {
    let (mut master, out, port) = spawn_server(
        &[
            "master",
            "--address",
            "127.0.0.1:0",
            "--authkey",
            "k",
            "--tasks",
            "3",
        ],
        "listening on ",
    );
    let worker = run(&[
        "worker",
        "--address",
        &format!("127.0.0.1:{port}"),
        "--authkey",
        "k",
    ]);
    let wout = text(&worker.stdout);
    assert!(worker.status.success(), "{wout}{}", text(&worker.stderr));
    assert_eq!(wout.matches("run task").count(), 3, "{wout}");
    assert!(wout.contains("worker exit. (3 tasks done)"), "{wout}");
    assert!(
        !wout.contains("failed") && !wout.contains("went away"),
        "{wout}"
    );
    assert!(
        master
            .wait_timeout(Duration::from_secs(30), "master")
            .success()
    );
    let rest = read_to_end_timeout(out, LIMIT, "master's stdout");
    assert_eq!(rest.matches("Result: ").count(), 3, "{rest}");
}

/// Connects with a wrong key, then stops the server with SIGINT; returns its stderr.
fn serve_stderr_after_a_refusal(flag: &str) -> String {
    let (mut serve, _out, port) = spawn_server(
        &[
            flag,
            "serve",
            "--address",
            "127.0.0.1:0",
            "--authkey",
            "right",
        ],
        "serving on ",
    );
    let _ = pythreading_mp::managers::Manager::connect(("127.0.0.1", port), "wrong").unwrap_err();
    // A right key too, for the per-connection debug line.
    drop(pythreading_mp::managers::Manager::connect(("127.0.0.1", port), "right").unwrap());
    Command::new("kill")
        .args(["-INT", &serve.child().id().to_string()])
        .status()
        .unwrap();
    let out = serve.output_timeout(Duration::from_secs(30), "serve");
    let err = text(&out.stderr);
    assert!(out.status.success(), "{:?}: {err}", out.status);
    err
}

#[test]
fn logging_levels_follow_v_and_q() {
    let verbose = serve_stderr_after_a_refusal("-v");
    assert!(verbose.contains("authenticated"), "{verbose}");
    assert!(verbose.contains("refused"), "{verbose}");
    let quiet = serve_stderr_after_a_refusal("-qq");
    assert!(!quiet.contains("refused"), "{quiet}");
    assert!(!quiet.contains("interrupted"), "{quiet}");
}

#[test]
fn a_closed_stdout_ends_the_demo_quietly() {
    let (guard, out, _first) = spawn_until(&["demo"], "");
    drop(out); // `| head -1`
    let finished = guard.output_timeout(Duration::from_secs(120), "demo");
    let (status, err) = (finished.status, text(&finished.stderr));
    assert!(status.success(), "{status:?}: {err}");
    assert!(
        !err.contains("Broken pipe") && !err.contains("panicked"),
        "{err}"
    );
}

#[test]
fn the_excepthook_demo_shows_a_clean_report() {
    let out = output(
        bin()
            .args(["demo", "excepthook"])
            .env("RUST_BACKTRACE", "1"),
        LIMIT,
    );
    assert!(out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("Exception in thread config-loader:"), "{err}");
    assert!(
        err.contains("panicked at crates/pythreading/examples/excepthook.rs:"),
        "{err}"
    );
    assert!(
        !err.contains("/../") && !err.contains("stack backtrace"),
        "{err}"
    );
}

#[test]
fn the_demo_list_names_every_tutorial_scenario() {
    let out = run(&["demo", "--list"]);
    assert!(out.status.success());
    let list = text(&out.stdout);
    let names: Vec<&str> = list
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    for name in [
        "loop-thread",
        "low-level",
        "download",
        "bank",
        "counter",
        "deadlock",
        "local",
        "daemon",
        "stop-flag",
        "atexit",
        "event",
        "condition",
        "semaphore",
        "barrier",
        "timer",
        "enumerate",
        "excepthook",
        "gil",
        "producer-consumer",
        "worker-pool",
        "pool-map",
        "as-completed",
        "limit-threads",
        "distributed",
        "reliable",
    ] {
        assert!(names.contains(&name), "{name} missing from:\n{list}");
    }
}

#[test]
fn help_speaks_of_the_tutorials() {
    let out = run(&["--help"]);
    let help = text(&out.stdout);
    assert!(help.contains("tutorials"), "{help}");
    for sub in ["demo", "serve", "master", "worker"] {
        let out = run(&[sub, "--help"]);
        assert!(!text(&out.stdout).to_lowercase().contains("seed"));
    }
    assert!(!help.to_lowercase().contains("seed"));
}
