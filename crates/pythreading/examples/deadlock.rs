//! Scenario `deadlock` from the tutorials: two threads take `mutexA` and `mutexB` in opposite orders.
//!
//! Each thread takes its first lock, then both meet at a barrier, so each is certain to hold one
//! lock while asking for the other: a real deadlock. Instead of hanging forever, the second
//! acquisition uses `acquire_timeout`, which reports the deadlock; the thread then backs off.
//! Two fixes follow: one `RLock` for both resources (the tutorial's `mutexA = mutexB = RLock()`),
//! and taking the locks in one global order.

use std::sync::Arc;
// `std::thread::spawn` is enough here: these threads need no name, no place in
// `threading::enumerate()` and no excepthook report. The README says when to prefer
// `threading::spawn`.
use std::thread;
use std::time::{Duration, Instant};

use pythreading::threading::{Barrier, Lock, RLock};

const PATIENCE: Duration = Duration::from_millis(300);

fn opposite_orders() {
    let a = Arc::new(Lock::new());
    let b = Arc::new(Lock::new());
    let both_hold_one = Arc::new(Barrier::new(2).expect("two parties"));
    let start = Instant::now();
    let threads: Vec<_> = [("Thread-1", true), ("Thread-2", false)]
        .into_iter()
        .map(|(name, a_first)| {
            let (a, b, meet) = (Arc::clone(&a), Arc::clone(&b), Arc::clone(&both_hold_one));
            thread::spawn(move || {
                let (first, second, n1, n2) = if a_first {
                    (&a, &b, "ResA", "ResB")
                } else {
                    (&b, &a, "ResB", "ResA")
                };
                first.acquire();
                println!("  {name} got {n1}");
                let _ = meet.wait(); // both now hold one lock each
                if second.acquire_timeout(PATIENCE) {
                    println!("  {name} got {n2}");
                    second.release().expect("held");
                    first.release().expect("held");
                    false
                } else {
                    println!(
                        "  {name} waited {PATIENCE:?} for {n2}: deadlock detected, releasing {n1}"
                    );
                    first.release().expect("held");
                    true
                }
            })
        })
        .collect();
    let detected = threads
        .into_iter()
        .map(|t| t.join().expect("thread panicked"))
        .filter(|&d| d)
        .count();
    println!(
        "opposite orders: {detected} thread(s) detected the deadlock, done in {:.2} s instead of never",
        start.elapsed().as_secs_f64()
    );
    assert!(
        detected >= 1,
        "the deadlock is certain and must be detected"
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
