//! `Local<T>` (spec group O, S-19).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, mpsc};
use std::time::Duration;

use pythreading::threading::{self, Local};

// O-01: a value set in one thread is invisible in another, which gets its own initial value.
#[test]
fn values_are_per_thread() {
    let local = Arc::new(Local::new(|| None::<u32>));
    local.set(Some(1));
    let other = local.clone();
    let seen = threading::spawn(move || other.get()).join().unwrap();
    assert_eq!(seen, None);
    assert_eq!(local.get(), Some(1));
}

// O-02: 10 threads set their own value and each reads back its own, across forced switches.
#[test]
fn each_thread_reads_its_own() {
    let local = Arc::new(Local::new(|| 0_usize));
    let meet = Arc::new(Barrier::new(10));
    let hs: Vec<_> = (0..10)
        .map(|i| {
            let local = local.clone();
            let meet = meet.clone();
            threading::spawn(move || {
                local.set(i);
                meet.wait();
                std::thread::sleep(Duration::from_millis(1));
                local.get()
            })
        })
        .collect();
    for (i, h) in hs.into_iter().enumerate() {
        assert_eq!(h.join().unwrap(), i);
    }
}

// O-04: the initializer runs again the first time each new thread touches the value.
#[test]
fn initializer_runs_per_thread() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let local = Arc::new(Local::new(move || {
        c.fetch_add(1, Ordering::SeqCst);
        String::from("red")
    }));
    assert_eq!(local.get(), "red");
    assert_eq!(local.get(), "red");
    let l2 = local.clone();
    assert_eq!(threading::spawn(move || l2.get()).join().unwrap(), "red");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

// O-06: removing the value affects only the current thread; the next access re-initializes.
#[test]
fn take_affects_only_this_thread() {
    let local = Arc::new(Local::new(|| 0));
    local.set(5);
    let (tx, rx) = mpsc::channel::<()>();
    let (ready_tx, ready_rx) = mpsc::channel::<()>();
    let other = local.clone();
    let h = threading::spawn(move || {
        other.set(9);
        ready_tx.send(()).unwrap();
        rx.recv().unwrap();
        other.get()
    });
    ready_rx.recv().unwrap();
    assert_eq!(local.take(), Some(5));
    assert!(!local.is_set());
    assert_eq!(local.get(), 0);
    tx.send(()).unwrap();
    assert_eq!(h.join().unwrap(), 9);
    assert_eq!(local.replace(3), 0);
    local.with_mut(|v| *v += 1);
    assert_eq!(local.with(|v| *v), 4);
}

// O-07: a thread's value is dropped when the thread ends (checked after std-level join, which
// waits for thread-local destructors); re-assigning in this thread does not revive it.
#[test]
fn values_dropped_when_thread_ends() {
    let local = Arc::new(Local::new(|| None::<Arc<()>>));
    let tracked = Arc::new(());
    let hs: Vec<_> = (0..5)
        .map(|_| {
            let local = local.clone();
            let tracked = tracked.clone();
            threading::spawn(move || local.set(Some(tracked)))
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    assert_eq!(Arc::strong_count(&tracked), 1);
    assert_eq!(local.thread_count(), 0);
    local.set(None);
    assert_eq!(Arc::strong_count(&tracked), 1);
}

// O-08: dropping the Local drops every thread's value, including live threads' values.
#[test]
fn values_dropped_with_the_local() {
    let tracked = Arc::new(());
    let local = Arc::new(Local::new(|| None::<Arc<()>>));
    let (tx, rx) = mpsc::channel::<()>();
    let (ready_tx, ready_rx) = mpsc::channel::<()>();
    let l2 = local.clone();
    let t2 = tracked.clone();
    let h = threading::spawn(move || {
        l2.set(Some(t2));
        drop(l2);
        ready_tx.send(()).unwrap();
        rx.recv().unwrap();
    });
    ready_rx.recv().unwrap();
    local.set(Some(tracked.clone()));
    assert_eq!(Arc::strong_count(&tracked), 3);
    drop(local);
    assert_eq!(Arc::strong_count(&tracked), 1);
    tx.send(()).unwrap();
    h.join().unwrap(); // the thread's exit finds the Local gone, and does nothing
    let fresh = Local::new(|| 1);
    assert_eq!(fresh.thread_count(), 0);
}

// works from threads the library did not create, and their values go when they end.
#[test]
fn works_in_foreign_threads() {
    let local = Arc::new(Local::new(Vec::<u8>::new));
    let l2 = local.clone();
    let len = std::thread::spawn(move || {
        l2.with_mut(|v| v.extend([1, 2, 3]));
        l2.with(Vec::len)
    })
    .join()
    .unwrap();
    assert_eq!(len, 3);
    assert_eq!(local.thread_count(), 0);
    assert!(local.get().is_empty());
}

// Nested access to the same Local from its own closure is refused loudly, never deadlocks.
#[test]
fn nested_access_panics_instead_of_deadlocking() {
    let local = Local::new(|| 1);
    let nested = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        local.with(|_| local.get());
    }));
    assert!(nested.is_err());
    // The value was put back despite the panic.
    assert_eq!(local.get(), 1);
}

// O-07 through Python's `t.join()` (`Thread::join`, not the std-level handle): once it returns,
// the thread has ended, so its values are already dropped — and `thread_count()` agrees.
#[test]
fn values_dropped_before_thread_join_returns() {
    let local = Arc::new(Local::new(|| None::<Arc<()>>));
    for _ in 0..100 {
        let tracked = Arc::new(());
        let (l, t) = (local.clone(), tracked.clone());
        let h = threading::spawn(move || l.set(Some(t)));
        h.thread().join().unwrap();
        assert_eq!(
            Arc::strong_count(&tracked),
            1,
            "value outlived Thread::join"
        );
        assert_eq!(local.thread_count(), 0);
        h.join().unwrap();
    }
}

// O-07: a value whose Drop panics at the thread's end does not keep the thread from finishing
// (joiners return; Python reports an exception in `__del__` and goes on).
#[test]
fn panicking_value_drop_does_not_hang_joiners() {
    struct Loud;
    impl Drop for Loud {
        fn drop(&mut self) {
            if !std::thread::panicking() {
                panic!("drop failed");
            }
        }
    }
    threading::set_excepthook(|_| {});
    let tracked = Arc::new(());
    let quiet = Arc::new(Local::new(|| None::<Arc<()>>));
    let local = Arc::new(Local::new(|| None::<Loud>));
    let (q, l, t) = (quiet.clone(), local.clone(), tracked.clone());
    let h = threading::spawn(move || {
        q.set(Some(t));
        l.set(Some(Loud)); // touched last, so dropped first
    });
    assert_eq!(
        h.thread().join_timeout(std::time::Duration::from_secs(10)),
        Ok(true)
    );
    assert_eq!(local.thread_count(), 0);
    assert_eq!(quiet.thread_count(), 0, "the other values are dropped too");
    assert_eq!(Arc::strong_count(&tracked), 1);
    h.join().expect("the body itself returned normally");
}
