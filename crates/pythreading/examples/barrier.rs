//! Scenario `barrier`: runners get ready at different speeds, meet at a barrier, and start
//! together; the last to arrive fires the starting gun (the barrier's action).
//!
//! Two rounds show that the barrier resets itself, and that each round's arrival indices are
//! distinct.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
// `std::thread::spawn` is enough here: these threads need no name, no place in
// `threading::enumerate()` and no excepthook report. The README says when to prefer
// `threading::spawn`.
use std::thread;
use std::time::{Duration, Instant};

use pythreading::threading::Barrier;

const RUNNERS: usize = 4;

/// Runs the scenario.
pub(crate) fn run() {
    let round = Arc::new(AtomicUsize::new(0));
    let gun = Arc::clone(&round);
    let barrier = Arc::new(
        Barrier::builder(RUNNERS)
            .action(move || {
                let r = gun.fetch_add(1, Ordering::SeqCst) + 1;
                println!("  all {RUNNERS} ready: bang! (round {r}, fired by the last arrival)");
            })
            .timeout(Duration::from_secs(10))
            .build()
            .expect("4 parties"),
    );
    let start = Instant::now();
    let runners: Vec<_> = (0..RUNNERS)
        .map(|i| {
            let (barrier, round) = (Arc::clone(&barrier), Arc::clone(&round));
            thread::spawn(move || {
                let mut indices = Vec::new();
                for r in 0..2 {
                    thread::sleep(Duration::from_millis(20 * (i as u64 + 1)));
                    println!("  runner {i} ready");
                    let arrival = barrier.wait().expect("nobody breaks this barrier");
                    // The action has run before anyone leaves.
                    assert_eq!(round.load(Ordering::SeqCst), r + 1);
                    println!(
                        "  runner {i} runs (arrival index {}) at {:.2} s",
                        arrival.index(),
                        start.elapsed().as_secs_f64()
                    );
                    indices.push(arrival.index());
                }
                indices
            })
        })
        .collect();
    let all: Vec<Vec<usize>> = runners
        .into_iter()
        .map(|t| t.join().expect("runner panicked"))
        .collect();
    for r in 0..2 {
        let mut seen: Vec<usize> = all.iter().map(|v| v[r]).collect();
        seen.sort();
        println!("round {}: arrival indices {seen:?}", r + 1);
    }
}

#[allow(dead_code)]
fn main() {
    run();
}
