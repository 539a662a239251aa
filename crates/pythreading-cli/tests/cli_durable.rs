//! `pythreading serve --at-least-once --data DIR`: the real CLI server SIGKILLed with a put
//! acknowledged and an item out on a lease, then started again on the same directory: every
//! item is there, the leased one back at the head (issue 9 §1, §2).

#[path = "../../pythreading-mp/tests/common/mod.rs"]
mod common;

use std::io::BufReader;
use std::process::{ChildStdout, Command, Stdio};
use std::time::Duration;

use common::Guard;
use pythreading_mp::managers::Manager;

const LIMIT: Duration = Duration::from_secs(60);
const KEY: &str = "durable cli";

/// Starts `serve` on `dir`; returns the child and the port it announced.
fn serve(dir: &std::path::Path) -> (Guard, BufReader<ChildStdout>, u16) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pythreading"));
    cmd.args(["serve", "--address", "127.0.0.1:0", "--authkey", KEY])
        .args(["--queue", "jobs", "--at-least-once", "--data"])
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = Guard::spawn(&mut cmd);
    let mut out = BufReader::new(child.child().stdout.take().unwrap());
    loop {
        let (o, line) = common::read_line_timeout(out, LIMIT, "serving on");
        out = o;
        let line = line.expect("serve exited before announcing its address");
        if let Some(rest) = line.trim().strip_prefix("serving on ") {
            let addr = rest.split_whitespace().next().unwrap();
            let port = addr.rsplit(':').next().unwrap().parse().unwrap();
            return (child, out, port);
        }
    }
}

#[test]
fn serve_data_keeps_items_and_leases_across_kill9() {
    let dir = std::env::temp_dir().join(format!("pythreading-cli-durable-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (mut first, _out, port) = serve(&dir);
    let m = Manager::connect(("127.0.0.1", port), KEY).unwrap();
    let q = m.queue::<u64>("jobs").unwrap();
    for i in 0..50 {
        q.put(i).unwrap();
    }
    // A plain get under --at-least-once: leased to this connection until task_done.
    assert_eq!(q.get().unwrap(), 0);
    // SIGKILL (std's Child::kill) with the lease out.
    first.child().kill().unwrap();
    let status = first.wait_timeout(LIMIT, "killed serve");
    assert!(!status.success());
    drop((q, m));

    let (second, _out2, port) = serve(&dir);
    let m = Manager::connect(("127.0.0.1", port), KEY).unwrap();
    let q = m.queue::<u64>("jobs").unwrap();
    let mut got = Vec::new();
    while let Ok(i) = q.get_timeout(Duration::from_millis(200)) {
        got.push(i);
        q.task_done().unwrap();
    }
    assert_eq!(got, (0..50).collect::<Vec<u64>>());
    drop(second);
    let _ = std::fs::remove_dir_all(&dir);
}
