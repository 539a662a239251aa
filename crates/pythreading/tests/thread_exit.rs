//! Exit semantics in a real process (spec group N, S-07, S-08): each case re-executes this test
//! binary with `PYTHREADING_CHILD=<case>`, running only that case's `child_*` test, and checks
//! its output and exit status. The `child_*` entry points are `#[ignore]`d so that a normal run
//! does not count them as tests; their parent runs them with `--ignored --exact`. N-02 needs the
//! process's real main thread, which libtest never gives a test: it is in `thread_exit_main.rs`.

use std::process::Output;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use pythreading::threading::{self, Builder};

mod child_process;

use child_process::CHILD;

fn is_child(case: &str) -> bool {
    std::env::var(CHILD).as_deref() == Ok(case)
}

/// Runs `case` (an ignored `child_*` test) alone in a child process, within a generous bound.
fn run_child(case: &str) -> Output {
    let out = child_process::output_within_limit(
        &mut child_process::libtest_case(case),
        &format!("child {case}"),
    );
    eprintln!(
        "child {case}: {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status,
        child_process::indented(&out.stdout),
        child_process::indented(&out.stderr)
    );
    out
}

/// The child's own lines (what follows a `>`), without the test harness's.
fn lines(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once('>').map(|(_, rest)| rest.to_owned()))
        .collect()
}

fn sleep_ms(ms: u64) {
    std::thread::sleep(Duration::from_millis(ms));
}

// N-01, N-04, S-07: exit(code) waits for the non-daemon thread, not for the daemon one, and
// exits with the code.
#[test]
#[ignore = "child-process entry point, run by its parent test"]
fn child_nondaemon_waited_daemon_not() {
    if !is_child("child_nondaemon_waited_daemon_not") {
        return;
    }
    Builder::new()
        .daemon(false)
        .spawn(|| {
            sleep_ms(300);
            println!(">non-daemon done");
        })
        .unwrap();
    Builder::new()
        .daemon(true)
        .spawn(|| {
            sleep_ms(3000);
            println!(">daemon done");
        })
        .unwrap();
    println!(">main done");
    threading::exit(7);
}

#[test]
fn nondaemon_waited_daemon_not() {
    let out = run_child("child_nondaemon_waited_daemon_not");
    assert_eq!(out.status.code(), Some(7));
    assert_eq!(lines(&out), ["main done", "non-daemon done"]);
}

// N-03: a non-daemon thread started by another non-daemon thread after main finished is
// waited for too.
#[test]
#[ignore = "child-process entry point, run by its parent test"]
fn child_thread_from_thread() {
    if !is_child("child_thread_from_thread") {
        return;
    }
    Builder::new()
        .daemon(false)
        .spawn(|| {
            sleep_ms(100);
            // Inherits non-daemon from its creator.
            threading::spawn(|| {
                sleep_ms(200);
                println!(">OK");
            });
        })
        .unwrap();
    println!(">main returns");
    threading::shutdown();
    println!(">after shutdown");
    std::process::exit(0);
}

#[test]
fn thread_from_thread() {
    let out = run_child("child_thread_from_thread");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(lines(&out), ["main returns", "OK", "after shutdown"]);
}

// N-05, R-09, S-08: shutdown hooks run first (newest first), then non-daemon threads are waited
// for, then atexit callbacks (newest first); registering too late is an error. N-06: a second
// shutdown() runs nothing again.
#[test]
#[ignore = "child-process entry point, run by its parent test"]
fn child_callback_order() {
    if !is_child("child_callback_order") {
        return;
    }
    let stop = Arc::new(AtomicBool::new(false));
    let worker_stop = stop.clone();
    Builder::new()
        .daemon(false)
        .spawn(move || {
            while !worker_stop.load(Ordering::SeqCst) {
                sleep_ms(5);
            }
            sleep_ms(50);
            println!(">worker ends");
        })
        .unwrap();
    threading::atexit_register(|| println!(">atexit 1")).unwrap();
    threading::atexit_register(|| {
        println!(">atexit 2");
        let late = threading::atexit_register(|| println!(">never"));
        println!(">late atexit refused: {}", late.is_err());
    })
    .unwrap();
    threading::atexit_register(|| panic!("atexit callback fails")).unwrap();
    threading::register_shutdown_hook(|| println!(">hook 1")).unwrap();
    threading::register_shutdown_hook(move || {
        println!(">hook 2 stops the worker");
        stop.store(true, Ordering::SeqCst);
        let late = threading::register_shutdown_hook(|| println!(">never"));
        println!(">late hook refused: {}", late.is_err());
    })
    .unwrap();
    threading::shutdown();
    println!(">again");
    threading::shutdown();
    threading::exit(0);
}

#[test]
fn callback_order() {
    let out = run_child("child_callback_order");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        lines(&out),
        [
            "hook 2 stops the worker",
            "late hook refused: true",
            "hook 1",
            "worker ends",
            "atexit 2",
            "late atexit refused: true",
            "atexit 1",
            "again",
        ]
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Error in atexit._run_exitfuncs:\natexit callback fails"));
}

// std::process::exit is os._exit: nothing is waited for and no callback runs.
#[test]
#[ignore = "child-process entry point, run by its parent test"]
fn child_process_exit_skips_everything() {
    if !is_child("child_process_exit_skips_everything") {
        return;
    }
    threading::atexit_register(|| println!(">atexit ran")).unwrap();
    Builder::new()
        .daemon(false)
        .spawn(|| {
            sleep_ms(2000);
            println!(">thread ran");
        })
        .unwrap();
    println!(">exiting");
    std::process::exit(3);
}

#[test]
fn process_exit_skips_everything() {
    let out = run_child("child_process_exit_skips_everything");
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(lines(&out), ["exiting"]);
}

// N-01 with a pending non-daemon Timer: shutdown waits for it to fire, not for a daemon one.
#[test]
#[ignore = "child-process entry point, run by its parent test"]
fn child_pending_timer_is_waited_for() {
    if !is_child("child_pending_timer_is_waited_for") {
        return;
    }
    let _t = threading::Timer::new(Duration::from_millis(200), || println!(">timer fired"))
        .daemon(false)
        .start();
    let _d = threading::Timer::new(Duration::from_secs(5), || println!(">daemon timer fired"))
        .daemon(true)
        .start();
    threading::exit(0);
}

#[test]
fn pending_timer_is_waited_for() {
    let out = run_child("child_pending_timer_is_waited_for");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(lines(&out), ["timer fired"]);
}
