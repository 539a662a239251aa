//! The `lock` and `event` groups.
//!
//! `lock`: an uncontended `acquire()`+`release()` pair and a `lock()` guard, against
//! `parking_lot::Mutex<()>` and `std::sync::Mutex<()>` (goal: within 1.2× parking_lot), and the
//! throughput of 2 threads hammering one lock around a short critical section (goal: at least
//! std's). `event`: a ping-pong round trip between two threads through two Events, against the
//! same built from a std `Mutex<bool>` + `Condvar`. CPython runs the same workloads from
//! `bench/python/lock.py` and `bench/python/event.py`.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use pythreading::threading::{Event, Lock};

use crate::python;
use crate::report::{Measurement, Opts, interleaved, median_time, rate};

const GROUP: &str = "lock";
const EVENT_GROUP: &str = "event";

/// Nanoseconds per call of `f`: the median of `reps` runs of `n` calls.
fn ns_per_op(reps: usize, n: u64, f: impl Fn()) -> f64 {
    let elapsed = median_time(reps, || {
        for _ in 0..n {
            f();
        }
    });
    elapsed.as_nanos() as f64 / n as f64
}

fn uncontended(opts: &Opts, rows: &mut Vec<Measurement>) {
    let n = opts.size(10_000_000, 200_000);
    let reps = opts.reps();
    let lock = Lock::new();
    let pl = parking_lot::Mutex::new(());
    let std_mutex = Mutex::new(());
    let anchors = |case: &str, rows: &mut Vec<Measurement>| {
        let v = ns_per_op(reps, n, || {
            let guard = black_box(&pl).lock();
            drop(black_box(guard));
        });
        rows.push(Measurement::new(GROUP, case, "parking_lot", v, "ns"));
        let v = ns_per_op(reps, n, || {
            let guard = black_box(&std_mutex).lock();
            drop(black_box(guard));
        });
        rows.push(Measurement::new(GROUP, case, "std", v, "ns"));
    };

    let case = "uncontended_acquire_release";
    let ours = ns_per_op(reps, n, || {
        let l = black_box(&lock);
        l.acquire();
        // Always Ok here; black_box keeps the call and its result.
        black_box(l.release().is_ok());
    });
    rows.push(Measurement::new(GROUP, case, "pythreading", ours, "ns"));
    anchors(case, rows);

    let case = "uncontended_guard";
    let ours = ns_per_op(reps, n, || {
        let guard = black_box(&lock).lock();
        drop(black_box(guard));
    });
    rows.push(Measurement::new(GROUP, case, "pythreading", ours, "ns"));
    anchors(case, rows);
}

/// One sample: two threads each take the lock `n` times around an increment; ops/s.
fn contended_rate(n: u64, lock_once: impl Fn(&AtomicU64) + Sync) -> f64 {
    let counter = AtomicU64::new(0);
    let start = Instant::now();
    thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                for _ in 0..n {
                    lock_once(&counter);
                }
            });
        }
    });
    let ops = rate(2 * n, start.elapsed());
    assert_eq!(
        counter.load(Ordering::Relaxed),
        2 * n,
        "the lock lost an update"
    );
    ops
}

/// The short critical section: a read-then-write increment the lock keeps whole.
#[inline]
fn bump(counter: &AtomicU64) {
    let v = counter.load(Ordering::Relaxed);
    counter.store(black_box(v + 1), Ordering::Relaxed);
}

fn contended(opts: &Opts, rows: &mut Vec<Measurement>) {
    let n = opts.size(1_000_000, 50_000);
    let reps = opts.reps();
    let case = "contended_2t";
    let lock = Lock::new();
    let std_mutex = Mutex::new(());
    let pl = parking_lot::Mutex::new(());
    let ours = || {
        contended_rate(n, |c| {
            let _g = lock.lock();
            bump(c);
        })
    };
    let std = || {
        contended_rate(n, |c| {
            let _g = std_mutex.lock();
            bump(c);
        })
    };
    let parking_lot = || {
        contended_rate(n, |c| {
            let _g = pl.lock();
            bump(c);
        })
    };
    let [ours, std, parking_lot] = interleaved(reps.max(7), [&ours, &std, &parking_lot]);
    rows.push(Measurement::new(GROUP, case, "pythreading", ours, "ops/s"));
    rows.push(Measurement::new(GROUP, case, "std", std, "ops/s"));
    rows.push(Measurement::new(
        GROUP,
        case,
        "parking_lot",
        parking_lot,
        "ops/s",
    ));
}

pub(crate) fn run(opts: &Opts) -> Vec<Measurement> {
    let mut rows = Vec::new();
    uncontended(opts, &mut rows);
    contended(opts, &mut rows);
    let n = opts.size(5_000_000, 100_000);
    rows.extend(python::run(
        GROUP,
        "lock.py",
        &[n.to_string(), opts.size(200_000, 10_000).to_string()],
        &[
            ("uncontended_acquire_release", "ns"),
            ("uncontended_guard", "ns"),
            ("contended_2t", "ops/s"),
        ],
    ));
    rows
}

/// The anchor: the event every Rust programmer writes by hand.
struct StdEvent {
    flag: Mutex<bool>,
    cv: Condvar,
}

impl StdEvent {
    fn new() -> Self {
        StdEvent {
            flag: Mutex::new(false),
            cv: Condvar::new(),
        }
    }
    fn set(&self) {
        *self.flag.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.cv.notify_all();
    }
    fn clear(&self) {
        *self.flag.lock().unwrap_or_else(|p| p.into_inner()) = false;
    }
    fn wait(&self) {
        let mut flag = self.flag.lock().unwrap_or_else(|p| p.into_inner());
        while !*flag {
            flag = self.cv.wait(flag).unwrap_or_else(|p| p.into_inner());
        }
    }
}

/// One run of `n` round trips via `set`/`wait`/`clear` of two events; returns ns per round trip.
fn pingpong<E: Send + Sync>(
    n: u64,
    make: impl Fn() -> E,
    set: impl Fn(&E) + Sync,
    wait: impl Fn(&E) + Sync,
    clear: impl Fn(&E) + Sync,
) -> f64 {
    let ping = Arc::new(make());
    let pong = Arc::new(make());
    let start = Instant::now();
    thread::scope(|s| {
        s.spawn(|| {
            for _ in 0..n {
                wait(&ping);
                clear(&ping);
                set(&pong);
            }
        });
        for _ in 0..n {
            set(&ping);
            wait(&pong);
            clear(&pong);
        }
    });
    start.elapsed().as_nanos() as f64 / n as f64
}

pub(crate) fn run_event(opts: &Opts) -> Vec<Measurement> {
    let n = opts.size(100_000, 2_000);
    let reps = opts.reps();
    let case = "pingpong_round_trip";
    let mut rows = Vec::new();
    // Repetitions interleaved (ours, std, ours, std, …): a noisy phase hits both.
    let [ours, anchor] = interleaved(
        reps,
        [
            &|| pingpong(n, Event::new, Event::set, Event::wait, Event::clear),
            &|| {
                pingpong(
                    n,
                    StdEvent::new,
                    StdEvent::set,
                    StdEvent::wait,
                    StdEvent::clear,
                )
            },
        ],
    );
    rows.push(Measurement::new(
        EVENT_GROUP,
        case,
        "pythreading",
        ours,
        "ns",
    ));
    rows.push(Measurement::new(EVENT_GROUP, case, "std", anchor, "ns"));
    // Give the machine a moment between our figures and CPython's start-up.
    thread::sleep(Duration::from_millis(10));
    rows.extend(python::run(
        EVENT_GROUP,
        "event.py",
        &[opts.size(20_000, 1_000).to_string()],
        &[(case, "ns")],
    ));
    rows
}
