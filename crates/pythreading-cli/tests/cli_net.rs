//! `pythreading serve` / `master` / `worker` against each other and against CPython's scripts.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};

use pythreading_mp::managers::Manager;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pythreading"))
}

fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../pythreading-mp/tests/python")
        .join(name)
}

/// `python3` (3.11), or `None` with a notice; with `CI` set a missing python3 fails.
fn python() -> Option<Command> {
    let ok = Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "python3 is required when CI is set"
        );
        eprintln!("notice: python3 not found; skipping this CPython interop test");
        return None;
    }
    Some(Command::new("python3"))
}

/// The port from the first line starting with `marker` (`marker` then `HOST:PORT`).
fn find_port(out: &mut BufReader<ChildStdout>, marker: &str) -> Option<u16> {
    let mut line = String::new();
    loop {
        line.clear();
        if out.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if let Some(rest) = line.trim().strip_prefix(marker) {
            let addr = rest.split_whitespace().next()?;
            return addr.rsplit(':').next()?.parse().ok();
        }
    }
}

/// Spawns with piped stdout and stderr; returns the child and the port it announced.
fn spawn_and_port(mut cmd: Command, marker: &str) -> (Child, BufReader<ChildStdout>, u16) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let port = find_port(&mut out, marker);
    let Some(port) = port else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("exited before announcing '{marker}'");
    };
    (child, out, port)
}

fn rest(mut child: Child, mut out: BufReader<ChildStdout>) -> (bool, String, String) {
    let mut stdout = String::new();
    out.read_to_string(&mut stdout).unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (child.wait().unwrap().success(), stdout, stderr)
}

#[test]
fn rust_master_and_rust_worker() {
    let mut master = bin();
    master.args([
        "-v", // connections are logged at debug
        "master",
        "--address",
        "127.0.0.1:0",
        "--authkey",
        "k",
        "--tasks",
        "5",
    ]);
    let (child, out, port) = spawn_and_port(master, "listening on ");
    let worker = bin()
        .args(["worker", "--address", &format!("127.0.0.1:{port}")])
        .env("KEY", "k")
        .args(["--authkey-env", "KEY"])
        .output()
        .unwrap();
    let wout = String::from_utf8_lossy(&worker.stdout);
    assert!(worker.status.success(), "{wout}");
    assert_eq!(wout.matches("run task").count(), 5, "{wout}");
    let (ok, stdout, stderr) = rest(child, out);
    assert!(ok, "{stdout}\n{stderr}");
    assert_eq!(stdout.matches("Result: ").count(), 5);
    assert!(stdout.contains("master exit."));
    assert!(
        stderr.contains("authenticated"),
        "one log line per connection: {stderr}"
    );
}

#[test]
fn rust_master_and_cpython_worker() {
    let Some(mut py) = python() else { return };
    let mut master = bin();
    master.args([
        "master",
        "--address",
        "127.0.0.1:0",
        "--authkey",
        "hello world",
    ]);
    let (child, out, port) = spawn_and_port(master, "listening on ");
    let w = py
        .arg(script("task_worker.py"))
        .env("MANAGER_PORT", port.to_string())
        .output()
        .unwrap();
    assert!(w.status.success(), "{}", String::from_utf8_lossy(&w.stderr));
    let (ok, stdout, stderr) = rest(child, out);
    assert!(ok, "{stdout}\n{stderr}");
    assert_eq!(stdout.matches("Result: ").count(), 10, "{stdout}");
}

#[test]
fn rust_worker_and_cpython_master() {
    let Some(mut py) = python() else { return };
    py.arg(script("task_master.py")).env("MASTER_PORT", "0");
    let (child, mut out, port) = spawn_and_port(py, "listening on ");
    // Wait until the master has put its tasks.
    let mut line = String::new();
    while !line.starts_with("Try get results") {
        line.clear();
        assert!(out.read_line(&mut line).unwrap() > 0);
    }
    let worker = bin()
        .args([
            "worker",
            "--address",
            &format!("127.0.0.1:{port}"),
            "--authkey",
            "hello world",
        ])
        .output()
        .unwrap();
    let wout = String::from_utf8_lossy(&worker.stdout);
    assert!(
        worker.status.success(),
        "{wout}\n{}",
        String::from_utf8_lossy(&worker.stderr)
    );
    assert!(wout.contains("(10 tasks done)"), "{wout}");
    let (ok, stdout, stderr) = rest(child, out);
    assert!(ok, "{stdout}\n{stderr}");
    assert_eq!(stdout.matches("Result: ").count(), 10);
}

#[test]
fn serve_serves_cpython_worker_and_sync_manager_client_until_shutdown() {
    let Some(_) = python() else { return };
    let mut serve = bin();
    serve.args([
        "serve",
        "--address",
        "127.0.0.1:0",
        "--authkey",
        "hello world",
        "--queue",
        "get_task_queue",
        "--queue",
        "get_result_queue",
    ]);
    let (child, out, port) = spawn_and_port(serve, "serving on ");
    let w = Command::new("python3")
        .arg(script("task_worker.py"))
        .env("MANAGER_PORT", port.to_string())
        .env("N_LOOPS", "1")
        .env("GET_TIMEOUT", "0.1")
        .output()
        .unwrap();
    let wout = String::from_utf8_lossy(&w.stdout);
    assert!(
        w.status.success() && wout.contains("task queue is empty."),
        "{wout}"
    );
    let s = Command::new("python3")
        .arg(script("sync_client.py"))
        .env("MANAGER_PORT", port.to_string())
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&s.stdout).contains("sync client ok"),
        "{}",
        String::from_utf8_lossy(&s.stderr)
    );
    Manager::connect(("127.0.0.1", port), "hello world")
        .unwrap()
        .shutdown()
        .unwrap();
    let (ok, stdout, stderr) = rest(child, out);
    assert!(ok, "{stdout}\n{stderr}");
    assert!(stdout.contains("server stopped"));
}

#[test]
fn serve_stops_on_sigint_and_logs_refusals() {
    let mut serve = bin();
    serve.args(["serve", "--address", "127.0.0.1:0", "--authkey", "right"]);
    let (child, out, port) = spawn_and_port(serve, "serving on ");
    let err = Manager::connect(("127.0.0.1", port), "wrong").unwrap_err();
    assert!(err.as_authentication().is_some());
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let (ok, stdout, stderr) = rest(child, out);
    assert!(ok, "{stdout}\n{stderr}");
    assert!(
        stderr.contains("refused: authentication failed: digest received was wrong"),
        "{stderr}"
    );
    assert!(stdout.contains("server stopped"));
}

#[test]
fn a_wrong_key_is_refused_with_a_message() {
    let mut master = bin();
    master.args([
        "master",
        "--address",
        "127.0.0.1:0",
        "--authkey",
        "k",
        "--tasks",
        "1",
        "--timeout",
        "3",
    ]);
    let (child, out, port) = spawn_and_port(master, "listening on ");
    let worker = bin()
        .args([
            "worker",
            "--address",
            &format!("127.0.0.1:{port}"),
            "--authkey",
            "nope",
        ])
        .output()
        .unwrap();
    assert!(!worker.status.success());
    assert!(String::from_utf8_lossy(&worker.stderr).contains("digest sent was rejected"));
    let (ok, _, _) = rest(child, out);
    assert!(!ok, "the master times out without results");
}
