//! `pythreading demo`: the tutorials' scenarios, runnable.
//!
//! Each scenario of the core crate is also one of its examples
//! (`crates/pythreading/examples/NAME.rs`, `cargo run --release -p pythreading --example NAME`);
//! the demo includes the same files, so there is one source for each. Scenarios that need the
//! manager crate (`distributed`) live beside this file.

use std::time::Instant;

macro_rules! scenarios {
    ($( $name:literal => $module:ident ($file:literal) : $about:literal ),* $(,)?) => {
        $(
            #[path = $file]
            mod $module;
        )*

        /// Every scenario: (name, what it shows, entry point).
        const SCENARIOS: &[(&str, &str, fn())] = &[
            $( ($name, $about, $module::run), )*
        ];
    };
}

scenarios! {
    "loop-thread" => loop_thread ("../../../pythreading/examples/loop_thread.rs"): "a named thread runs a loop; the main thread waits for it",
    "low-level" => low_level ("../../../pythreading/examples/low_level.rs"): "_thread: start_new_thread, exit, allocate_lock",
    "download" => download ("../../../pythreading/examples/download.rs"): "two sleeping downloads finish in about the longer time, not the sum",
    "bank" => bank ("../../../pythreading/examples/bank.rs"): "100 deposits: unprotected read-sleep-write loses updates; the locked one gives exactly 100",
    "counter" => counter ("../../../pythreading/examples/counter.rs"): "20 threads add and subtract: unprotected updates are lost; under a Lock the end is 0",
    "deadlock" => deadlock ("../../../pythreading/examples/deadlock.rs"): "opposite lock orders deadlock; find_deadlocks() prints the cycle (threads, named locks, file:line); RLock and ordering fix it",
    "local" => local ("../../../pythreading/examples/local.rs"): "per-thread student names with Local<T>",
    "daemon" => daemon ("../../../pythreading/examples/daemon.rs"): "daemon threads are not waited for at exit; non-daemon threads are",
    "stop-flag" => stop_flag ("../../../pythreading/examples/stop_flag.rs"): "Ctrl-C sets kill_received: workers stop at once and are joined",
    "atexit" => atexit ("../../../pythreading/examples/atexit.rs"): "atexit.register; exit/sys.exit wait for threads and run it, os._exit does neither",
    "event" => event ("../../../pythreading/examples/event.rs"): "two connection attempts retry until a checker sets the event",
    "condition" => condition ("../../../pythreading/examples/condition.rs"): "a baker and three customers share a 3-loaf shelf through a Condition",
    "semaphore" => semaphore ("../../../pythreading/examples/semaphore.rs"): "20 threads, at most 5 inside at once",
    "barrier" => barrier ("../../../pythreading/examples/barrier.rs"): "threads meet at a barrier; the last arrival runs the action",
    "timer" => timer ("../../../pythreading/examples/timer.rs"): "one-shot, cancelled and repeating timers",
    "enumerate" => enumerate ("../../../pythreading/examples/enumerate.rs"): "live threads and active_count over time",
    "excepthook" => excepthook ("../../../pythreading/examples/excepthook.rs"): "a failing thread is reported, not silent",
    "gil" => gil ("../../../pythreading/examples/gil.rs"): "the tutorials' countdown on 1 thread vs 2 (ten times their COUNT = 50_000_000), beside CPython's figures",
    "producer-consumer" => producer_consumer ("../../../pythreading/examples/producer_consumer.rs"): "one producer, one consumer, a bounded(48) queue",
    "producer-consumer-8" => producer_consumer_8 ("../../../pythreading/examples/producer_consumer_8.rs"): "4 producers and 4 consumers vs the 2-thread version",
    "worker-pool" => worker_pool ("../../../pythreading/examples/worker_pool.rs"): "fixed worker threads drain a task queue with task_done/join",
    "priority" => priority ("../../../pythreading/examples/priority.rs"): "PriorityQueue pops the smallest first",
    "lifo" => lifo ("../../../pythreading/examples/lifo.rs"): "LifoQueue pops the newest first",
    "pool-map" => pool_map ("../../../pythreading/examples/pool_map.rs"): "fetch-like tasks through a pool of 5: time is the batches, results in order",
    "as-completed" => as_completed ("../../../pythreading/examples/as_completed.rs"): "results printed as they finish",
    "limit-threads" => limit_threads ("../../../pythreading/examples/limit_threads.rs"): "the tutorials' 'at most N threads' examples, done with a pool",
    "process" => process ("../../../pythreading-mp/examples/process.rs"): "a child process prints its pid and its parent's; exit codes of a normal, a panicking and a killed child",
    "process-pool" => process_pool ("../../../pythreading-mp/examples/process_pool.rs"): "Pool(5).map over 13 inputs with each worker's pid; a worker killed mid-run fails its task alone and the pool carries on",
    "echo" => echo ("../../../pythreading/examples/echo.rs"): "the threaded socket echo server (a bounded ThreadingTCPServer) and scripted clients on 127.0.0.1",
    "coroutines" => coroutines ("coroutines.rs"): "10,000 echo clients: a thread per connection, the bounded pool, and tokio tasks; wall time, peak threads, peak memory",
    "distributed" => distributed ("distributed.rs"): "task master and two workers over 127.0.0.1, CPython's manager protocol",
    "reliable" => reliable ("reliable.rs"): "at-least-once: a worker process SIGKILLed mid-task; its task is redelivered to the other worker, none lost",
}

/// Runs one scenario by name, or all of them; `list` prints the names instead.
pub(crate) fn main(
    name: Option<&str>,
    list: bool,
    trace: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    if list {
        for (name, about, _) in SCENARIOS {
            println!("{name:<22} {about}");
        }
        return Ok(());
    }
    crate::quiet_exit::install_demo_excepthook();
    // `--trace out.json` (or PYTHREADING_TRACE): the timeline, written when this guard drops.
    let _recording = match trace {
        Some(path) => Some(pythreading::diagnostics::record_to(path)?),
        None => pythreading::diagnostics::record_from_env(),
    };
    match name {
        Some(name) => {
            let (_, about, run) =
                SCENARIOS
                    .iter()
                    .find(|(n, _, _)| *n == name)
                    .ok_or_else(|| {
                        anyhow::anyhow!(
                            "no scenario named {name:?}; `pythreading demo --list` names them"
                        )
                    })?;
            run_one(name, about, *run);
        }
        None => {
            let start = Instant::now();
            for (name, about, run) in SCENARIOS {
                run_one(name, about, *run);
            }
            println!(
                "\nall {} scenarios in {:.2?}",
                SCENARIOS.len(),
                start.elapsed()
            );
        }
    }
    Ok(())
}

fn run_one(name: &str, about: &str, run: fn()) {
    println!("\n=== {name}: {about}");
    let start = Instant::now();
    run();
    println!("--- {name} took {:.2?}", start.elapsed());
}
