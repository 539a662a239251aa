//! Runs the CPython side of a benchmark (`bench/python/*.py`) and reads its JSON lines.
//!
//! Each script prints one JSON object per line in the same schema as `--json`
//! (`group`, `case`, `impl` = `cpython`, `value`, `unit`). When `python3` is missing or the script
//! fails, the caller gets `absent` rows instead of an error: a machine without CPython still
//! benchmarks everything else.

use std::path::PathBuf;
use std::process::Command;

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
