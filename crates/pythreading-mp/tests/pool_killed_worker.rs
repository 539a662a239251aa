//! A pool never hangs when a worker dies (the fix for CPython gh-66587): the task the dead
//! worker held fails alone with `WorkerDied`, the worker is replaced, every other result is
//! exact. Deaths: SIGKILL mid-task, `std::process::abort()`, `std::process::exit(3)`.
//! (MP-L09, MP-L11 extended to dying workers.)

use std::collections::HashSet;
use std::time::{Duration, Instant};

use pythreading_mp::pool::{Pool, PoolError};

/// Task 500 kills its own worker with SIGKILL while running; the others return `x * 3`.
fn sigkill_at_500(x: u64) -> (u64, u32) {
    if x == 500 {
        rustix::process::kill_process(rustix::process::getpid(), rustix::process::Signal::KILL)
            .unwrap();
        std::thread::sleep(Duration::from_secs(60)); // never reached: the signal is immediate
    }
    (x * 3, std::process::id())
}

fn abort_at(x: u64, bad: u64) -> u64 {
    if x == bad {
        std::process::abort();
    }
    x + 1
}

fn exit3_at(x: u64, bad: u64) -> u64 {
    if x == bad {
        std::process::exit(3);
    }
    x + 2
}

pythreading_mp::register!(sigkill_at_500, abort_at, exit3_at);

const BOUND: Duration = Duration::from_secs(60);

fn check_1000(results: Vec<Result<(u64, u32), PoolError>>) -> HashSet<u32> {
    assert_eq!(results.len(), 1000);
    let mut pids = HashSet::new();
    for (i, r) in results.into_iter().enumerate() {
        let i = i as u64;
        if i == 500 {
            match r {
                Err(PoolError::WorkerDied { exitcode, pid }) => {
                    assert_eq!(exitcode, -9, "SIGKILL is exit code -9");
                    assert!(pid > 0);
                }
                other => panic!("task 500: expected WorkerDied, got {other:?}"),
            }
        } else {
            let (v, pid) = r.unwrap_or_else(|e| panic!("task {i} failed: {e}"));
            assert_eq!(v, i * 3, "task {i}");
            pids.insert(pid);
        }
    }
    pids
}

#[test]
fn sigkill_mid_task_fails_that_task_alone() {
    pythreading_mp::init();
    let pool = Pool::new(2).unwrap();
    let before: HashSet<u32> = pool.worker_pids().into_iter().collect();
    let t = Instant::now();
    let mut it = pool.imap(sigkill_at_500, 0..1000).unwrap();
    let mut results = Vec::new();
    while let Some(r) = it
        .next_timeout(BOUND)
        .expect("no result within 60 s: the pool hung")
    {
        results.push(r);
    }
    assert!(t.elapsed() < BOUND);
    let pids = check_1000(results);
    // The replacement may still be starting when the last result arrives: wait for it, bounded.
    let t = Instant::now();
    while pool.worker_pids().len() < 2 && t.elapsed() < BOUND {
        std::thread::sleep(Duration::from_millis(5));
    }
    let after: HashSet<u32> = pool.worker_pids().into_iter().collect();
    assert_eq!(after.len(), 2, "the dead worker was replaced");
    assert_ne!(before, after, "a new worker pid after the death");
    assert!(pids.len() >= 2);

    // The same through map (chunked): the one task fails, map reports it, and a follow-up
    // imap over the same pool is exact again.
    let e = pool.map(sigkill_at_500, 0..1000).unwrap_err();
    assert!(
        matches!(e, PoolError::WorkerDied { exitcode: -9, .. }),
        "{e:?}"
    );
    assert_eq!(e.signal(), Some(9));
    // Chunked: the dead worker's chunk is re-run item by item, so again exactly task 500 fails.
    let chunked: Vec<_> = pool
        .imap_chunksize(sigkill_at_500, 0..1000, 50)
        .unwrap()
        .collect();
    check_1000(chunked);
    let results: Vec<_> = pool.map_chunksize(abort_at_never, 0..100, 7).unwrap();
    assert_eq!(results, (1..101).collect::<Vec<u64>>());
}

fn abort_at_never(x: u64) -> u64 {
    x + 1
}
pythreading_mp::register!(abort_at_never);

#[test]
fn abort_and_exit_inside_a_task() {
    pythreading_mp::init();
    let pool = Pool::new(2).unwrap();
    for chunksize in [1usize, 16] {
        let got: Vec<_> = pool
            .imap_chunksize(abort_at_77, 0..200, chunksize)
            .unwrap()
            .collect();
        check_one_death(&got, 77, -6, |x| x + 1);

        let got: Vec<_> = pool
            .imap_chunksize(exit3_at_150, 0..200, chunksize)
            .unwrap()
            .collect();
        check_one_death(&got, 150, 3, |x| x + 2);
    }
    let e = pool
        .starmap(abort_at, (0..10u64).map(|x| (x, 5)))
        .unwrap_err();
    assert!(
        matches!(e, PoolError::WorkerDied { exitcode: -6, .. }),
        "{e:?}"
    );
    let e = pool.apply(exit3_at, (1, 1)).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "the worker (pid {}) running the task exited with code 3",
            match e {
                PoolError::WorkerDied { pid, .. } => pid,
                _ => unreachable!(),
            }
        )
    );
}

fn abort_at_77(x: u64) -> u64 {
    abort_at(x, 77)
}
fn exit3_at_150(x: u64) -> u64 {
    exit3_at(x, 150)
}
pythreading_mp::register!(abort_at_77, exit3_at_150);

fn check_one_death(got: &[Result<u64, PoolError>], bad: u64, code: i32, f: impl Fn(u64) -> u64) {
    assert_eq!(got.len(), 200);
    for (i, r) in got.iter().enumerate() {
        let i = i as u64;
        if i == bad {
            assert!(
                matches!(r, Err(PoolError::WorkerDied { exitcode, .. }) if *exitcode == code),
                "task {i}: {r:?}"
            );
        } else {
            assert_eq!(
                r.as_ref().unwrap_or_else(|e| panic!("task {i}: {e}")),
                &f(i)
            );
        }
    }
}
