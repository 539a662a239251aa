//! The `queue` group: 1,000,000 `u64`s through a queue, pythreading against crossbeam-channel,
//! flume, `std::sync::mpsc` and CPython, in the same run.
//!
//! Cases (each producer puts its share, then the queue is closed: `shutdown()` for a `Queue`,
//! one sentinel per consumer for a `SimpleQueue`, dropping the senders for a channel; the time
//! runs from spawning the threads until every consumer has finished, and every run checks the
//! count and the sum):
//! - `spsc_bounded_1024`: 1 producer, 1 consumer, capacity 1024 (`Queue`; std: `sync_channel`);
//! - `mpmc_bounded_1024_4p4c`: 4 producers, 4 consumers, capacity 1024 (`Queue`);
//! - `spsc_unbounded`: 1 producer, 1 consumer, no capacity (`Queue`);
//! - `simple_spsc_unbounded` and `simple_mpmc_unbounded_4p4c`: the same with `SimpleQueue`;
//! - `lifo_mpmc_bounded_1024_4p4c` and `priority_mpmc_bounded_1024_4p4c`: `LifoQueue` and
//!   `PriorityQueue` against what a Rust user would write instead: a `Mutex<Vec>` or
//!   `Mutex<BinaryHeap>` with two `Condvar`s (not-empty, not-full) and a closed flag.
//!
//! - `async_thread_to_task_bounded_1024` and `async_task_to_thread_bounded_1024`: a thread on
//!   one side and an async task (on a single-threaded tokio runtime) on the other, capacity
//!   1024: `Queue::get_async` / `put_async` against `tokio::sync::mpsc` and flume's async face
//!   (the thread uses each one's blocking face).
//!
//! `--scaling` runs the contention sweep instead: `mpmc_bounded_1024_{k}p{k}c` for k = 1, 2, 4,
//! 8, 16 pairs (400,000 items each), next to crossbeam and flume, so the table shows how the
//! cost grows with contention rather than one point.
//!
//! CPython's `queue.Queue` is measured with fewer items than the Rust rows (it moves a few
//! hundred thousand items a second); each CPython row's note says how many (`[N=...]`).
//!
//! `std::sync::mpsc` has a single receiver, so it has no figure in the 4-consumer cases.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::Instant;

use pythreading::queue::{LifoQueue, PriorityQueue, Queue, SimpleQueue};

use crate::python;
use crate::report::{Measurement, Opts, median_of, rate};

const GROUP: &str = "queue";
const UNIT: &str = "items/s";
const SENTINEL: u64 = u64::MAX;

/// One implementation, seen as a pair of endpoints a benchmark thread can own.
trait Chan {
    type Tx: Send + 'static;
    type Rx: Send + 'static;
    fn make(capacity: Option<usize>) -> (Self::Tx, Self::Rx);
    fn clone_tx(tx: &Self::Tx) -> Self::Tx;
    fn clone_rx(rx: &Self::Rx) -> Self::Rx;
    fn send(tx: &Self::Tx, value: u64);
    /// `None` once the producers are done and everything has been taken.
    fn recv(rx: &Self::Rx) -> Option<u64>;
    /// Called once every producer has finished, with the last sender.
    fn close(tx: Self::Tx, consumers: usize);
}

struct PyQueue;
impl Chan for PyQueue {
    type Tx = Arc<Queue<u64>>;
    type Rx = Arc<Queue<u64>>;
    fn make(capacity: Option<usize>) -> (Self::Tx, Self::Rx) {
        let q = Arc::new(match capacity {
            Some(n) => Queue::bounded(n),
            None => Queue::unbounded(),
        });
        (Arc::clone(&q), q)
    }
    fn clone_tx(tx: &Self::Tx) -> Self::Tx {
        Arc::clone(tx)
    }
    fn clone_rx(rx: &Self::Rx) -> Self::Rx {
        Arc::clone(rx)
    }
    fn send(tx: &Self::Tx, value: u64) {
        tx.put(value).expect("not shut down while producing");
    }
    fn recv(rx: &Self::Rx) -> Option<u64> {
        rx.get().ok()
    }
    fn close(tx: Self::Tx, _consumers: usize) {
        tx.shutdown();
    }
}

struct PySimple;
impl Chan for PySimple {
    type Tx = Arc<SimpleQueue<u64>>;
    type Rx = Arc<SimpleQueue<u64>>;
    fn make(_capacity: Option<usize>) -> (Self::Tx, Self::Rx) {
        let q = Arc::new(SimpleQueue::new());
        (Arc::clone(&q), q)
    }
    fn clone_tx(tx: &Self::Tx) -> Self::Tx {
        Arc::clone(tx)
    }
    fn clone_rx(rx: &Self::Rx) -> Self::Rx {
        Arc::clone(rx)
    }
    fn send(tx: &Self::Tx, value: u64) {
        tx.put(value);
    }
    fn recv(rx: &Self::Rx) -> Option<u64> {
        match rx.get() {
            SENTINEL => None,
            v => Some(v),
        }
    }
    fn close(tx: Self::Tx, consumers: usize) {
        for _ in 0..consumers {
            tx.put(SENTINEL);
        }
    }
}

struct Crossbeam;
impl Chan for Crossbeam {
    type Tx = crossbeam_channel::Sender<u64>;
    type Rx = crossbeam_channel::Receiver<u64>;
    fn make(capacity: Option<usize>) -> (Self::Tx, Self::Rx) {
        match capacity {
            Some(n) => crossbeam_channel::bounded(n),
            None => crossbeam_channel::unbounded(),
        }
    }
    fn clone_tx(tx: &Self::Tx) -> Self::Tx {
        tx.clone()
    }
    fn clone_rx(rx: &Self::Rx) -> Self::Rx {
        rx.clone()
    }
    fn send(tx: &Self::Tx, value: u64) {
        tx.send(value).expect("receivers alive");
    }
    fn recv(rx: &Self::Rx) -> Option<u64> {
        rx.recv().ok()
    }
    fn close(tx: Self::Tx, _consumers: usize) {
        drop(tx);
    }
}

struct Flume;
impl Chan for Flume {
    type Tx = flume::Sender<u64>;
    type Rx = flume::Receiver<u64>;
    fn make(capacity: Option<usize>) -> (Self::Tx, Self::Rx) {
        match capacity {
            Some(n) => flume::bounded(n),
            None => flume::unbounded(),
        }
    }
    fn clone_tx(tx: &Self::Tx) -> Self::Tx {
        tx.clone()
    }
    fn clone_rx(rx: &Self::Rx) -> Self::Rx {
        rx.clone()
    }
    fn send(tx: &Self::Tx, value: u64) {
        tx.send(value).expect("receivers alive");
    }
    fn recv(rx: &Self::Rx) -> Option<u64> {
        rx.recv().ok()
    }
    fn close(tx: Self::Tx, _consumers: usize) {
        drop(tx);
    }
}

/// `std::sync::mpsc`: `sync_channel` when bounded, `channel` otherwise. One receiver only.
struct StdMpsc;
enum StdTx {
    Bounded(std::sync::mpsc::SyncSender<u64>),
    Unbounded(std::sync::mpsc::Sender<u64>),
}
impl Chan for StdMpsc {
    type Tx = StdTx;
    type Rx = std::sync::mpsc::Receiver<u64>;
    fn make(capacity: Option<usize>) -> (Self::Tx, Self::Rx) {
        match capacity {
            Some(n) => {
                let (tx, rx) = std::sync::mpsc::sync_channel(n);
                (StdTx::Bounded(tx), rx)
            }
            None => {
                let (tx, rx) = std::sync::mpsc::channel();
                (StdTx::Unbounded(tx), rx)
            }
        }
    }
    fn clone_tx(tx: &Self::Tx) -> Self::Tx {
        match tx {
            StdTx::Bounded(tx) => StdTx::Bounded(tx.clone()),
            StdTx::Unbounded(tx) => StdTx::Unbounded(tx.clone()),
        }
    }
    fn clone_rx(_rx: &Self::Rx) -> Self::Rx {
        unreachable!("std::sync::mpsc is only measured with one consumer")
    }
    fn send(tx: &Self::Tx, value: u64) {
        match tx {
            StdTx::Bounded(tx) => tx.send(value).expect("receiver alive"),
            StdTx::Unbounded(tx) => tx.send(value).expect("receiver alive"),
        }
    }
    fn recv(rx: &Self::Rx) -> Option<u64> {
        rx.recv().ok()
    }
    fn close(tx: Self::Tx, _consumers: usize) {
        drop(tx);
    }
}

struct PyLifo;
impl Chan for PyLifo {
    type Tx = Arc<LifoQueue<u64>>;
    type Rx = Arc<LifoQueue<u64>>;
    fn make(capacity: Option<usize>) -> (Self::Tx, Self::Rx) {
        let q = Arc::new(match capacity {
            Some(n) => LifoQueue::bounded(n),
            None => LifoQueue::unbounded(),
        });
        (Arc::clone(&q), q)
    }
    fn clone_tx(tx: &Self::Tx) -> Self::Tx {
        Arc::clone(tx)
    }
    fn clone_rx(rx: &Self::Rx) -> Self::Rx {
        Arc::clone(rx)
    }
    fn send(tx: &Self::Tx, value: u64) {
        tx.put(value).expect("not shut down while producing");
    }
    fn recv(rx: &Self::Rx) -> Option<u64> {
        rx.get().ok()
    }
    fn close(tx: Self::Tx, _consumers: usize) {
        tx.shutdown();
    }
}

struct PyPriority;
impl Chan for PyPriority {
    type Tx = Arc<PriorityQueue<u64>>;
    type Rx = Arc<PriorityQueue<u64>>;
    fn make(capacity: Option<usize>) -> (Self::Tx, Self::Rx) {
        let q = Arc::new(match capacity {
            Some(n) => PriorityQueue::bounded(n),
            None => PriorityQueue::unbounded(),
        });
        (Arc::clone(&q), q)
    }
    fn clone_tx(tx: &Self::Tx) -> Self::Tx {
        Arc::clone(tx)
    }
    fn clone_rx(rx: &Self::Rx) -> Self::Rx {
        Arc::clone(rx)
    }
    fn send(tx: &Self::Tx, value: u64) {
        tx.put(value).expect("not shut down while producing");
    }
    fn recv(rx: &Self::Rx) -> Option<u64> {
        rx.get().ok()
    }
    fn close(tx: Self::Tx, _consumers: usize) {
        tx.shutdown();
    }
}

/// The order a [`Blocking`] baseline keeps its items in.
trait Order: Default + Send + 'static {
    fn push(&mut self, value: u64);
    fn pop(&mut self) -> Option<u64>;
    fn len(&self) -> usize;
}

impl Order for Vec<u64> {
    fn push(&mut self, value: u64) {
        Vec::push(self, value);
    }
    fn pop(&mut self) -> Option<u64> {
        Vec::pop(self)
    }
    fn len(&self) -> usize {
        Vec::len(self)
    }
}

/// Smallest first, like `PriorityQueue`.
impl Order for BinaryHeap<Reverse<u64>> {
    fn push(&mut self, value: u64) {
        BinaryHeap::push(self, Reverse(value));
    }
    fn pop(&mut self) -> Option<u64> {
        BinaryHeap::pop(self).map(|Reverse(v)| v)
    }
    fn len(&self) -> usize {
        BinaryHeap::len(self)
    }
}

/// The baseline a Rust user would write for a bounded blocking stack or heap: one `Mutex`
/// around the items and a closed flag, and two `Condvar`s.
struct Blocking<S> {
    state: Mutex<(S, bool)>,
    not_empty: Condvar,
    not_full: Condvar,
    capacity: usize,
}

impl<S: Order> Chan for Blocking<S> {
    type Tx = Arc<Blocking<S>>;
    type Rx = Arc<Blocking<S>>;
    fn make(capacity: Option<usize>) -> (Self::Tx, Self::Rx) {
        let q = Arc::new(Blocking {
            state: Mutex::new((S::default(), false)),
            not_empty: Condvar::new(),
            not_full: Condvar::new(),
            capacity: capacity.unwrap_or(usize::MAX),
        });
        (Arc::clone(&q), q)
    }
    fn clone_tx(tx: &Self::Tx) -> Self::Tx {
        Arc::clone(tx)
    }
    fn clone_rx(rx: &Self::Rx) -> Self::Rx {
        Arc::clone(rx)
    }
    fn send(tx: &Self::Tx, value: u64) {
        let mut st = tx.state.lock().expect("not poisoned");
        while st.0.len() >= tx.capacity {
            st = tx.not_full.wait(st).expect("not poisoned");
        }
        st.0.push(value);
        drop(st);
        tx.not_empty.notify_one();
    }
    fn recv(rx: &Self::Rx) -> Option<u64> {
        let mut st = rx.state.lock().expect("not poisoned");
        loop {
            if let Some(v) = st.0.pop() {
                drop(st);
                rx.not_full.notify_one();
                return Some(v);
            }
            if st.1 {
                return None;
            }
            st = rx.not_empty.wait(st).expect("not poisoned");
        }
    }
    fn close(tx: Self::Tx, _consumers: usize) {
        tx.state.lock().expect("not poisoned").1 = true;
        tx.not_empty.notify_all();
    }
}

/// Moves `n` items (values 1..=n split between producers) and returns items/s.
fn once<C: Chan>(producers: usize, consumers: usize, n: u64, capacity: Option<usize>) -> f64 {
    let (tx, rx) = C::make(capacity);
    let per = n / producers as u64;
    let start = Instant::now();
    let mut receivers: Vec<C::Rx> = (1..consumers).map(|_| C::clone_rx(&rx)).collect();
    receivers.push(rx);
    let consumer_threads: Vec<_> = receivers
        .into_iter()
        .map(|rx| {
            thread::spawn(move || {
                let (mut count, mut sum) = (0u64, 0u64);
                while let Some(v) = C::recv(&rx) {
                    count += 1;
                    sum = sum.wrapping_add(v);
                }
                (count, sum)
            })
        })
        .collect();
    let producer_threads: Vec<_> = (0..producers)
        .map(|p| {
            let tx = C::clone_tx(&tx);
            let first = p as u64 * per + 1;
            thread::spawn(move || {
                for v in first..first + per {
                    C::send(&tx, v);
                }
            })
        })
        .collect();
    for t in producer_threads {
        t.join().expect("producer");
    }
    C::close(tx, consumers);
    let (mut count, mut sum) = (0u64, 0u64);
    for t in consumer_threads {
        let (c, s) = t.join().expect("consumer");
        count += c;
        sum = sum.wrapping_add(s);
    }
    let elapsed = start.elapsed();
    let total = per * producers as u64;
    assert_eq!(count, total, "every item exactly once (count)");
    assert_eq!(
        sum,
        total.wrapping_mul(total + 1) / 2,
        "every item exactly once (sum)"
    );
    rate(total, elapsed)
}

/// The async face: one thread and one task (on a current-thread tokio runtime, built before the
/// clock starts) move `n` items (1..=n) through a queue of `capacity`. `to_task`: the thread
/// puts and the task gets; otherwise the other way round. Checks count and sum; returns items/s.
trait AsyncChan {
    fn run(n: u64, capacity: usize, to_task: bool) -> f64;
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio runtime")
}

/// Checks what a consumer saw and turns the time into items/s.
fn async_rate(n: u64, (count, sum): (u64, u64), elapsed: std::time::Duration) -> f64 {
    assert_eq!(count, n, "every item exactly once (count)");
    assert_eq!(sum, n * (n + 1) / 2, "every item exactly once (sum)");
    rate(n, elapsed)
}

struct PyAsync;
impl AsyncChan for PyAsync {
    fn run(n: u64, capacity: usize, to_task: bool) -> f64 {
        let rt = current_thread();
        let q = Arc::new(Queue::bounded(capacity));
        let start = Instant::now();
        let seen = if to_task {
            let producer = {
                let q = Arc::clone(&q);
                thread::spawn(move || {
                    (1..=n).for_each(|v| q.put(v).expect("open"));
                    q.shutdown();
                })
            };
            let seen = rt.block_on(async {
                let (mut count, mut sum) = (0u64, 0u64);
                while let Ok(v) = q.get_async().await {
                    count += 1;
                    sum += v;
                }
                (count, sum)
            });
            producer.join().expect("producer");
            seen
        } else {
            let consumer = {
                let q = Arc::clone(&q);
                thread::spawn(move || q.iter().fold((0u64, 0u64), |(c, s), v| (c + 1, s + v)))
            };
            rt.block_on(async {
                for v in 1..=n {
                    q.put_async(v).await.expect("open");
                }
                q.shutdown();
            });
            consumer.join().expect("consumer")
        };
        async_rate(n, seen, start.elapsed())
    }
}

struct TokioMpsc;
impl AsyncChan for TokioMpsc {
    fn run(n: u64, capacity: usize, to_task: bool) -> f64 {
        let rt = current_thread();
        let (tx, mut rx) = tokio::sync::mpsc::channel(capacity);
        let start = Instant::now();
        let seen = if to_task {
            let producer = thread::spawn(move || {
                (1..=n).for_each(|v| tx.blocking_send(v).expect("open"));
            });
            let seen = rt.block_on(async {
                let (mut count, mut sum) = (0u64, 0u64);
                while let Some(v) = rx.recv().await {
                    count += 1;
                    sum += v;
                }
                (count, sum)
            });
            producer.join().expect("producer");
            seen
        } else {
            let consumer = thread::spawn(move || {
                let (mut count, mut sum) = (0u64, 0u64);
                while let Some(v) = rx.blocking_recv() {
                    count += 1;
                    sum += v;
                }
                (count, sum)
            });
            rt.block_on(async move {
                for v in 1..=n {
                    tx.send(v).await.expect("open");
                }
            });
            consumer.join().expect("consumer")
        };
        async_rate(n, seen, start.elapsed())
    }
}

struct FlumeAsync;
impl AsyncChan for FlumeAsync {
    fn run(n: u64, capacity: usize, to_task: bool) -> f64 {
        let rt = current_thread();
        let (tx, rx) = flume::bounded(capacity);
        let start = Instant::now();
        let seen = if to_task {
            let producer = thread::spawn(move || {
                (1..=n).for_each(|v| tx.send(v).expect("open"));
            });
            let seen = rt.block_on(async {
                let (mut count, mut sum) = (0u64, 0u64);
                while let Ok(v) = rx.recv_async().await {
                    count += 1;
                    sum += v;
                }
                (count, sum)
            });
            producer.join().expect("producer");
            seen
        } else {
            let consumer =
                thread::spawn(move || rx.iter().fold((0u64, 0u64), |(c, s), v| (c + 1, s + v)));
            rt.block_on(async move {
                for v in 1..=n {
                    tx.send_async(v).await.expect("open");
                }
            });
            consumer.join().expect("consumer")
        };
        async_rate(n, seen, start.elapsed())
    }
}

/// One implementation's run of an async case: `(n, capacity, to_task) -> items/s`.
type AsyncRunner = fn(u64, usize, bool) -> f64;

/// The async cases, repetitions interleaved as in [`case`].
fn async_cases(opts: &Opts) -> Vec<Measurement> {
    let n = opts.size(1_000_000, 100_000);
    let imps: [(&str, AsyncRunner); 3] = [
        ("pythreading", PyAsync::run),
        ("tokio_mpsc", TokioMpsc::run),
        ("flume_async", FlumeAsync::run),
    ];
    let mut rows = Vec::new();
    for (name, to_task) in [
        ("async_thread_to_task_bounded_1024", true),
        ("async_task_to_thread_bounded_1024", false),
    ] {
        let mut samples = vec![Vec::new(); imps.len()];
        for _ in 0..opts.reps() {
            for (i, (_, run)) in imps.iter().enumerate() {
                samples[i].push(run(n, 1024, to_task));
            }
        }
        rows.extend(imps.iter().zip(samples).map(|((imp, _), mut s)| {
            let value = median_of(s.len(), || s.pop().unwrap_or(f64::NAN));
            Measurement::new(GROUP, name, imp, value, UNIT)
        }));
    }
    rows
}

/// One implementation's run of a case: `(producers, consumers, n, capacity) -> items/s`.
type Runner = fn(usize, usize, u64, Option<usize>) -> f64;

/// Measures every implementation on one case. Repetitions are interleaved (A, B, C, A, B, C,
/// ...) so that load from elsewhere on the machine hits every implementation alike; each figure
/// is the median of its repetitions.
fn case(
    opts: &Opts,
    case: &str,
    (producers, consumers): (usize, usize),
    n: u64,
    capacity: Option<usize>,
    imps: &[(&str, Runner)],
) -> Vec<Measurement> {
    let mut samples = vec![Vec::new(); imps.len()];
    for _ in 0..opts.reps() {
        for (i, (_, run)) in imps.iter().enumerate() {
            samples[i].push(run(producers, consumers, n, capacity));
        }
    }
    imps.iter()
        .zip(samples)
        .map(|((imp, _), mut s)| {
            let value = median_of(s.len(), || s.pop().unwrap_or(f64::NAN));
            Measurement::new(GROUP, case, imp, value, UNIT)
        })
        .collect()
}

/// The contention sweep: the MPMC bounded(1024) case at 1, 2, 4, 8 and 16 pairs.
fn scaling(opts: &Opts) -> Vec<Measurement> {
    let n = opts.size(400_000, 40_000);
    let mut rows = Vec::new();
    for pairs in [1, 2, 4, 8, 16] {
        rows.extend(case(
            opts,
            &format!("mpmc_bounded_1024_{pairs}p{pairs}c"),
            (pairs, pairs),
            n,
            Some(1024),
            &[
                ("pythreading", once::<PyQueue>),
                ("crossbeam", once::<Crossbeam>),
                ("flume", once::<Flume>),
            ],
        ));
    }
    rows
}

pub(crate) fn run(opts: &Opts) -> Vec<Measurement> {
    if opts.scaling {
        return scaling(opts);
    }
    let n = opts.size(1_000_000, 100_000);
    let cap = Some(1024);
    let mut rows = Vec::new();

    let spsc = (1, 1);
    let mpmc = (4, 4);
    rows.extend(case(
        opts,
        "spsc_bounded_1024",
        spsc,
        n,
        cap,
        &[
            ("pythreading", once::<PyQueue>),
            ("crossbeam", once::<Crossbeam>),
            ("flume", once::<Flume>),
            ("std", once::<StdMpsc>),
        ],
    ));
    rows.extend(case(
        opts,
        "mpmc_bounded_1024_4p4c",
        mpmc,
        n,
        cap,
        &[
            ("pythreading", once::<PyQueue>),
            ("crossbeam", once::<Crossbeam>),
            ("flume", once::<Flume>),
        ],
    ));
    rows.push(single_receiver("mpmc_bounded_1024_4p4c"));
    rows.extend(case(
        opts,
        "spsc_unbounded",
        spsc,
        n,
        None,
        &[
            ("pythreading", once::<PyQueue>),
            ("crossbeam", once::<Crossbeam>),
            ("flume", once::<Flume>),
            ("std", once::<StdMpsc>),
        ],
    ));
    rows.extend(case(
        opts,
        "simple_spsc_unbounded",
        spsc,
        n,
        None,
        &[
            ("pythreading", once::<PySimple>),
            ("crossbeam", once::<Crossbeam>),
            ("flume", once::<Flume>),
            ("std", once::<StdMpsc>),
        ],
    ));
    rows.extend(case(
        opts,
        "simple_mpmc_unbounded_4p4c",
        mpmc,
        n,
        None,
        &[
            ("pythreading", once::<PySimple>),
            ("crossbeam", once::<Crossbeam>),
            ("flume", once::<Flume>),
        ],
    ));
    rows.push(single_receiver("simple_mpmc_unbounded_4p4c"));
    rows.extend(async_cases(opts));
    rows.extend(case(
        opts,
        "lifo_mpmc_bounded_1024_4p4c",
        mpmc,
        n,
        cap,
        &[
            ("pythreading", once::<PyLifo>),
            ("mutex_vec_condvar", once::<Blocking<Vec<u64>>>),
        ],
    ));
    rows.extend(case(
        opts,
        "priority_mpmc_bounded_1024_4p4c",
        mpmc,
        n,
        cap,
        &[
            ("pythreading", once::<PyPriority>),
            (
                "mutex_binaryheap_condvar",
                once::<Blocking<BinaryHeap<Reverse<u64>>>>,
            ),
        ],
    ));

    // CPython's queue.Queue moves ~0.3M items/s here: a smaller N keeps the run short.
    let py_queue_n = opts.size(200_000, 20_000);
    let py_simple_n = opts.size(1_000_000, 100_000);
    let expected = [
        ("spsc_bounded_1024", UNIT),
        ("mpmc_bounded_1024_4p4c", UNIT),
        ("spsc_unbounded", UNIT),
        ("simple_spsc_unbounded", UNIT),
        ("simple_mpmc_unbounded_4p4c", UNIT),
    ];
    let py_rows = python::run(
        GROUP,
        "queues.py",
        &[
            py_queue_n.to_string(),
            py_simple_n.to_string(),
            opts.reps().min(3).to_string(),
        ],
        &expected,
    );
    // Keep each CPython row with its case in the table (each row's note gives its item count).
    for py in py_rows {
        let at = rows
            .iter()
            .rposition(|r| r.case == py.case)
            .map_or(rows.len(), |i| i + 1);
        rows.insert(at, py);
    }
    rows
}

fn single_receiver(case: &str) -> Measurement {
    Measurement::absent(
        GROUP,
        case,
        "std",
        UNIT,
        "std::sync::mpsc has a single receiver",
    )
}
