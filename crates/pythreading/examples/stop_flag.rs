//! Scenario `stop-flag` from the tutorials: worker threads loop `while not self.kill_received`,
//! and when Ctrl-C reaches the main thread it sets `kill_received` on every thread and joins
//! them.
//!
//! A [`StopFlag`] is that flag, shared by the workers, plus a sleep that wakes when the flag is
//! set, so a worker stops at once instead of finishing its `time.sleep(1)`. Ctrl-C is real: a
//! `signal-hook` handler sets an atomic (all a signal handler may safely do) and the main
//! thread, joining the workers with a timeout as the tutorial does, notices it. So that the
//! scenario ends by itself, the main thread sends the process a SIGINT after 150 ms (press
//! Ctrl-C sooner when running the example to do it yourself). Once the scenario has started, a
//! second Ctrl-C ends the process at once.
//!
//! `cargo run -p pythreading --example stop_flag` or `pythreading demo stop-flag`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use pythreading::threading::{Builder, StopFlag};
use signal_hook::consts::SIGINT;

/// Runs the scenario.
pub(crate) fn run() {
    let ctrl_c = Arc::new(AtomicBool::new(false));
    // The first Ctrl-C sets the flag; any Ctrl-C after that (the flag already set) exits with
    // status 1, so a later Ctrl-C still ends the program.
    signal_hook::flag::register_conditional_shutdown(SIGINT, 1, Arc::clone(&ctrl_c))
        .expect("register SIGINT");
    signal_hook::flag::register(SIGINT, Arc::clone(&ctrl_c)).expect("register SIGINT");

    let stop = StopFlag::new();
    let threads: Vec<_> = (0..3)
        .map(|i| {
            let stop = stop.clone();
            Builder::new()
                .name(format!("thread#{i}"))
                .spawn(move || {
                    let mut rounds = 0;
                    while !stop.is_stopped() {
                        // `while not self.kill_received:`
                        rounds += 1;
                        println!("  thread#{i} is active");
                        // `time.sleep(1)`, but woken by stop; the loop re-checks the flag.
                        let _ = stop.wait_timeout(Duration::from_millis(50));
                    }
                    rounds
                })
                .expect("spawn")
        })
        .collect();

    let start = Instant::now();
    let mut sent = false;
    // The tutorial's `while has_live_threads(threads): t.join(1)`, watching for Ctrl-C.
    while threads.iter().any(|t| t.thread().is_alive()) {
        for t in &threads {
            let _ = t.thread().join_timeout(Duration::from_millis(10));
        }
        if !sent && start.elapsed() >= Duration::from_millis(150) {
            println!("  (the scenario presses Ctrl-C: SIGINT to this process)");
            signal_hook::low_level::raise(SIGINT).expect("raise SIGINT");
            sent = true;
        }
        if ctrl_c.load(Ordering::SeqCst) && !stop.is_stopped() {
            println!("Sending kill to threads...");
            stop.stop(); // `t.kill_received = True` for every thread
        }
    }
    let stopped_after = start.elapsed();
    let rounds: Vec<u32> = threads
        .into_iter()
        .map(|t| t.join().expect("worker"))
        .collect();
    println!(
        "Exited: rounds per thread {rounds:?}, all stopped {stopped_after:.0?} after the start"
    );
}

#[allow(dead_code)]
fn main() {
    run();
}
