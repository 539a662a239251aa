//! `ThreadPoolExecutor`: a lazily grown pool of worker threads running submitted closures.
//!
//! The work queue has two ends with a lock each, so that submitters and workers do not take
//! turns on one lock per task (the two-lock queue of Michael & Scott, with whole buffers instead
//! of nodes, as in `SimpleQueue`): a submit appends to `incoming`, under the pool's state lock
//! (which also holds the bookkeeping a submit must check: shutdown, broken, how many workers);
//! workers take tasks from `ready`, under its own lock, and when it runs dry one of them moves
//! everything in `incoming` over at once. Everything in `ready` was submitted before anything in
//! `incoming`, so tasks start in submission order. Lock order: `ready`, then `state`. When the
//! submitter is the bottleneck (trivial tasks) the queue is short and a worker still meets it
//! on the state lock per task, but a backlog moves in one go and the workers then take it
//! without touching the submitters' lock. Each task's own state lives in its [`TaskFuture`].
//!
//! Workers are started only when no idle worker can take a new task (Python's
//! `_idle_semaphore`, here the atomic `idle` token count), so three `submit().result()` in a row
//! use one thread (Q-41) and 60 blocked tasks on a pool of 4 use four (Q-40).
//!
//! No task is left queued while a worker sleeps: tasks reach `ready` only by a move made under
//! both locks, which wakes a sleeper (exactly: under the state lock) when it leaves more than
//! the mover takes; a worker checks `ready` under its lock before it sleeps, and holds the state
//! lock from then until it sleeps, so no move can fall in between. A worker taking a task from
//! `ready` with more left wakes a sleeper only if `wakeable` says one is there: that hint is
//! read under the `ready` lock, after the move that filled `ready`, which came after any
//! sleeper's registration (both under the state lock).
//!
//! The hot path is lean: a submit allocates the task once, pushes it under the state lock and
//! wakes a worker only if one sleeps and none is already on its way. A worker with nothing to do
//! first spins briefly on the queue lengths (at most one worker spins at a time; the rest sleep
//! on the condition variable), so a steady stream of tiny tasks costs no sleep/wake per task. A
//! worker that takes a task while more are queued passes a wake-up on to a sleeping one. On a
//! trivial task the cost is mostly atomic read-modify-writes (each lock is two), so the worker
//! starts a task with one lock (it takes the callable: see `pool_job.rs`), and nothing the pool's
//! lock protects waits on a reference count or a timeline event.

use crate::diagnostics;
use std::collections::VecDeque;
use std::fmt;

use super::worker::{current_pool, spawn_worker, worker_main};
use std::sync::Arc as StdArc;

use super::error::{BrokenPool, SubmitError};
use super::executor_builder::{Initializer, ThreadPoolExecutorBuilder};
use super::pool_job::{JobOf, PoolJob, Stamp, new_job, reclaim};
use super::task_future::TaskFuture;
use crate::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use crate::sync::{Condvar, Mutex, MutexGuard, lock};

pub(crate) struct Pool {
    /// Submitters' end of the queue and the bookkeeping.
    pub(super) state: Mutex<PoolState>,
    /// Workers' end of the queue, on its own cache lines.
    pub(super) ready: Ready,
    /// Idle workers sleep here.
    pub(super) work: Condvar,
    /// `shutdown(wait)` sleeps here until the workers are gone.
    pub(super) exited: Condvar,
    /// Python's `_idle_semaphore`: released by a worker after each task, taken by `submit`.
    pub(super) idle: AtomicUsize,
    /// `state.incoming.len()`, readable without the lock: what an idle worker watches while it
    /// spins (with `ready.len`).
    pub(super) incoming_len: AtomicUsize,
    /// `sleepers - wakes_pending` (written under the state lock): lets a worker that has tasks
    /// to pass on skip the state lock when no worker sleeps.
    pub(super) wakeable: AtomicUsize,
    /// Set once `max_workers` workers were started: idle tokens are no longer needed.
    pub(super) full: AtomicBool,
    /// 1 while a worker spins waiting for work: at most one spins, the others sleep.
    pub(super) spinners: AtomicUsize,
    pub(crate) max_workers: usize,
    pub(super) prefix: String,
    pub(super) initializer: Option<Initializer>,
    pub(super) id: usize,
}

/// The workers' end of the work queue.
#[repr(align(64))]
pub(super) struct Ready {
    pub(super) jobs: Mutex<VecDeque<StdArc<dyn PoolJob>>>,
    /// `jobs.len()`, readable without the lock.
    pub(super) len: AtomicUsize,
}

/// Queue slots a drained `ready` buffer may keep before it becomes the submitters' next one: a
/// burst of submits should not pin its memory for the pool's life.
pub(super) const SPARE_SLOTS: usize = 1024;

pub(super) struct PoolState {
    /// Submitted tasks not yet moved to `ready`.
    pub(super) incoming: VecDeque<StdArc<dyn PoolJob>>,
    /// Workers blocked on `work`.
    pub(super) sleepers: usize,
    /// Wake-ups sent and not yet consumed: no second notify for the same sleeper.
    pub(super) wakes_pending: usize,
    /// Workers alive (started and not yet exited).
    pub(super) live: usize,
    /// Workers ever started: the `_i` in thread names.
    pub(super) spawned: usize,
    pub(super) exit_waiters: usize,
    pub(super) shutdown: bool,
    pub(super) broken: Option<BrokenPool>,
}

impl Pool {
    pub(crate) fn new(
        max_workers: usize,
        prefix: String,
        initializer: Option<Initializer>,
        id: usize,
    ) -> Self {
        Pool {
            state: Mutex::new(PoolState {
                incoming: VecDeque::new(),
                sleepers: 0,
                wakes_pending: 0,
                live: 0,
                spawned: 0,
                exit_waiters: 0,
                shutdown: false,
                broken: None,
            }),
            ready: Ready {
                jobs: Mutex::new(VecDeque::new()),
                len: AtomicUsize::new(0),
            },
            work: Condvar::new(),
            exited: Condvar::new(),
            idle: AtomicUsize::new(0),
            incoming_len: AtomicUsize::new(0),
            wakeable: AtomicUsize::new(0),
            spinners: AtomicUsize::new(0),
            full: AtomicBool::new(false),
            max_workers,
            prefix,
            initializer,
            id,
        }
    }

    /// Takes one idle token if there is one (Python's `_idle_semaphore.acquire(timeout=0)`).
    pub(super) fn take_idle(&self) -> bool {
        let mut n = self.idle.load(Ordering::Acquire);
        while n > 0 {
            match self
                .idle
                .compare_exchange_weak(n, n - 1, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return true,
                Err(actual) => n = actual,
            }
        }
        false
    }

    /// Wakes one sleeping worker unless one is already on its way, or a spinning worker will
    /// see the new task anyway.
    pub(super) fn wake_one(&self, st: &mut PoolState) -> bool {
        if st.sleepers > st.wakes_pending && self.spinners.load(Ordering::SeqCst) == 0 {
            st.wakes_pending += 1;
            self.set_wakeable(st);
            true
        } else {
            false
        }
    }

    /// Publishes how many sleepers have no wake-up on its way (after `sleepers` or
    /// `wakes_pending` changed).
    pub(super) fn set_wakeable(&self, st: &PoolState) {
        self.wakeable.store(
            st.sleepers.saturating_sub(st.wakes_pending),
            Ordering::Relaxed,
        );
    }

    /// Whether any task is queued (a hint: read without the locks). Only the spin reads it, and
    /// loom models do not spin.
    #[cfg_attr(loom, allow(dead_code))]
    pub(super) fn has_queued(&self) -> bool {
        self.incoming_len.load(Ordering::Relaxed) > 0 || self.ready.len.load(Ordering::Relaxed) > 0
    }

    /// Takes every queued task out (oldest first), for a shutdown that cancels them or a broken
    /// pool; `st` is the state lock, taken after `ready` (the lock order).
    pub(super) fn drain(
        &self,
        ready: &mut VecDeque<StdArc<dyn PoolJob>>,
        st: &mut PoolState,
    ) -> Vec<StdArc<dyn PoolJob>> {
        let jobs: Vec<_> = ready.drain(..).chain(st.incoming.drain(..)).collect();
        self.ready.len.store(0, Ordering::Relaxed);
        self.incoming_len.store(0, Ordering::Relaxed);
        jobs
    }

    pub(super) fn break_pool(&self, reason: String) {
        let broken = BrokenPool {
            reason: StdArc::new(reason),
        };
        let mut ready = lock(&self.ready.jobs);
        let mut st = lock(&self.state);
        if st.broken.is_none() {
            st.broken = Some(broken.clone());
        }
        let jobs = self.drain(&mut ready, &mut st);
        let wake = st.sleepers > 0;
        drop(st);
        drop(ready);
        if wake {
            self.work.notify_all();
        }
        for job in jobs {
            job.fail_broken(&broken);
        }
    }

    pub(super) fn worker_exit(&self, mut st: MutexGuard<'_, PoolState>) {
        st.live -= 1;
        let wake = st.exit_waiters > 0;
        drop(st);
        if wake {
            self.exited.notify_all();
        }
    }
}

/// How [`ThreadPoolExecutor::shutdown_with`] shuts down: Python's `shutdown(wait, cancel_futures)`.
///
/// | Python | Rust |
/// |---|---|
/// | `shutdown()` / `shutdown(wait=True)` | [`ThreadPoolExecutor::shutdown`] or `shutdown_with(Shutdown::wait())` |
/// | `shutdown(wait=False)` | [`ThreadPoolExecutor::shutdown_nowait`] or `shutdown_with(Shutdown::nowait())` |
/// | `shutdown(cancel_futures=True)` | `shutdown_with(Shutdown::wait().cancel_futures())` |
/// | `shutdown(wait=False, cancel_futures=True)` | `shutdown_with(Shutdown::nowait().cancel_futures())` |
///
/// # Examples
///
/// ```
/// use pythreading::futures::{Shutdown, ThreadPoolExecutor};
///
/// let pool = ThreadPoolExecutor::new(1).unwrap();
/// pool.shutdown_with(Shutdown::nowait().cancel_futures());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shutdown {
    wait: bool,
    cancel_futures: bool,
}

impl Shutdown {
    /// Return once every queued task has run (or been cancelled) and the workers have exited.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::futures::{Shutdown, ThreadPoolExecutor};
    /// let pool = ThreadPoolExecutor::new(1).unwrap();
    /// let f = pool.submit(|| 1).unwrap();
    /// pool.shutdown_with(Shutdown::wait());
    /// assert!(f.is_done());
    /// ```
    pub fn wait() -> Self {
        Shutdown {
            wait: true,
            cancel_futures: false,
        }
    }

    /// Return at once; queued work still runs, then the workers exit.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::futures::{Shutdown, ThreadPoolExecutor};
    /// let pool = ThreadPoolExecutor::new(1).unwrap();
    /// let f = pool.submit(|| 1).unwrap();
    /// pool.shutdown_with(Shutdown::nowait());
    /// assert_eq!(f.result().unwrap(), 1);
    /// ```
    pub fn nowait() -> Self {
        Shutdown {
            wait: false,
            cancel_futures: false,
        }
    }

    /// Also cancel every task that has not started yet.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::futures::{Shutdown, ThreadPoolExecutor};
    /// let pool = ThreadPoolExecutor::new(1).unwrap();
    /// pool.shutdown_with(Shutdown::wait().cancel_futures());
    /// ```
    #[must_use]
    pub fn cancel_futures(mut self) -> Self {
        self.cancel_futures = true;
        self
    }
}

/// A pool of worker threads running submitted closures: Python's
/// `concurrent.futures.ThreadPoolExecutor`.
///
/// | Python | Rust |
/// |---|---|
/// | `ThreadPoolExecutor(max_workers, thread_name_prefix, initializer)` | [`ThreadPoolExecutor::builder`], [`ThreadPoolExecutor::new`], `ThreadPoolExecutor::default()` |
/// | `submit(fn, *args)` | [`submit`](Self::submit)`(move \|\| fn(args))` |
/// | `map(fn, *iterables, timeout)` | [`map`](Self::map), [`map_timeout`](Self::map_timeout) |
/// | `shutdown(wait, cancel_futures)` | [`shutdown`](Self::shutdown), [`shutdown_nowait`](Self::shutdown_nowait), [`shutdown_with`](Self::shutdown_with) |
/// | `with ThreadPoolExecutor() as e:` | a scope: dropping the executor is `shutdown(wait=True)` |
///
/// Share it with [`std::sync::Arc`] to submit from several threads.
///
/// # Examples
///
/// ```
/// use pythreading::futures::ThreadPoolExecutor;
///
/// let pool = ThreadPoolExecutor::new(4).unwrap();
/// let futures: Vec<_> = (0..10).map(|i| pool.submit(move || i * i).unwrap()).collect();
/// let squares: Vec<i32> = futures.iter().map(|f| f.result().unwrap()).collect();
/// assert_eq!(squares[9], 81);
/// ```
#[doc(alias = "Executor")]
pub struct ThreadPoolExecutor {
    pool: StdArc<Pool>,
}

impl fmt::Debug for ThreadPoolExecutor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = lock(&self.pool.state);
        f.debug_struct("ThreadPoolExecutor")
            .field("max_workers", &self.pool.max_workers)
            .field("workers", &st.live)
            .field(
                "queued",
                &(st.incoming.len() + self.pool.ready.len.load(Ordering::Relaxed)),
            )
            .field("shutdown", &st.shutdown)
            .field("broken", &st.broken.is_some())
            .finish()
    }
}

impl Default for ThreadPoolExecutor {
    /// Python's `ThreadPoolExecutor()`: `min(32, cpus + 4)` workers.
    fn default() -> Self {
        ThreadPoolExecutorBuilder::new().build_default()
    }
}

impl ThreadPoolExecutor {
    pub(crate) fn from_pool(pool: Pool) -> Self {
        ThreadPoolExecutor {
            pool: StdArc::new(pool),
        }
    }

    /// A builder for `max_workers`, `thread_name_prefix` and `initializer`.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading::futures::ThreadPoolExecutor;
    ///
    /// let pool = ThreadPoolExecutor::builder()
    ///     .max_workers(2)
    ///     .thread_name_prefix("fetch")
    ///     .build()
    ///     .unwrap();
    /// let name = pool.submit(|| std::thread::current().name().map(String::from)).unwrap();
    /// assert_eq!(name.result().unwrap().as_deref(), Some("fetch_0"));
    /// ```
    pub fn builder() -> ThreadPoolExecutorBuilder {
        ThreadPoolExecutorBuilder::new()
    }

    /// A pool of at most `max_workers` threads.
    ///
    /// # Errors
    ///
    /// [`BuildError`](super::BuildError) if `max_workers` is 0 (Q-39).
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading::futures::ThreadPoolExecutor;
    ///
    /// let pool = ThreadPoolExecutor::new(5).unwrap();
    /// assert_eq!(pool.max_workers(), 5);
    /// assert!(ThreadPoolExecutor::new(0).is_err());
    /// ```
    pub fn new(max_workers: usize) -> Result<Self, super::BuildError> {
        ThreadPoolExecutorBuilder::new()
            .max_workers(max_workers)
            .build()
    }

    /// The most worker threads this pool starts.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::futures::ThreadPoolExecutor;
    /// assert!(ThreadPoolExecutor::default().max_workers() <= 32);
    /// ```
    pub fn max_workers(&self) -> usize {
        self.pool.max_workers
    }

    /// How many worker threads are alive now (Python's `len(executor._threads)`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::futures::ThreadPoolExecutor;
    /// let pool = ThreadPoolExecutor::new(4).unwrap();
    /// assert_eq!(pool.worker_count(), 0); // started lazily
    /// pool.submit(|| ()).unwrap().result().unwrap();
    /// assert_eq!(pool.worker_count(), 1);
    /// ```
    #[doc(alias = "_threads")]
    pub fn worker_count(&self) -> usize {
        lock(&self.pool.state).live
    }

    /// Whether a worker's initializer failed, so the pool runs nothing more (Q-57).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::futures::ThreadPoolExecutor;
    /// let pool = ThreadPoolExecutor::new(1).unwrap();
    /// assert!(!pool.is_broken());
    /// ```
    #[doc(alias = "_broken")]
    pub fn is_broken(&self) -> bool {
        lock(&self.pool.state).broken.is_some()
    }

    /// Whether a shutdown was requested.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::futures::ThreadPoolExecutor;
    /// let pool = ThreadPoolExecutor::new(1).unwrap();
    /// pool.shutdown();
    /// assert!(pool.is_shutdown());
    /// ```
    #[doc(alias = "_shutdown")]
    pub fn is_shutdown(&self) -> bool {
        lock(&self.pool.state).shutdown
    }

    /// Schedules `f` to run on a worker and returns its [`TaskFuture`] (Python's `submit`).
    ///
    /// A panic in `f` is caught and kept in the future; the worker carries on (Q-58).
    ///
    /// # Errors
    ///
    /// Hands `f` back in [`SubmitError::Shutdown`] after a shutdown (Q-42),
    /// [`SubmitError::Broken`] on a broken pool (Q-57), or [`SubmitError::Spawn`] if the pool
    /// had no thread and the OS refused to start one.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading::futures::ThreadPoolExecutor;
    ///
    /// let pool = ThreadPoolExecutor::new(2).unwrap();
    /// let f = pool.submit(|| 2_u32.pow(8)).unwrap();
    /// assert_eq!(f.result().unwrap(), 256);
    /// ```
    pub fn submit<F, T>(&self, f: F) -> Result<TaskFuture<T>, SubmitError<F>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        // While a timeline records, the submit's time and thread are kept in the task (one look
        // at the clock, no event: see `diagnostics/task_slice.rs`); otherwise the task has no
        // room for them at all.
        match diagnostics::task_submitted() {
            None => self.enqueue(new_job(f, ())),
            Some(submitted) => self.enqueue(new_job(f, submitted)),
        }
    }

    /// Queues a task made by [`submit`](Self::submit) (allocated before taking the lock: the
    /// critical section stays a push and a few counters).
    fn enqueue<F, T, S>(&self, job: StdArc<JobOf<T, F, S>>) -> Result<TaskFuture<T>, SubmitError<F>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
        S: Stamp,
    {
        let pool = &*self.pool;
        // The queue's reference, taken before the lock too (an atomic increment fewer inside).
        let queued: StdArc<dyn PoolJob> = job.clone();
        let mut st = lock(&pool.state);
        let refused = if st.shutdown {
            Some(None)
        } else {
            st.broken.clone().map(Some)
        };
        if let Some(broken) = refused {
            drop(st);
            drop(queued);
            let Some(f) = reclaim(&job) else {
                unreachable!("a job that was never queued still holds its callable")
            };
            return Err(match broken {
                None => SubmitError::Shutdown(f),
                Some(b) => SubmitError::Broken(f, b),
            });
        }
        st.incoming.push_back(queued);
        pool.incoming_len
            .store(st.incoming.len(), Ordering::Relaxed);
        let spawn = if st.live >= pool.max_workers || pool.take_idle() {
            None
        } else {
            st.live += 1;
            if st.live == pool.max_workers {
                pool.full.store(true, Ordering::Relaxed);
            }
            st.spawned += 1;
            Some(st.spawned - 1)
        };
        let wake = pool.wake_one(&mut st);
        drop(st);
        if wake {
            pool.work.notify_one();
        }
        if let Some(i) = spawn {
            let name = format!("{}_{i}", pool.prefix);
            let worker_pool = self.pool.clone();
            if let Err(e) = spawn_worker(name, move || worker_main(worker_pool)) {
                let mut st = lock(&pool.state);
                st.live -= 1;
                pool.full.store(false, Ordering::Relaxed);
                let me = StdArc::as_ptr(&job) as *const ();
                if st.live == 0 {
                    // Nobody would ever run it: take the task back. With no worker alive it is
                    // still in `incoming` (a worker moves tasks to `ready` only to run them,
                    // and leaves only when both are empty or after draining both).
                    let pos = st
                        .incoming
                        .iter()
                        .rposition(|j| StdArc::as_ptr(j) as *const () == me);
                    if let Some(pos) = pos {
                        st.incoming.remove(pos);
                        pool.incoming_len
                            .store(st.incoming.len(), Ordering::Relaxed);
                        drop(st);
                        if let Some(f) = reclaim(&job) {
                            return Err(SubmitError::Spawn(f, e));
                        }
                    }
                }
            }
        }
        Ok(TaskFuture::from_job(job))
    }

    /// Python's `shutdown(wait=True)`: refuse new tasks, let the queued ones run, and return
    /// once every worker has exited (Q-45, Q-50, Q-53). Calling it again is harmless.
    ///
    /// Called from one of this pool's own tasks, it waits for the other workers only.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading::futures::ThreadPoolExecutor;
    ///
    /// let pool = ThreadPoolExecutor::new(2).unwrap();
    /// let fs: Vec<_> = (0..5).map(|i| pool.submit(move || i).unwrap()).collect();
    /// pool.shutdown();
    /// assert!(fs.iter().all(|f| f.is_done()));
    /// assert_eq!(pool.worker_count(), 0);
    /// ```
    pub fn shutdown(&self) {
        self.shutdown_with(Shutdown::wait());
    }

    /// Python's `shutdown(wait=False)`: refuse new tasks and return at once; queued tasks still
    /// run, then the workers exit (Q-47).
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading::futures::ThreadPoolExecutor;
    ///
    /// let pool = ThreadPoolExecutor::new(1).unwrap();
    /// let f = pool.submit(|| "still runs").unwrap();
    /// pool.shutdown_nowait();
    /// assert_eq!(f.result().unwrap(), "still runs");
    /// ```
    #[doc(alias = "shutdown")]
    pub fn shutdown_nowait(&self) {
        self.shutdown_with(Shutdown::nowait());
    }

    /// Shuts down as `how` says (Python's `shutdown(wait, cancel_futures)`).
    ///
    /// With `cancel_futures`, every task still queued is cancelled; unlike CPython (Q-26) those
    /// futures are then reported done by [`wait`](super::wait) and
    /// [`as_completed`](super::as_completed), which would otherwise wait for them forever.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading::futures::{Shutdown, ThreadPoolExecutor};
    ///
    /// let pool = ThreadPoolExecutor::new(1).unwrap();
    /// let (started_tx, started) = std::sync::mpsc::channel::<()>();
    /// let (go, go_rx) = std::sync::mpsc::channel::<()>();
    /// let running = pool
    ///     .submit(move || {
    ///         started_tx.send(()).unwrap();
    ///         go_rx.recv().is_ok()
    ///     })
    ///     .unwrap();
    /// let queued = pool.submit(|| 2).unwrap();
    /// // Until a worker has taken it, a task is pending and `cancel_futures` would cancel it too.
    /// started.recv().unwrap();
    /// std::thread::spawn(move || {
    ///     std::thread::sleep(std::time::Duration::from_millis(50));
    ///     go.send(()).unwrap();
    /// });
    /// pool.shutdown_with(Shutdown::wait().cancel_futures());
    /// assert!(queued.is_cancelled());
    /// assert!(running.result().unwrap());
    /// ```
    #[doc(alias = "shutdown")]
    #[doc(alias = "cancel_futures")]
    pub fn shutdown_with(&self, how: Shutdown) {
        let pool = &*self.pool;
        // Both ends of the queue when cancelling (in the lock order), the state alone otherwise.
        let mut ready = how.cancel_futures.then(|| lock(&pool.ready.jobs));
        let mut st = lock(&pool.state);
        st.shutdown = true;
        let drained = match &mut ready {
            Some(ready) => pool.drain(ready, &mut st),
            None => Vec::new(),
        };
        let wake = st.sleepers > 0;
        drop(st);
        drop(ready);
        if wake {
            pool.work.notify_all();
        }
        for job in drained {
            job.cancel_and_notify();
        }
        if how.wait {
            let me = usize::from(current_pool() == pool.id);
            let mut st = lock(&pool.state);
            while st.live > me {
                st.exit_waiters += 1;
                st = match pool.exited.wait(st) {
                    Ok(g) => g,
                    Err(p) => p.into_inner(),
                };
                st.exit_waiters -= 1;
            }
        }
    }
}

impl Drop for ThreadPoolExecutor {
    /// Dropping the executor is Python's `shutdown(wait=True)` (the end of a `with` block, Q-51).
    fn drop(&mut self) {
        self.shutdown();
    }
}
