//! Scenario `enumerate` from the tutorials: ten tasks of different lengths; every 100 ms the main
//! thread prints the live threads (`enumerate()`) and `active_count()`, which fall as tasks end.
//!
//! `cargo run -p pythreading --example enumerate` or `pythreading demo enumerate`.

use std::time::{Duration, Instant};

use pythreading::threading::{self, Builder};

/// Runs the scenario.
pub(crate) fn run() {
    let start = Instant::now();
    let handles: Vec<_> = (0..10_u64)
        .map(|i| {
            Builder::new()
                .name(format!("task-{i}"))
                .spawn(move || {
                    // Lengths 50..=500 ms in a shuffled order.
                    let ms = 50 + (i * 7 % 10) * 50;
                    std::thread::sleep(Duration::from_millis(ms));
                    ms
                })
                .expect("spawn")
        })
        .collect();
    loop {
        let live = threading::enumerate();
        let names: Vec<&str> = live.iter().map(|t| t.name()).collect();
        println!(
            "[{:.1}s] active_count = {:2}: {}",
            start.elapsed().as_secs_f64(),
            threading::active_count(),
            names.join(", ")
        );
        if handles.iter().all(|h| h.is_finished()) {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    for h in handles {
        h.join().expect("task");
    }
    println!(
        "after join: {:?} (finished threads are never listed)",
        threading::enumerate()
    );
}

#[allow(dead_code)]
fn main() {
    run();
}
