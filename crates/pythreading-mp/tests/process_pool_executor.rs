//! `ProcessPoolExecutor`: the core's `TaskFuture` from worker processes; a dead worker fails
//! its own future only (CPython breaks the whole executor with `BrokenProcessPool`).

use std::time::Duration;

use pythreading::futures::{ReturnWhen, Shutdown, TaskError, as_completed, wait_timeout};
use pythreading_mp::pool::{PoolError, ProcessPoolExecutor};

fn square(x: u64) -> u64 {
    x * x
}

fn die_if(x: u64, bad: u64) -> u64 {
    if x == bad {
        rustix::process::kill_process(rustix::process::getpid(), rustix::process::Signal::KILL)
            .unwrap();
    }
    x
}

fn boom(msg: String) -> u8 {
    panic!("{msg}")
}

fn nap(ms: u64) -> u64 {
    std::thread::sleep(Duration::from_millis(ms));
    ms
}

fn unregistered(x: u64) -> u64 {
    x
}

pythreading_mp::register!(square, die_if, boom, nap);

const LONG: Duration = Duration::from_secs(60);

#[test]
fn submit_map_and_the_core_helpers() {
    pythreading_mp::init();
    assert!(matches!(
        ProcessPoolExecutor::new(0),
        Err(PoolError::InvalidSize)
    ));
    let ex = ProcessPoolExecutor::new(2).unwrap();
    assert_eq!(ex.max_workers(), 2);
    let fs: Vec<_> = (0..10).map(|i| ex.submit(square, (i,)).unwrap()).collect();
    let done = wait_timeout(&fs, ReturnWhen::AllCompleted, LONG);
    assert_eq!(done.done.len(), 10);
    let mut got: Vec<u64> = as_completed(&fs).map(|f| f.result().unwrap()).collect();
    got.sort_unstable();
    assert_eq!(got, (0..10).map(|x| x * x).collect::<Vec<_>>());
    let v: Vec<u64> = ex.map(square, 0..20).unwrap().map(Result::unwrap).collect();
    assert_eq!(v, (0..20).map(|x| x * x).collect::<Vec<_>>());
}

#[test]
fn a_dead_worker_fails_only_its_future() {
    pythreading_mp::init();
    let ex = ProcessPoolExecutor::new(2).unwrap();
    let fs: Vec<_> = (0..50)
        .map(|i| ex.submit(die_if, (i, 25)).unwrap())
        .collect();
    for (i, f) in fs.iter().enumerate() {
        match f.result_timeout(LONG) {
            Ok(v) => assert_eq!(v, i as u64),
            Err(e) => {
                assert_eq!(i, 25, "only task 25 may fail, {i} did: {e}");
                let msg = e.to_string();
                assert!(msg.contains("killed by signal 9"), "{msg}");
            }
        }
    }
    assert!(fs[25].result().is_err());
    // The executor is not broken.
    assert_eq!(ex.submit(square, (9,)).unwrap().result().unwrap(), 81);
}

#[test]
fn panics_and_bad_input_arrive_in_the_future() {
    pythreading_mp::init();
    let ex = ProcessPoolExecutor::new(1).unwrap();
    match ex
        .submit(boom, ("child says no".to_string(),))
        .unwrap()
        .result()
    {
        Err(TaskError::Panicked(p)) => {
            assert!(p.message().contains("child says no"), "{}", p.message())
        }
        other => panic!("{other:?}"),
    }
    match ex.submit(unregistered, (1,)).unwrap().result() {
        Err(TaskError::Panicked(p)) => {
            assert!(
                p.message().contains("register!(unregistered)"),
                "{}",
                p.message()
            )
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn shutdown_rules() {
    pythreading_mp::init();
    let ex = ProcessPoolExecutor::new(1).unwrap();
    let running = ex.submit(nap, (200,)).unwrap();
    let queued = ex.submit(nap, (200,)).unwrap();
    let queued2 = ex.submit(nap, (200,)).unwrap();
    // Wait until the first task runs, so the cancelled ones are the queued ones.
    let t = std::time::Instant::now();
    while !running.is_running() && !running.is_done() && t.elapsed() < LONG {
        std::thread::sleep(Duration::from_millis(2));
    }
    ex.shutdown_with(Shutdown::wait().cancel_futures());
    assert_eq!(running.result().unwrap(), 200);
    assert!(queued.is_cancelled() || queued.result().is_ok());
    assert!(queued2.is_cancelled(), "a queued future is cancelled");
    assert!(matches!(
        ex.submit(square, (1,)),
        Err(pythreading::futures::SubmitError::Shutdown((1,)))
    ));
}
