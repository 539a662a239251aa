//! `Timer` and `RepeatingTimer` (spec group M; the 10,000-pending-timers scaling requirement).

use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use pythreading::threading::{RepeatingTimer, Timer};

// M-02: the function runs after about `interval` (A-01 window); cancel after firing is harmless.
#[test]
fn fires_after_interval() {
    let (tx, rx) = mpsc::channel();
    let start = Instant::now();
    let t = Timer::new(Duration::from_millis(100), move || {
        tx.send(Instant::now()).unwrap()
    })
    .daemon(true)
    .start();
    assert!(t.is_alive());
    let fired_at = rx.recv_timeout(Duration::from_secs(5)).unwrap();
    let elapsed = fired_at - start;
    assert!(elapsed >= Duration::from_millis(100), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(1), "{elapsed:?}");
    t.join();
    assert!(t.has_fired());
    assert!(t.is_finished());
    assert!(!t.cancel());
}

// M-02: cancel before expiry prevents the call, and drops the callback at once.
#[test]
fn cancel_prevents_the_call() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let t = Timer::new(Duration::from_millis(50), move || {
        c.fetch_add(1, Ordering::SeqCst);
    })
    .daemon(true)
    .start();
    assert!(t.cancel());
    assert_eq!(Arc::strong_count(&calls), 1);
    assert!(t.is_finished());
    assert!(!t.has_fired());
    std::thread::sleep(Duration::from_millis(150));
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

// M-03: Thread-N names from the shared counter; join waits for the callback to return.
#[test]
fn name_and_join() {
    let t = Timer::new(Duration::from_millis(10), || {
        std::thread::sleep(Duration::from_millis(50))
    })
    .daemon(true);
    assert!(t.name().starts_with("Thread-"));
    assert!(!t.is_alive()); // not started
    let t = t.start();
    let start = Instant::now();
    assert!(!t.join_timeout(Duration::ZERO));
    t.join();
    assert!(start.elapsed() >= Duration::from_millis(30));
    assert!(t.join_timeout(Duration::MAX));
}

// Duration::MAX never fires and never panics; cancel still works.
#[test]
fn max_interval_never_fires() {
    let t = Timer::new(Duration::MAX, || unreachable!())
        .daemon(true)
        .start();
    assert!(!t.join_timeout(Duration::from_millis(20)));
    assert!(t.cancel());
    assert!(t.join_timeout(Duration::ZERO));
}

// Earlier timers fire first even when scheduled later.
#[test]
fn fires_in_deadline_order() {
    let (tx, rx) = mpsc::channel();
    let tx2 = tx.clone();
    let _late = Timer::new(Duration::from_millis(300), move || tx.send("late").unwrap())
        .daemon(true)
        .start();
    let _early = Timer::new(Duration::from_millis(50), move || {
        tx2.send("early").unwrap()
    })
    .daemon(true)
    .start();
    assert_eq!(rx.recv_timeout(Duration::from_secs(5)).unwrap(), "early");
    assert_eq!(rx.recv_timeout(Duration::from_secs(5)).unwrap(), "late");
}

#[cfg(target_os = "linux")]
fn os_threads() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

// 10,000 pending timers do not need 10,000 threads; each fires exactly once; cancelled ones
// never fire. The ones to cancel (every tenth) are due in an hour, so they are still pending
// when cancelled however slowly the set-up runs (and at least 1,000 timers are pending while
// the threads are counted); the others are due in 300-399 ms.
#[test]
fn ten_thousand_timers_share_threads() {
    const N: usize = 10_000;
    let counts: Arc<Vec<AtomicU8>> = Arc::new((0..N).map(|_| AtomicU8::new(0)).collect());
    let timers: Vec<Timer> = (0..N)
        .map(|i| {
            let counts = counts.clone();
            let due = if i % 10 == 0 {
                Duration::from_secs(3600)
            } else {
                Duration::from_millis(300 + (i % 100) as u64)
            };
            Timer::new(due, move || {
                counts[i].fetch_add(1, Ordering::SeqCst);
            })
            .daemon(true)
            .start()
        })
        .collect();
    #[cfg(target_os = "linux")]
    {
        let threads = os_threads();
        // The test harness runs other tests in parallel; 10,000 timers must add at most a few.
        assert!(
            threads < 200,
            "{threads} OS threads with {N} pending timers"
        );
    }
    // Cancel every tenth one.
    for t in timers.iter().step_by(10) {
        assert!(t.cancel());
    }
    for t in &timers {
        assert!(t.join_timeout(Duration::from_secs(30)));
    }
    for (i, c) in counts.iter().enumerate() {
        let expected = if i % 10 == 0 { 0 } else { 1 };
        assert_eq!(c.load(Ordering::SeqCst), expected, "timer {i}");
    }
}

// The repeating form runs every interval until cancelled; no run after cancel() returned.
#[test]
fn repeating_timer_runs_until_cancelled() {
    let runs = Arc::new(AtomicUsize::new(0));
    let r = runs.clone();
    let start = Instant::now();
    let timer = RepeatingTimer::new(Duration::from_millis(20), move || {
        r.fetch_add(1, Ordering::SeqCst);
    })
    .start();
    while runs.load(Ordering::SeqCst) < 5 {
        assert!(start.elapsed() < Duration::from_secs(10));
        std::thread::sleep(Duration::from_millis(5));
    }
    // 5 runs take at least 4 intervals after the first (0.6 slack as A-01).
    assert!(start.elapsed() >= Duration::from_millis(60));
    assert!(timer.cancel());
    assert!(!timer.cancel());
    let after = runs.load(Ordering::SeqCst);
    std::thread::sleep(Duration::from_millis(80));
    assert_eq!(runs.load(Ordering::SeqCst), after);
    assert_eq!(timer.runs() as usize, after);
    assert!(timer.is_cancelled());
}

// A repeating timer can cancel itself from its own callback without deadlocking.
#[test]
fn repeating_timer_cancels_itself() {
    let slot: Arc<std::sync::Mutex<Option<Arc<RepeatingTimer>>>> = Arc::default();
    let s = slot.clone();
    let runs = Arc::new(AtomicUsize::new(0));
    let r = runs.clone();
    let timer = Arc::new(
        RepeatingTimer::new(Duration::from_millis(5), move || {
            if r.fetch_add(1, Ordering::SeqCst) == 2
                && let Some(t) = s.lock().unwrap().as_ref()
            {
                t.cancel();
            }
        })
        .start(),
    );
    *slot.lock().unwrap() = Some(timer.clone());
    let start = Instant::now();
    while !timer.is_cancelled() {
        assert!(start.elapsed() < Duration::from_secs(10));
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(30));
    assert_eq!(runs.load(Ordering::SeqCst), 3);
    slot.lock().unwrap().take();
}

// The timeout convention for timers: a ZERO interval fires promptly (no panic, no wait); a
// repeating timer with a `Duration::MAX` interval never runs, never panics, and cancels.
#[test]
fn zero_interval_fires_and_max_repeating_never_runs() {
    let (tx, rx) = mpsc::channel();
    let t = Timer::new(Duration::ZERO, move || tx.send(()).unwrap())
        .daemon(true)
        .start();
    rx.recv_timeout(Duration::from_secs(5)).unwrap();
    assert!(t.join_timeout(Duration::MAX));
    assert!(t.has_fired());

    let runs = Arc::new(AtomicUsize::new(0));
    let r = runs.clone();
    let rep = RepeatingTimer::new(Duration::MAX, move || {
        r.fetch_add(1, Ordering::SeqCst);
    })
    .start();
    std::thread::sleep(Duration::from_millis(20));
    assert!(rep.cancel());
    assert_eq!(rep.runs(), 0);
    assert_eq!(runs.load(Ordering::SeqCst), 0);

    // A ZERO repeating interval runs back to back without panicking, and cancel() stops it.
    let r = runs.clone();
    let rep = RepeatingTimer::new(Duration::ZERO, move || {
        r.fetch_add(1, Ordering::SeqCst);
    })
    .start();
    let start = Instant::now();
    while rep.runs() < 10 {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "ZERO interval never ran"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    assert!(rep.cancel());
    let after = rep.runs();
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(rep.runs(), after, "no run after cancel() returned");
    assert_eq!(runs.load(Ordering::SeqCst) as u64, after);
}

// O-07 for timers: a Python `Timer` runs its function in a thread of its own, so a
// `threading.local` seen by the callback starts empty and its values go when the timer is done.
// The shared pool must not let one callback see (or keep alive) another callback's values.
#[test]
fn timer_callbacks_do_not_share_local_values() {
    let local = Arc::new(pythreading::threading::Local::new(|| None::<Arc<()>>));
    let tracked = Arc::new(());
    for round in 0..5 {
        let (l, t) = (local.clone(), tracked.clone());
        let (tx, rx) = mpsc::channel();
        let timer = Timer::new(Duration::ZERO, move || {
            tx.send(l.with(Option::is_some)).unwrap();
            l.set(Some(t));
        })
        .daemon(true)
        .start();
        assert!(
            !rx.recv_timeout(Duration::from_secs(5)).unwrap(),
            "round {round}: stale value"
        );
        assert!(timer.join_timeout(Duration::from_secs(5)));
        assert_eq!(
            Arc::strong_count(&tracked),
            1,
            "round {round}: value outlived the timer"
        );
    }
    let (l, t) = (local.clone(), tracked.clone());
    let (tx, rx) = mpsc::channel();
    let rep = RepeatingTimer::new(Duration::from_millis(1), move || {
        let _ = tx.send(l.with(Option::is_some));
        l.set(Some(t.clone()));
    })
    .start();
    for _ in 0..3 {
        assert!(
            !rx.recv_timeout(Duration::from_secs(5)).unwrap(),
            "each run starts fresh"
        );
    }
    rep.cancel();
    assert_eq!(local.thread_count(), 0);
}
