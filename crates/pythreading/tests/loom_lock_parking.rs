//! loom model of the contended `Lock`'s parking handshake (`src/threading/lock.rs`): a thread
//! counts itself parked, re-reads the state by a read-modify-write, and parks; a release swaps
//! the state and reads the count without taking the parking mutex. Two waiters, released one
//! after the other by a third thread that is not their acquirer: neither may sleep forever.
//!
//! Run: `RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom cargo test --release -p pythreading --test loom_lock_parking`.
#![cfg(loom)]

use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::thread;
use pythreading::threading::Lock;

// C-14: the holder's release wakes a parked waiter, whose release wakes the next.
#[test]
fn two_parked_waiters_are_each_woken() {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(2);
    builder.check(|| {
        let lock = Arc::new(Lock::new());
        let turns = Arc::new(AtomicUsize::new(0));
        lock.acquire();
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let (lock, turns) = (Arc::clone(&lock), Arc::clone(&turns));
                thread::spawn(move || {
                    lock.acquire();
                    turns.fetch_add(1, Ordering::Relaxed);
                    lock.release().unwrap();
                })
            })
            .collect();
        lock.release().unwrap();
        for w in waiters {
            w.join().unwrap();
        }
        assert_eq!(turns.load(Ordering::Relaxed), 2);
        assert!(!lock.locked());
    });
}
