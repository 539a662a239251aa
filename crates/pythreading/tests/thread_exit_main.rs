//! N-02 in a process whose `main` is the test: a thread that joins the main thread is released
//! once main finishes (calls `threading::exit`), and the output is "end of main" then "end of
//! thread".
//!
//! libtest runs every test on a thread it spawns, never on the process's main thread, so this
//! file has no test harness (`harness = false` in `Cargo.toml`): its `main` re-executes this
//! binary with `PYTHREADING_CHILD` set, the child runs the case in its real main thread, and the
//! parent checks the child's output and exit status within a generous bound. It prints libtest's
//! result lines so that `.ci/run` counts it like any other test.
// N-02

use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

use pythreading::threading::{self, Builder};

mod child_process;

use child_process::CHILD;

const NAME: &str = "join_main_released";

fn main() {
    if std::env::var_os(CHILD).is_some() {
        child();
    }
    // A filter argument that does not match (as `cargo test NAME` passes to every binary).
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list") {
        println!("{NAME}: test");
        return;
    }
    let filtered = args
        .iter()
        .any(|a| !a.starts_with('-') && !NAME.contains(a.as_str()))
        || args.iter().any(|a| a == "--ignored");
    println!("\nrunning {} test", if filtered { 0 } else { 1 });
    if filtered {
        println!("\ntest result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 1 filtered out\n");
        return;
    }
    let result = std::panic::catch_unwind(parent);
    let ok = result.is_ok();
    println!("test {NAME} ... {}", if ok { "ok" } else { "FAILED" });
    println!(
        "\ntest result: {}. {} passed; {} failed; 0 ignored; 0 measured; 0 filtered out\n",
        if ok { "ok" } else { "FAILED" },
        u8::from(ok),
        u8::from(!ok)
    );
    if !ok {
        std::process::exit(101);
    }
}

/// Runs in the child's real main thread.
fn child() -> ! {
    assert!(
        threading::current_thread() == threading::main_thread(),
        "the child's main is not the main thread"
    );
    let main = threading::main_thread();
    let (started, joining) = mpsc::channel();
    Builder::new()
        .daemon(false)
        .spawn(move || {
            started.send(()).unwrap();
            main.join().unwrap();
            println!(">end of thread");
        })
        .unwrap();
    joining
        .recv_timeout(Duration::from_secs(30))
        .expect("the joining thread did not start");
    // Not synchronisation: a window in which a join that did not wait for main would print
    // "end of thread" first and fail the order check.
    std::thread::sleep(Duration::from_millis(100));
    println!(">end of main");
    threading::exit(0)
}

/// Runs the child and checks its output, killing it after a generous bound.
fn parent() {
    let mut cmd = Command::new(std::env::current_exe().expect("this binary's path"));
    let out = child_process::output_within_limit(
        cmd.env(CHILD, NAME),
        "the child (its joining thread never released?)",
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    let lines: Vec<&str> = stdout.lines().filter_map(|l| l.strip_prefix('>')).collect();
    assert_eq!(lines, ["end of main", "end of thread"], "{stderr}");
}
