//! Stress of the queue stores' leases (issue 9 §1): producers put 20,000 numbered items while
//! consumers take them under leases and, at random, ack, release, or hold past a short lease
//! timeout. Invariant, checked for every item with a bitmap: each item is acked exactly once
//! (an ack of a lease that already ended is refused), none is lost, and at the end nothing is
//! waiting or leased. Run on the in-memory store and on the durable (SQLite) store.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use pythreading_mp::managers::store::{
    Block, ConsumerId, DurableBackend, LeaseTerms, MemoryBackend, QueueBackend, QueueStore,
    StoreError, SyncPolicy, Waiter,
};
use pythreading_mp::pickle::Value;

const PRODUCERS: u64 = 2;
const CONSUMERS: u64 = 4;

fn stress(store: Arc<dyn QueueStore>, items: u64) {
    let acked = Arc::new(Mutex::new(vec![0u8; items as usize]));
    let done = Arc::new(AtomicU64::new(0));
    let refused = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let bound = Duration::from_secs(120);
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let store = Arc::clone(&store);
            thread::spawn(move || {
                for i in (p..items).step_by(PRODUCERS as usize) {
                    store
                        .put(Value::Int(i as i64), Waiter::new(Block::Forever))
                        .unwrap();
                }
            })
        })
        .collect();
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|c| {
            let (store, acked, done, refused) = (
                Arc::clone(&store),
                Arc::clone(&acked),
                Arc::clone(&done),
                Arc::clone(&refused),
            );
            thread::spawn(move || {
                let mut rng = fastrand::Rng::with_seed(c);
                let terms = LeaseTerms {
                    consumer: ConsumerId(c),
                    timeout: Some(Duration::from_millis(5)),
                };
                while done.load(Ordering::Acquire) < items {
                    assert!(
                        start.elapsed() < bound,
                        "stress did not finish in {bound:?}"
                    );
                    let d = match store.take(
                        Some(terms),
                        Waiter::new(Block::For(Duration::from_millis(20))),
                    ) {
                        Ok(d) => d,
                        Err(StoreError::Empty) => continue,
                        Err(e) => panic!("take: {e}"),
                    };
                    let Value::Int(i) = d.item else {
                        panic!("not an item: {:?}", d.item)
                    };
                    let lease = d.lease.unwrap();
                    match rng.u8(0..10) {
                        // Give it back.
                        0..=1 => match store.release(&lease) {
                            Ok(()) | Err(StoreError::UnknownLease(_)) => {}
                            Err(e) => panic!("release: {e}"),
                        },
                        // Hold it past the lease's timeout, then try to ack.
                        2 => {
                            thread::sleep(Duration::from_millis(10));
                            match store.ack(&lease) {
                                Ok(()) => {
                                    acked.lock().unwrap()[i as usize] += 1;
                                    done.fetch_add(1, Ordering::AcqRel);
                                }
                                Err(StoreError::UnknownLease(_)) => {
                                    refused.fetch_add(1, Ordering::Relaxed);
                                }
                                Err(e) => panic!("ack: {e}"),
                            }
                        }
                        _ => match store.ack(&lease) {
                            Ok(()) => {
                                acked.lock().unwrap()[i as usize] += 1;
                                done.fetch_add(1, Ordering::AcqRel);
                            }
                            // Expired in between (a slow thread): someone else gets it.
                            Err(StoreError::UnknownLease(_)) => {
                                refused.fetch_add(1, Ordering::Relaxed);
                            }
                            Err(e) => panic!("ack: {e}"),
                        },
                    }
                }
            })
        })
        .collect();
    for p in producers {
        p.join().unwrap();
    }
    for c in consumers {
        c.join().unwrap();
    }
    let acked = acked.lock().unwrap();
    let twice: Vec<usize> = (0..acked.len()).filter(|&i| acked[i] > 1).collect();
    let lost: Vec<usize> = (0..acked.len()).filter(|&i| acked[i] == 0).collect();
    assert!(twice.is_empty(), "acked twice: {twice:?}");
    assert!(lost.is_empty(), "never acked: {lost:?}");
    let stats = store.stats();
    assert_eq!((stats.depth, stats.leased), (0, 0), "{stats:?}");
    // Every put was finished by exactly one ack: join returns at once.
    store.join(Waiter::new(Block::Poll)).unwrap();
    println!(
        "{items} items acked once each, {} late acks refused, {:?}",
        refused.load(Ordering::Relaxed),
        start.elapsed()
    );
}

#[test]
fn memory_store_leases_ack_each_item_exactly_once() {
    stress(MemoryBackend.open("jobs", 0).unwrap(), 20_000);
}

#[test]
fn durable_store_leases_ack_each_item_exactly_once() {
    let dir = std::env::temp_dir().join(format!("pythreading-lease-stress-{}", std::process::id()));
    let backend = DurableBackend::open_with(&dir, SyncPolicy::Normal).unwrap();
    stress(backend.open("jobs", 0).unwrap(), 3_000);
    drop(backend);
    let _ = std::fs::remove_dir_all(&dir);
}
