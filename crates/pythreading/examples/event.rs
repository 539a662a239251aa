//! Scenario `event` from the tutorials: two "database connections" retry until a checker thread
//! sets the event.
//!
//! Each connection waits on the event with a timeout (`event.wait(0.5)` in the tutorial) and counts
//! its attempts; the checker sets the event after a while, and both connect at once.

use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use pythreading::threading::Event;

const RETRY: Duration = Duration::from_millis(100);
const CHECK_AFTER: Duration = Duration::from_millis(350);

/// Runs the scenario.
pub(crate) fn run() {
    let event = Arc::new(Event::new());
    let start = Instant::now();
    let conns: Vec<_> = ["conn-1", "conn-2"]
        .into_iter()
        .map(|name| {
            let event = Arc::clone(&event);
            thread::Builder::new()
                .name(name.into())
                .spawn(move || {
                    let mut count = 1;
                    while !event.is_set() {
                        println!("  <{name}> attempt {count} to connect");
                        let _ = event.wait_timeout(RETRY); // the loop re-checks is_set()
                        count += 1;
                    }
                    println!(
                        "  <{name}> connected after {:.2} s",
                        start.elapsed().as_secs_f64()
                    );
                    count - 1
                })
                .expect("spawn")
        })
        .collect();
    let checker = {
        let event = Arc::clone(&event);
        thread::spawn(move || {
            thread::sleep(CHECK_AFTER);
            println!("  <checker> the database is up: event.set()");
            event.set();
        })
    };
    checker.join().expect("checker panicked");
    for c in conns {
        let attempts = c.join().expect("connection panicked");
        assert!(attempts >= 1);
    }
    println!("both connections waited for one event, retrying every {RETRY:?}");
}

#[allow(dead_code)]
fn main() {
    run();
}
