//! Issue 9 §4 through the command line: `pythreading serve --http` serves the status page, and
//! `pythreading demo reliable` shows a SIGKILLed worker's task redelivered to the other worker.

#[path = "../../pythreading-mp/tests/common/mod.rs"]
mod common;

use std::io::{BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::Guard;
use pythreading_mp::managers::Manager;

/// A generous bound for every wait on a child process.
const LIMIT: Duration = Duration::from_secs(60);

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pythreading"))
}

fn http_get(addr: SocketAddr, path: &str) -> String {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
        .unwrap();
    let mut reply = String::new();
    s.read_to_string(&mut reply).expect("a reply within 10 s");
    reply
}

#[test]
fn serve_http_serves_the_status_page() {
    let mut cmd = bin();
    cmd.args([
        "serve",
        "--address",
        "127.0.0.1:0",
        "--authkey",
        "k",
        "--queue",
        "jobs",
        "--http",
        "127.0.0.1:0",
    ])
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = Guard::spawn(&mut cmd);
    let mut out = BufReader::new(child.child().stdout.take().unwrap());
    let (mut server, mut page) = (None, None);
    while server.is_none() || page.is_none() {
        let (o, line) = common::read_line_timeout(out, LIMIT, "serve's announcements");
        out = o;
        let line = line.expect("serve exited before announcing its addresses");
        if let Some(rest) = line.strip_prefix("serving on ") {
            server = rest
                .split_whitespace()
                .next()
                .map(|a| a.parse::<SocketAddr>().unwrap());
        }
        if let Some(rest) = line.strip_prefix("status page on http://") {
            page = rest
                .split('/')
                .next()
                .map(|a| a.parse::<SocketAddr>().unwrap());
        }
    }
    let (server, page) = (server.unwrap(), page.unwrap());
    let metrics = http_get(page, "/metrics");
    assert!(metrics.starts_with("HTTP/1.1 200 OK"), "{metrics}");
    assert!(
        metrics.contains("pythreading_queue_depth{queue=\"jobs\"} 0\n"),
        "{metrics}"
    );
    let m = Manager::connect(server, "k").expect("connect");
    m.queue::<i64>("jobs").unwrap().put(5).unwrap();
    let json = http_get(page, "/status.json");
    assert!(json.contains(r#"{"name":"jobs","depth":1,"#), "{json}");
    let html = http_get(page, "/");
    assert!(
        html.contains("<title>pythreading manager server</title>"),
        "{html}"
    );
    drop(m);
    drop(out);
    drop(child); // killed and reaped by the guard
}

#[test]
fn demo_reliable_redelivers_the_killed_workers_task() {
    let mut cmd = bin();
    cmd.args(["demo", "reliable"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let out = Guard::spawn(&mut cmd).output_timeout(LIMIT, "demo reliable");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "demo reliable failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    let find = |needle: &str| {
        lines
            .iter()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle:?} in:\n{stdout}"))
    };
    let held_line = lines[find("master: worker-1 (pid ")];
    let held: i64 = held_line
        .split("holds task ")
        .nth(1)
        .and_then(|r| r.split(';').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("task number in {held_line:?}"));
    let killed = find("master: SIGKILL worker-1");
    assert!(lines[find("worker-1 exit code")].contains("exit code -9"));
    // After the kill, worker-2 takes the held task and its result reaches the master once.
    let redone = lines
        .iter()
        .position(|l| l.contains("worker-2 (pid") && l.contains(&format!("took task {held},")))
        .unwrap_or_else(|| panic!("worker-2 never took task {held}:\n{stdout}"));
    assert!(redone > killed, "redelivered after the kill:\n{stdout}");
    let results: Vec<&&str> = lines
        .iter()
        .filter(|l| l.starts_with(&format!("master: result of task {held} from")))
        .collect();
    assert_eq!(results.len(), 1, "one result for task {held}:\n{stdout}");
    assert!(results[0].contains("from worker-2"));
    for n in 1..=6 {
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(&format!("master: result of task {n} from"))),
            "no result for task {n}:\n{stdout}"
        );
    }
    assert!(stdout.contains("tasks lost: 0"), "{stdout}");
}
