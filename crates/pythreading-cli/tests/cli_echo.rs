//! `pythreading echo-server` with the tutorials' Python client and with Rust clients, and
//! `pythreading demo echo`.

#[path = "../../pythreading-mp/tests/common/mod.rs"]
mod common;

use std::io::{BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::PathBuf;
use std::process::{ChildStdout, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::Guard;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pythreading"))
}

/// A generous bound for every wait on a child process.
const LIMIT: Duration = Duration::from_secs(60);

fn output(cmd: &mut Command) -> Output {
    let what = format!("{:?}", cmd.get_program());
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    Guard::spawn(cmd).output_timeout(LIMIT, &what)
}

/// Starts `echo-server` on a free port with `extra` options; returns it and its port.
fn echo_server(extra: &[&str]) -> (Guard, BufReader<ChildStdout>, u16) {
    let mut cmd = bin();
    cmd.args(["echo-server", "--address", "127.0.0.1:0"])
        .args(extra);
    let mut child = Guard::spawn(
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    let mut out = BufReader::new(child.child().stdout.take().unwrap());
    let marker = "echo server listening on ";
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

/// Ctrl-C, then the rest of stdout and stderr and whether it exited with success.
fn interrupt(mut child: Guard, out: BufReader<ChildStdout>) -> (bool, String, String) {
    let status = Command::new("kill")
        .args(["-INT", &child.child().id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
    let stdout = common::read_to_end_timeout(out, LIMIT, "stdout");
    let err = child.child().stderr.take().unwrap();
    let stderr = common::read_to_end_timeout(err, LIMIT, "stderr");
    let ok = child.wait_timeout(LIMIT, "echo-server").success();
    (ok, stdout, stderr)
}

fn python_script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/python")
        .join(name)
}

#[test]
fn echo_server_serves_the_tutorials_python_client() {
    let Some(mut py) = common::python("3.11") else {
        return;
    };
    let (server, out, port) = echo_server(&[]);
    py.arg(python_script("echo_client.py"))
        .env("ECHO_PORT", port.to_string())
        .stdin(Stdio::piped());
    let mut client = Guard::spawn(py.stdout(Stdio::piped()).stderr(Stdio::piped()));
    // The lines a person would type at `>>>: `, an empty one among them (skipped by the
    // client), and non-ASCII text: the tutorials' server upper-cases bytes, so only ASCII
    // letters change.
    client
        .child()
        .stdin
        .take()
        .unwrap()
        .write_all("hello\n\nsocket server\nça va\n".as_bytes())
        .unwrap();
    let reply = client.output_timeout(LIMIT, "echo_client.py");
    let stdout = String::from_utf8_lossy(&reply.stdout);
    assert!(
        reply.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&reply.stderr)
    );
    let replies: Vec<&str> = stdout
        .split(">>>: ")
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(replies, ["HELLO", "SOCKET SERVER", "çA VA"], "{stdout}");

    let (ok, stdout, stderr) = interrupt(server, out);
    assert!(ok, "{stdout}\n{stderr}");
    // The server printed each message, as the tutorials' `print(date.decode('utf-8'))`.
    for line in ["hello", "socket server", "ça va"] {
        assert!(
            stdout.lines().any(|l| l == line),
            "{line:?} not in {stdout}"
        );
    }
    assert!(
        stdout.contains("server stopped (1 connections served"),
        "{stdout}"
    );
}

#[test]
fn echo_server_serves_rust_clients_at_once_and_disconnects_a_silent_one() {
    let timeout = Duration::from_millis(500);
    let (server, out, port) = echo_server(&["--read-timeout", "0.5", "--max-handlers", "4"]);
    let connect = || {
        let s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s
    };
    let start = Instant::now();
    let mut silent = connect();
    std::thread::scope(|s| {
        for n in 0..3 {
            s.spawn(move || {
                let mut c = connect();
                for round in 0..20 {
                    let msg = format!("client {n} round {round}");
                    c.write_all(msg.as_bytes()).unwrap();
                    let mut reply = vec![0u8; msg.len()];
                    c.read_exact(&mut reply).unwrap();
                    assert_eq!(reply, msg.to_uppercase().as_bytes());
                }
                c.shutdown(Shutdown::Write).unwrap();
                let mut rest = Vec::new();
                c.read_to_end(&mut rest).unwrap();
                assert!(rest.is_empty());
            });
        }
    });
    // The silent client is disconnected after the read timeout: end of file.
    let mut rest = Vec::new();
    silent.read_to_end(&mut rest).unwrap();
    let elapsed = start.elapsed();
    assert!(rest.is_empty());
    assert!(
        elapsed >= timeout.mul_f64(0.6) && elapsed < timeout * 10,
        "silent client disconnected after {elapsed:?}"
    );
    let (ok, stdout, stderr) = interrupt(server, out);
    assert!(ok, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("server stopped (4 connections served"),
        "{stdout}"
    );
    assert!(stderr.contains("(disconnected)"), "{stderr}");
}

#[test]
fn echo_server_refuses_a_bad_address_with_a_message() {
    let out = output(
        bin()
            .args(["echo-server", "--address", "nowhere"])
            .stdin(Stdio::null()),
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("expected HOST:PORT"), "{stderr}");
}

#[test]
fn demo_echo_serves_the_scripted_clients() {
    let out = output(bin().args(["demo", "echo"]).stdin(Stdio::null()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for line in [
        "<client> HELLO",
        "<client> SOCKET SERVER",
        "<a> I AM A",
        "<b> I AM B",
        "<c> I AM C",
    ] {
        assert!(stdout.contains(line), "{line:?} not in {stdout}");
    }
    assert!(stdout.contains("served 4 connections"), "{stdout}");
    assert!(stdout.contains("closed cleanly: true"), "{stdout}");
}

#[test]
fn demo_coroutines_measures_the_three_servers() {
    let out = output(bin().args(["demo", "coroutines"]).stdin(Stdio::null()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("every reply checked"), "{stdout}");
    for label in [
        "(a) one thread per connection",
        "(b) bounded pool (1000 threads)",
        "(c) tokio tasks (2 threads)",
    ] {
        let row = stdout
            .lines()
            .find(|l| l.starts_with(label))
            .unwrap_or_else(|| panic!("no row {label:?} in {stdout}"));
        // A failed server prints "failed: why" instead of its figures.
        assert!(!row.contains("failed"), "{row}");
        let figures: Vec<&str> = row[label.len()..].split_whitespace().collect();
        // wall "s", open at once, peak threads, memory "MiB"
        assert_eq!(figures.len(), 6, "{row}");
        let threads: u64 = figures[3].parse().expect("peak threads");
        if label.starts_with("(b)") {
            // The pool's threads, the accept loop, main, the sampler and the CLI's SIGQUIT
            // listener (which prints a thread dump): never more.
            assert!(threads <= 1000 + 4, "{row}");
        }
        if label.starts_with("(c)") {
            assert!(threads <= 2 + 4, "{row}");
        }
    }
}

/// The pids whose parent is `parent` (from `/proc/*/stat`: the field after the closing
/// parenthesis of the command name is the state, then the parent pid).
fn children_of(parent: u32) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| {
        let pid: u32 = e.ok()?.file_name().to_str()?.parse().ok()?;
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let after = &stat[stat.rfind(')')? + 1..];
        let ppid: u32 = after.split_whitespace().nth(1)?.parse().ok()?;
        (ppid == parent).then_some(pid)
    })
    .collect()
}

#[test]
fn echo_server_forking_serves_clients_in_worker_processes_and_leaves_none() {
    let (mut server, out, port) = echo_server(&["--forking", "--max-handlers", "2"]);
    let server_pid = server.child().id();
    std::thread::scope(|s| {
        for n in 0..3 {
            s.spawn(move || {
                let mut c = TcpStream::connect(("127.0.0.1", port)).expect("connect");
                c.set_read_timeout(Some(LIMIT)).unwrap();
                for round in 0..10 {
                    let msg = format!("forked client {n} round {round}");
                    c.write_all(msg.as_bytes()).unwrap();
                    let mut reply = vec![0u8; msg.len()];
                    c.read_exact(&mut reply)
                        .expect("the reply within the bound");
                    assert_eq!(reply, msg.to_uppercase().as_bytes());
                }
            });
        }
    });
    let workers = children_of(server_pid);
    assert!(
        (1..=2).contains(&workers.len()),
        "--max-handlers 2 but the server has children {workers:?}"
    );
    let (ok, stdout, stderr) = interrupt(server, out);
    assert!(ok, "{stdout}\n{stderr}");
    // The workers print each message, as the tutorials' handler does (they share stdout).
    assert!(stdout.contains("forked client 2 round 9"), "{stdout}");
    assert!(
        stdout.contains("server stopped (0 worker processes left"),
        "{stdout}"
    );
    for pid in workers {
        assert!(
            !std::path::Path::new(&format!("/proc/{pid}")).exists(),
            "worker {pid} outlived the server"
        );
    }
}
