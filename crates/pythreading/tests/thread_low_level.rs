//! `threading::low_level`, Python's `_thread` (spec group B).

use std::sync::mpsc;
use std::time::{Duration, Instant};

use pythreading::threading::{self, low_level};

// B-01, K-03: the returned ident equals get_ident() and current_thread().ident() inside; the
// raw thread appears as a dummy thread once it asks for current_thread().
#[test]
fn start_new_thread_returns_the_ident() {
    let (tx, rx) = mpsc::channel();
    let ident = low_level::start_new_thread(move || {
        let me = threading::current_thread();
        tx.send((low_level::get_ident(), me.ident(), me.is_dummy()))
            .unwrap();
    })
    .unwrap();
    let (inside, current, dummy) = rx.recv().unwrap();
    assert_eq!(inside, ident);
    assert_eq!(current, ident);
    assert!(dummy);
}

// B-04: exit() ends a raw thread silently; code after it never runs.
#[test]
fn exit_ends_the_raw_thread() {
    let (tx, rx) = mpsc::channel();
    low_level::start_new_thread(move || {
        tx.send("before").unwrap();
        low_level::exit();
    })
    .unwrap();
    assert_eq!(rx.recv().unwrap(), "before");
    // The sender was dropped by the unwind: nothing else arrives.
    assert!(rx.recv().is_err());
}

// B-05: count() rises while a raw thread runs and falls back when it ends.
#[test]
fn count_tracks_raw_threads() {
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let (started_tx, started_rx) = mpsc::channel::<()>();
    low_level::start_new_thread(move || {
        started_tx.send(()).unwrap();
        let _ = go_rx.recv();
    })
    .unwrap();
    started_rx.recv().unwrap();
    assert!(low_level::count() >= 1);
    drop(go_tx);
    // Other tests may run raw threads too; wait for this one's decrement to be possible.
    let deadline = Instant::now() + Duration::from_secs(5);
    while low_level::count() != 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(low_level::count(), 0);
}

// B-06, S-24: stack_size reads back, 0 resets, a too-small size is refused without change.
#[test]
fn stack_size_setting() {
    assert_eq!(low_level::stack_size(), 0);
    assert_eq!(low_level::set_stack_size(262_144), Ok(0));
    assert_eq!(low_level::stack_size(), 262_144);
    // Threads still run with it.
    assert_eq!(threading::spawn(|| 5).join().unwrap(), 5);
    assert_eq!(low_level::set_stack_size(0x10_0000), Ok(262_144));
    let err = low_level::set_stack_size(4096).unwrap_err();
    assert_eq!(err.size(), 4096);
    assert!(err.to_string().contains("not valid"));
    assert_eq!(low_level::stack_size(), 0x10_0000);
    assert_eq!(low_level::set_stack_size(0), Ok(0x10_0000));
    assert_eq!(low_level::stack_size(), 0);
}

// B-08: 10 raw threads with tiny random-ish sleeps all complete.
#[test]
fn ten_raw_threads_complete() {
    let (tx, rx) = mpsc::channel();
    for i in 0..10_u64 {
        let tx = tx.clone();
        low_level::start_new_thread(move || {
            std::thread::sleep(Duration::from_micros((i * 7919) % 1000));
            tx.send(i).unwrap();
        })
        .unwrap();
    }
    drop(tx);
    let mut got: Vec<u64> = rx.iter().collect();
    got.sort_unstable();
    assert_eq!(got, (0..10).collect::<Vec<_>>());
}

// B-07: `allocate_lock()` is a `threading.Lock`: released by a thread other than its acquirer,
// and a second `release()` is an error.
// B-08: the two-lock hand-off barrier built from raw threads and allocated locks.
#[test]
fn allocate_lock_is_a_lock_releasable_by_another_raw_thread() {
    use std::sync::Arc;

    let lock = Arc::new(low_level::allocate_lock());
    lock.acquire();
    assert!(lock.locked());
    let (tx, rx) = mpsc::channel();
    let releaser = Arc::clone(&lock);
    low_level::start_new_thread(move || {
        tx.send(releaser.release().is_ok()).unwrap();
    })
    .unwrap();
    assert!(rx.recv_timeout(Duration::from_secs(30)).unwrap());
    assert!(!lock.locked());
    assert!(lock.release().is_err());

    // Ten raw threads pass a turnstile made of two allocated locks, three trips each.
    let gate = Arc::new(low_level::allocate_lock());
    let mutex = Arc::new(low_level::allocate_lock());
    let passed = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    gate.acquire();
    let (done_tx, done_rx) = mpsc::channel();
    for _ in 0..10 {
        let (gate, mutex, passed, done_tx) = (
            Arc::clone(&gate),
            Arc::clone(&mutex),
            Arc::clone(&passed),
            done_tx.clone(),
        );
        low_level::start_new_thread(move || {
            for _ in 0..3 {
                gate.acquire(); // wait for the turnstile to open
                gate.release().unwrap(); // let the next one through
                mutex.acquire();
                passed.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                mutex.release().unwrap();
            }
            done_tx.send(()).unwrap();
        })
        .unwrap();
    }
    drop(done_tx);
    gate.release().unwrap(); // open the turnstile, acquired above by this thread
    for _ in 0..10 {
        done_rx.recv_timeout(Duration::from_secs(30)).unwrap();
    }
    assert_eq!(passed.load(std::sync::atomic::Ordering::SeqCst), 30);
}
