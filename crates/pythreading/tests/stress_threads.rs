//! Stress: the registry under concurrent spawning, joining and enumerating (J-17, J-18, K-05).

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use pythreading::threading::{self, Builder, Local};

/// The tests of this file run one at a time, so that one test's threads do not appear in the
/// other's registry snapshots.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn one_at_a_time() -> MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner())
}

/// The idents `enumerate()` lists now.
fn registry() -> BTreeSet<u64> {
    threading::enumerate().iter().map(|t| t.ident()).collect()
}

// 4 spawner threads each spawn and join 500 threads while another thread keeps calling
// enumerate(): no joined thread is ever listed afterwards, every body ran exactly once, and the
// registry returns to what it held before: every thread listed afterwards was listed before
// (threads of earlier tests may have left since, so it can be smaller, never larger).
#[test]
fn concurrent_spawn_join_enumerate() {
    let _serial = one_at_a_time();
    // This (libtest) thread registers as a dummy thread on first use; be in the snapshot.
    let _ = (threading::main_thread(), threading::current_thread());
    let before = registry();
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
    let left: Vec<_> = threading::enumerate()
        .into_iter()
        .filter(|t| !before.contains(&t.ident()))
        .map(|t| format!("{t:?}"))
        .collect();
    assert!(
        left.is_empty(),
        "threads still registered after join: {left:?}"
    );
}

// Many threads touch many Locals at once; every value is dropped when its thread ends.
#[test]
fn locals_under_churn() {
    let _serial = one_at_a_time();
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
