//! Fairness of the contended `Lock`: 4 threads take it in a tight loop for 2 seconds, and no
//! thread may starve: each must have taken the lock at least once in every window of the run.
//! C-13, C-14 (the lock is still a plain `Lock`: any thread may release it).
//!
//! The window is 100 ms, the bound, when the machine is quiet enough to schedule 5
//! runnable threads within it. A fifth thread, which takes no lock, measures how long the
//! scheduler itself keeps a runnable thread off the CPU during the run (the longest gap between
//! two turns of its loop), and the window is widened by that much. So a loaded machine (CI on
//! 2 cores shared with builds) cannot fail the test by preemption alone, while a lock that
//! starves a thread still fails it: the starved thread's gap between acquisitions would be far
//! longer than any thread's gap for want of a CPU.
//!
//! Run in release: `cargo test --release -p pythreading --test stress_lock_fairness`.

use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use pythreading::threading::Lock;

const THREADS: usize = 4;
const RUN: Duration = Duration::from_secs(2);
const WINDOW: Duration = Duration::from_millis(100);

#[test]
fn four_contending_threads_each_get_the_lock_in_every_window() {
    let lock = Arc::new(Lock::new());
    let start_line = Arc::new(Barrier::new(THREADS + 1));
    let probe = {
        let start_line = Arc::clone(&start_line);
        thread::spawn(move || {
            start_line.wait();
            let start = Instant::now();
            let (mut last, mut longest) = (start, Duration::ZERO);
            while last - start < RUN {
                let now = Instant::now();
                longest = longest.max(now - last);
                last = now;
            }
            longest
        })
    };
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let lock = Arc::clone(&lock);
            let start_line = Arc::clone(&start_line);
            thread::spawn(move || {
                start_line.wait();
                let start = Instant::now();
                let mut took = Vec::new();
                loop {
                    let guard = lock.lock();
                    let at = start.elapsed();
                    took.push(at);
                    // A little work under the lock.
                    std::hint::black_box(took.len());
                    drop(guard);
                    if at >= RUN {
                        return took;
                    }
                }
            })
        })
        .collect();
    let results: Vec<Vec<Duration>> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let slack = probe.join().unwrap();
    let window = WINDOW + slack;
    eprintln!(
        "scheduler slack {slack:?}; acquisitions per thread: {:?}",
        results.iter().map(Vec::len).collect::<Vec<_>>()
    );
    for (t, took) in results.iter().enumerate() {
        let mut last = Duration::ZERO;
        for &at in took.iter().chain(std::iter::once(&RUN)) {
            assert!(
                at.saturating_sub(last) <= window,
                "thread {t} went {:?} without the lock (window {window:?}, of which {slack:?} is \
                 time the scheduler kept a thread off the CPU); it took the lock {} times",
                at - last,
                took.len()
            );
            last = at;
        }
    }
}
