//! `pythreading serve` / `master` / `worker` against each other and against CPython's scripts.

mod cli_common;

use std::io::BufReader;
use std::process::{ChildStdout, Command, Output, Stdio};

use cli_common::child as common;
use cli_common::{Guard, LIMIT, bin};
use common::script;

use pythreading_mp::managers::Manager;

/// Runs to completion within [`LIMIT`] (killed and failing otherwise).
fn output(cmd: &mut Command) -> Output {
    cli_common::output(cmd, LIMIT)
}

/// Spawns with piped stdout and stderr; returns the child and the port it announced on the first
/// line starting with `marker` (`marker` then `HOST:PORT`).
fn spawn_and_port(mut cmd: Command, marker: &str) -> (Guard, BufReader<ChildStdout>, u16) {
    let mut child = Guard::spawn(cmd.stdout(Stdio::piped()).stderr(Stdio::piped()));
    let mut out = BufReader::new(child.child().stdout.take().unwrap());
    loop {
        let (o, line) = common::read_line_timeout(out, LIMIT, marker);
        out = o;
        let line = line.unwrap_or_else(|| panic!("exited before announcing '{marker}'"));
        if let Some(rest) = line.trim().strip_prefix(marker) {
            let addr = rest.split_whitespace().next().expect("an address");
            let port = addr.rsplit(':').next().unwrap().parse().expect("a port");
            return (child, out, port);
        }
    }
}

/// The rest of the child's stdout and stderr and whether it exited with success, within [`LIMIT`].
fn rest(mut child: Guard, out: BufReader<ChildStdout>) -> (bool, String, String) {
    let stdout = common::read_to_end_timeout(out, LIMIT, "stdout");
    let err = child.child().stderr.take().unwrap();
    let stderr = common::read_to_end_timeout(err, LIMIT, "stderr");
    let ok = child.wait_timeout(LIMIT, "child process").success();
    (ok, stdout, stderr)
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
    let worker = output(
        bin()
            .args(["worker", "--address", &format!("127.0.0.1:{port}")])
            .env("KEY", "k")
            .args(["--authkey-env", "KEY"]),
    );
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
    let Some(mut py) = common::python("3.11") else {
        return;
    };
    let mut master = bin();
    master.args([
        "master",
        "--address",
        "127.0.0.1:0",
        "--authkey",
        "hello world",
    ]);
    let (child, out, port) = spawn_and_port(master, "listening on ");
    let w = output(
        py.arg(script("task_worker.py"))
            .env("MANAGER_PORT", port.to_string()),
    );
    assert!(w.status.success(), "{}", String::from_utf8_lossy(&w.stderr));
    let (ok, stdout, stderr) = rest(child, out);
    assert!(ok, "{stdout}\n{stderr}");
    assert_eq!(stdout.matches("Result: ").count(), 10, "{stdout}");
}

#[test]
fn rust_worker_and_cpython_master() {
    let Some(mut py) = common::python("3.11") else {
        return;
    };
    py.arg(script("task_master.py")).env("MASTER_PORT", "0");
    let (child, mut out, port) = spawn_and_port(py, "listening on ");
    // Wait until the master has put its tasks.
    loop {
        let (o, line) = common::read_line_timeout(out, LIMIT, "CPython master");
        out = o;
        let line = line.expect("the master exited before putting its tasks");
        if line.starts_with("Try get results") {
            break;
        }
    }
    let worker = output(bin().args([
        "worker",
        "--address",
        &format!("127.0.0.1:{port}"),
        "--authkey",
        "hello world",
    ]));
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
    let Some(mut py) = common::python("3.11") else {
        return;
    };
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
    let w = output(
        py.arg(script("task_worker.py"))
            .env("MANAGER_PORT", port.to_string())
            .env("N_LOOPS", "1")
            .env("GET_TIMEOUT", "0.1"),
    );
    let wout = String::from_utf8_lossy(&w.stdout);
    assert!(
        w.status.success() && wout.contains("task queue is empty."),
        "{wout}"
    );
    let Some(mut py) = common::python("3.11") else {
        return;
    };
    let s = output(
        py.arg(script("sync_client.py"))
            .env("MANAGER_PORT", port.to_string()),
    );
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
    let (mut child, out, port) = spawn_and_port(serve, "serving on ");
    let err = Manager::connect(("127.0.0.1", port), "wrong").unwrap_err();
    assert!(err.as_authentication().is_some());
    Command::new("kill")
        .args(["-INT", &child.child().id().to_string()])
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
    let worker = output(bin().args([
        "worker",
        "--address",
        &format!("127.0.0.1:{port}"),
        "--authkey",
        "nope",
    ]));
    assert!(!worker.status.success());
    assert!(String::from_utf8_lossy(&worker.stderr).contains("digest sent was rejected"));
    let (ok, _, _) = rest(child, out);
    assert!(!ok, "the master times out without results");
}

// Issue 15 §4: the limits and plain-data mode as `serve` flags.
#[test]
fn serve_limit_flags_reach_the_server() {
    use pythreading_mp::pickle::Value;
    let mut serve = bin();
    serve.args([
        "serve",
        "--address",
        "127.0.0.1:0",
        "--authkey",
        "k",
        "--queue",
        "jobs",
        "--plain-data",
        "--max-objects",
        "2",
        "--max-depth",
        "8",
        "--idle-timeout",
        "30",
    ]);
    let (child, out, port) = spawn_and_port(serve, "serving on ");
    let m = Manager::connect(("127.0.0.1", port), "k").unwrap();
    let q = m.queue::<Value>("jobs").unwrap();
    // --plain-data: a pickled call is refused, plain data goes through.
    let evil = Value::reduce(
        Value::global("os", "system"),
        Value::tuple([Value::from("echo pwned")]),
    );
    let err = q.put(evil).unwrap_err();
    assert!(err.to_string().contains("os.system"), "{err}");
    q.put(Value::from("plain")).unwrap();
    assert_eq!(q.get().unwrap(), Value::from("plain"));
    // --max-depth 8.
    let mut deep = Value::None;
    for _ in 0..12 {
        deep = Value::list([deep]);
    }
    assert!(q.put(deep).is_err());
    // --max-objects 2: the queue proxy holds one; one more fits, the next does not.
    let e1 = m.event().unwrap();
    let err = m.event().unwrap_err();
    assert!(err.to_string().contains("MemoryError"), "{err}");
    drop((e1, q));
    m.shutdown().unwrap();
    let (ok, stdout, stderr) = rest(child, out);
    assert!(ok, "{stdout}\n{stderr}");
    assert!(stdout.contains("server stopped"));
}
