//! `Barrier`: checklist group I (and R-05). Plain `std::thread` threads.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use pythreading::threading::{Barrier, BarrierBuildError, BarrierWaitResult, BrokenBarrierError};

mod timing;
use timing::wait_for;

const N: usize = 5;

/// Runs `f(i)` on `n` threads and returns their results in thread order.
fn bunch<R: Send + 'static>(n: usize, f: impl Fn(usize) -> R + Send + Sync + 'static) -> Vec<R> {
    let f = Arc::new(f);
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let f = Arc::clone(&f);
            thread::spawn(move || f(i))
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

#[test]
fn send_sync() {
    fn check<T: Send + Sync>() {}
    check::<Barrier>();
    check::<BarrierWaitResult>();
    check::<BrokenBarrierError>();
    check::<BarrierBuildError>();
}

// I-01
#[test]
fn zero_parties_is_an_error() {
    assert_eq!(Barrier::new(0).unwrap_err(), BarrierBuildError);
    assert!(Barrier::builder(0).build().is_err());
}

// I-02, I-03, I-04, R-05
#[test]
fn lockstep_for_ten_cycles_with_distinct_indices() {
    let barrier = Arc::new(Barrier::new(N).unwrap());
    let arrived = Arc::new(AtomicUsize::new(0));
    let (b, a) = (Arc::clone(&barrier), Arc::clone(&arrived));
    let indices = bunch(N, move |_| {
        let mut mine = Vec::new();
        for cycle in 0..10 {
            a.fetch_add(1, Ordering::SeqCst);
            let r = b.wait().unwrap();
            // Nobody leaves before all N of this cycle arrived.
            assert!(a.load(Ordering::SeqCst) >= (cycle + 1) * N);
            mine.push(r.index());
        }
        mine
    });
    for cycle in 0..10 {
        let mut seen: Vec<usize> = indices.iter().map(|v| v[cycle]).collect();
        seen.sort();
        assert_eq!(seen, (0..N).collect::<Vec<_>>());
    }
    assert_eq!(barrier.parties(), N);
    assert_eq!(barrier.n_waiting(), 0);
    assert!(!barrier.is_broken());
}

// I-05, I-06
#[test]
fn action_runs_once_per_cycle_in_the_last_arrival_before_release() {
    let runs = Arc::new(AtomicUsize::new(0));
    let ran_in = Arc::new(Mutex::new(Vec::new()));
    let (r, t) = (Arc::clone(&runs), Arc::clone(&ran_in));
    let barrier = Arc::new(
        Barrier::builder(N)
            .action(move || {
                r.fetch_add(1, Ordering::SeqCst);
                t.lock().unwrap().push(thread::current().id());
            })
            .build()
            .unwrap(),
    );
    let (b, r) = (Arc::clone(&barrier), Arc::clone(&runs));
    let results = bunch(N, move |_| {
        let mut leaders = Vec::new();
        for cycle in 0..3 {
            let res = b.wait().unwrap();
            assert_eq!(
                r.load(Ordering::SeqCst),
                cycle + 1,
                "action ran before release"
            );
            if res.is_leader() {
                assert_eq!(res.index(), N - 1);
                leaders.push(thread::current().id());
            }
        }
        leaders
    });
    assert_eq!(runs.load(Ordering::SeqCst), 3);
    // Per thread, the cycles it led; compared as multisets of thread ids.
    let mut leaders: Vec<String> = results
        .into_iter()
        .flatten()
        .map(|id| format!("{id:?}"))
        .collect();
    let mut ran: Vec<String> = ran_in
        .lock()
        .unwrap()
        .iter()
        .map(|id| format!("{id:?}"))
        .collect();
    leaders.sort();
    ran.sort();
    assert_eq!(leaders, ran, "the last arrival ran the action");
}

// I-07
#[test]
fn abort_breaks_it_for_everyone() {
    let barrier = Arc::new(Barrier::new(N).unwrap());
    let b = Arc::clone(&barrier);
    let results = bunch(N, move |i| {
        b.wait().unwrap(); // pass 1
        if i == N - 1 {
            // wait for the others to block in pass 2, then abort
            wait_for(|| b.n_waiting() == N - 1);
            b.abort();
            None
        } else {
            Some(b.wait())
        }
    });
    let errors = results
        .iter()
        .filter(|r| matches!(r, Some(Err(BrokenBarrierError))))
        .count();
    assert_eq!(errors, N - 1);
    assert!(barrier.is_broken());
    assert_eq!(
        barrier.wait(),
        Err(BrokenBarrierError),
        "later waits fail too"
    );
}

// I-08
#[test]
fn reset_while_waiting_breaks_them_then_it_works() {
    let barrier = Arc::new(Barrier::new(N).unwrap());
    let b = Arc::clone(&barrier);
    let results = bunch(N, move |i| {
        let first = if i == N - 1 {
            wait_for(|| b.n_waiting() == N - 1);
            b.reset();
            None
        } else {
            Some(b.wait().is_err())
        };
        // Everyone passes the next wait.
        let second = b.wait().is_ok();
        (first, second)
    });
    for (i, (first, second)) in results.into_iter().enumerate() {
        if i < N - 1 {
            assert_eq!(
                first,
                Some(true),
                "waiters during reset get BrokenBarrierError"
            );
        }
        assert!(second);
    }
    assert!(!barrier.is_broken());
}

// I-09 (CPython's test_abort_and_reset)
#[test]
fn abort_then_reset_then_reuse() {
    let barrier = Arc::new(Barrier::new(N).unwrap());
    let sync = Arc::new(Barrier::new(N).unwrap());
    let (b, b2) = (Arc::clone(&barrier), Arc::clone(&sync));
    let outcomes = bunch(N, move |_| {
        let first = match b.wait() {
            Ok(r) if r.index() == N / 2 => {
                b.abort();
                "aborted"
            }
            Ok(_) => match b.wait() {
                Ok(_) => "passed",
                Err(BrokenBarrierError) => "broken",
            },
            Err(BrokenBarrierError) => "broken",
        };
        // Everyone has left the broken barrier before the reset, and nobody enters it before.
        if b2.wait().unwrap().index() == N / 2 {
            b.reset();
        }
        b2.wait().unwrap();
        (first, b.wait().is_ok())
    });
    assert_eq!(outcomes.iter().filter(|o| o.0 == "aborted").count(), 1);
    assert_eq!(outcomes.iter().filter(|o| o.0 == "broken").count(), N - 1);
    assert!(outcomes.iter().all(|o| o.1), "all N pass after the reset");
    assert!(!barrier.is_broken());
}

// I-10, I-11, A-07
#[test]
fn timeout_breaks_it_for_everyone() {
    let barrier = Arc::new(Barrier::new(3).unwrap());
    let b = Arc::clone(&barrier);
    let results = bunch(3, move |i| {
        if i == 2 {
            // The late arrival: comes after the others broke it.
            wait_for(|| b.is_broken());
            b.wait().is_err()
        } else if i == 0 {
            let start = Instant::now();
            let r = b.wait_timeout(Duration::from_millis(100));
            assert!(start.elapsed() >= Duration::from_millis(100), "never early");
            r.is_err()
        } else {
            b.wait().is_err()
        }
    });
    assert_eq!(results, [true, true, true]);

    let lonely = Barrier::builder(2)
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let start = Instant::now();
    assert_eq!(lonely.wait(), Err(BrokenBarrierError));
    let elapsed = start.elapsed();
    assert!(
        elapsed >= Duration::from_millis(100),
        "A-07: no slack, {elapsed:?}"
    );
    assert!(elapsed < Duration::from_secs(1));
}

// I-12
#[test]
fn single_party_returns_zero_at_once() {
    let b = Barrier::new(1).unwrap();
    for _ in 0..3 {
        assert_eq!(b.wait().unwrap().index(), 0);
    }
    assert_eq!(b.wait_timeout(Duration::ZERO).unwrap().index(), 0);
}

// I-13
#[test]
fn debug_shows_waiters_and_broken() {
    let barrier = Arc::new(Barrier::new(3).unwrap());
    assert!(format!("{barrier:?}").ends_with(": waiters=0/3>"));
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let b = Arc::clone(&barrier);
            thread::spawn(move || b.wait())
        })
        .collect();
    wait_for(|| barrier.n_waiting() == 2);
    assert!(format!("{barrier:?}").ends_with(": waiters=2/3>"));
    barrier.wait().unwrap();
    for h in handles {
        h.join().unwrap().unwrap();
    }
    assert!(format!("{barrier:?}").ends_with(": waiters=0/3>"));
    barrier.abort();
    assert!(format!("{barrier:?}").ends_with(": broken>"));
}

// I-14
#[test]
fn panicking_action_breaks_it_and_the_panic_reaches_its_thread() {
    let barrier = Arc::new(
        Barrier::builder(3)
            .action(|| panic!("action failed"))
            .build()
            .unwrap(),
    );
    let b = Arc::clone(&barrier);
    let results = bunch(3, move |_| {
        match catch_unwind(AssertUnwindSafe(|| b.wait())) {
            Ok(Ok(_)) => "passed",
            Ok(Err(BrokenBarrierError)) => "broken",
            Err(payload) => {
                assert_eq!(payload.downcast_ref::<&str>(), Some(&"action failed"));
                "panicked"
            }
        }
    });
    let mut results = results;
    results.sort();
    assert_eq!(results, ["broken", "broken", "panicked"]);
    assert!(barrier.is_broken());
}

// I-15
#[test]
fn broken_barrier_error_is_a_runtime_error() {
    assert!(BrokenBarrierError.is_runtime_error());
    let b = Barrier::new(2).unwrap();
    b.abort();
    assert_eq!(b.n_waiting(), 0);
}

// The timeout convention: Duration::MAX never panics and waits for the other parties.
#[test]
fn duration_max_waits_for_the_others() {
    let barrier = Arc::new(Barrier::builder(2).timeout(Duration::MAX).build().unwrap());
    let b = Arc::clone(&barrier);
    let h = thread::spawn(move || b.wait_timeout(Duration::MAX).map(|r| r.index()));
    wait_for(|| barrier.n_waiting() == 1);
    let mine = barrier.wait().unwrap().index();
    let theirs = h.join().unwrap().unwrap();
    assert_eq!(mine + theirs, 1);
}

// I-10, I-11 with the timeout convention: `wait_timeout(ZERO)` is a poll — a lone arrival of
// two parties breaks the barrier at once instead of waiting — and so is a ZERO default
// timeout; `reset()` then makes it usable again.
#[test]
fn zero_timeout_breaks_at_once_and_reset_restores() {
    let barrier = Arc::new(Barrier::new(2).unwrap());
    let start = Instant::now();
    assert_eq!(
        barrier.wait_timeout(Duration::ZERO).unwrap_err(),
        BrokenBarrierError
    );
    assert!(start.elapsed() < Duration::from_millis(500));
    assert!(barrier.is_broken());
    assert!(barrier.wait().is_err(), "broken for later arrivals too");
    barrier.reset();
    let b = Arc::clone(&barrier);
    let h = thread::spawn(move || b.wait().map(|r| r.index()));
    let mine = barrier.wait_timeout(Duration::MAX).unwrap().index();
    assert_eq!(mine + h.join().unwrap().unwrap(), 1);

    let zero = Barrier::builder(2).timeout(Duration::ZERO).build().unwrap();
    let start = Instant::now();
    assert!(zero.wait().is_err());
    assert!(start.elapsed() < Duration::from_millis(500));
    assert!(zero.is_broken());
}

// I-14: the panic of a barrier action is not lost and breaks the barrier for everyone, also
// for the waiters already parked with `Duration::MAX` and for later arrivals; after `reset()`
// the next cycle works.
#[test]
fn panicking_action_releases_max_waiters_and_reset_recovers() {
    let fail = Arc::new(AtomicUsize::new(1));
    let f = Arc::clone(&fail);
    let barrier = Arc::new(
        Barrier::builder(3)
            .action(move || {
                if f.load(Ordering::SeqCst) == 1 {
                    panic!("{}", String::from("action failed: owned message"));
                }
            })
            .build()
            .unwrap(),
    );
    let waiters: Vec<_> = (0..2)
        .map(|_| {
            let b = Arc::clone(&barrier);
            thread::spawn(move || b.wait_timeout(Duration::MAX).is_err())
        })
        .collect();
    wait_for(|| barrier.n_waiting() == 2);
    let payload = catch_unwind(AssertUnwindSafe(|| barrier.wait())).unwrap_err();
    assert_eq!(
        payload.downcast_ref::<String>().map(String::as_str),
        Some("action failed: owned message")
    );
    for h in waiters {
        assert!(
            h.join().unwrap(),
            "every parked waiter sees the barrier broken"
        );
    }
    assert!(barrier.wait().is_err());
    barrier.reset();
    fail.store(0, Ordering::SeqCst);
    let mut indices = bunch(3, {
        let b = Arc::clone(&barrier);
        move |_| b.wait().unwrap().index()
    });
    indices.sort();
    assert_eq!(indices, [0, 1, 2]);
}
