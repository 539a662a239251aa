//! Scenario `gil` from the tutorials: the countdown loop on 1 thread, then split over 2 threads.
//! CPython's GIL makes the 2-thread version no faster (often slower); here both threads run at
//! once, so on 2 free cores it takes about half the time. The speed-up printed is the ratio of
//! the two wall times measured in this run.
//!
//! `cargo run --release -p pythreading --example gil` or `pythreading demo gil`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use pythreading::threading;

/// The tutorials' `while n > 0: n -= 1`. `black_box` makes every step real: the compiler can
/// neither fold the loop nor know `n`.
fn countdown(mut n: u64) {
    while black_box(n) > 0 {
        n = black_box(n) - 1;
    }
}

fn timed(f: impl FnOnce()) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

/// The 1-minute load average (Linux), to explain a low figure on a busy machine.
fn load_average() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// Runs the scenario.
pub(crate) fn run() {
    // Size the work so one thread takes about 0.2 s on this machine (debug or release).
    let probe = 2_000_000;
    let per_step = timed(|| countdown(probe)).as_secs_f64() / probe as f64;
    let count = ((0.2 / per_step.max(1e-12)) as u64).clamp(probe, 4_000_000_000);

    // Three alternating rounds; the best of each filters out moments when other processes
    // held the cores.
    let mut one = Duration::MAX;
    let mut two = Duration::MAX;
    for _ in 0..3 {
        one = one.min(timed(|| countdown(count)));
        two = two.min(timed(|| {
            let t1 = threading::spawn(move || countdown(count / 2));
            let t2 = threading::spawn(move || countdown(count / 2));
            t1.join().expect("t1");
            t2.join().expect("t2");
        }));
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("COUNT = {count} ({cores} cores available), best of 3 rounds each");
    println!("1 thread : {:.3} s", one.as_secs_f64());
    println!("2 threads: {:.3} s", two.as_secs_f64());
    let speed_up = one.as_secs_f64() / two.as_secs_f64();
    println!("speed-up: {speed_up:.2}x (CPython with the GIL: about 1.0x or worse)");
    if let Some(load) = load_average()
        && load > cores as f64
    {
        println!(
            "note: load average {load:.1} on {cores} cores: other processes share the cores, \
             so the second thread cannot get a core of its own"
        );
    }
}

#[allow(dead_code)]
fn main() {
    run();
}
