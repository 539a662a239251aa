//! Scenario `timer` from the tutorials: a one-shot `Timer`, a cancelled one, and the tutorials'
//! self-re-arming timer as a `RepeatingTimer`; then 10,000 pending timers on two threads.
//!
//! `cargo run -p pythreading --example timer` or `pythreading demo timer`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use pythreading::threading::{RepeatingTimer, Timer};

#[cfg(target_os = "linux")]
fn os_threads() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Threads:").map(|n| n.trim().to_owned()))
        })
        .unwrap_or_else(|| "?".into())
}

#[cfg(not(target_os = "linux"))]
fn os_threads() -> String {
    "?".into()
}

/// Runs the scenario.
pub(crate) fn run() {
    let start = Instant::now();
    let t1 = Timer::new(Duration::from_millis(300), move || {
        println!(
            "[{:.2}s] worker running (timer t1)",
            start.elapsed().as_secs_f64()
        )
    })
    .start();
    let t2 = Timer::new(Duration::from_millis(200), || {
        println!("t2 fired (never printed: it was cancelled)")
    })
    .start();
    println!(
        "starting timers: {} (0.3 s) and {} (0.2 s)",
        t1.name(),
        t2.name()
    );
    std::thread::sleep(Duration::from_millis(100));
    println!(
        "[{:.2}s] cancel {}: {}",
        start.elapsed().as_secs_f64(),
        t2.name(),
        t2.cancel()
    );
    t1.join();
    println!("t1 fired: {}, t2 fired: {}", t1.has_fired(), t2.has_fired());

    let ticks = RepeatingTimer::new(Duration::from_millis(100), move || {
        println!("[{:.2}s] tick", start.elapsed().as_secs_f64());
    })
    .start();
    std::thread::sleep(Duration::from_millis(450));
    ticks.cancel();
    println!("repeating timer cancelled after {} ticks", ticks.runs());

    let fired = Arc::new(AtomicUsize::new(0));
    let before = os_threads();
    let many: Vec<Timer> = (0..10_000)
        .map(|_| {
            let fired = fired.clone();
            Timer::new(Duration::from_millis(300), move || {
                fired.fetch_add(1, Ordering::Relaxed);
            })
            .start()
        })
        .collect();
    println!(
        "10,000 timers pending; OS threads in this process: {before} before, {} now",
        os_threads()
    );
    for t in &many {
        t.join();
    }
    println!(
        "all fired: {} callbacks ran exactly once",
        fired.load(Ordering::Relaxed)
    );
}

#[allow(dead_code)]
fn main() {
    run();
}
