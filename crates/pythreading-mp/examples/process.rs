//! Scenario `process`: the tutorials' `Process(target=test, args=[100]).start(); p.join()`.
//!
//! A child prints its pid and its parent's; then three children show the exit codes: a normal
//! one (0), one that panics (1, with "Process NAME:" and the panic on its stderr) and one that
//! is killed (-9). Run it with `cargo run --release -p pythreading-mp --example process`.

use std::time::Duration;

use pythreading_mp::process::{Process, current_process, parent_process};

/// The child's body: say who we are, count to `n`.
fn test(n: u64) {
    let me = current_process();
    let parent = parent_process().expect("a child has a parent");
    let total: u64 = (0..n).sum();
    println!(
        "  child {} (pid {}), parent {} (pid {}): sum of 0..{n} = {total}",
        me.name(),
        me.pid(),
        parent.name(),
        parent.pid()
    );
}

/// A child that fails.
fn fails() {
    panic!("this child panics on purpose");
}

/// A child that would run for a minute unless killed.
fn sleeps() {
    std::thread::sleep(Duration::from_secs(60));
}

pythreading_mp::register!(test, fails, sleeps);

/// Runs the scenario (the program's `main` must have called `pythreading_mp::init()`).
pub(crate) fn run() {
    println!("parent pid {}", std::process::id());
    let p = Process::builder(test).args((100,)).build();
    p.start().expect("start the child");
    p.join().expect("join the child");
    println!("{p:?}");

    let ok = Process::builder(test).args((10,)).build();
    let bad = Process::new(fails);
    let killed = Process::new(sleeps);
    for c in [&ok, &bad, &killed] {
        c.start().expect("start");
    }
    killed.kill().expect("kill");
    for c in [&ok, &bad, &killed] {
        c.join().expect("join");
    }
    println!(
        "exit codes: normal {:?}, panicked {:?}, killed {:?}",
        ok.exitcode().unwrap(),
        bad.exitcode().unwrap(),
        killed.exitcode().unwrap()
    );
}

#[allow(dead_code)]
fn main() {
    pythreading_mp::init();
    run();
}
