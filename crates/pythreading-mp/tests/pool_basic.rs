//! `Pool` against the checklist: MP-L01..L09, L11..L17 (L10 — exceptions raised by the input
//! iterable — has no counterpart: a Rust iterator cannot raise).
//!
//! Every test calls `pythreading_mp::init()` first; dropping a pool terminates it, so a failing
//! test leaves no worker behind.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use pythreading_mp::pool::{Pool, PoolError};
use serde::{Deserialize, Serialize};

fn square(x: u64) -> u64 {
    x * x
}

fn add(a: i64, b: i64) -> i64 {
    a + b
}

fn pid() -> u32 {
    std::process::id()
}

fn fails_on(x: u64, bad: u64) -> u64 {
    if x == bad {
        panic!("bad input {x}");
    }
    x
}

fn sleep_ms(ms: u64) -> u64 {
    std::thread::sleep(Duration::from_millis(ms));
    ms
}

/// Set by the initializer; read by `init_count`.
static INITIALIZED: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

fn initializer(tag: String) {
    assert_eq!(tag, "go");
    INITIALIZED.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
}

fn initializer_fails(why: String) {
    panic!("{why}");
}

fn init_count() -> u32 {
    INITIALIZED.load(std::sync::atomic::Ordering::SeqCst)
}

#[derive(Debug)]
struct Refuses;
impl Serialize for Refuses {
    fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom("refuses to be encoded"))
    }
}
impl<'de> Deserialize<'de> for Refuses {
    fn deserialize<D: serde::Deserializer<'de>>(_: D) -> Result<Self, D::Error> {
        Ok(Refuses)
    }
}

fn unencodable_result(_x: u32) -> Refuses {
    Refuses
}

fn takes_refuses(_r: Refuses) -> u32 {
    0
}

fn never_registered(x: u32) -> u32 {
    x
}

pythreading_mp::register!(
    square,
    add,
    pid,
    fails_on,
    sleep_ms,
    initializer,
    initializer_fails,
    init_count,
    unencodable_result,
    takes_refuses
);

const LONG: Duration = Duration::from_secs(60);

// MP-L01: constructor errors; Pool(3) has 3 workers; default size = CPU count.
#[test]
fn constructor() {
    pythreading_mp::init();
    let e = Pool::new(0).unwrap_err();
    assert!(matches!(e, PoolError::InvalidSize));
    assert_eq!(e.to_string(), "number of processes must be at least 1");
    assert!(matches!(
        Pool::builder().processes(1).max_tasks_per_child(0).build(),
        Err(PoolError::InvalidMaxTasks)
    ));
    let e = Pool::builder()
        .processes(1)
        .initializer(never_registered, (1,))
        .build()
        .unwrap_err();
    assert!(matches!(e, PoolError::NotRegistered { .. }), "{e:?}");
    let pool = Pool::new(3).unwrap();
    assert_eq!(pool.processes(), 3);
    assert_eq!(pool.worker_pids().len(), 3);
    let cpus = std::thread::available_parallelism().unwrap().get();
    assert_eq!(Pool::builder().build().unwrap().processes(), cpus);
}

// MP-L02: the initializer runs once in every worker.
#[test]
fn initializer_runs_in_every_worker() {
    pythreading_mp::init();
    let pool = Pool::builder()
        .processes(2)
        .initializer(initializer, ("go".to_string(),))
        .build()
        .unwrap();
    let seen: Vec<u32> = (0..8)
        .map(|_| pool.apply(init_count, ()).unwrap())
        .collect();
    assert!(seen.iter().all(|&c| c == 1), "{seen:?}");
}

// MP-L19 (and CPython's endless respawning when the initializer fails): a failing initializer
// is an error from the constructor, carrying its panic (the started workers are killed).
#[test]
fn failing_initializer_is_a_start_error() {
    pythreading_mp::init();
    let e = Pool::builder()
        .processes(2)
        .initializer(initializer_fails, ("no database".to_string(),))
        .build()
        .unwrap_err();
    match &e {
        PoolError::Start(m) => {
            assert!(m.contains("the initializer failed: no database"), "{m}");
            assert!(m.contains("pool_basic.rs"), "location missing: {m}");
        }
        other => panic!("{other:?}"),
    }
}

// MP-L03, MP-L04, MP-L05: apply, map (chunksize 20), starmap, *_async, empty inputs.
#[test]
fn apply_map_starmap() {
    pythreading_mp::init();
    let pool = Pool::new(2).unwrap();
    assert_eq!(pool.apply(add, (2, 3)).unwrap(), 5);
    let want: Vec<u64> = (0..100).map(|x| x * x).collect();
    assert_eq!(pool.map(square, 0..100).unwrap(), want);
    assert_eq!(pool.map_chunksize(square, 0..100, 20).unwrap(), want);
    assert_eq!(pool.map_async(square, 0..100).unwrap().get().unwrap(), want);
    let pairs: Vec<(i64, i64)> = (0..50).map(|i| (i, 2 * i)).collect();
    let sums: Vec<i64> = pairs.iter().map(|(a, b)| a + b).collect();
    assert_eq!(pool.starmap(add, pairs.clone()).unwrap(), sums);
    assert_eq!(pool.starmap_async(add, pairs).unwrap().get().unwrap(), sums);
    // MP-L05
    assert!(pool.map(square, Vec::<u64>::new()).unwrap().is_empty());
    assert_eq!(pool.imap(square, Vec::<u64>::new()).unwrap().count(), 0);
    assert_eq!(
        pool.imap_unordered(square, Vec::<u64>::new())
            .unwrap()
            .count(),
        0
    );
    assert!(
        pool.map_async(square, Vec::<u64>::new())
            .unwrap()
            .get_timeout(LONG)
            .unwrap()
            .is_empty()
    );
    assert!(
        pool.map_chunksize(square, Vec::<u64>::new(), 1)
            .unwrap()
            .is_empty()
    );
}

// MP-L06: callbacks run exactly once with the list, or the error callback with the error.
#[test]
fn callbacks() {
    pythreading_mp::init();
    let pool = Pool::new(2).unwrap();
    let (tx, rx) = mpsc::channel();
    let tx2 = tx.clone();
    pool.map_async_with(
        square,
        [1u64],
        move |v| tx.send(Ok(v)).unwrap(),
        move |e| tx2.send(Err(e)).unwrap(),
    )
    .unwrap()
    .wait();
    assert_eq!(rx.recv_timeout(LONG).unwrap().unwrap(), vec![1]);
    assert!(
        rx.recv_timeout(Duration::from_millis(100)).is_err(),
        "called once"
    );

    let (tx, rx) = mpsc::channel();
    let tx2 = tx.clone();
    let r = pool.map_async_with(
        |x: u64| fails_on(x, 2),
        [1u64, 2, 3],
        move |v| tx.send(Ok(v)).unwrap(),
        move |e| tx2.send(Err(e)).unwrap(),
    );
    // A closure is not a registered function: refused with a typed error, nothing runs.
    assert!(matches!(r, Err(PoolError::NotRegistered { .. })));

    let (tx, rx2) = mpsc::channel();
    let tx2 = tx.clone();
    let r = pool
        .apply_async_with(
            fails_on,
            (2, 2),
            move |v| tx.send(Ok(v)).unwrap(),
            move |e| tx2.send(Err(e)).unwrap(),
        )
        .unwrap();
    let got = rx2.recv_timeout(LONG).unwrap().unwrap_err();
    assert!(
        matches!(&got, PoolError::Panicked { message } if message.contains("bad input 2")),
        "{got:?}"
    );
    assert!(
        rx2.recv_timeout(Duration::from_millis(100)).is_err(),
        "called once"
    );
    assert!(matches!(r.get(), Err(PoolError::Panicked { .. })));
    drop(rx);
}

// MP-L07: get, get(timeout), wait, ready, successful.
#[test]
fn async_result_states() {
    pythreading_mp::init();
    let pool = Pool::new(1).unwrap();
    let r = pool.apply_async(sleep_ms, (400,)).unwrap();
    assert!(!r.ready());
    assert!(matches!(r.successful(), Err(PoolError::NotReady)));
    let t = Instant::now();
    assert!(matches!(
        r.get_timeout(Duration::from_millis(100)),
        Err(PoolError::Timeout)
    ));
    let e = t.elapsed();
    assert!(
        e >= Duration::from_millis(60) && e < Duration::from_secs(1),
        "{e:?}"
    );
    assert!(r.wait_timeout(LONG));
    assert!(r.ready());
    assert!(r.successful().unwrap());
    assert_eq!(r.get().unwrap(), 400);
}

// MP-L08: imap in order with next_timeout, chunksize 100 over 1000; imap_unordered gives all.
#[test]
fn imap_and_unordered() {
    pythreading_mp::init();
    let pool = Pool::new(2).unwrap();
    let mut it = pool.imap(square, 0..10).unwrap();
    for i in 0..10 {
        assert_eq!(it.next_timeout(LONG).unwrap().unwrap().unwrap(), i * i);
    }
    assert!(it.next_timeout(LONG).unwrap().is_none());
    assert!(it.next().is_none());
    let v: Vec<u64> = pool
        .imap_chunksize(square, 0..1000, 100)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(v, (0..1000).map(|x| x * x).collect::<Vec<_>>());
    let mut u: Vec<u64> = pool
        .imap_unordered(square, 0..1000)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    u.sort_unstable();
    assert_eq!(u, v);
    // next_timeout on a slow item times out and the item stays next.
    let mut slow = pool.imap(sleep_ms, [300u64]).unwrap();
    assert!(matches!(
        slow.next_timeout(Duration::from_millis(20)),
        Err(PoolError::Timeout)
    ));
    assert_eq!(slow.next_timeout(LONG).unwrap().unwrap().unwrap(), 300);
}

// MP-L09, MP-L11, MP-L12, MP-L13: failures are per task, carry the child's message, and the
// pool goes on.
#[test]
fn failures_are_per_task() {
    pythreading_mp::init();
    let pool = Pool::new(2).unwrap();
    // MP-L09: the child's panic message and location.
    let e = pool.apply(fails_on, (5, 5)).unwrap_err();
    match &e {
        PoolError::Panicked { message } => {
            assert!(message.contains("bad input 5"), "{message}");
            assert!(
                message.contains("pool_basic.rs"),
                "location missing: {message}"
            );
        }
        other => panic!("{other:?}"),
    }
    // MP-L11: map reports the first failure but every other task still ran.
    let t = Instant::now();
    let it: Vec<_> = pool.imap(sleep_ms, [0u64, 1, 2, 3]).unwrap().collect();
    assert!(it.iter().all(Result::is_ok));
    assert!(t.elapsed() < LONG);
    // A closure is not a registered function: a typed error from the call.
    assert!(matches!(
        pool.imap(|x: u64| x, [1u64]),
        Err(PoolError::NotRegistered { .. })
    ));
    let mapped = pool.map(fails_on_7, 0..20).unwrap_err();
    assert!(matches!(mapped, PoolError::Panicked { .. }));
    let each: Vec<_> = pool.imap(fails_on_7, 0..20).unwrap().collect();
    assert_eq!(each.iter().filter(|r| r.is_err()).count(), 1);
    assert_eq!(*each[19].as_ref().unwrap(), 19);
    // MP-L12: an unencodable result is that task's Encode error, 20 times over, and the pool survives.
    for _ in 0..20 {
        let e = pool.apply(unencodable_result, (1,)).unwrap_err();
        assert!(
            matches!(&e, PoolError::Encode(m) if m.contains("refuses to be encoded")),
            "{e:?}"
        );
    }
    assert_eq!(pool.apply(add, (1, 1)).unwrap(), 2);
    // MP-L13: an unencodable argument is an error from the call, nothing submitted, no hang.
    let e = pool.map(takes_refuses, [Refuses, Refuses]).unwrap_err();
    assert!(
        matches!(&e, PoolError::Encode(m) if m.contains("refuses to be encoded")),
        "{e:?}"
    );
    // An unregistered function names the fix.
    let e = pool.apply(never_registered, (1,)).unwrap_err();
    assert!(
        e.to_string()
            .contains("add `pythreading_mp::register!(never_registered);`"),
        "{e}"
    );
    pool.close();
    pool.join().unwrap();
}

fn fails_on_7(x: u64) -> u64 {
    fails_on(x, 7)
}
pythreading_mp::register!(fails_on_7);

// MP-L14: max_tasks_per_child replaces workers; early close still completes everything.
#[test]
fn max_tasks_per_child_ten() {
    pythreading_mp::init();
    let pool = Pool::builder()
        .processes(2)
        .max_tasks_per_child(10)
        .build()
        .unwrap();
    let pids: Vec<u32> = pool.map_chunksize(pid_of, 0..100u32, 1).unwrap();
    let distinct: std::collections::HashSet<u32> = pids.iter().copied().collect();
    assert!(
        distinct.len() >= 10,
        "only {} distinct workers",
        distinct.len()
    );
    let early = Pool::builder()
        .processes(2)
        .max_tasks_per_child(1)
        .build()
        .unwrap();
    let r = early.map_async(square, 0..20).unwrap();
    early.close();
    early.join().unwrap();
    assert_eq!(
        r.get().unwrap(),
        (0..20).map(|x| x * x).collect::<Vec<u64>>()
    );
}

fn pid_of(_x: u32) -> u32 {
    std::process::id()
}
pythreading_mp::register!(pid_of);

// MP-L15: closed pools refuse work; join before close is an error; join after close waits.
#[test]
fn close_and_join() {
    pythreading_mp::init();
    let pool = Pool::new(2).unwrap();
    assert!(matches!(pool.join(), Err(PoolError::StillRunning)));
    assert_eq!(PoolError::StillRunning.to_string(), "pool is still running");
    let r = pool.map_async(sleep_ms, [100u64, 100, 100]).unwrap();
    pool.close();
    assert!(matches!(
        pool.apply(add, (1, 2)),
        Err(PoolError::NotRunning)
    ));
    assert!(matches!(pool.map(square, [1]), Err(PoolError::NotRunning)));
    assert_eq!(PoolError::NotRunning.to_string(), "pool not running");
    pool.join().unwrap();
    assert!(r.ready(), "join waits for queued tasks");
    assert_eq!(r.get().unwrap(), [100, 100, 100]);
}

// MP-L16, MP-L17: terminate with 10,000 long tasks outstanding is prompt; dropping terminates.
#[test]
fn terminate_is_prompt() {
    pythreading_mp::init();
    let pool = Pool::new(2).unwrap();
    let r = pool.map_async(sleep_ms, vec![5_000u64; 10_000]).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    let pids = pool.worker_pids();
    let t = Instant::now();
    pool.terminate();
    pool.join().unwrap();
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "terminate took {:?}",
        t.elapsed()
    );
    assert!(matches!(r.get_timeout(LONG), Err(PoolError::Terminated)));
    assert!(matches!(
        pool.apply(add, (1, 2)),
        Err(PoolError::NotRunning)
    ));
    for p in pids {
        assert!(
            !std::path::Path::new(&format!("/proc/{p}")).exists() || is_zombie_free(p),
            "worker {p} still alive"
        );
    }

    // Drop = terminate (Python's `with Pool() as p:`).
    let pool = Pool::new(1).unwrap();
    let r = pool.apply_async(sleep_ms, (30_000,)).unwrap();
    let pids = pool.worker_pids();
    let t = Instant::now();
    drop(pool);
    assert!(t.elapsed() < Duration::from_secs(10));
    assert!(matches!(r.get_timeout(LONG), Err(PoolError::Terminated)));
    for p in pids {
        assert!(
            !std::path::Path::new(&format!("/proc/{p}")).exists() || is_zombie_free(p),
            "worker {p} still alive"
        );
    }
}

/// A pid may be reused by an unrelated process by now; what matters is that it is not our
/// child still running.
fn is_zombie_free(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| !s.contains(&format!(" {} ", std::process::id())))
        .unwrap_or(true)
}
