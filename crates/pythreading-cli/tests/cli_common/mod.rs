//! Shared by `cli_args.rs` and `cli_diag.rs`: the `pythreading` binary run to the end, or
//! started and read up to a line, every wait bounded and every child killed when the test ends
//! (through the child-process helpers of `pythreading-mp/tests/common`).
// Each test crate includes this module and uses a subset of it.
#![allow(dead_code)]

#[path = "../../../pythreading-mp/tests/common/mod.rs"]
pub(crate) mod child;

use std::io::BufReader;
use std::process::{ChildStdout, Command, Output, Stdio};
use std::time::Duration;

pub(crate) use child::Guard;

/// A generous bound for every wait on a child process that has no bound of its own.
pub(crate) const LIMIT: Duration = Duration::from_secs(60);

/// The `pythreading` binary of this build.
pub(crate) fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pythreading"))
}

/// Runs `pythreading ARGS` to the end within `bound` (killed and failing otherwise).
pub(crate) fn run(args: &[&str], bound: Duration) -> Output {
    output(bin().args(args), bound)
}

/// Runs `cmd` to the end with piped output within `bound` (killed and failing otherwise).
pub(crate) fn output(cmd: &mut Command, bound: Duration) -> Output {
    let what = format!("{:?}", cmd.get_args().collect::<Vec<_>>());
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    Guard::spawn(cmd).output_timeout(bound, &what)
}

/// Output bytes as text.
pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Starts `pythreading ARGS` with piped output and reads its stdout up to the first line that
/// starts with `prefix` (`""`: the first line) within [`LIMIT`]; fails if it exits before.
/// Returns the child, the rest of its stdout, and that line without `prefix`, trimmed.
pub(crate) fn spawn_until(args: &[&str], prefix: &str) -> (Guard, BufReader<ChildStdout>, String) {
    let mut guard = Guard::spawn(
        bin()
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    let mut out = BufReader::new(guard.child().stdout.take().unwrap());
    loop {
        let (o, line) = child::read_line_timeout(out, LIMIT, prefix);
        out = o;
        let line = line.unwrap_or_else(|| panic!("{args:?} exited before printing '{prefix}'"));
        if let Some(rest) = line.trim().strip_prefix(prefix) {
            let rest = rest.trim().to_string();
            return (guard, out, rest);
        }
    }
}
