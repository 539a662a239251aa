//! The one scheduler behind every [`Timer`](super::Timer) and
//! [`RepeatingTimer`](super::RepeatingTimer).
//!
//! Python gives each `Timer` its own thread, sleeping until it fires. Here pending timers cost
//! no thread at all: they wait in one min-heap ordered by deadline, watched by a single
//! scheduler thread (`pythreading-timer`) that sleeps on a condvar until the earliest deadline
//! or until an earlier timer arrives. Due timers are handed to a small shared pool
//! (`pythreading-timer-pool`) that runs the callbacks: it grows by one thread whenever work is
//! queued and no pool thread is idle, up to [`MAX_POOL`] threads, and a pool thread leaves after
//! [`POOL_IDLE`] without work. A callback that blocks holds one pool thread; only when
//! [`MAX_POOL`] callbacks block at once does a due timer wait for a free one.
//!
//! These are plain `std` threads, not listed by `enumerate()`.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::excepthook;

/// The largest number of threads running timer callbacks at once.
pub(crate) const MAX_POOL: usize = 64;
/// How long an idle pool thread waits for work before it exits.
pub(crate) const POOL_IDLE: Duration = Duration::from_secs(2);

/// Something the scheduler calls when its deadline arrives, on a pool thread.
pub(crate) trait Due: Send + Sync + 'static {
    fn fire(self: Arc<Self>);
}

struct Entry {
    at: Instant,
    seq: u64,
    job: Arc<dyn Due>,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.at == other.at && self.seq == other.seq
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    // Reversed: BinaryHeap is a max-heap and we want the earliest deadline (then the earliest
    // scheduled) on top.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

struct Sched {
    heap: BinaryHeap<Entry>,
    seq: u64,
    started: bool,
}

static SCHED: Mutex<Sched> = Mutex::new(Sched {
    heap: BinaryHeap::new(),
    seq: 0,
    started: false,
});
static SCHED_WAKE: Condvar = Condvar::new();

struct Pool {
    queue: VecDeque<Arc<dyn Due>>,
    idle: usize,
    workers: usize,
}

static POOL: Mutex<Pool> = Mutex::new(Pool {
    queue: VecDeque::new(),
    idle: 0,
    workers: 0,
});
static POOL_WAKE: Condvar = Condvar::new();

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Queues `job` to fire at `at`.
///
/// Panics only if the OS refuses to create the scheduler thread the first time.
pub(crate) fn schedule(at: Instant, job: Arc<dyn Due>) {
    let mut s = lock(&SCHED);
    if !s.started {
        std::thread::Builder::new()
            .name("pythreading-timer".into())
            .spawn(scheduler_loop)
            .expect("failed to spawn the timer scheduler thread");
        s.started = true;
    }
    s.seq += 1;
    let seq = s.seq;
    let earliest = s.heap.peek().is_none_or(|top| at < top.at);
    s.heap.push(Entry { at, seq, job });
    drop(s);
    if earliest {
        SCHED_WAKE.notify_one();
    }
}

fn scheduler_loop() {
    let mut due: Vec<Arc<dyn Due>> = Vec::new();
    loop {
        {
            let mut s = lock(&SCHED);
            loop {
                let now = Instant::now();
                match s.heap.peek() {
                    None => s = SCHED_WAKE.wait(s).unwrap_or_else(|p| p.into_inner()),
                    Some(top) if top.at <= now => {
                        while s.heap.peek().is_some_and(|top| top.at <= now) {
                            if let Some(entry) = s.heap.pop() {
                                due.push(entry.job);
                            }
                        }
                        break;
                    }
                    Some(top) => {
                        let wait = top.at - now;
                        s = SCHED_WAKE
                            .wait_timeout(s, wait)
                            .unwrap_or_else(|p| p.into_inner())
                            .0;
                    }
                }
            }
        }
        submit(due.drain(..));
    }
}

fn submit(jobs: impl Iterator<Item = Arc<dyn Due>>) {
    let mut p = lock(&POOL);
    for job in jobs {
        p.queue.push_back(job);
        if p.queue.len() > p.idle && p.workers < MAX_POOL {
            let spawned = std::thread::Builder::new()
                .name("pythreading-timer-pool".into())
                .spawn(pool_loop);
            // If the OS refuses, the existing pool threads (or the next submit) take the work.
            if spawned.is_ok() {
                p.workers += 1;
            }
        }
    }
    drop(p);
    POOL_WAKE.notify_all();
}

fn pool_loop() {
    excepthook::install_panic_hook();
    excepthook::set_reporting(true);
    let mut p = lock(&POOL);
    loop {
        if let Some(job) = p.queue.pop_front() {
            drop(p);
            job.fire();
            p = lock(&POOL);
            continue;
        }
        p.idle += 1;
        let (guard, timeout) = POOL_WAKE
            .wait_timeout(p, POOL_IDLE)
            .unwrap_or_else(|e| e.into_inner());
        p = guard;
        p.idle -= 1;
        if timeout.timed_out() && p.queue.is_empty() {
            p.workers -= 1;
            return;
        }
    }
}
