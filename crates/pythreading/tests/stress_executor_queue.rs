//! Stress: the executor's two-ended work queue (submitters append under the state lock, workers
//! take from their own end and move a backlog over in one go). Several submitters at once: every
//! task runs exactly once and every future gives its own index (a per-task counter, checked for
//! every task). `shutdown(cancel_futures)` racing the submitters and the workers: every accepted
//! task either ran once and finished, or never ran and reads as cancelled; every refused submit
//! hands its closure back; nothing is left pending. Covers Q-02 (cancelled tasks never run),
//! Q-26 (cancel_futures), Q-42 (refused after shutdown) and Q-58 at volume.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use pythreading::futures::{SubmitError, TaskError, ThreadPoolExecutor};

const SUBMITTERS: usize = 4;
const PER_SUBMITTER: usize = 50_000;

#[test]
fn four_submitters_each_task_runs_exactly_once() {
    let pool = Arc::new(ThreadPoolExecutor::new(4).unwrap());
    let runs: Arc<Vec<AtomicU8>> = Arc::new(
        (0..SUBMITTERS * PER_SUBMITTER)
            .map(|_| AtomicU8::new(0))
            .collect(),
    );
    let start = Arc::new(Barrier::new(SUBMITTERS));
    let submitters: Vec<_> = (0..SUBMITTERS)
        .map(|s| {
            let (pool, runs, start) = (pool.clone(), runs.clone(), start.clone());
            thread::spawn(move || {
                start.wait();
                let futures: Vec<_> = (s * PER_SUBMITTER..(s + 1) * PER_SUBMITTER)
                    .map(|i| {
                        let runs = runs.clone();
                        pool.submit(move || {
                            runs[i].fetch_add(1, Ordering::Relaxed);
                            i
                        })
                        .expect("the pool is open")
                    })
                    .collect();
                for (k, f) in futures.iter().enumerate() {
                    let got = f
                        .result_timeout(Duration::from_secs(60))
                        .expect("every task finishes");
                    assert_eq!(got, s * PER_SUBMITTER + k, "a future gave another's result");
                }
            })
        })
        .collect();
    for h in submitters {
        h.join().expect("submitter");
    }
    pool.shutdown();
    for (i, r) in runs.iter().enumerate() {
        assert_eq!(
            r.load(Ordering::Relaxed),
            1,
            "task {i} ran a wrong number of times"
        );
    }
}

#[test]
fn cancel_futures_racing_submitters_loses_nothing() {
    // Over all rounds: how many tasks were cancelled in the queue and how many submits refused,
    // so the test shows the race it claims to cover did happen.
    let (mut cancelled, mut refused_total) = (0, 0);
    for round in 0..20 {
        let pool = Arc::new(ThreadPoolExecutor::new(3).unwrap());
        let total = SUBMITTERS * 5_000;
        let runs: Arc<Vec<AtomicU8>> = Arc::new((0..total).map(|_| AtomicU8::new(0)).collect());
        let start = Arc::new(Barrier::new(SUBMITTERS + 1));
        let submitters: Vec<_> = (0..SUBMITTERS)
            .map(|s| {
                let (pool, runs, start) = (pool.clone(), runs.clone(), start.clone());
                thread::spawn(move || {
                    start.wait();
                    let mut accepted = Vec::new();
                    let mut refused = Vec::new();
                    for i in s * 5_000..(s + 1) * 5_000 {
                        let r = runs.clone();
                        match pool.submit(move || {
                            r[i].fetch_add(1, Ordering::Relaxed);
                            i
                        }) {
                            Ok(f) => accepted.push((i, f)),
                            Err(SubmitError::Shutdown(f)) => {
                                // The closure comes back, not run: running it now counts once.
                                assert_eq!(f(), i);
                                refused.push(i);
                            }
                            Err(other) => panic!("unexpected refusal: {other}"),
                        }
                    }
                    (accepted, refused)
                })
            })
            .collect();
        start.wait();
        // Let some tasks in, then cancel what is still queued while submits go on.
        thread::sleep(Duration::from_micros(200 * (round % 5)));
        pool.shutdown_with(pythreading::futures::Shutdown::wait().cancel_futures());
        for h in submitters {
            let (accepted, refused) = h.join().expect("submitter");
            refused_total += refused.len();
            for i in refused {
                assert_eq!(runs[i].load(Ordering::Relaxed), 1, "refused task {i}");
            }
            for (i, f) in accepted {
                assert!(f.is_done(), "task {i} still pending after shutdown(wait)");
                match f.result_timeout(Duration::from_secs(10)) {
                    Ok(v) => {
                        assert_eq!(v, i);
                        assert_eq!(runs[i].load(Ordering::Relaxed), 1, "finished task {i}");
                    }
                    Err(e) => {
                        assert!(
                            matches!(
                                e,
                                pythreading::futures::ResultTimeoutError::Task(
                                    TaskError::Cancelled
                                )
                            ),
                            "task {i}: {e}"
                        );
                        assert_eq!(runs[i].load(Ordering::Relaxed), 0, "cancelled task {i} ran");
                        cancelled += 1;
                    }
                }
            }
        }
    }
    assert!(
        cancelled > 0,
        "no queued task was ever cancelled: the race did not happen"
    );
    assert!(
        refused_total > 0,
        "no submit was ever refused: the race did not happen"
    );
}
