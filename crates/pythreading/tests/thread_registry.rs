//! The registry: current_thread, main_thread, enumerate, active_count, idents, dummy threads
//! (spec group K; J-18).

use std::sync::mpsc;
use std::time::{Duration, Instant};

use pythreading::threading::{self, Builder, JoinError};

// K-01: the main thread is named MainThread, is non-daemon, and is not a test-harness thread;
// from another thread its ident differs from current_thread()'s.
#[test]
fn main_thread_is_the_process_main_thread() {
    let main = threading::main_thread();
    assert_eq!(main.name(), "MainThread");
    assert!(!main.is_daemon());
    assert!(main.is_alive());
    #[cfg(target_os = "linux")]
    assert_eq!(main.native_id(), u64::from(std::process::id()));
    let from_other = threading::spawn(|| {
        (
            threading::main_thread().ident(),
            threading::current_thread().ident(),
        )
    })
    .join()
    .unwrap();
    assert_eq!(from_other.0, main.ident());
    assert_ne!(from_other.0, from_other.1);
    assert!(threading::enumerate().contains(&main));
}

// K-02: inside a spawned thread, current_thread() is that very thread.
#[test]
fn current_thread_inside_spawned_thread() {
    let h = Builder::new()
        .name("me")
        .spawn(threading::current_thread)
        .unwrap();
    let expected = h.thread().clone();
    let seen = h.join().unwrap();
    assert_eq!(seen, expected);
    assert_eq!(seen.name(), "me");
}

// K-03, K-04, S-16: a std thread gets a Dummy-N daemon entry with its get_ident(), which cannot
// be joined and is removed when the thread exits.
#[test]
fn foreign_thread_gets_a_dummy_entry() {
    let (tx, rx) = mpsc::channel();
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let foreign = std::thread::spawn(move || {
        let me = threading::current_thread();
        tx.send((me, threading::get_ident())).unwrap();
        let _ = done_rx.recv();
    });
    let (dummy, ident) = rx.recv().unwrap();
    assert!(dummy.name().starts_with("Dummy-"), "{}", dummy.name());
    assert!(dummy.is_daemon());
    assert!(dummy.is_dummy());
    assert!(dummy.is_alive());
    assert_eq!(dummy.ident(), ident);
    assert!(threading::enumerate().contains(&dummy));
    assert!(format!("{dummy:?}").contains("_DummyThread"));
    assert_eq!(dummy.join(), Err(JoinError::DummyThread));
    done_tx.send(()).unwrap();
    foreign.join().unwrap();
    // std's join waits for thread-local destructors: the entry is gone at once.
    assert!(!threading::enumerate().contains(&dummy));
    assert!(!dummy.is_alive());
}

// K-05, J-18: enumerate lists a thread while it runs and never after join; active_count agrees.
#[test]
fn enumerate_and_active_count_follow_threads() {
    for _ in 0..100 {
        let h = threading::spawn(|| ());
        let t = h.thread().clone();
        t.join().unwrap();
        assert!(!threading::enumerate().contains(&t));
        h.join().unwrap();
    }
    let (tx, rx) = mpsc::channel::<()>();
    let h = threading::spawn(move || {
        let _ = rx.recv();
    });
    let listed = threading::enumerate();
    assert!(listed.contains(h.thread()));
    assert!(listed.contains(&threading::main_thread()));
    // Sorted by ident (start order).
    assert!(listed.windows(2).all(|w| w[0].ident() < w[1].ident()));
    assert!(threading::active_count() >= 2);
    drop(tx);
    let t = h.thread().clone();
    h.join().unwrap();
    assert!(!threading::enumerate().contains(&t));
}

// K-06: get_ident is positive; native ids are unique among live threads; get_native_id matches
// Thread::native_id.
#[test]
fn idents_and_native_ids() {
    assert!(threading::get_ident() > 0);
    assert_eq!(threading::get_ident(), threading::get_ident());
    assert_eq!(threading::current_thread().ident(), threading::get_ident());
    let (tx, rx) = mpsc::channel::<()>();
    let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
    let hs: Vec<_> = (0..5)
        .map(|_| {
            let rx = rx.clone();
            threading::spawn(move || {
                let id = threading::get_native_id();
                let _ = rx.lock().unwrap().recv();
                id
            })
        })
        .collect();
    let mut ids: Vec<u64> = hs.iter().map(|h| h.thread().native_id()).collect();
    drop(tx);
    for (h, id) in hs.into_iter().zip(ids.clone()) {
        assert_eq!(h.join().unwrap(), id);
    }
    ids.push(threading::get_native_id());
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 6);
}

// K-04: the dummy entry disappears within 5 s even if nobody joins the foreign thread.
#[test]
fn dummy_removed_without_join() {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || tx.send(threading::current_thread()).unwrap());
    let dummy = rx.recv().unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while dummy.is_alive() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(2));
    }
    assert!(!dummy.is_alive());
    assert!(!threading::enumerate().contains(&dummy));
}
