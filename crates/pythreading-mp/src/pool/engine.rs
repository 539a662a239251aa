//! The pool's engine: a queue of jobs and one supervising thread per worker process.
//!
//! Each supervisor owns one child and talks to it synchronously, so **the pool always knows
//! which task each worker holds**: the first item of the job in flight that has no reply yet.
//! When the child dies (the socket reaches end-of-file: SIGKILL, abort, `exit(n)`, OOM killer),
//! the supervisor reaps it, fails that one item with [`PoolError::WorkerDied`], puts the rest of
//! its job back at the front of the queue, starts a replacement and goes on. Nothing waits on a
//! worker that is gone, which is how CPython's pool hangs (gh-66587).
//!
//! A supervisor sends a second job before the first is answered only when the worker would
//! otherwise idle for a round trip *and* the job is small (≤ [`PREFETCH_BYTES`]), so the write
//! always fits the socket buffer: a big write could block while the worker blocks writing
//! replies nobody reads.

use std::collections::VecDeque;
use std::io::Write;
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::process::Child;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use rustix::process::{Pid, PidfdFlags, Signal, pidfd_open, pidfd_send_signal};

use super::collect::{Collector, Outcome};
use super::error::PoolError;
use super::jobwire::{Reader, encode_job};
use super::worker;
use crate::pickle::Value;
use crate::process::{
    Bootstrap, Role, current, exit_code, launch, next_child_identity, send_bootstrap,
};
use crate::wire::{Connection, encode_frame};

/// The largest job sent ahead of the previous one's replies.
const PREFETCH_BYTES: usize = 32 * 1024;
/// How often a supervisor retries starting a replacement worker before giving up.
const START_RETRIES: u32 = 5;

/// A slice of one call's tasks, all for one function.
pub(crate) struct Job {
    pub(crate) target: &'static str,
    /// (index in the collector, pickled argument tuple)
    pub(crate) items: VecDeque<(usize, Vec<u8>)>,
    pub(crate) collector: Arc<Collector>,
}

impl Job {
    fn bytes(&self) -> usize {
        self.items.iter().map(|(_, b)| b.len() + 4).sum::<usize>() + 64
    }

    fn fail_all(self, err: &PoolError) {
        self.collector
            .deliver_many(self.items.into_iter().map(|(i, _)| (i, Err(err.clone()))));
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RunState {
    Running,
    Closed,
    Terminated,
}

struct Queue {
    jobs: VecDeque<Job>,
    state: RunState,
    /// Supervisors waiting for work.
    idle: usize,
    /// Why the pool broke (a replacement worker could not be started), if it did.
    broken: Option<String>,
}

/// What a supervisor publishes about its current child, so `terminate()` can kill it.
#[derive(Default)]
struct Slot {
    pid: Option<u32>,
    pidfd: Option<Arc<OwnedFd>>,
}

pub(crate) struct Config {
    pub(crate) max_tasks: Option<u64>,
    pub(crate) initializer: Option<(&'static str, Value)>,
}

pub(crate) struct Engine {
    queue: Mutex<Queue>,
    cv: Condvar,
    slots: Mutex<Vec<Slot>>,
    threads: Mutex<Vec<JoinHandle<()>>>,
    config: Config,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// One running worker process as its supervisor sees it.
struct Worker {
    child: Child,
    conn: Connection<UnixStream>,
    pid: u32,
}

impl Engine {
    /// Starts `size` workers; fails (after stopping the ones started) if any cannot start.
    pub(crate) fn start(size: usize, config: Config) -> Result<Arc<Engine>, PoolError> {
        let engine = Arc::new(Engine {
            queue: Mutex::new(Queue {
                jobs: VecDeque::new(),
                state: RunState::Running,
                idle: 0,
                broken: None,
            }),
            cv: Condvar::new(),
            slots: Mutex::new((0..size).map(|_| Slot::default()).collect()),
            threads: Mutex::new(Vec::new()),
            config,
        });
        let (tx, rx) = std::sync::mpsc::channel::<Result<(), PoolError>>();
        for k in 0..size {
            let e = Arc::clone(&engine);
            let tx = tx.clone();
            let h = std::thread::Builder::new()
                .name(format!("pythreading-mp-pool-{k}"))
                .spawn(move || e.supervise(k, tx))
                .map_err(|e| PoolError::Start(e.to_string()))?;
            lock(&engine.threads).push(h);
        }
        drop(tx);
        let mut first_err = None;
        for _ in 0..size {
            match rx.recv() {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    first_err.get_or_insert(e);
                }
                Err(_) => {
                    first_err.get_or_insert(PoolError::Start("a supervisor thread died".into()));
                }
            }
        }
        if let Some(e) = first_err {
            // MP-L19: the workers already started are stopped, then the error propagates.
            engine.terminate();
            engine.join_threads();
            return Err(e);
        }
        Ok(engine)
    }

    pub(crate) fn state(&self) -> RunState {
        lock(&self.queue).state
    }

    /// Queues a call's jobs; refused unless the pool is running.
    pub(crate) fn submit(&self, jobs: Vec<Job>) -> Result<(), PoolError> {
        let mut q = lock(&self.queue);
        if q.state != RunState::Running {
            return Err(PoolError::NotRunning);
        }
        if let Some(reason) = &q.broken {
            return Err(PoolError::Start(reason.clone()));
        }
        q.jobs.extend(jobs);
        drop(q);
        self.cv.notify_all();
        Ok(())
    }

    pub(crate) fn close(&self) {
        let mut q = lock(&self.queue);
        if q.state == RunState::Running {
            q.state = RunState::Closed;
        }
        drop(q);
        self.cv.notify_all();
    }

    /// Stops at once: queued tasks fail with [`PoolError::Terminated`], workers are killed.
    pub(crate) fn terminate(&self) {
        let jobs: Vec<Job> = {
            let mut q = lock(&self.queue);
            q.state = RunState::Terminated;
            q.jobs.drain(..).collect()
        };
        self.cv.notify_all();
        for job in jobs {
            job.fail_all(&PoolError::Terminated);
        }
        for slot in lock(&self.slots).iter() {
            if let Some(fd) = &slot.pidfd {
                let _ = pidfd_send_signal(&**fd, Signal::KILL);
            }
        }
    }

    pub(crate) fn join_threads(&self) {
        let handles: Vec<JoinHandle<()>> = lock(&self.threads).drain(..).collect();
        for h in handles {
            let _ = h.join();
        }
    }

    /// The pids of the current workers.
    pub(crate) fn pids(&self) -> Vec<u32> {
        lock(&self.slots).iter().filter_map(|s| s.pid).collect()
    }

    fn start_worker(&self, k: usize) -> Result<Worker, PoolError> {
        let (identity, name) = next_child_identity("SpawnPoolWorker");
        let me = current();
        let (target, args) = match &self.config.initializer {
            Some((t, a)) => (Some((*t).to_owned()), a.clone()),
            None => (None, Value::None),
        };
        let boot = Bootstrap {
            role: Role::PoolWorker {
                max_tasks: self.config.max_tasks,
            },
            name,
            identity,
            daemon: true,
            parent_name: me.name.clone(),
            parent_pid: std::process::id(),
            target,
        };
        let mut launched = launch()?;
        if let Err(e) = send_bootstrap(&mut launched.stream, &boot, &args) {
            let _ = launched.child.kill();
            let _ = launched.child.wait();
            return Err(PoolError::Start(e.to_string()));
        }
        let pid = launched.child.id();
        // Published before waiting for the initializer, so terminate() can kill a worker whose
        // initializer never returns.
        let pidfd = Pid::from_raw(pid as i32)
            .and_then(|p| pidfd_open(p, PidfdFlags::empty()).ok())
            .map(Arc::new);
        lock(&self.slots)[k] = Slot {
            pid: Some(pid),
            pidfd,
        };
        // A terminate() that ran while this worker started could not see it: check again.
        if self.state() == RunState::Terminated {
            let _ = launched.child.kill();
        }
        let mut conn = Connection::new(launched.stream);
        conn.set_max_frame(usize::MAX >> 1);
        // Wait for the initializer: a worker that cannot initialize is a start failure.
        let failure = match conn.recv_bytes().as_deref() {
            Ok([worker::READY]) => None,
            Ok([worker::INIT_FAILED, why @ ..]) => Some(format!(
                "the initializer failed: {}",
                String::from_utf8_lossy(why)
            )),
            Ok(_) => Some("malformed ready frame from the worker".to_owned()),
            Err(_) => Some("the worker exited before it was ready".to_owned()),
        };
        if let Some(why) = failure {
            let _ = launched.child.kill();
            let _ = launched.child.wait();
            lock(&self.slots)[k] = Slot::default();
            return Err(PoolError::Start(why));
        }
        Ok(Worker {
            child: launched.child,
            conn,
            pid,
        })
    }

    /// Ends a worker: closes its input (it exits 0 after its current job) and reaps it.
    fn retire(&self, k: usize, mut w: Worker) -> i32 {
        drop(w.conn);
        let code = match w.child.wait() {
            Ok(s) => exit_code(s),
            Err(_) => -1,
        };
        lock(&self.slots)[k] = Slot::default();
        code
    }

    /// Takes the next job for a worker that may still run `budget` tasks, splitting a job that
    /// is larger than the budget. Blocks while there is nothing to do; `None` means stop.
    fn take_job(&self, budget: u64, block: bool) -> Option<Job> {
        let mut q = lock(&self.queue);
        loop {
            if q.state == RunState::Terminated {
                return None;
            }
            if let Some(mut job) = q.jobs.pop_front() {
                if (job.items.len() as u64) > budget {
                    let rest = job.items.split_off(budget as usize);
                    q.jobs.push_front(Job {
                        target: job.target,
                        items: rest,
                        collector: Arc::clone(&job.collector),
                    });
                }
                return Some(job);
            }
            if !block || q.state == RunState::Closed {
                return None;
            }
            q.idle += 1;
            q = self.cv.wait(q).unwrap_or_else(|e| e.into_inner());
            q.idle -= 1;
        }
    }

    /// Whether a small job is waiting that no idle supervisor is about to take.
    fn worth_prefetching(&self) -> bool {
        let q = lock(&self.queue);
        q.state != RunState::Terminated
            && q.jobs.len() > q.idle
            && q.jobs.front().is_some_and(|j| j.bytes() <= PREFETCH_BYTES)
    }

    fn requeue_front(&self, jobs: Vec<Job>) {
        let mut q = lock(&self.queue);
        if q.state == RunState::Terminated {
            drop(q);
            for j in jobs {
                j.fail_all(&PoolError::Terminated);
            }
            return;
        }
        for j in jobs.into_iter().rev() {
            if !j.items.is_empty() {
                q.jobs.push_front(j);
            }
        }
        drop(q);
        self.cv.notify_all();
    }

    /// Writes a job as one frame, in a single write.
    fn send_job(conn: &mut Connection<UnixStream>, job: &Job) -> std::io::Result<()> {
        let mut payload = Vec::with_capacity(job.bytes());
        encode_job(
            &mut payload,
            job.target,
            job.items.iter().map(|(_, b)| b.as_slice()),
        );
        let mut buf = Vec::with_capacity(payload.len() + 12);
        encode_frame(&mut buf, &payload);
        let mut stream: &UnixStream = conn.get_ref();
        stream.write_all(&buf)
    }

    /// One worker slot's whole life: start a child, feed it, replace it when it dies or retires.
    fn supervise(self: Arc<Self>, k: usize, ready: std::sync::mpsc::Sender<Result<(), PoolError>>) {
        let mut ready = Some(ready);
        let mut failures = 0;
        loop {
            if self.state() == RunState::Terminated {
                if let Some(tx) = ready.take() {
                    let _ = tx.send(Ok(()));
                }
                return;
            }
            let worker = match self.start_worker(k) {
                Ok(w) => {
                    failures = 0;
                    if let Some(tx) = ready.take() {
                        let _ = tx.send(Ok(()));
                    }
                    w
                }
                Err(e) => {
                    if let Some(tx) = ready.take() {
                        let _ = tx.send(Err(e));
                        return;
                    }
                    failures += 1;
                    if failures < START_RETRIES {
                        std::thread::sleep(Duration::from_millis(100));
                        continue;
                    }
                    self.break_pool(e.to_string());
                    return;
                }
            };
            match self.serve(k, worker) {
                Served::Replace => continue,
                Served::Stop => return,
            }
        }
    }

    /// A replacement worker cannot be started: fail what is queued and refuse new work.
    fn break_pool(&self, reason: String) {
        let jobs: Vec<Job> = {
            let mut q = lock(&self.queue);
            q.broken = Some(reason.clone());
            q.jobs.drain(..).collect()
        };
        for j in jobs {
            j.fail_all(&PoolError::Start(reason.clone()));
        }
    }

    fn serve(&self, k: usize, mut w: Worker) -> Served {
        let budget_total = self.config.max_tasks.unwrap_or(u64::MAX);
        let mut served: u64 = 0;
        let mut sent: u64 = 0;
        let mut inflight: VecDeque<Job> = VecDeque::new();
        loop {
            // Keep the worker fed.
            if inflight.is_empty() {
                match self.take_job(budget_total - sent, true) {
                    Some(job) => {
                        sent += job.items.len() as u64;
                        if Self::send_job(&mut w.conn, &job).is_err() {
                            inflight.push_back(job);
                            return self.worker_died(k, w, inflight);
                        }
                        inflight.push_back(job);
                    }
                    None => {
                        if self.state() == RunState::Terminated {
                            let _ = w.child.kill();
                        }
                        self.retire(k, w);
                        return Served::Stop;
                    }
                }
            }
            if inflight.len() < 2
                && sent < budget_total
                && self.worth_prefetching()
                && let Some(job) = self.take_job(budget_total - sent, false)
            {
                sent += job.items.len() as u64;
                let failed = Self::send_job(&mut w.conn, &job).is_err();
                inflight.push_back(job);
                if failed {
                    return self.worker_died(k, w, inflight);
                }
            }
            // Wait for the reply to the oldest job in flight: the worker answers in order.
            let reply = match w.conn.recv_bytes() {
                Ok(r) => r,
                Err(_) => return self.worker_died(k, w, inflight),
            };
            let job = inflight
                .pop_front()
                .expect("a reply implies a job in flight");
            served += job.items.len() as u64;
            deliver_reply(job, &reply);
            if served >= budget_total {
                // Retired by max_tasks_per_child: it exits by itself after this reply.
                self.retire(k, w);
                return Served::Replace;
            }
        }
    }

    /// The worker's socket closed: reap it, fail the one task it held, requeue the rest.
    fn worker_died(&self, k: usize, w: Worker, mut inflight: VecDeque<Job>) -> Served {
        let pid = w.pid;
        let exitcode = self.retire(k, w);
        if self.state() == RunState::Terminated {
            for j in inflight {
                j.fail_all(&PoolError::Terminated);
            }
            return Served::Stop;
        }
        // The oldest job in flight is the one the worker was running. One item: that is the
        // task that died with it. Several: run them again one by one, so the one that kills
        // its worker is found exactly and fails alone (the others may run a second time).
        let mut requeue: Vec<Job> = Vec::new();
        if let Some(front) = inflight.pop_front() {
            if front.items.len() == 1 {
                let (index, _) = front.items.into_iter().next().expect("one item");
                front
                    .collector
                    .deliver(index, Err(PoolError::WorkerDied { pid, exitcode }));
            } else {
                let Job {
                    target,
                    items,
                    collector,
                } = front;
                requeue.extend(items.into_iter().map(|item| Job {
                    target,
                    items: VecDeque::from([item]),
                    collector: Arc::clone(&collector),
                }));
            }
        }
        requeue.extend(inflight);
        self.requeue_front(requeue);
        Served::Replace
    }
}

enum Served {
    Replace,
    Stop,
}

/// Hands every item of `job` its outcome from the worker's reply.
fn deliver_reply(job: Job, reply: &[u8]) {
    let mut r = Reader::new(reply);
    let outcomes = job.items.into_iter().map(|(index, _)| {
        let outcome = match (r.u8(), r.bytes()) {
            (Ok(status), Ok(payload)) => outcome_of(status, payload),
            _ => Err(PoolError::Encode("malformed reply from the worker".into())),
        };
        (index, outcome)
    });
    job.collector.deliver_many(outcomes);
}

fn outcome_of(status: u8, payload: &[u8]) -> Outcome {
    let text = || String::from_utf8_lossy(payload).into_owned();
    match status {
        worker::OK => Ok(payload.to_vec()),
        worker::PANICKED => Err(PoolError::Panicked { message: text() }),
        worker::BAD_ARGS | worker::BAD_RESULT => Err(PoolError::Encode(text())),
        _ => Err(PoolError::Panicked { message: text() }),
    }
}
