//! Scenario `priority` from the tutorials: a `PriorityQueue` hands out the lowest priority number
//! first ("级别越低越先出来"), whatever the order of the puts — the tutorial puts `[5,100]`,
//! `[7,200]`, `[3,"hello"]`, `[4,{"name":"alex"}]` and gets them back by the first field.
//!
//! What it shows: items put by several threads come out smallest first (like Python's `heapq`,
//! and the opposite of Rust's `BinaryHeap`); equal priorities come out in arrival order.

use std::sync::Arc;
// `std::thread::spawn` is enough here: these threads need no name, no place in
// `threading::enumerate()` and no excepthook report. The README says when to prefer
// `threading::spawn`.
use std::thread;

use pythreading::queue::PriorityQueue;

/// Runs the scenario.
pub(crate) fn run() {
    let q = PriorityQueue::unbounded();
    for item in [
        (5, "100"),
        (7, "200"),
        (3, "hello"),
        (4, "{'name': 'alex'}"),
    ] {
        println!("put {item:?}");
        q.put(item).expect("the queue is not shut down");
    }
    while let Ok(item) = q.try_get() {
        println!("  get -> {item:?}");
    }

    // Several threads put jobs at once; a single consumer then sees them by priority.
    let q = Arc::new(PriorityQueue::bounded(64));
    let producers: Vec<_> = (0..3u32)
        .map(|t| {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                for n in 0..4u32 {
                    let priority = (t * 7 + n * 3) % 5;
                    q.put((priority, format!("job {t}.{n}")))
                        .expect("the queue is not shut down");
                }
            })
        })
        .collect();
    for p in producers {
        p.join().expect("producer");
    }
    q.shutdown(); // nothing more will come: the loop below ends once the queue is drained
    let order: Vec<(u32, String)> = q.iter().collect();
    println!("12 jobs from 3 threads, in the order they are served:");
    for (priority, job) in &order {
        println!("  priority {priority}: {job}");
    }
    assert!(order.windows(2).all(|w| w[0].0 <= w[1].0));
}

#[allow(dead_code)]
fn main() {
    run();
}
