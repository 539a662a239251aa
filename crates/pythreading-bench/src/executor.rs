//! The `executor` group: `ThreadPoolExecutor` against `threadpool` and `rayon`, each in its
//! idiomatic form, and CPython's `ThreadPoolExecutor`; all with 4 workers and the same workloads.
//!
//! - `trivial_100k`: 100,000 tasks returning their index.
//! - `fanout_10k_x_10us`: 10,000 tasks that each spin for 10 µs, then fan in.
//!
//! Every implementation does the same work: it creates its pool, runs the `n` tasks, and ends with
//! every task's result in a `Vec` in task order (checked), then drops its pool; the time covers all
//! of it (as `shared/baselines/bench_tpe.py` does). How each gets the results back is its
//! idiomatic, equally capable form — no channel send or `Sender` clone per task anywhere:
//!
//! - `pythreading`: `submit` returns a future per task; the results are taken from the futures.
//! - `pythreading_map`: `map(task, 0..n)`, results in input order (the row beside
//!   `rayon_par_iter`).
//! - `threadpool`: `execute` with each task writing its own result slot (`OnceLock`), then
//!   `join`.
//! - `rayon` (`scope`): `scope` + `spawn` per task, each writing its own slot.
//! - `rayon_par_iter`: `(0..n).into_par_iter().map(task).collect()`, how rayon users write a
//!   data-parallel map (rayon splits the range instead of queueing `n` tasks).

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use pythreading::futures::ThreadPoolExecutor;
use rayon::prelude::*;

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

/// Every task's result, in task order.
fn check(results: &[u64], n: u64) {
    assert_eq!(results.len() as u64, n, "one result per task");
    assert!(
        results.iter().zip(0..).all(|(&r, i)| r == i),
        "every result in its place"
    );
}

/// `n` empty result slots, one per task.
fn slots(n: u64) -> Vec<OnceLock<u64>> {
    (0..n).map(|_| OnceLock::new()).collect()
}

/// The slots' values, in order, once every task has written its own.
fn collect(slots: Vec<OnceLock<u64>>) -> Vec<u64> {
    slots
        .into_iter()
        .map(|s| s.into_inner().expect("task ran"))
        .collect()
}

fn ours(n: u64, work: Duration) -> f64 {
    let start = Instant::now();
    let pool = ThreadPoolExecutor::new(WORKERS).expect("4 workers");
    let futures: Vec<_> = (0..n)
        .map(|i| pool.submit(move || task(i, work)).expect("pool is open"))
        .collect();
    let results: Vec<u64> = futures
        .iter()
        .map(|f| f.take_result().expect("task ran"))
        .collect();
    drop(pool);
    let elapsed = start.elapsed();
    check(&results, n);
    rate(n, elapsed)
}

/// Ours in the data-parallel form (`executor.map(fn, iterable)`), the row to read against
/// `rayon_par_iter`: one submitted task per item still, results in input order.
fn ours_map(n: u64, work: Duration) -> f64 {
    let start = Instant::now();
    let pool = ThreadPoolExecutor::new(WORKERS).expect("4 workers");
    let results: Vec<u64> = pool
        .map(move |i: u64| task(i, work), 0..n)
        .expect("pool is open")
        .map(|r| r.expect("task ran"))
        .collect();
    drop(pool);
    let elapsed = start.elapsed();
    check(&results, n);
    rate(n, elapsed)
}

fn threadpool_crate(n: u64, work: Duration) -> f64 {
    let start = Instant::now();
    let pool = threadpool::ThreadPool::new(WORKERS);
    // `execute` takes `'static` closures: the slots are shared through an `Arc`.
    let out = Arc::new(slots(n));
    for i in 0..n {
        let out = Arc::clone(&out);
        pool.execute(move || {
            let _ = out[i as usize].set(task(i, work));
        });
    }
    pool.join();
    let results = collect(Arc::into_inner(out).expect("every task done"));
    drop(pool);
    let elapsed = start.elapsed();
    check(&results, n);
    rate(n, elapsed)
}

fn rayon_pool() -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(WORKERS)
        .build()
        .expect("rayon pool")
}

fn rayon_scope(n: u64, work: Duration) -> f64 {
    let start = Instant::now();
    let pool = rayon_pool();
    let out = slots(n);
    pool.scope(|s| {
        for (i, slot) in (0..n).zip(&out) {
            s.spawn(move |_| {
                let _ = slot.set(task(i, work));
            });
        }
    });
    let results = collect(out);
    drop(pool);
    let elapsed = start.elapsed();
    check(&results, n);
    rate(n, elapsed)
}

fn rayon_par_iter(n: u64, work: Duration) -> f64 {
    let start = Instant::now();
    let pool = rayon_pool();
    let results: Vec<u64> =
        pool.install(|| (0..n).into_par_iter().map(|i| task(i, work)).collect());
    drop(pool);
    let elapsed = start.elapsed();
    check(&results, n);
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
        let impls: [(&str, Impl); 5] = [
            ("pythreading", ours),
            ("pythreading_map", ours_map),
            ("threadpool", threadpool_crate),
            ("rayon_scope", rayon_scope),
            ("rayon_par_iter", rayon_par_iter),
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
