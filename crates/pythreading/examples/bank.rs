//! Scenario `bank` from the tutorials: 100 threads each deposit 1 into one account.
//!
//! The deposit reads the balance, "processes" for a moment, then writes the new balance. Without
//! a lock the threads read the same old balance and overwrite each other's deposits: updates are
//! really lost. With a `Lock` around the read-sleep-write, the balance is exactly 100.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
// `std::thread::spawn` is enough here: these threads need no name, no place in
// `threading::enumerate()` and no excepthook report. The README says when to prefer
// `threading::spawn`.
use std::thread;
use std::time::Duration;

use pythreading::threading::Lock;

/// The account: a balance that is read and written separately, as in the tutorial's Python class.
struct Account {
    // Relaxed loads and stores: each access is atomic, the read-modify-write is not.
    balance: AtomicU64,
    lock: Lock,
}

impl Account {
    fn deposit_unprotected(&self, money: u64) {
        let new_balance = self.balance.load(Ordering::Relaxed) + money;
        thread::sleep(Duration::from_millis(2)); // the bank "processes" the deposit
        self.balance.store(new_balance, Ordering::Relaxed);
    }

    fn deposit_locked(&self, money: u64) {
        let _guard = self.lock.lock(); // `with self._lock:`
        self.deposit_unprotected(money);
    }
}

fn run_deposits(locked: bool) -> u64 {
    let account = Arc::new(Account {
        balance: AtomicU64::new(0),
        lock: Lock::new(),
    });
    let threads: Vec<_> = (0..100)
        .map(|_| {
            let account = Arc::clone(&account);
            thread::spawn(move || {
                if locked {
                    account.deposit_locked(1);
                } else {
                    account.deposit_unprotected(1);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("a depositing thread panicked");
    }
    account.balance.load(Ordering::Relaxed)
}

/// Runs the scenario.
pub(crate) fn run() {
    let unprotected = run_deposits(false);
    println!(
        "without a lock: 100 deposits of 1 → balance {unprotected} (lost {} updates)",
        100 - unprotected
    );
    let locked = run_deposits(true);
    println!("with a Lock:    100 deposits of 1 → balance {locked}");
    assert_eq!(locked, 100, "the lock must protect every deposit");
}

#[allow(dead_code)]
fn main() {
    run();
}
