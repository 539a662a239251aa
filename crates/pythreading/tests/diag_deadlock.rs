//! Deadlock detection (issue 10): cycles of 2 and 3 threads over named `Lock`s, an `RLock`
//! cycle, a `join` cycle and a thread waiting for a lock it holds, each found by
//! `find_deadlocks()` with every thread name, lock name and `file:line` site. No checklist id:
//! CPython has no deadlock detector (Java's `findDeadlockedThreads` is the model).
//!
//! The deadlocked threads are daemon threads left parked for good (the detector never unblocks
//! anything): they end with the test process. Every test looks only at cycles through its own
//! uniquely named threads, since the cycles of the other tests stay in the graph.

use std::sync::mpsc;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use pythreading::diagnostics::{Deadlock, Kind};
use pythreading::threading::{self, Lock, RLock, Thread};

const FILE: &str = file!();

/// Polls `find_deadlocks()` (at most 10 s) for a cycle through all of `names`.
fn cycle_through(names: &[&str]) -> Deadlock {
    let start = Instant::now();
    loop {
        let found = threading::find_deadlocks();
        if let Some(c) = found.iter().find(|c| {
            names
                .iter()
                .all(|n| c.steps().iter().any(|s| s.thread_name() == *n))
        }) {
            return c.clone();
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "no cycle through {names:?} within 10 s; found {found:?}\n{}",
            threading::dump()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Spawns a daemon thread named `name` running `body`.
fn daemon(name: &str, body: impl FnOnce() + Send + 'static) -> Thread {
    threading::Builder::new()
        .name(name)
        .daemon(true)
        .spawn(body)
        .unwrap()
        .thread()
        .clone()
}

/// Threads `names[i]` take `locks[i]`, meet, then take `locks[i+1]`: a cycle of `n`. Returns
/// the `file:line` each thread blocks at.
fn lock_ring(names: &[&'static str], locks: &[&'static str]) -> Vec<String> {
    let n = names.len();
    let locks: Vec<Arc<Lock>> = locks.iter().map(|l| Arc::new(Lock::named(*l))).collect();
    let met = Arc::new(Barrier::new(n));
    let (tx, rx) = mpsc::channel();
    for i in 0..n {
        let first = Arc::clone(&locks[i]);
        let second = Arc::clone(&locks[(i + 1) % n]);
        let (met, tx) = (Arc::clone(&met), tx.clone());
        daemon(names[i], move || {
            let _held = first.lock();
            met.wait();
            tx.send((i, line!() + 1)).unwrap();
            let _never = second.lock();
        });
    }
    let mut sites = vec![String::new(); n];
    for _ in 0..n {
        let (i, line) = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("thread started");
        sites[i] = format!("{FILE}:{line}");
    }
    sites
}

fn check_cycle(cycle: &Deadlock, names: &[&str], waits_for: &[&str], sites: &[String]) {
    assert_eq!(cycle.steps().len(), names.len(), "{cycle}");
    let text = cycle.to_string();
    for (i, name) in names.iter().enumerate() {
        let step = cycle
            .steps()
            .iter()
            .find(|s| s.thread_name() == *name)
            .unwrap_or_else(|| panic!("{name} not in {text}"));
        assert_eq!(step.resource().name(), Some(waits_for[i]), "{text}");
        assert_eq!(step.site(), sites[i], "{text}");
        assert!(text.contains(&format!("{name:?}")), "{text}");
        assert!(text.contains(&format!("\"{}\"", waits_for[i])), "{text}");
        assert!(text.contains(&sites[i]), "{text}");
    }
    // Each thread waits for the next one in the report, the last for the first.
    let steps = cycle.steps();
    for (k, s) in steps.iter().enumerate() {
        assert_eq!(s.holder(), steps[(k + 1) % steps.len()].ident(), "{text}");
    }
}

#[test]
fn two_threads_two_named_locks() {
    let sites = lock_ring(&["two-alice", "two-bob"], &["two-a", "two-b"]);
    let cycle = cycle_through(&["two-alice", "two-bob"]);
    check_cycle(
        &cycle,
        &["two-alice", "two-bob"],
        &["two-b", "two-a"],
        &sites,
    );
    assert!(
        cycle
            .steps()
            .iter()
            .all(|s| s.resource().kind() == Kind::Lock)
    );
    assert!(
        cycle
            .to_string()
            .starts_with("Found a deadlock of 2 threads")
    );
}

#[test]
fn three_threads_three_named_locks() {
    let names = ["three-x", "three-y", "three-z"];
    let sites = lock_ring(&names, &["three-1", "three-2", "three-3"]);
    let cycle = cycle_through(&names);
    check_cycle(&cycle, &names, &["three-2", "three-3", "three-1"], &sites);
}

#[test]
fn rlock_cycle_with_reentered_locks() {
    let a = Arc::new(RLock::named("r-a"));
    let b = Arc::new(RLock::named("r-b"));
    let met = Arc::new(Barrier::new(2));
    let (tx, rx) = mpsc::channel();
    for (name, first, second) in [("rl-one", &a, &b), ("rl-two", &b, &a)] {
        let (first, second, met, tx) = (
            Arc::clone(first),
            Arc::clone(second),
            Arc::clone(&met),
            tx.clone(),
        );
        daemon(name, move || {
            let _outer = first.lock();
            let _inner = first.lock(); // re-entered: still one holder
            met.wait();
            tx.send((name, line!() + 1)).unwrap();
            let _never = second.lock();
        });
    }
    let mut sites = std::collections::HashMap::new();
    for _ in 0..2 {
        let (name, line) = rx.recv_timeout(Duration::from_secs(10)).unwrap();
        sites.insert(name, format!("{FILE}:{line}"));
    }
    let cycle = cycle_through(&["rl-one", "rl-two"]);
    check_cycle(
        &cycle,
        &["rl-one", "rl-two"],
        &["r-b", "r-a"],
        &[sites["rl-one"].clone(), sites["rl-two"].clone()],
    );
    assert!(
        cycle
            .steps()
            .iter()
            .all(|s| s.resource().kind() == Kind::RLock)
    );
    assert!(cycle.to_string().contains("RLock \"r-a\""), "{cycle}");
}

#[test]
fn join_cycle() {
    let (to_first, first_gets) = mpsc::channel::<Thread>();
    let (to_second, second_gets) = mpsc::channel::<Thread>();
    let (tx, rx) = mpsc::channel();
    let tx2 = tx.clone();
    let first = daemon("join-first", move || {
        let other = first_gets.recv().unwrap();
        tx.send(("join-first", line!() + 1)).unwrap();
        let _ = other.join();
    });
    let second = daemon("join-second", move || {
        let other = second_gets.recv().unwrap();
        tx2.send(("join-second", line!() + 1)).unwrap();
        let _ = other.join();
    });
    to_first.send(second.clone()).unwrap();
    to_second.send(first.clone()).unwrap();
    let mut sites = std::collections::HashMap::new();
    for _ in 0..2 {
        let (name, line) = rx.recv_timeout(Duration::from_secs(10)).unwrap();
        sites.insert(name, format!("{FILE}:{line}"));
    }
    let cycle = cycle_through(&["join-first", "join-second"]);
    check_cycle(
        &cycle,
        &["join-first", "join-second"],
        &["join-second", "join-first"],
        &[sites["join-first"].clone(), sites["join-second"].clone()],
    );
    assert!(
        cycle
            .steps()
            .iter()
            .all(|s| s.resource().kind() == Kind::Thread)
    );
}

#[test]
fn a_thread_waiting_for_a_lock_it_holds() {
    let (tx, rx) = mpsc::channel();
    daemon("self-lock", move || {
        let lock = Lock::named("mine");
        let _held = lock.lock();
        tx.send(line!() + 1).unwrap();
        let _never = lock.lock(); // Lock is not reentrant (C-13)
    });
    let line = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    let cycle = cycle_through(&["self-lock"]);
    check_cycle(
        &cycle,
        &["self-lock"],
        &["mine"],
        &[format!("{FILE}:{line}")],
    );
    assert!(cycle.to_string().contains("waits for itself"), "{cycle}");
}

#[test]
fn the_watchdog_reports_a_cycle_once() {
    let (tx, rx) = mpsc::channel::<String>();
    let _watchdog =
        pythreading::diagnostics::deadlock_watchdog_with(Duration::from_millis(20), move |cycle| {
            if cycle.steps().iter().any(|s| s.thread_name() == "wd-left") {
                let _ = tx.send(cycle.to_string());
            }
        });
    lock_ring(&["wd-left", "wd-right"], &["wd-1", "wd-2"]);
    let report = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the watchdog reports the cycle within 10 s");
    assert!(
        report.contains("\"wd-left\"") && report.contains("\"wd-right\""),
        "{report}"
    );
    // Once: no second report of the same cycle over many more polls.
    assert!(rx.recv_timeout(Duration::from_millis(300)).is_err());
}
