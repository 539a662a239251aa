//! `pythreading serve` serves every SyncManager typeid of CPython 3.13 but `Pool` (refused with
//! an error naming what is missing) to unmodified CPython clients: `python/types_client.py`
//! (Value, Array, Namespace, Semaphore, BoundedSemaphore, Condition, Barrier) and
//! `python/sync_client.py` (Queue, JoinableQueue, Event, Lock, RLock, dict, list) against the
//! binary, on 3.11 and, where pyenv has them, 3.12 and 3.13.
// MP-M15, MP-S05, MP-S06, MP-S07, MP-S08

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use pythreading_mp::managers::Manager;

fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../pythreading-mp/tests/python")
        .join(name)
}

/// Kills `serve` however the test ends.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `python3` for `version` ("3.11" is the default `python3`, others through pyenv) if its
/// reported version matches; `None` with a notice otherwise (a missing 3.11 fails with `CI`).
fn python(version: &str) -> Option<Command> {
    let cmd = || {
        let mut c = Command::new("python3");
        if version != "3.11" {
            c.env("PYENV_VERSION", version);
        }
        c
    };
    let reported = cmd()
        .args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    if reported.as_deref() != Some(version) {
        assert!(
            version != "3.11" || std::env::var_os("CI").is_none(),
            "python3 ({version}) is required when CI is set"
        );
        eprintln!("notice: python {version} not found; skipping this CPython interop test");
        return None;
    }
    Some(cmd())
}

/// Runs a client script to completion (killed after 120 s); its stdout, or a panic with both
/// streams.
fn run_client(mut py: Command, name: &str, port: u16, marker: &str) -> String {
    py.arg(script(name))
        .env("MANAGER_PORT", port.to_string())
        .env("SERVER", "pythreading")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = py.spawn().expect("spawn python3");
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let Ok(out) = rx.recv_timeout(Duration::from_secs(120)) else {
        let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
        panic!("{name} did not finish in 120 s");
    };
    let out = out.expect("wait for python3");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success() && stdout.contains(marker),
        "{name} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn serve_types(version: &str) {
    let Some(py) = python(version) else { return };
    let mut serve = Command::new(env!("CARGO_BIN_EXE_pythreading"));
    serve
        .args([
            "serve",
            "--address",
            "127.0.0.1:0",
            "--authkey",
            "hello world",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = KillOnDrop(serve.spawn().unwrap());
    let mut out = BufReader::new(child.0.stdout.take().unwrap());
    let mut line = String::new();
    let port: u16 = loop {
        line.clear();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "serve exited before announcing"
        );
        if let Some(rest) = line.trim().strip_prefix("serving on ") {
            let addr = rest.split_whitespace().next().unwrap();
            break addr.rsplit(':').next().unwrap().parse().unwrap();
        }
    };
    // Keep reading serve's log so it never blocks on a full pipe.
    std::thread::spawn(move || for _ in out.lines() {});
    let stdout = run_client(py, "types_client.py", port, "types client ok");
    assert!(stdout.starts_with(&format!("python {version}")), "{stdout}");
    let Some(py) = python(version) else { return };
    run_client(py, "sync_client.py", port, "sync client ok");
    let m = Manager::connect(("127.0.0.1", port), "hello world").unwrap();
    assert_eq!(
        m.number_of_objects().unwrap(),
        0,
        "{}",
        m.debug_info().unwrap()
    );
    m.shutdown().unwrap();
}

#[test]
fn serve_gives_cpython_311_every_sync_manager_type() {
    serve_types("3.11");
}

#[test]
fn serve_gives_cpython_312_every_sync_manager_type() {
    serve_types("3.12");
}

#[test]
fn serve_gives_cpython_313_every_sync_manager_type() {
    serve_types("3.13");
}
