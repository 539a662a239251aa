//! The `trace` group: what the diagnostics cost (issue 10).
//!
//! Each case runs the same workload with recording off (`pythreading`, the normal figure: the
//! diagnostics are always compiled in) and with a `diagnostics::record()` timeline live
//! (`recording`), interleaved sample by sample so load spikes hit both alike. The ratio column
//! is the recording overhead (goal: at most 1.3x for the queue and executor cases). Only the
//! workload is timed; writing the JSON afterwards is not.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use pythreading::diagnostics;
use pythreading::futures::ThreadPoolExecutor;
use pythreading::queue::Queue;
use pythreading::threading::Lock;

use crate::report::{Measurement, Opts, interleaved, rate};

const GROUP: &str = "trace";

/// Runs `workload` (which returns its own figure) with recording on when `on`.
fn sample(on: bool, workload: &dyn Fn() -> f64) -> f64 {
    let recording = on.then(|| diagnostics::record().expect("no other recording in the bench"));
    let figure = workload();
    if let Some(rec) = recording {
        black_box(rec.stop().events());
    }
    figure
}

fn both(
    opts: &Opts,
    case: &str,
    unit: &str,
    rows: &mut Vec<Measurement>,
    workload: &dyn Fn() -> f64,
) {
    let [off, on] = interleaved(
        opts.reps(),
        [&|| sample(false, workload), &|| sample(true, workload)],
    );
    rows.push(Measurement::new(GROUP, case, "pythreading", off, unit));
    rows.push(Measurement::new(GROUP, case, "recording", on, unit));
}

/// ns per uncontended acquire + release.
fn lock_case(n: u64) -> f64 {
    let lock = Lock::new();
    let start = Instant::now();
    for _ in 0..n {
        let l = black_box(&lock);
        l.acquire();
        black_box(l.release().is_ok());
    }
    start.elapsed().as_nanos() as f64 / n as f64
}

/// Items per second through a bounded(1024) queue, 4 producers and 4 consumers.
fn queue_case(per_producer: u64) -> f64 {
    let q = Arc::new(Queue::<u64>::bounded(1024));
    let start = Instant::now();
    let mut handles = Vec::new();
    for _ in 0..4 {
        let q = Arc::clone(&q);
        handles.push(std::thread::spawn(move || {
            for i in 0..per_producer {
                q.put(i).expect("open queue");
            }
        }));
    }
    for _ in 0..4 {
        let q = Arc::clone(&q);
        handles.push(std::thread::spawn(move || {
            for _ in 0..per_producer {
                black_box(q.get().expect("open queue"));
            }
        }));
    }
    for h in handles {
        h.join().expect("bench thread");
    }
    rate(4 * per_producer, start.elapsed())
}

/// Trivial tasks per second on a 4-worker executor: submit them all, then wait for each result.
fn executor_case(n: u64) -> f64 {
    let pool = ThreadPoolExecutor::new(4).expect("4 workers");
    let start = Instant::now();
    let futures: Vec<_> = (0..n)
        .map(|i| pool.submit(move || i).expect("open pool"))
        .collect();
    for f in futures {
        black_box(f.result().expect("task ran"));
    }
    let elapsed = start.elapsed();
    pool.shutdown();
    rate(n, elapsed.max(Duration::from_nanos(1)))
}

pub(crate) fn run(opts: &Opts) -> Vec<Measurement> {
    let mut rows = Vec::new();
    let n = opts.size(10_000_000, 200_000);
    both(
        opts,
        "lock_uncontended_acquire_release",
        "ns",
        &mut rows,
        &|| lock_case(n),
    );
    let per = opts.size(250_000, 10_000);
    both(
        opts,
        "queue_mpmc_bounded_4p4c",
        "items/s",
        &mut rows,
        &|| queue_case(per),
    );
    let tasks = opts.size(200_000, 5_000);
    both(opts, "executor_trivial_4w", "tasks/s", &mut rows, &|| {
        executor_case(tasks)
    });
    rows
}
