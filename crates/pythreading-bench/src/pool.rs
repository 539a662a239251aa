//! The `pool` group: worker processes against CPython's `multiprocessing` with each start method.
//!
//! - `map_square_100k`: `Pool(2).map(square, 0..100_000)`, timed from pool creation to the end
//!   of `close()` + `join()` (as `shared/baselines/bench_pool.py`'s `total_s`). CPython rows:
//!   `cpython` (fork, Linux's default up to 3.13), `cpython_forkserver`, `cpython_spawn`.
//! - `countdown_2_workers`: the tutorials' CPU-bound countdown of 50,000,000 split into two
//!   chunks and mapped over 2 workers, against the same map on 1 worker
//!   (`pythreading_1_worker`; the goal is a ratio ≤ 0.55, i.e. ≥ 1.8× faster) and CPython's
//!   `Pool(2)` (fork). The pools are started before the clock starts.
//! - `process_start_join`: `Process` start + join of a child that does nothing, against
//!   CPython's spawn and fork.

use std::hint::black_box;
use std::time::Instant;

use pythreading_mp::pool::Pool;
use pythreading_mp::process::Process;

use crate::python;
use crate::report::{Measurement, Opts, median_of};

const GROUP: &str = "pool";
const UNIT: &str = "s";

fn square(x: u64) -> u64 {
    x * x
}

/// The tutorials' `countdown(n)`: decrement to zero. `black_box` keeps the loop a loop.
fn countdown(n: u64) -> u64 {
    let mut n = black_box(n);
    while n > 0 {
        n = black_box(n - 1);
    }
    n
}

fn nothing() {}

pythreading_mp::register!(square, countdown, nothing);

fn map_square(n: u64) -> f64 {
    let start = Instant::now();
    let pool = Pool::new(2).expect("2 workers");
    let out = pool.map(square, 0..n).expect("map");
    pool.close();
    pool.join().expect("join");
    let elapsed = start.elapsed().as_secs_f64();
    assert_eq!(out.len() as u64, n);
    assert_eq!(out[out.len() - 1], (n - 1) * (n - 1));
    elapsed
}

fn countdown_on(pool: &Pool, count: u64) -> f64 {
    let start = Instant::now();
    let out = pool
        .map(countdown, [count / 2, count - count / 2])
        .expect("map");
    let elapsed = start.elapsed().as_secs_f64();
    assert_eq!(out, [0, 0]);
    elapsed
}

fn start_join() -> f64 {
    let start = Instant::now();
    let p = Process::new(nothing);
    p.start().expect("start");
    p.join().expect("join");
    let elapsed = start.elapsed().as_secs_f64();
    assert_eq!(p.exitcode().expect("open"), Some(0));
    elapsed
}

pub(crate) fn run(opts: &Opts) -> Vec<Measurement> {
    let reps = opts.reps();
    let n = opts.size(100_000, 10_000);
    let count = opts.size(50_000_000, 2_000_000);
    let starts = opts.size(20, 3) as usize;
    let mut rows = Vec::new();

    rows.push(Measurement::new(
        GROUP,
        "map_square_100k",
        "pythreading",
        median_of(reps, || map_square(n)),
        UNIT,
    ));

    let two = Pool::new(2).expect("2 workers");
    let one = Pool::new(1).expect("1 worker");
    let (mut s2, mut s1) = (Vec::new(), Vec::new());
    for _ in 0..reps.max(1) {
        // Interleaved, so a burst of load on a shared machine hits both alike.
        s2.push(countdown_on(&two, count));
        s1.push(countdown_on(&one, count));
    }
    drop((two, one));
    for (imp, mut s) in [("pythreading", s2), ("pythreading_1_worker", s1)] {
        s.sort_by(f64::total_cmp);
        rows.push(Measurement::new(
            GROUP,
            "countdown_2_workers",
            imp,
            s[s.len() / 2],
            UNIT,
        ));
    }

    rows.push(Measurement::new(
        GROUP,
        "process_start_join",
        "pythreading",
        median_of(starts, start_join),
        UNIT,
    ));

    let args = [
        n.to_string(),
        count.to_string(),
        reps.min(3).to_string(),
        starts.to_string(),
    ];
    rows.extend(python::run(
        GROUP,
        "mp_pool.py",
        &args,
        &[
            ("map_square_100k", UNIT),
            ("countdown_2_workers", UNIT),
            ("process_start_join", UNIT),
        ],
    ));
    rows
}
