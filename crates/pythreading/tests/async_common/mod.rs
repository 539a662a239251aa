//! Shared by the `async_*` tests: a minimal hand-written executor (`block_on` with a
//! thread-parking waker, bounded so a lost wake-up fails instead of hanging), a waker that
//! counts its wake-ups, a tokio runtime, and a bounded poll-until.
// Each test crate includes this module and uses a subset of it.
#![allow(dead_code)]

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::{Duration, Instant};

/// Generous bound on every wait in these tests: only turns a hang into a failure.
pub(crate) const BOUND: Duration = Duration::from_secs(20);

struct Unparker(thread::Thread);

impl Wake for Unparker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs `fut` on this thread: poll, park until woken, repeat. Fails the test if it is not done
/// within [`BOUND`] (a lost wake-up parks forever; the bound turns it into a failure).
pub(crate) fn block_on<F: Future>(fut: F) -> F::Output {
    let waker = Waker::from(Arc::new(Unparker(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut fut = pin!(fut);
    let start = Instant::now();
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        let left = BOUND.saturating_sub(start.elapsed());
        assert!(
            !left.is_zero(),
            "block_on: the future was never woken to completion"
        );
        thread::park_timeout(left);
    }
}

/// A waker that counts how often it was woken.
#[derive(Default)]
pub(crate) struct CountingWaker(AtomicUsize);

impl CountingWaker {
    pub(crate) fn new() -> (Arc<CountingWaker>, Waker) {
        let counter = Arc::new(CountingWaker::default());
        let waker = Waker::from(Arc::clone(&counter));
        (counter, waker)
    }

    pub(crate) fn wakes(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Polls a pinned future once with `waker`.
pub(crate) fn poll_once<F: Future + ?Sized>(
    fut: std::pin::Pin<&mut F>,
    waker: &Waker,
) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(waker))
}

/// A multi-threaded tokio runtime with timers (2 workers: the machine is small). Dropping it
/// gives the workers a second to stop and then leaves them: a test that failed with a worker
/// stuck in a blocking call reports its failure instead of hanging in the runtime's drop.
pub(crate) struct TokioRt(Option<tokio::runtime::Runtime>);

impl std::ops::Deref for TokioRt {
    type Target = tokio::runtime::Runtime;

    fn deref(&self) -> &tokio::runtime::Runtime {
        self.0.as_ref().expect("the runtime lives until the drop")
    }
}

impl Drop for TokioRt {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_timeout(Duration::from_secs(1));
        }
    }
}

pub(crate) fn tokio_rt() -> TokioRt {
    TokioRt(Some(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_time()
            .build()
            .expect("tokio runtime"),
    ))
}

/// Runs `fut` on `rt`, failing the test if it takes longer than [`BOUND`].
pub(crate) fn run_bounded<F: Future>(rt: &tokio::runtime::Runtime, fut: F) -> F::Output {
    rt.block_on(async {
        tokio::time::timeout(BOUND, fut)
            .await
            .expect("the tokio test did not finish within its bound")
    })
}

/// Waits (polling every millisecond) until `what` holds; fails after [`BOUND`].
pub(crate) fn wait_for(what_for: &str, what: impl Fn() -> bool) {
    let start = Instant::now();
    while !what() {
        assert!(start.elapsed() < BOUND, "never happened: {what_for}");
        thread::sleep(Duration::from_millis(1));
    }
}

/// How long each side of [`threads_and_tasks_take_turns`] goes on.
#[derive(Clone, Copy)]
pub(crate) struct Turns {
    /// Rounds for each of the two threads.
    pub(crate) thread_rounds: usize,
    /// How many tokio tasks.
    pub(crate) tasks: u64,
    /// Rounds for each task.
    pub(crate) task_rounds: u64,
    /// How long task `i` waits for its turn in round `j` before it times out (dropping its
    /// pending future at whatever point it had reached).
    pub(crate) task_wait: fn(u64, u64) -> Duration,
}

/// Two threads and [`Turns::tasks`] tokio tasks (on [`tokio_rt`]) take turns at one shared
/// primitive. A thread's round is `thread_round` (take the primitive, work, give it back); a
/// task's is `task_round(shared, wait)`, which takes it within `wait` and returns true, or
/// times out and returns false. Returns how many task rounds timed out; bounded by [`BOUND`].
pub(crate) fn threads_and_tasks_take_turns<T, F>(
    shared: &Arc<T>,
    turns: Turns,
    thread_round: impl Fn(&T) + Clone + Send + 'static,
    task_round: impl Fn(Arc<T>, Duration) -> F + Clone + Send + 'static,
) -> usize
where
    T: Send + Sync + 'static,
    F: Future<Output = bool> + Send + 'static,
{
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let shared = Arc::clone(shared);
            let round = thread_round.clone();
            thread::spawn(move || {
                for _ in 0..turns.thread_rounds {
                    round(&shared);
                }
            })
        })
        .collect();
    let rt = tokio_rt();
    let timed_out = run_bounded(&rt, async {
        let tasks: Vec<_> = (0..turns.tasks)
            .map(|i| {
                let shared = Arc::clone(shared);
                let round = task_round.clone();
                tokio::spawn(async move {
                    let mut timed_out = 0;
                    for j in 0..turns.task_rounds {
                        if !round(Arc::clone(&shared), (turns.task_wait)(i, j)).await {
                            timed_out += 1;
                        }
                    }
                    timed_out
                })
            })
            .collect();
        let mut timed_out = 0;
        for t in tasks {
            timed_out += t.await.unwrap();
        }
        timed_out
    });
    for t in threads {
        t.join().unwrap();
    }
    timed_out
}
