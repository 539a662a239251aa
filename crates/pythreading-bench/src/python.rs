//! Runs the CPython side of a benchmark (`bench/python/*.py`) and reads its JSON lines.
//!
//! Each script prints one JSON object per line in the same schema as `--json`
//! (`group`, `case`, `impl` = `cpython`, `value`, `unit`). When `python3` is missing or the script
//! fails, the caller gets `absent` rows instead of an error: a machine without CPython still
//! benchmarks everything else.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::report::Measurement;

/// The `bench/python` folder of this checkout.
fn scripts_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../bench/python")
}

/// Runs `python3 bench/python/<script> <args>` and returns its rows. If it cannot run, returns one
/// absent row per `(case, unit)` in `expected`, naming the reason.
pub(crate) fn run(
    group: &str,
    script: &str,
    args: &[String],
    expected: &[(&str, &str)],
) -> Vec<Measurement> {
    run_for(group, script, args, expected, "cpython")
}

/// Like [`run`], for a script whose rows measure `absent_impl` (e.g. a CPython client against
/// pythreading's server): the absent rows, if any, are labelled with it.
pub(crate) fn run_for(
    group: &str,
    script: &str,
    args: &[String],
    expected: &[(&str, &str)],
    absent_impl: &str,
) -> Vec<Measurement> {
    let absent = |why: &str| {
        expected
            .iter()
            .map(|(case, unit)| Measurement::absent(group, case, absent_impl, unit, why))
            .collect::<Vec<_>>()
    };
    let output = match Command::new("python3")
        .arg(scripts_dir().join(script))
        .args(args)
        .output()
    {
        Ok(output) => output,
        Err(e) => return absent(&format!("python3 not runnable: {e}")),
    };
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr.lines().last().unwrap_or("no output").to_string();
        return absent(&format!("{script} failed: {last}"));
    }
    let rows: Vec<Measurement> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(Measurement::from_json)
        .collect();
    if rows.is_empty() {
        absent(&format!("{script} printed no rows"))
    } else {
        rows
    }
}

/// A long-running CPython script (a server for a Rust client), killed and reaped on drop.
#[derive(Debug)]
pub(crate) struct PythonServer {
    child: Child,
    port: u16,
}

impl PythonServer {
    /// The port the script announced.
    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// The script's process id, to read its CPU time from `/proc`.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for PythonServer {
    fn drop(&mut self) {
        // Closing its standard input is the script's signal to stop; kill in case it does not.
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `python3 bench/python/<script> <args>` and waits (at most 30 s) for it to print
/// `port N`. The script serves until its standard input closes.
pub(crate) fn spawn_server(script: &str, args: &[String]) -> Result<PythonServer, String> {
    let mut child = Command::new("python3")
        .arg(scripts_dir().join(script))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("python3 not runnable: {e}"))?;
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let port = rx
        .recv_timeout(Duration::from_secs(30))
        .ok()
        .and_then(|line| line.trim().strip_prefix("port ")?.parse().ok());
    match port {
        Some(port) => Ok(PythonServer { child, port }),
        None => {
            drop(PythonServer { child, port: 0 }); // killed and reaped
            Err(format!("{script} did not announce its port"))
        }
    }
}
