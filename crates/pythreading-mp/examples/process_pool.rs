//! Scenario `process-pool`: the tutorials' `Pool(5).map(test, range(13))`, then a worker killed
//! mid-run and the pool carrying on — where CPython's `Pool` hangs forever (gh-66587).
//!
//! Run it with `cargo run --release -p pythreading-mp --example process_pool`.

use std::time::Duration;

use pythreading_mp::pool::Pool;

/// The tutorials' task: square `n`, and say which process did it.
fn test(n: u64) -> (u64, u32) {
    std::thread::sleep(Duration::from_millis(50));
    (n * n, std::process::id())
}

/// Like `test`, but the worker running task 6 is killed with SIGKILL mid-task (as the OOM
/// killer would).
fn test_or_die(n: u64) -> (u64, u32) {
    if n == 6 {
        // The shell's built-in `kill` sends the signal (this demo crate has no signal API).
        let sent = std::process::Command::new("sh")
            .args(["-c", &format!("kill -KILL {}", std::process::id())])
            .status()
            .is_ok_and(|s| s.success());
        if !sent {
            std::process::abort(); // no shell: die by SIGABRT instead
        }
        std::thread::sleep(Duration::from_secs(60)); // the signal ends us first
    }
    test(n)
}

pythreading_mp::register!(test, test_or_die);

/// Runs the scenario (the program's `main` must have called `pythreading_mp::init()`).
pub(crate) fn run() {
    let pool = Pool::new(5).expect("start 5 worker processes");
    println!(
        "parent pid {}, workers {:?}",
        std::process::id(),
        pool.worker_pids()
    );
    for (n, (square, pid)) in pool.map(test, 0..13).expect("map").into_iter().enumerate() {
        println!("  {n:>2}² = {square:>3}  (process {pid})");
    }

    println!("now the worker running task 6 is killed with SIGKILL:");
    for (n, r) in pool.imap(test_or_die, 0..13).expect("imap").enumerate() {
        match r {
            Ok((square, pid)) => println!("  {n:>2}² = {square:>3}  (process {pid})"),
            Err(e) => println!("  {n:>2}: FAILED: {e}"),
        }
    }
    println!(
        "the pool carried on; workers now {:?} (the dead one was replaced)",
        pool.worker_pids()
    );
    pool.close();
    pool.join().expect("join");
}

#[allow(dead_code)]
fn main() {
    pythreading_mp::init();
    run();
}
