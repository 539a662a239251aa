//! Scenario `deadlock` from the tutorials: two threads take `mutexA` and `mutexB` in opposite orders.
//!
//! Each thread takes its first lock, then both meet at a barrier, so each is certain to hold one
//! lock while asking for the other: a real deadlock. Nothing guesses with a timeout: the
//! threads block for good, and `threading::find_deadlocks()` reads the cycle from the wait-for
//! graph and prints it with the threads, the named locks and the `file:line` of each wait. The
//! two threads are daemon threads, left parked (the detector never unblocks anything; Python
//! has no way to break a deadlock either), so the program still finishes.
//! Two fixes follow: one `RLock` for both resources (the tutorial's `mutexA = mutexB = RLock()`),
//! and taking the locks in one global order.

use std::sync::Arc;
// `std::thread::spawn` is enough for the fixes: those threads need no name, no place in
// `threading::enumerate()` and no excepthook report. The README says when to prefer
// `threading::spawn`.
use std::thread;
use std::time::{Duration, Instant};

use pythreading::threading::{self, Barrier, Lock, RLock};

/// How long to look for the cycle before calling the detector broken (it takes milliseconds).
const LOOK_AT_MOST: Duration = Duration::from_secs(10);

fn opposite_orders() {
    let a = Arc::new(Lock::named("mutexA"));
    let b = Arc::new(Lock::named("mutexB"));
    let both_hold_one = Arc::new(Barrier::new(2).expect("two parties"));
    let start = Instant::now();
    let mut names = Vec::new();
    for (name, a_first) in [("Thread-A-then-B", true), ("Thread-B-then-A", false)] {
        let (a, b, meet) = (Arc::clone(&a), Arc::clone(&b), Arc::clone(&both_hold_one));
        names.push(name);
        // Daemon threads: once deadlocked they stay parked and do not keep the program alive.
        threading::Builder::new()
            .name(name)
            .daemon(true)
            .spawn(move || {
                let (first, second) = if a_first { (&a, &b) } else { (&b, &a) };
                let _first = first.lock();
                println!("  {name} got {}", first.name().unwrap_or("?"));
                let _ = meet.wait(); // both now hold one lock each
                let _second = second.lock(); // never returns
                unreachable!("{name} got both locks of a deadlock");
            })
            .expect("spawn");
    }
    let cycle = loop {
        let found = threading::find_deadlocks();
        if let Some(cycle) = found.into_iter().find(|c| {
            names
                .iter()
                .all(|n| c.steps().iter().any(|s| s.thread_name() == *n))
        }) {
            break cycle;
        }
        assert!(
            start.elapsed() < LOOK_AT_MOST,
            "the deadlock is certain and must be found:\n{}",
            threading::dump()
        );
        thread::sleep(Duration::from_millis(5));
    };
    print!("{cycle}");
    println!(
        "opposite orders: the cycle was found {:.0} ms after the threads started; they stay parked (daemon threads)",
        start.elapsed().as_secs_f64() * 1000.0
    );
}

fn one_rlock() {
    // mutexA = mutexB = RLock(): a thread may take "both", since they are one reentrant lock.
    let ab = Arc::new(RLock::new());
    let threads: Vec<_> = (0..10)
        .map(|i| {
            let ab = Arc::clone(&ab);
            thread::spawn(move || {
                // fun1: A then B
                let _a = ab.lock();
                let _b = ab.lock();
                drop((_b, _a));
                // fun2: B then A
                let _b = ab.lock();
                let _a = ab.lock();
                i
            })
        })
        .collect();
    let done = threads.into_iter().filter_map(|t| t.join().ok()).count();
    println!("fix 1, one RLock for both: {done}/10 threads finished both functions");
}

fn ordered_locks() {
    let a = Arc::new(Lock::new());
    let b = Arc::new(Lock::new());
    let threads: Vec<_> = (0..10)
        .map(|_| {
            let (a, b) = (Arc::clone(&a), Arc::clone(&b));
            thread::spawn(move || {
                for _ in 0..2 {
                    // Every function takes A before B.
                    let _a = a.lock();
                    let _b = b.lock();
                }
            })
        })
        .collect();
    let done = threads.into_iter().filter_map(|t| t.join().ok()).count();
    println!("fix 2, always A before B:  {done}/10 threads finished both functions");
}

/// Runs the scenario.
pub(crate) fn run() {
    opposite_orders();
    one_rlock();
    ordered_locks();
}

#[allow(dead_code)]
fn main() {
    run();
}
