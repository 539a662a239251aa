//! Scenario `daemon` from the tutorials: at exit, non-daemon threads are waited for and daemon
//! threads are not.
//!
//! Exit behaviour needs a real process exit, so this scenario re-executes its own binary as a
//! child (with `PYTHREADING_DAEMON_CHILD=1`) and shows what the child printed and how long it
//! took. The child starts a non-daemon worker (0.3 s), a daemon worker (3 s), and a thread that
//! joins the main thread, then calls `threading::exit(0)`: the non-daemon worker finishes, the
//! joiner is released when main finishes, and the daemon worker is cut off.
//!
//! `cargo run -p pythreading --example daemon` or `pythreading demo daemon`.

use std::process::Command;
use std::time::{Duration, Instant};

use pythreading::threading::{self, Builder};

const CHILD: &str = "PYTHREADING_DAEMON_CHILD";

fn child() -> ! {
    let worker = Builder::new().name("sleeper");
    // The tutorials' toggle: a thread's daemon flag defaults to its creator's (main: non-daemon).
    println!("daemon? {}", threading::current_thread().is_daemon());
    Builder::new()
        .name("non-daemon")
        .daemon(false)
        .spawn(|| {
            std::thread::sleep(Duration::from_millis(300));
            println!("non-daemon worker done sleeping (waited for)");
        })
        .expect("spawn");
    worker
        .daemon(true)
        .spawn(|| {
            std::thread::sleep(Duration::from_secs(3));
            println!("daemon worker done sleeping (never printed)");
        })
        .expect("spawn");
    let main = threading::main_thread();
    Builder::new()
        .name("joiner")
        .spawn(move || {
            let _ = main.join();
            println!("joiner: main thread finished, so join(main) returned");
        })
        .expect("spawn");
    println!("main: work done, calling threading::exit(0)");
    threading::exit(0)
}

/// Runs the scenario.
pub(crate) fn run() {
    if std::env::var_os(CHILD).is_some() {
        child();
    }
    let exe = std::env::current_exe().expect("current_exe");
    let mut cmd = Command::new(&exe);
    // As `pythreading demo daemon` the child needs the same subcommand; as the example, none.
    let stem = exe.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    if stem.starts_with("pythreading") {
        cmd.args(["demo", "daemon"]);
    }
    let start = Instant::now();
    let out = cmd.env(CHILD, "1").output().expect("run child process");
    let took = start.elapsed();
    println!("child process output:");
    // Skip the CLI's scenario banner, which the child prints again.
    for line in String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with("==="))
    {
        println!("  | {line}");
    }
    println!(
        "child exited with {} after {:.2}s: it waited for the 0.3 s non-daemon worker, \
         not for the 3 s daemon worker",
        out.status.code().unwrap_or(-1),
        took.as_secs_f64()
    );
    println!(
        "(std::process::exit would have waited for neither: it is Python's os._exit; \
         threading::exit / threading::shutdown give Python's exit)"
    );
}

#[allow(dead_code)]
fn main() {
    run();
}
