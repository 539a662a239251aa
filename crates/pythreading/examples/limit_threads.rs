//! Scenario `limit-threads`: the tutorials' "control the maximum number of threads" examples, done
//! with a pool instead of hand-split lists.
//!
//! 1. Split `urls[i::N]` over N threads → a pool of N workers and `map`: no splitting by hand, and a
//!    worker that finishes early takes the next URL instead of idling.
//! 2. "The same uid must stay on the same thread" → one task per `uid % N` group, each handling
//!    its group in order.
//! 3. N threads draining a queue until it is empty → the pool is that queue and those threads.
//!
//! Each part measures how many tasks ran at the same moment, to show the limit holds.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use pythreading::futures::ThreadPoolExecutor;

/// Counts tasks running at once and remembers the highest count.
#[derive(Default)]
struct Concurrency {
    now: AtomicUsize,
    peak: AtomicUsize,
}

impl Concurrency {
    fn enter(&self) {
        let n = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(n, Ordering::SeqCst);
    }
    fn leave(&self) {
        self.now.fetch_sub(1, Ordering::SeqCst);
    }
}

fn send_url(url: &str, c: &Concurrency) -> usize {
    c.enter();
    thread::sleep(Duration::from_millis(15));
    c.leave();
    url.len()
}

/// Runs the scenario.
pub(crate) fn run() {
    const MAX_THREADS: usize = 5;

    // 1. At most MAX_THREADS at once over 40 URLs.
    let urls: Vec<String> = (0..40)
        .map(|i| format!("https://example.com/notify/{i}"))
        .collect();
    let c = Arc::new(Concurrency::default());
    let pool = ThreadPoolExecutor::builder()
        .max_workers(MAX_THREADS)
        .thread_name_prefix("notify")
        .build()
        .expect("MAX_THREADS > 0");
    let start = Instant::now();
    let c1 = c.clone();
    let sent: usize = pool
        .map(move |url: String| send_url(&url, &c1), urls)
        .expect("the pool is open")
        .map(|r| r.expect("send_url does not panic"))
        .sum();
    println!(
        "1. 40 urls ({sent} bytes) on at most {MAX_THREADS} threads: peak concurrency {}, {} worker threads, {} ms",
        c.peak.load(Ordering::SeqCst),
        pool.worker_count(),
        start.elapsed().as_millis()
    );
    drop(pool);

    // 2. Group by uid % MAX_THREADS; each group runs in one task, in order.
    let products: Vec<(u32, u32)> = (0..30).map(|i| (i * 7 % 11, i)).collect(); // (uid, product)
    let mut groups: BTreeMap<u32, Vec<(u32, u32)>> = BTreeMap::new();
    for p in products {
        groups.entry(p.0 % MAX_THREADS as u32).or_default().push(p);
    }
    let pool = ThreadPoolExecutor::new(MAX_THREADS).expect("MAX_THREADS > 0");
    let futures: Vec<_> = groups
        .into_iter()
        .map(|(group, list)| {
            pool.submit(move || {
                let me = thread::current().name().unwrap_or("?").to_string();
                for _ in &list {
                    thread::sleep(Duration::from_millis(2));
                }
                (group, list.len(), me)
            })
            .expect("the pool is open")
        })
        .collect();
    for f in &futures {
        let (group, n, thread_name) = f.result().expect("no panic");
        println!("2. uid group {group}: {n} products shipped in order by {thread_name}");
    }
    drop(pool);

    // 3. THREAD_LINE workers take the next item as soon as they finish one.
    let c = Arc::new(Concurrency::default());
    let pool = ThreadPoolExecutor::new(MAX_THREADS).expect("MAX_THREADS > 0");
    let start = Instant::now();
    let futures: Vec<_> = (0..30)
        .map(|i| {
            let c = c.clone();
            pool.submit(move || {
                c.enter();
                thread::sleep(Duration::from_millis(10 + (i % 3) * 5));
                c.leave();
            })
            .expect("the pool is open")
        })
        .collect();
    for f in futures {
        f.result().expect("no panic");
    }
    println!(
        "3. 30 articles on {MAX_THREADS} workers: peak concurrency {}, {} ms (one thread: ~450 ms)",
        c.peak.load(Ordering::SeqCst),
        start.elapsed().as_millis()
    );
}

#[allow(dead_code)]
fn main() {
    run();
}
