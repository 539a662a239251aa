//! Scenario `lifo` from the tutorials: a `LifoQueue` is a stack shared by threads — the tutorial puts
//! 34, 56, 12 and gets 12, 56, 34 back.
//!
//! What it shows: the same puts through a `Queue` (first in, first out) and a `LifoQueue`
//! (last in, first out), and a LIFO queue used across threads: a consumer that starts late sees
//! the newest items first.

use std::sync::Arc;
// `std::thread::spawn` is enough here: these threads need no name, no place in
// `threading::enumerate()` and no excepthook report. The README says when to prefer
// `threading::spawn`.
use std::thread;

use pythreading::queue::{LifoQueue, Queue};

/// Runs the scenario.
pub(crate) fn run() {
    let fifo = Queue::unbounded();
    let lifo = LifoQueue::unbounded();
    for x in [34, 56, 12] {
        fifo.put(x).expect("the queue is not shut down");
        lifo.put(x).expect("the queue is not shut down");
    }
    println!("put 34, 56, 12");
    println!(
        "  Queue     gives {:?}",
        fifo.try_iter().collect::<Vec<_>>()
    );
    println!(
        "  LifoQueue gives {:?}",
        lifo.try_iter().collect::<Vec<_>>()
    );

    let stack = Arc::new(LifoQueue::bounded(10));
    let producer = {
        let stack = Arc::clone(&stack);
        thread::spawn(move || {
            for page in 1..=5 {
                stack
                    .put(format!("page {page}"))
                    .expect("the queue is not shut down");
            }
        })
    };
    producer.join().expect("producer");
    stack.shutdown();
    let visited: Vec<String> = stack.iter().collect();
    println!("browser-style history, newest first: {visited:?}");
}

#[allow(dead_code)]
fn main() {
    run();
}
