//! Diagnostics on stderr through `tracing`: `info` by default, `-v` for `debug` (one line per
//! connection), `-vv` for `trace`, `-q` for warnings only, `-qq` for errors only. Without `-v` or
//! `-q`, `RUST_LOG` (e.g. `RUST_LOG=debug`) chooses. The scenarios' own output and the task
//! master's and worker's lines stay on stdout, as in the tutorials.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::LevelFilter;

/// Installs the subscriber; `verbose` and `quiet` are the counts of `-v` and `-q`.
pub(crate) fn init(verbose: u8, quiet: u8) {
    let level = match i16::from(verbose) - i16::from(quiet) {
        ..=-2 => LevelFilter::ERROR,
        -1 => LevelFilter::WARN,
        0 => LevelFilter::INFO,
        1 => LevelFilter::DEBUG,
        2.. => LevelFilter::TRACE,
    };
    let filter = if verbose == 0 && quiet == 0 {
        EnvFilter::builder()
            .with_default_directive(level.into())
            .from_env_lossy()
    } else {
        EnvFilter::default().add_directive(level.into())
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .without_time()
        .init();
}
