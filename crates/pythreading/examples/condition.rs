//! Scenario `condition` from the tutorials ("thread synchronization with a condition"): a baker
//! puts 12 loaves on a shelf that holds 3, and three customers take them.
//!
//! The shelf is guarded by one `Condition`. The baker waits (`wait_for`) while the shelf is full
//! and a customer waits while it is empty. The baker `notify`s one customer per loaf; a customer
//! `notify_all`s after taking one (so the baker wakes whoever waits first); and the baker
//! `notify_all`s when the shop closes, so every waiting customer wakes and goes home. Every loaf is sold exactly once, and the shelf never holds more than 3.
//!
//! `cargo run -p pythreading --example condition` or `pythreading demo condition`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use pythreading::threading::{self, Condition};

const LOAVES: usize = 12;
const SHELF: usize = 3;

/// The shop. Its fields are read and written only while the condition's lock is held (the
/// atomics make each access safe, the lock makes each check-and-change whole).
struct Shop {
    cond: Condition,
    on_shelf: AtomicUsize,
    baked: AtomicUsize,
    closed: AtomicBool,
}

/// Runs the scenario.
pub(crate) fn run() {
    let shop = Arc::new(Shop {
        cond: Condition::new(),
        on_shelf: AtomicUsize::new(0),
        baked: AtomicUsize::new(0),
        closed: AtomicBool::new(false),
    });
    let customers: Vec<_> = ["Ann", "Bob", "Cy"]
        .into_iter()
        .map(|name| {
            let shop = Arc::clone(&shop);
            threading::Builder::new()
                .name(name)
                .spawn(move || {
                    let mut bought = Vec::new();
                    loop {
                        let mut guard = shop.cond.lock();
                        // `with cond: cond.wait_for(lambda: shelf or closed)`
                        shop.cond.wait_for(&mut guard, || {
                            shop.on_shelf.load(Ordering::Relaxed) > 0
                                || shop.closed.load(Ordering::Relaxed)
                        });
                        let n = shop.on_shelf.load(Ordering::Relaxed);
                        if n == 0 {
                            break; // closed and nothing left
                        }
                        shop.on_shelf.store(n - 1, Ordering::Relaxed);
                        // The loaves leave the shelf in the order they were baked.
                        let loaf = shop.baked.load(Ordering::Relaxed) - n + 1;
                        println!("  {name} takes loaf {loaf} ({} left on the shelf)", n - 1);
                        bought.push(loaf);
                        // Room on the shelf. `notify_all`, not `notify(1)`: the oldest waiter may be another
                        // customer rather than the baker.
                        shop.cond.notify_all();
                    }
                    bought
                })
                .expect("spawn")
        })
        .collect();

    let mut fullest = 0;
    for _ in 0..LOAVES {
        let mut guard = shop.cond.lock();
        shop.cond
            .wait_for(&mut guard, || shop.on_shelf.load(Ordering::Relaxed) < SHELF);
        let n = shop.on_shelf.load(Ordering::Relaxed) + 1;
        shop.on_shelf.store(n, Ordering::Relaxed);
        let loaf = shop.baked.fetch_add(1, Ordering::Relaxed) + 1;
        fullest = fullest.max(n);
        println!("baker puts loaf {loaf} on the shelf ({n} on it)");
        shop.cond.notify(1); // one loaf: wake one waiting customer
    }
    {
        let _guard = shop.cond.lock();
        shop.closed.store(true, Ordering::Relaxed);
        println!("baker closes the shop");
        shop.cond.notify_all(); // every waiting customer wakes and sees `closed`
    }

    let mut sold: Vec<usize> = Vec::new();
    for c in customers {
        let name = c.thread().name().to_string();
        let bought = c.join().expect("customer");
        println!("{name} bought {} loaves: {bought:?}", bought.len());
        sold.extend(bought);
    }
    sold.sort_unstable();
    assert_eq!(
        sold,
        (1..=LOAVES).collect::<Vec<_>>(),
        "each loaf sold once"
    );
    assert!(fullest <= SHELF);
    println!("all {LOAVES} loaves sold exactly once; the shelf never held more than {SHELF}");
}

#[allow(dead_code)]
fn main() {
    run();
}
