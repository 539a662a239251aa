//! `pythreading-bench`: every figure side by side with its anchors, measured in the same run.
//!
//! ```text
//! cargo run --release -p pythreading-bench              # every group
//! cargo run --release -p pythreading-bench -- queue     # one group
//! cargo run --release -p pythreading-bench -- queue --scaling  # cost against contention
//! cargo run --release -p pythreading-bench -- lock --json
//! ```
//!
//! The table shows, for each case, pythreading's figure, each anchor's figure and the ratio
//! `pythreading ÷ anchor`. For rates (`…/s`) higher is better; for times (`ns`, `s`) lower is
//! better. `--json` prints one object per line instead:
//! `{"group":"queue","case":"mpmc_bounded_4p4c","impl":"pythreading","value":1.2e7,"unit":"items/s"}`.
//! CPython's figures come from `bench/python/`, run by `python3` when it exists; when it does
//! not, the row says so instead of failing.

mod executor;
mod lock;
mod managers;
mod net;
mod pipe;
mod pool;
mod python;
mod queue;
mod redis;
mod report;
mod threads;
mod trace;

use clap::{Parser, ValueEnum};

/// Benchmark groups, in the order a full run takes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Group {
    /// Lock acquire/release, uncontended and contended, vs parking_lot and std.
    Lock,
    /// Spawn + join of many threads vs std::thread.
    Threads,
    /// Event ping-pong round trip vs a std Mutex+Condvar event.
    Event,
    /// Queues vs crossbeam-channel, flume, std::sync::mpsc and CPython.
    Queue,
    /// ThreadPoolExecutor vs rayon, threadpool and CPython.
    Executor,
    /// Remote queue round trips over loopback vs a raw TCP floor and CPython; on Redis vs a raw
    /// LPUSH/BRPOP floor and Python RQ.
    Managers,
    /// Worker processes: Pool map, CPU-bound map on 2 vs 1 workers, Process start+join, Pipe
    /// ping-pong, vs CPython.
    Pool,
    /// Echo requests/s and p99 latency at 10, 100 and 1,000 connections: our socketserver (and
    /// the async path: tokio tasks bounded by our async Semaphore) vs a std thread per
    /// connection, tokio tasks and CPython's ThreadingTCPServer.
    Net,
    /// What the diagnostics cost: lock, queue MPMC and executor with a timeline recording vs not.
    Trace,
}

/// Side-by-side benchmarks of pythreading against its anchors.
#[derive(Debug, Parser)]
#[command(name = "pythreading-bench", version)]
struct Args {
    /// The group to run; all of them when omitted.
    group: Option<Group>,
    /// One JSON object per line instead of a table.
    #[arg(long)]
    json: bool,
    /// Smaller workloads and fewer repetitions: a smoke run, not a measurement.
    #[arg(long)]
    quick: bool,
    /// With `queue`: the MPMC contention sweep, 1, 2, 4, 8 and 16 producer/consumer pairs on a
    /// bounded(1024) queue, next to crossbeam and flume, instead of the usual cases.
    #[arg(long)]
    scaling: bool,
}

fn main() {
    // First: the `pool` group's worker processes are this binary re-executed; they run their
    // task here and exit.
    pythreading_mp::init();
    let args = Args::parse();
    let opts = report::Opts {
        quick: args.quick,
        scaling: args.scaling,
    };
    let groups: Vec<Group> = match args.group {
        Some(g) => vec![g],
        None => Group::value_variants().to_vec(),
    };
    let mut report = report::Report::new(args.json);
    for group in groups {
        let rows = match group {
            Group::Lock => lock::run(&opts),
            Group::Threads => threads::run(&opts),
            Group::Event => lock::run_event(&opts),
            Group::Queue => queue::run(&opts),
            Group::Executor => executor::run(&opts),
            Group::Managers => managers::run(&opts),
            Group::Net => net::run(&opts),
            Group::Pool => {
                let mut rows = pool::run(&opts);
                rows.extend(pipe::run(&opts));
                rows
            }
            Group::Trace => trace::run(&opts),
        };
        report.add(rows);
    }
    report.finish();
}
