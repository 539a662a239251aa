//! Scenario `atexit` from the tutorials: `atexit.register(clean)`, a non-daemon thread still
//! printing, and the ways a program can end: `exit(4)` / `sys.exit(4)` (wait for the non-daemon
//! threads, then run the `atexit` functions) against `os._exit(4)` (end now: no thread waited
//! for, no function run).
//!
//! Each ending ends a process, so the scenario runs this same program three times as a child
//! (chosen by an environment variable) and shows what each child printed and its exit status:
//!
//! | Python | pythreading |
//! |---|---|
//! | end of the script | `threading::shutdown()` at the end of `main` |
//! | `exit(4)`, `sys.exit(4)` | `threading::exit(4)` |
//! | `os._exit(4)` | `std::process::exit(4)` |
//!
//! `cargo run -p pythreading --example atexit` or `pythreading demo atexit`.

use std::process::Command;
use std::thread;
use std::time::Duration;

use pythreading::threading::{self, Builder};

/// Set in a child: which ending it shows.
const CHILD: &str = "PYTHREADING_ATEXIT_SCENARIO_CHILD";

/// The tutorial's program, ending as `ending` says.
fn child(ending: &str) -> ! {
    threading::atexit_register(|| println!("clean temp data...")).expect("atexit_register");
    Builder::new()
        .name("Thread-1")
        .spawn(|| {
            for i in 0..3 {
                println!("Thread-1 {i}");
                thread::sleep(Duration::from_millis(30));
            }
        })
        .expect("spawn");
    thread::sleep(Duration::from_millis(10)); // the tutorial's `time.sleep(1)`: the thread is mid-way
    match ending {
        "end" => {
            threading::shutdown();
            std::process::exit(0)
        }
        "exit" => threading::exit(4),
        _ => std::process::exit(4),
    }
}

/// This program again, as a child: the same executable and, under `pythreading demo`, the same
/// scenario.
fn this_program() -> Command {
    let exe = std::env::current_exe().expect("current_exe");
    let mut cmd = Command::new(exe);
    if std::env::args().any(|a| a == "demo") {
        cmd.args(["demo", "atexit"]);
    }
    cmd
}

/// Runs the scenario.
pub(crate) fn run() {
    if let Ok(ending) = std::env::var(CHILD) {
        child(&ending);
    }
    for (ending, python, rust) in [
        (
            "end",
            "the script ends",
            "threading::shutdown(), end of main",
        ),
        ("exit", "exit(4) / sys.exit(4)", "threading::exit(4)"),
        ("os_exit", "os._exit(4)", "std::process::exit(4)"),
    ] {
        let out = this_program()
            .env(CHILD, ending)
            .output()
            .expect("run the child");
        let text = String::from_utf8_lossy(&out.stdout);
        // Under `pythreading demo`, keep only the program's own lines.
        let lines: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("Thread-1") || l.starts_with("clean"))
            .collect();
        println!(
            "{python:<22} ({rust}): exit status {}",
            out.status.code().map_or("none".into(), |c| c.to_string())
        );
        for line in &lines {
            println!("    {line}");
        }
        let waited = lines.contains(&"Thread-1 2");
        let cleaned = lines.contains(&"clean temp data...");
        println!(
            "    → thread waited for: {}, atexit function ran: {}",
            yes_no(waited),
            yes_no(cleaned)
        );
        assert_eq!(waited && cleaned, ending != "os_exit", "{ending}: {text}");
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

#[allow(dead_code)]
fn main() {
    run();
}
