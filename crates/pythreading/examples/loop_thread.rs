//! Scenario `loop-thread` from the tutorials: a thread named `LoopThread` counts to 5 while the main
//! thread waits for it with `join`.
//!
//! `cargo run -p pythreading --example loop_thread` or `pythreading demo loop-thread`.

use std::time::Duration;

use pythreading::threading::{self, Builder};

fn looping() {
    let me = threading::current_thread();
    println!("thread {} is running...", me.name());
    for n in 1..=5 {
        println!("thread {} >>> {n}", me.name());
        std::thread::sleep(Duration::from_millis(100));
    }
    println!("thread {} ended.", me.name());
}

/// Runs the scenario.
pub(crate) fn run() {
    println!(
        "thread {} is running...",
        threading::current_thread().name()
    );
    let t = Builder::new()
        .name("LoopThread")
        .spawn(looping)
        .expect("spawn LoopThread");
    t.join().expect("LoopThread panicked");
    println!("thread {} ended.", threading::current_thread().name());
}

#[allow(dead_code)]
fn main() {
    run();
}
