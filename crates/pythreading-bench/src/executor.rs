//! The `executor` group: `ThreadPoolExecutor` against `threadpool`, `rayon::spawn` + a channel,
//! and CPython's `ThreadPoolExecutor`, all with 4 workers and the same workloads.
//!
//! - `trivial_100k`: 100,000 tasks returning their index; every result collected. The time covers
//!   pool creation, the submits, collecting the results and shutting the pool down (as
//!   `shared/baselines/bench_tpe.py` does).
//! - `fanout_10k_x_10us`: 10,000 tasks that each spin for 10 µs, then fan in.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use pythreading::futures::ThreadPoolExecutor;

use crate::python;
use crate::report::{Measurement, Opts, rate};

const GROUP: &str = "executor";
const WORKERS: usize = 4;
const UNIT: &str = "tasks/s";

/// One implementation: runs `n` tasks of `work` each and returns tasks per second.
type Impl = fn(u64, Duration) -> f64;

/// The task body: nothing, or a busy spin of `work`.
fn task(i: u64, work: Duration) -> u64 {
    if !work.is_zero() {
        let start = Instant::now();
        while start.elapsed() < work {
            std::hint::spin_loop();
        }
    }
    i
}

fn check(sum: u64, n: u64) {
    assert_eq!(sum, n * (n - 1) / 2, "every result exactly once");
}

fn ours(n: u64, work: Duration) -> f64 {
    let start = Instant::now();
    let pool = ThreadPoolExecutor::new(WORKERS).expect("4 workers");
    let futures: Vec<_> = (0..n)
        .map(|i| pool.submit(move || task(i, work)).expect("pool is open"))
        .collect();
    let sum: u64 = futures
        .iter()
        .map(|f| f.take_result().expect("task ran"))
        .sum();
    drop(pool);
    let elapsed = start.elapsed();
    check(sum, n);
    rate(n, elapsed)
}

fn threadpool_crate(n: u64, work: Duration) -> f64 {
    let start = Instant::now();
    let pool = threadpool::ThreadPool::new(WORKERS);
    let (tx, rx) = mpsc::channel();
    for i in 0..n {
        let tx = tx.clone();
        pool.execute(move || {
            let _ = tx.send(task(i, work));
        });
    }
    drop(tx);
    let sum: u64 = rx.iter().take(n as usize).sum();
    pool.join();
    let elapsed = start.elapsed();
    check(sum, n);
    rate(n, elapsed)
}

fn rayon_spawn(n: u64, work: Duration) -> f64 {
    let start = Instant::now();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(WORKERS)
        .build()
        .expect("rayon pool");
    let (tx, rx) = mpsc::channel();
    for i in 0..n {
        let tx = tx.clone();
        pool.spawn(move || {
            let _ = tx.send(task(i, work));
        });
    }
    drop(tx);
    let sum: u64 = rx.iter().take(n as usize).sum();
    drop(pool);
    let elapsed = start.elapsed();
    check(sum, n);
    rate(n, elapsed)
}

pub(crate) fn run(opts: &Opts) -> Vec<Measurement> {
    let reps = opts.reps();
    let n_trivial = opts.size(100_000, 10_000);
    let n_fanout = opts.size(10_000, 1_000);
    let work = Duration::from_micros(10);
    let cases: [(&str, u64, Duration); 2] = [
        ("trivial_100k", n_trivial, Duration::ZERO),
        ("fanout_10k_x_10us", n_fanout, work),
    ];
    let mut rows = Vec::new();
    for (case, n, work) in cases {
        let impls: [(&str, Impl); 3] = [
            ("pythreading", ours),
            ("threadpool", threadpool_crate),
            ("rayon", rayon_spawn),
        ];
        // Repetitions are interleaved across implementations, so a burst of load on this shared
        // machine hits all of them alike instead of one.
        let mut samples: Vec<Vec<f64>> = vec![Vec::new(); impls.len()];
        for _ in 0..reps.max(1) {
            for (k, (_, f)) in impls.iter().enumerate() {
                samples[k].push(f(n, work));
            }
        }
        for ((imp, _), mut s) in impls.iter().zip(samples) {
            s.sort_by(f64::total_cmp);
            rows.push(Measurement::new(GROUP, case, imp, s[s.len() / 2], UNIT));
        }
    }
    let args = [
        n_trivial.to_string(),
        n_fanout.to_string(),
        work.as_micros().to_string(),
        reps.min(3).to_string(),
    ];
    rows.extend(python::run(
        GROUP,
        "executor.py",
        &args,
        &[("trivial_100k", UNIT), ("fanout_10k_x_10us", UNIT)],
    ));
    rows
}
