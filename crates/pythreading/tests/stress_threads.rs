//! Stress: the registry under concurrent spawning, joining and enumerating (J-17, J-18, K-05).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use pythreading::threading::{self, Builder, Local};

// 4 spawner threads each spawn and join 500 threads while another thread keeps calling
// enumerate(): no joined thread is ever listed afterwards, every body ran exactly once, and the
// registry returns to its starting size.
#[test]
fn concurrent_spawn_join_enumerate() {
    let ran = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = {
        let stop = stop.clone();
        threading::spawn(move || {
            let mut looks = 0_u64;
            while !stop.load(Ordering::SeqCst) {
                let all = threading::enumerate();
                assert!(all.windows(2).all(|w| w[0].ident() < w[1].ident()));
                // (A listed thread may finish right after the snapshot: no is_alive check.)
                assert!(all.contains(&threading::main_thread()));
                looks += 1;
            }
            looks
        })
    };
    let spawners: Vec<_> = (0..4)
        .map(|_| {
            let ran = ran.clone();
            Builder::new()
                .daemon(true)
                .spawn(move || {
                    for _ in 0..500 {
                        let ran = ran.clone();
                        let h = threading::spawn(move || {
                            ran.fetch_add(1, Ordering::SeqCst);
                        });
                        let t = h.thread().clone();
                        h.join().unwrap();
                        assert!(!threading::enumerate().contains(&t));
                    }
                })
                .unwrap()
        })
        .collect();
    for s in spawners {
        s.join().unwrap();
    }
    stop.store(true, Ordering::SeqCst);
    assert!(watcher.join().unwrap() > 0);
    assert_eq!(ran.load(Ordering::SeqCst), 2000);
}

// Many threads touch many Locals at once; every value is dropped when its thread ends.
#[test]
fn locals_under_churn() {
    let locals: Arc<Vec<Local<Arc<()>>>> =
        Arc::new((0..16).map(|_| Local::new(|| Arc::new(()))).collect());
    let tracked = Arc::new(());
    let hs: Vec<_> = (0..64)
        .map(|i| {
            let locals = locals.clone();
            let tracked = tracked.clone();
            threading::spawn(move || {
                for (j, l) in locals.iter().enumerate() {
                    if (i + j) % 3 == 0 {
                        l.set(tracked.clone());
                    }
                    l.with(|v| assert!(Arc::strong_count(v) >= 1));
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    assert_eq!(Arc::strong_count(&tracked), 1);
    assert!(locals.iter().all(|l| l.thread_count() == 0));
}
