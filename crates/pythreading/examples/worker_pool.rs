//! Scenario `worker-pool` from the tutorials: the URLs to fetch go into a `Queue`, a fixed number of
//! worker threads (the tutorial's `THREAD_LINE = 5`) take them until it is drained, calling
//! `task_done()` for each, while the main thread waits in `join()`.
//!
//! The tutorial's worker loops `while not q.empty(): q.get_nowait()`, which can raise `Empty` when
//! another worker takes the last item between the two calls; `while let Ok(url) = q.try_get()`
//! has no such gap.
//!
//! What it shows: 40 "fetches" of 10–30 ms each, spread over 5 workers, finish in about a fifth
//! of the time one thread would take, and `join()` returns exactly when the last is done.

use std::sync::Arc;
// `std::thread::spawn` is enough here: these threads need no name, no place in
// `threading::enumerate()` and no excepthook report. The README says when to prefer
// `threading::spawn`.
use std::thread;
use std::time::{Duration, Instant};

use pythreading::queue::Queue;

const WORKERS: usize = 5;
const PAGES: u64 = 40;

/// Stands in for an HTTP fetch: a deterministic 10–30 ms wait per page.
fn fetch(url: &str, page: u64) -> Duration {
    let d = Duration::from_millis(10 + (page * 7919) % 21);
    thread::sleep(d);
    let _ = url;
    d
}

/// Runs the scenario.
pub(crate) fn run() {
    let q = Arc::new(Queue::unbounded());
    for page in 0..PAGES {
        q.put((format!("/view/{page}.html"), page))
            .expect("the queue is not shut down");
    }
    println!("{} URLs queued, {WORKERS} workers", q.len());
    let start = Instant::now();
    let workers: Vec<_> = (0..WORKERS)
        .map(|w| {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                let (mut fetched, mut busy) = (0, Duration::ZERO);
                while let Ok((url, page)) = q.try_get() {
                    busy += fetch(&url, page);
                    fetched += 1;
                    q.task_done().expect("one task_done per get");
                }
                println!("  worker {w}: fetched {fetched} pages, busy {busy:.2?}");
                busy
            })
        })
        .collect();
    q.join();
    let joined_after = start.elapsed();
    let busy: Duration = workers.into_iter().map(|t| t.join().expect("worker")).sum();
    println!(
        "join() returned after {joined_after:.2?} with {} unfinished tasks; one thread would \
         have needed {busy:.2?} ({:.1}x faster)",
        q.unfinished_tasks(),
        busy.as_secs_f64() / joined_after.as_secs_f64()
    );
}

#[allow(dead_code)]
fn main() {
    run();
}
