//! Helpers for tests that run real CPython: find an interpreter, run the project's scripts.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// The project's own copies of the Python scripts.
pub(crate) fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/python")
        .join(name)
}

/// A `python3` command for `version` ("3.11", "3.12.1", "3.13.0" via pyenv), or `None` with a
/// printed notice when that interpreter is missing. With `CI` set, a missing 3.11 (the default
/// `python3`) fails the test instead; the pyenv versions stay optional.
pub(crate) fn python(version: &str) -> Option<Command> {
    let mut probe = Command::new("python3");
    if version != "3.11" {
        probe.env("PYENV_VERSION", version);
    }
    let ok = probe
        .args(["-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"])
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|v| v.starts_with(version));
    if ok.is_none() {
        if version == "3.11" && std::env::var_os("CI").is_some() {
            panic!("python3 ({version}) is required when CI is set");
        }
        eprintln!("notice: python {version} not found; skipping this CPython interop test");
        return None;
    }
    let mut cmd = Command::new("python3");
    if version != "3.11" {
        cmd.env("PYENV_VERSION", version);
    }
    Some(cmd)
}

/// Runs to completion, with a generous kill timeout.
pub(crate) fn run(mut cmd: Command, timeout_secs: u64) -> Output {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let child = cmd.spawn().expect("spawn python3");
    let id = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(std::time::Duration::from_secs(timeout_secs)) {
        Ok(out) => out.expect("wait for python3"),
        Err(_) => {
            let _ = Command::new("kill").arg("-9").arg(id.to_string()).status();
            panic!("python3 did not finish within {timeout_secs} s");
        }
    }
}

pub(crate) fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
