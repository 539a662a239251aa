//! A pool's worker threads: the loop that takes tasks from the workers' end of the queue, runs
//! them, spins briefly for more and sleeps when there is none, and the one place that starts
//! them.

use std::cell::Cell;
use std::io::{self, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc as StdArc;
use std::time::Instant;

use super::error::TaskPanic;
use super::executor::{Pool, SPARE_SLOTS};
use super::pool_job::PoolJob;
use crate::diagnostics::{self, job_id};
use crate::sync::atomic::Ordering;
use crate::sync::lock;

/// Counts a worker out however it ends (even by an unexpected unwind), so `shutdown(wait)` can
/// never wait for a thread that is gone.
struct WorkerExit<'a>(&'a Pool);

impl Drop for WorkerExit<'_> {
    fn drop(&mut self) {
        self.0.worker_exit(lock(&self.0.state));
    }
}

pub(super) fn worker_main(pool: StdArc<Pool>) {
    let _exit = WorkerExit(&pool);
    set_current_pool(pool.id);
    if let Some(init) = &pool.initializer {
        let failure = match catch_unwind(AssertUnwindSafe(|| init())) {
            Ok(Ok(())) => None,
            Ok(Err(msg)) => Some(msg),
            Err(payload) => Some(TaskPanic::new(payload).message().to_string()),
        };
        if let Some(msg) = failure {
            // Python logs this at CRITICAL level on the 'concurrent.futures' logger.
            let _ = writeln!(io::stderr(), "Exception in initializer: {msg}");
            pool.break_pool(msg);
            return;
        }
    }
    let mut spun = false;
    while let Some(job) = next_job(&pool, &mut spun) {
        // Once every worker is started, idle tokens decide nothing: skip the shared counter.
        let count_idle = !pool.full.load(Ordering::Relaxed);
        let returned = || {
            if count_idle {
                pool.idle.fetch_add(1, Ordering::Release);
            }
        };
        // The task is timed only while a timeline is recorded: one relaxed load here. Its one
        // event (submit, start and finish) is written once it is done.
        if diagnostics::tracing_tasks() {
            let (id, submit) = (job_id(&job), job.submitted());
            let start = Instant::now();
            job.run(&returned);
            diagnostics::task_ran(id, submit, start);
        } else {
            job.run(&returned);
        }
        spun = false;
    }
}

/// The next task for a worker, waiting for one if there is none; `None` once the pool is shut
/// down (or broken) and nothing is queued. `spun`: whether this worker already spun since its
/// last task (it then sleeps instead).
fn next_job(pool: &Pool, spun: &mut bool) -> Option<StdArc<dyn PoolJob>> {
    loop {
        let mut ready = lock(&pool.ready.jobs);
        let (job, wake) = if let Some(job) = ready.pop_front() {
            pool.ready.len.store(ready.len(), Ordering::Relaxed);
            // More work queued than this worker takes, and a worker asleep: pass a wake-up on.
            // The hint spares the state lock when none sleeps.
            let wake = !ready.is_empty()
                && pool.wakeable.load(Ordering::Relaxed) > 0
                && pool.wake_one(&mut lock(&pool.state));
            (job, wake)
        } else {
            let mut st = lock(&pool.state);
            if st.incoming.is_empty() {
                drop(ready);
                if st.shutdown || st.broken.is_some() {
                    // Released before the caller's `WorkerExit` takes the lock again.
                    drop(st);
                    return None;
                }
                if !*spun
                    && pool
                        .spinners
                        .compare_exchange(0, 1, Ordering::SeqCst, Ordering::SeqCst)
                        .is_ok()
                {
                    // A steady stream of submits should not cost a sleep and a wake-up per
                    // task: one worker watches the queue for a few microseconds before going
                    // to sleep.
                    drop(st);
                    spin_for_work(pool);
                    pool.spinners.store(0, Ordering::SeqCst);
                    *spun = true;
                    continue;
                }
                st.sleepers += 1;
                pool.set_wakeable(&st);
                st = match pool.work.wait(st) {
                    Ok(g) => g,
                    Err(p) => p.into_inner(),
                };
                st.sleepers -= 1;
                st.wakes_pending = st.wakes_pending.saturating_sub(1);
                pool.set_wakeable(&st);
                continue;
            }
            // Everything submitted so far moves over at once: the submitters' lock is taken
            // once per batch, not once per task. The drained buffer becomes theirs, trimmed
            // first if a burst left it large.
            if ready.capacity() > SPARE_SLOTS {
                ready.shrink_to(SPARE_SLOTS);
            }
            std::mem::swap(&mut *ready, &mut st.incoming);
            pool.incoming_len.store(0, Ordering::Relaxed);
            let Some(job) = ready.pop_front() else {
                continue;
            };
            pool.ready.len.store(ready.len(), Ordering::Relaxed);
            let wake = !ready.is_empty() && pool.wake_one(&mut st);
            (job, wake)
        };
        drop(ready);
        if wake {
            pool.work.notify_one();
        }
        return Some(job);
    }
}

#[cfg(not(loom))]
fn spin_for_work(pool: &Pool) {
    for step in 0..16_u32 {
        if pool.has_queued() {
            return;
        }
        if step < 8 {
            for _ in 0..(1_u32 << step) {
                std::hint::spin_loop();
            }
        } else {
            std::thread::yield_now();
        }
    }
}

#[cfg(loom)]
fn spin_for_work(_: &Pool) {}

// Which pool (if any) the current thread works for, so `shutdown(wait)` from inside a task does
// not wait for itself. loom runs every model thread on one OS thread, so there it is not tracked.
#[cfg(not(loom))]
thread_local! {
    static CURRENT_POOL: Cell<usize> = const { Cell::new(0) };
}

#[cfg(not(loom))]
fn set_current_pool(id: usize) {
    CURRENT_POOL.with(|c| c.set(id));
}

#[cfg(not(loom))]
pub(super) fn current_pool() -> usize {
    CURRENT_POOL.with(Cell::get)
}

#[cfg(loom)]
fn set_current_pool(_: usize) {}

#[cfg(loom)]
pub(super) fn current_pool() -> usize {
    let _ = Cell::new(0);
    0
}

/// Starts one worker thread. The only place the pool creates threads.
///
/// Workers are library threads, so `threading::enumerate()` lists them under their pool names.
/// They are daemon threads: an executor that is dropped (or shut down) waits for its own work, but
/// one that is leaked must not make `threading::shutdown()` wait forever for idle workers (CPython
/// avoids that with an exit hook that wakes every pool; Rust has no interpreter exit to hook).
#[cfg(not(loom))]
pub(super) fn spawn_worker(name: String, body: impl FnOnce() + Send + 'static) -> io::Result<()> {
    crate::threading::Builder::new()
        .name(name)
        .daemon(true)
        .spawn(body)
        .map(drop)
}

#[cfg(loom)]
pub(super) fn spawn_worker(name: String, body: impl FnOnce() + Send + 'static) -> io::Result<()> {
    drop(name);
    loom::thread::spawn(body);
    Ok(())
}
