//! The `threads` group: spawn + join of many threads, pythreading vs `std::thread` and CPython.
//!
//! Cases (microseconds per thread, lower is better):
//! - `spawn_join_seq`: spawn a thread that does nothing and join it, 10,000 times one at a time
//!   (the registry's cost shows here: goal ≤ 1.15× std);
//! - `spawn_join_batch`: spawn 10,000, then join them all.
//!
//! pythreading's threads are named (`Thread-N`, set at the OS level too), registered, and run
//! under the excepthook's `catch_unwind`; std's are anonymous. Repetitions alternate between the
//! two so machine noise hits both alike.

use std::time::{Duration, Instant};

use pythreading::threading;

use crate::python;
use crate::report::{Measurement, Opts};

const GROUP: &str = "threads";

fn per_thread_us(elapsed: Duration, n: u64) -> f64 {
    elapsed.as_secs_f64() * 1e6 / n as f64
}

fn ours_seq(n: u64) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        threading::spawn(|| ()).join().expect("noop thread");
    }
    start.elapsed()
}

fn std_seq(n: u64) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        std::thread::spawn(|| ()).join().expect("noop thread");
    }
    start.elapsed()
}

fn ours_batch(n: u64) -> Duration {
    let start = Instant::now();
    let handles: Vec<_> = (0..n).map(|_| threading::spawn(|| ())).collect();
    for h in handles {
        h.join().expect("noop thread");
    }
    start.elapsed()
}

fn std_batch(n: u64) -> Duration {
    let start = Instant::now();
    let handles: Vec<_> = (0..n).map(|_| std::thread::spawn(|| ())).collect();
    for h in handles {
        h.join().expect("noop thread");
    }
    start.elapsed()
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

pub(crate) fn run(opts: &Opts) -> Vec<Measurement> {
    let n = opts.size(10_000, 1_000);
    let reps = opts.reps();
    // Warm-up: the first spawn installs the panic hook and creates the main-thread record.
    ours_seq(100);
    std_seq(100);
    let mut rows = Vec::new();
    type Case = (&'static str, fn(u64) -> Duration, fn(u64) -> Duration);
    let cases: [Case; 2] = [
        ("spawn_join_seq", ours_seq, std_seq),
        ("spawn_join_batch", ours_batch, std_batch),
    ];
    for (case, ours, anchor) in cases {
        let mut ours_samples = Vec::new();
        let mut std_samples = Vec::new();
        for _ in 0..reps {
            std_samples.push(anchor(n));
            ours_samples.push(ours(n));
        }
        rows.push(Measurement::new(
            GROUP,
            case,
            "pythreading",
            per_thread_us(median(ours_samples), n),
            "us",
        ));
        rows.push(Measurement::new(
            GROUP,
            case,
            "std",
            per_thread_us(median(std_samples), n),
            "us",
        ));
    }
    rows.extend(python::run(
        GROUP,
        "threads.py",
        &[n.to_string(), reps.min(3).to_string()],
        &[("spawn_join_seq", "us"), ("spawn_join_batch", "us")],
    ));
    rows
}
