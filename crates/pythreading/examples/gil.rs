//! Scenario `gil` from the tutorials: the countdown `while n > 0: n -= 1` (the tutorials'
//! `COUNT = 50_000_000`, counted ten times over here), on 1 thread, then split over 2 threads.
//! CPython's GIL lets one thread run Python code at a time, so its 2-thread version is no faster
//! (often slower); here both threads run at once, so on 2 free cores it takes about half the time.
//!
//! How it measures, so that the figure is the machine's and not the order of the runs:
//!
//! - both cores are warmed first, and again (briefly, untimed) before every 2-thread run: on a
//!   VM, a vCPU that sat idle is slow to come back, and the 2-thread run would pay for waking it;
//! - in the 2-thread run the two threads meet before counting (each spins until the other is
//!   running), and the clock runs from that meeting to the later thread's end: waking a parked
//!   vCPU is not counted, the two countdowns running side by side is (spawning two threads
//!   costs tens of microseconds against tens of milliseconds of counting, so leaving it out
//!   changes the figure by well under 1%);
//! - ten times the tutorials' count: Rust counts their 50,000,000 down in about 35 ms, and a
//!   2-thread run of under 20 ms is at the mercy of the VM's scheduler (1.1–1.5× on the
//!   development VM, against 1.75–1.95× at ten times the count);
//! - five rounds, alternating which version runs first, and the best time of each version;
//! - CPython's countdown, when `python3` exists, is measured in the same run the same way
//!   (at a tenth of the tutorials' count: theirs takes CPython several seconds per run), so its
//!   speed-up is printed next to ours rather than quoted.
//!
//! `cargo run --release -p pythreading --example gil` or `pythreading demo gil`.

use std::hint::black_box;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use pythreading::threading;

/// The tutorials' `COUNT = 50000000`.
const TUTORIALS_COUNT: u64 = 50_000_000;
/// What the Rust rounds count: ten times the tutorials' (see the module docs for why).
const COUNT: u64 = 10 * TUTORIALS_COUNT;
const ROUNDS: usize = 5;

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

fn one_thread(count: u64) -> Duration {
    timed(|| countdown(count))
}

/// Both halves at once: the time from the moment both threads are running to the later end.
fn two_threads(count: u64) -> Duration {
    let arrived = Arc::new(AtomicUsize::new(0));
    let half = move |arrived: Arc<AtomicUsize>| {
        move || {
            arrived.fetch_add(1, Ordering::AcqRel);
            // The meeting: spin (yielding, in case both share one core) until the other runs.
            while arrived.load(Ordering::Acquire) < 2 {
                std::thread::yield_now();
            }
            let start = Instant::now();
            countdown(count / 2);
            (start, Instant::now())
        }
    };
    let t1 = threading::spawn(half(Arc::clone(&arrived)));
    let t2 = threading::spawn(half(arrived));
    let (s1, e1) = t1.join().expect("t1");
    let (s2, e2) = t2.join().expect("t2");
    e1.max(e2).duration_since(s1.min(s2))
}

/// Keeps both cores busy for about `spin`, so neither is asleep when the rounds start.
fn warm_both_cores(spin: Duration) {
    let spinner = move || {
        let start = Instant::now();
        while start.elapsed() < spin {
            countdown(100_000);
        }
    };
    let other = threading::spawn(spinner);
    spinner();
    other.join().expect("warm-up thread");
}

/// The best 1-thread and 2-thread times over `ROUNDS` rounds, alternating which goes first.
/// Each 2-thread run starts right after both cores were kept busy for a moment (untimed): a
/// 1-thread run leaves the other core idle long enough for a VM to park it.
fn best_of_rounds(count: u64) -> (Duration, Duration) {
    let (mut one, mut two) = (Duration::MAX, Duration::MAX);
    let warm_two = || {
        warm_both_cores(Duration::from_millis(20));
        two_threads(count)
    };
    for round in 0..ROUNDS {
        if round % 2 == 0 {
            one = one.min(one_thread(count));
            two = two.min(warm_two());
        } else {
            two = two.min(warm_two());
            one = one.min(one_thread(count));
        }
    }
    (one, two)
}

/// The same measurement in CPython, in one `python3` run: best 1-thread and 2-thread times in
/// seconds, or `None` when there is no `python3`.
fn cpython(count: u64) -> Option<(f64, f64)> {
    const SCRIPT: &str = r#"
import sys, threading, time
COUNT = int(sys.argv[1])
def countdown(n):
    while n > 0:
        n -= 1
def one():
    s = time.perf_counter(); countdown(COUNT); return time.perf_counter() - s
def two():
    s = time.perf_counter()
    t1 = threading.Thread(target=countdown, args=(COUNT // 2,))
    t2 = threading.Thread(target=countdown, args=(COUNT // 2,))
    t1.start(); t2.start(); t1.join(); t2.join()
    return time.perf_counter() - s
a1 = one(); b1 = two(); b2 = two(); a2 = one()
print(min(a1, a2), min(b1, b2), sys.version.split()[0])
"#;
    let out = Command::new("python3")
        .args(["-c", SCRIPT, &count.to_string()])
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let mut parts = text.split_whitespace();
    let one = parts.next()?.parse().ok()?;
    let two = parts.next()?.parse().ok()?;
    println!(
        "CPython {} (COUNT = {count}, best of 2 rounds each, same machine, same run):",
        parts.next().unwrap_or("?")
    );
    Some((one, two))
}

/// The 1-minute load average (Linux), to explain a low figure on a busy machine.
fn load_average() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// Runs the scenario.
pub(crate) fn run() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    // CPython first, so that its run does not share the cores with ours.
    match cpython(TUTORIALS_COUNT / 10) {
        Some((one, two)) => {
            println!("  1 thread : {one:.3} s");
            println!("  2 threads: {two:.3} s");
            println!(
                "  speed-up : {:.2}x (the GIL runs one thread at a time)",
                one / two
            );
        }
        None => println!("(no python3 here: CPython's side is not measured)"),
    }

    warm_both_cores(Duration::from_millis(100));
    let (one, two) = best_of_rounds(COUNT);
    println!(
        "pythreading (COUNT = {COUNT}, best of {ROUNDS} rounds each, {cores} cores available):"
    );
    println!("  1 thread : {:.3} s", one.as_secs_f64());
    println!("  2 threads: {:.3} s", two.as_secs_f64());
    let speed_up = one.as_secs_f64() / two.as_secs_f64();
    println!(
        "  speed-up : {speed_up:.2}x (both threads run at once; 2.0x is the ceiling on 2 cores)"
    );
    if cores < 2 {
        println!("note: only {cores} core is available, so the threads take turns");
    } else if let Some(load) = load_average()
        && load > cores as f64
    {
        println!(
            "note: load average {load:.1} on {cores} cores: other processes share the cores, \
             so the second thread may not get a core of its own"
        );
    }
}

#[allow(dead_code)]
fn main() {
    run();
}
