//! Process-shared queues: MP-Q01..Q04 and Q10 semantics (puts, gets, timeouts, FIFO, qsize),
//! MP-Q06 (`JoinableQueue` with 4 worker processes), MP-Q07 (an unserializable item fails at
//! `put`, the queue keeps working), MP-Q09 (`SimpleQueue` with a child), and a stress test:
//! 4 producer processes, every item received exactly once.
//!
//! Not applicable: MP-Q05 (forking), MP-Q08 (`close`/`join_thread`: no feeder thread).
//! Every test calls `pythreading_mp::init()` first; children are held by kill-on-drop guards.

mod process_common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use process_common::{Guard, join_or_fail};
use pythreading_mp::process::Process;
use pythreading_mp::queues::{JoinableQueue, Queue, SimpleQueue};
use pythreading_mp::synchronize::SharedError;
use serde::{Serialize, Serializer};

const LONG: Duration = Duration::from_secs(60);

fn assert_timeout(elapsed: Duration, expected: Duration) {
    assert!(
        elapsed >= expected.mul_f64(0.6) && elapsed < expected * 10,
        "waited {elapsed:?} for a timeout of {expected:?}"
    );
}

fn put_range(q: Queue<u64>, from: u64, to: u64) {
    for i in from..to {
        q.put(&i).unwrap();
    }
}

fn worker(q: JoinableQueue<u32>, results: Queue<(u32, u32)>) {
    loop {
        let n = q.get_timeout(LONG).unwrap();
        if n == u32::MAX {
            q.task_done().unwrap();
            return;
        }
        results.put(&(n, n * n)).unwrap();
        q.task_done().unwrap();
    }
}

fn simple_child(q: SimpleQueue<bool>, results: SimpleQueue<bool>) {
    results.put(&q.empty().unwrap()).unwrap();
    q.put(&true).unwrap();
    results.put(&q.empty().unwrap()).unwrap();
}

pythreading_mp::register!(put_range, worker, simple_child);

// MP-Q01, MP-Q02, MP-Q03, MP-Q10
#[test]
fn bounded_queue_put_get_and_timeouts() {
    pythreading_mp::init();
    let q = Queue::<i32>::with_maxsize(6).unwrap();
    assert!(q.empty().unwrap());
    for i in 1..=5 {
        q.put(&i).unwrap();
    }
    q.try_put(&6).unwrap();
    // No feeder thread: the state is exact at once.
    assert!(q.full().unwrap());
    assert_eq!(q.qsize().unwrap(), 6);
    assert!(matches!(q.try_put(&7), Err(SharedError::Full)));
    let t = Instant::now();
    assert!(matches!(
        q.put_timeout(&7, Duration::from_millis(200)),
        Err(SharedError::Full)
    ));
    assert_timeout(t.elapsed(), Duration::from_millis(200));
    // MP-Q04: FIFO through every get form.
    assert_eq!(q.get().unwrap(), 1);
    assert_eq!(q.get_timeout(Duration::from_secs(1)).unwrap(), 2);
    assert_eq!(q.try_get().unwrap(), 3);
    assert_eq!(q.qsize().unwrap(), 3);
    for want in 4..=6 {
        assert_eq!(q.get().unwrap(), want);
    }
    assert!(matches!(q.try_get(), Err(SharedError::Empty)));
    let t = Instant::now();
    assert!(matches!(
        q.get_timeout(Duration::from_millis(200)),
        Err(SharedError::Empty)
    ));
    assert_timeout(t.elapsed(), Duration::from_millis(200));
    assert!(q.empty().unwrap());
}

#[derive(serde::Deserialize)]
struct Unserializable;
impl Serialize for Unserializable {
    fn serialize<S: Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom("refused on purpose"))
    }
}

// MP-Q07: no feeder thread, so the failure is the put's own error; the queue keeps working.
#[test]
fn unserializable_item_fails_at_put() {
    pythreading_mp::init();
    let q = Queue::<Unserializable>::new().unwrap();
    assert!(matches!(
        q.put(&Unserializable),
        Err(SharedError::Serialize(_))
    ));
    assert_eq!(q.qsize().unwrap(), 0);
    let q = Queue::<bool>::new().unwrap();
    q.put(&true).unwrap();
    assert_eq!(q.qsize().unwrap(), 1);
    assert!(q.get().unwrap());
    assert!(q.empty().unwrap());
}

#[test]
fn item_of_the_wrong_type_is_handed_back() {
    pythreading_mp::init();
    let q = Queue::<String>::new().unwrap();
    q.put(&"text".to_string()).unwrap();
    let as_int: Queue<i64> =
        pythreading_mp::pickle::from_value(&pythreading_mp::pickle::to_value(&q).unwrap()).unwrap();
    match as_int.get() {
        Err(SharedError::Deserialize { bytes, .. }) => assert!(!bytes.is_empty()),
        other => panic!("expected Deserialize, got {other:?}"),
    }
}

// MP-Q04: items put by a child arrive FIFO.
#[test]
fn items_from_a_child_arrive_in_order() {
    pythreading_mp::init();
    let q = Queue::<u64>::new().unwrap();
    let p = Guard(
        Process::builder(put_range)
            .args((q.clone(), 0, 100))
            .build(),
    );
    p.start().unwrap();
    for want in 0..100 {
        assert_eq!(q.get_timeout(LONG).unwrap(), want);
    }
    join_or_fail(&p, "put_range");
    assert_eq!(p.exitcode().unwrap(), Some(0));
    assert!(q.empty().unwrap());
}

// Stress: 4 producer processes × 2,500 items, every item exactly once, each producer in order.
#[test]
fn four_producers_every_item_exactly_once() {
    pythreading_mp::init();
    const PER: u64 = 2_500;
    let q = Queue::<u64>::with_maxsize(64).unwrap();
    let kids: Vec<Guard> = (0..4)
        .map(|k| {
            Guard(
                Process::builder(put_range)
                    .args((q.clone(), k * PER, (k + 1) * PER))
                    .build(),
            )
        })
        .collect();
    for k in &kids {
        k.start().unwrap();
    }
    let mut seen = vec![false; (4 * PER) as usize];
    let mut last: BTreeMap<u64, u64> = BTreeMap::new();
    for _ in 0..4 * PER {
        let n = q.get_timeout(LONG).expect("an item went missing");
        assert!(!seen[n as usize], "{n} received twice");
        seen[n as usize] = true;
        let producer = n / PER;
        if let Some(prev) = last.insert(producer, n) {
            assert!(prev < n, "producer {producer} out of order");
        }
    }
    assert!(seen.iter().all(|&s| s));
    for k in &kids {
        join_or_fail(k, "put_range");
        assert_eq!(k.exitcode().unwrap(), Some(0));
    }
    assert!(q.empty().unwrap());
}

// MP-Q06
#[test]
fn joinable_queue_with_four_worker_processes() {
    pythreading_mp::init();
    let q = JoinableQueue::<u32>::new().unwrap();
    let results = Queue::<(u32, u32)>::new().unwrap();
    let kids: Vec<Guard> = (0..4)
        .map(|_| {
            Guard(
                Process::builder(worker)
                    .args((q.clone(), results.clone()))
                    .build(),
            )
        })
        .collect();
    for k in &kids {
        k.start().unwrap();
    }
    for n in 0..10 {
        q.put(&n).unwrap();
    }
    assert!(q.join_timeout(LONG).unwrap(), "join never returned");
    let mut got: Vec<(u32, u32)> = (0..10).map(|_| results.try_get().unwrap()).collect();
    got.sort();
    assert_eq!(got, (0..10).map(|n| (n, n * n)).collect::<Vec<_>>());
    for _ in 0..4 {
        q.put(&u32::MAX).unwrap();
    }
    q.join_timeout(LONG).unwrap();
    for k in &kids {
        join_or_fail(k, "worker");
        assert_eq!(k.exitcode().unwrap(), Some(0));
    }
    assert!(matches!(
        q.task_done(),
        Err(SharedError::TaskDoneTooManyTimes)
    ));
    assert!(
        q.join_timeout(Duration::ZERO).unwrap(),
        "nothing unfinished"
    );
}

// MP-Q09
#[test]
fn simple_queue_with_a_child() {
    pythreading_mp::init();
    let q = SimpleQueue::<bool>::new().unwrap();
    let results = SimpleQueue::<bool>::new().unwrap();
    assert!(q.empty().unwrap());
    let p = Guard(
        Process::builder(simple_child)
            .args((q.clone(), results.clone()))
            .build(),
    );
    p.start().unwrap();
    join_or_fail(&p, "simple_child");
    assert_eq!(p.exitcode().unwrap(), Some(0));
    assert!(results.get().unwrap(), "empty() before the child's put");
    assert!(!results.get().unwrap(), "not empty() after it");
    assert!(q.get().unwrap());
    assert!(q.empty().unwrap());
}
