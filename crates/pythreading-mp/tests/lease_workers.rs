//! Issue 9 §1's acceptance test: 4 workers × 10,000 tasks through a manager server's queue,
//! two workers SIGKILLed mid-task: one before it puts its task's result (without leases that
//! task would be lost), one after putting it but before acking (its task's work runs twice). Every task's
//! result arrives at the master — checked with a bitmap of task ids; results of work done
//! twice are filtered by task id, and their number is reported. Rust workers (real child
//! processes, `get_leased` + `ack`) and CPython 3.11 workers (`python/lease_worker.py`: plain
//! `get()` + `task_done()` against an `at_least_once` server). Extends MP-Q02 to dying workers.

mod common;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use pythreading_mp::managers::{Manager, RunningServer, ServerBuilder, ServerConfig};
use pythreading_mp::process::Process;

const KEY: &str = "lease-workers";
const TASKS: u64 = 10_000;
const WORKERS: usize = 4;
/// How long the whole run may take before the test fails (the machine may be loud).
const BOUND: Duration = Duration::from_secs(300);

type Task = Option<(u64, u64)>;
/// (task id, n * n, worker pid)
type Outcome = (u64, u64, u32);

/// How a victim dies: after `after` tasks it takes one more, reports it on `progress` and
/// hangs until killed; with `result_first` it puts that task's result before reporting.
type Victim = Option<(u64, bool)>;

/// A Rust worker: leased gets, a result per task, ack.
fn rust_worker(addr: String, victim: Victim) {
    let m = Manager::connect(addr.parse::<SocketAddr>().unwrap(), KEY).unwrap();
    let tasks = m.queue::<Task>("tasks").unwrap();
    let results = m.queue::<Outcome>("results").unwrap();
    let progress = m.queue::<(u32, u64)>("progress").unwrap();
    let mut done = 0;
    loop {
        let lease = tasks.get_leased().unwrap();
        let Some((tid, n)) = *lease else {
            lease.ack().unwrap();
            return;
        };
        if let Some((after, result_first)) = victim
            && after == done
        {
            if result_first {
                results.put((tid, n * n, std::process::id())).unwrap();
            }
            progress.put((std::process::id(), tid)).unwrap();
            std::thread::sleep(Duration::from_secs(600));
        }
        results.put((tid, n * n, std::process::id())).unwrap();
        lease.ack().unwrap();
        done += 1;
    }
}
pythreading_mp::register!(rust_worker);

fn server(at_least_once: bool) -> RunningServer {
    ServerBuilder::new(KEY)
        .queue("tasks")
        .queue("results")
        .queue("progress")
        .config(ServerConfig::default().with_at_least_once(at_least_once))
        .bind("127.0.0.1:0")
        .unwrap()
        .spawn()
        .unwrap()
}

/// The master: puts the tasks, kills each victim when it reports holding a task, collects
/// results until every task id has one, then stops the survivors. Returns the tasks the
/// victims held.
/// `stop_survivors` waits (bounded) for the survivors to exit after their stop tasks.
fn master(
    server: &RunningServer,
    victims: usize,
    survivors: usize,
    stop_survivors: impl FnOnce(),
) -> Vec<u64> {
    let m = Manager::connect(server.address(), KEY).unwrap();
    let tasks = m.queue::<Task>("tasks").unwrap();
    let results = m.queue::<Outcome>("results").unwrap();
    let progress = m.queue::<(u32, u64)>("progress").unwrap();
    for tid in 0..TASKS {
        tasks.put(Some((tid, tid + 3))).unwrap();
    }
    let start = Instant::now();
    let mut seen = vec![false; TASKS as usize];
    let mut unique = 0u64;
    let mut duplicates = 0u64;
    let mut killed = Vec::new();
    let mut by_worker: HashMap<u32, u64> = HashMap::new();
    while unique < TASKS {
        assert!(
            start.elapsed() < BOUND,
            "only {unique} of {TASKS} results within {BOUND:?} (killed: {killed:?})"
        );
        while let Ok((pid, tid)) = progress.try_get() {
            // A victim did the work of `tid` and has not acked it: kill it now (SIGKILL).
            rustix::process::kill_process(
                rustix::process::Pid::from_raw(pid as i32).unwrap(),
                rustix::process::Signal::KILL,
            )
            .unwrap();
            killed.push(tid);
        }
        let Ok((tid, square, pid)) = results.get_timeout(Duration::from_millis(100)) else {
            continue;
        };
        assert!(tid < TASKS, "a result for a task never put: {tid}");
        assert_eq!(square, (tid + 3) * (tid + 3), "wrong result for task {tid}");
        *by_worker.entry(pid).or_default() += 1;
        if std::mem::replace(&mut seen[tid as usize], true) {
            duplicates += 1;
        } else {
            unique += 1;
        }
    }
    // Every task id has its result: the bitmap is full.
    let lost = seen.iter().filter(|s| !**s).count();
    assert_eq!(lost, 0);
    assert_eq!(killed.len(), victims, "victims killed mid-task");
    for _ in 0..survivors {
        tasks.put(None).unwrap();
    }
    stop_survivors();
    // Late duplicates (a victim's result already counted) may still be in the queue.
    while let Ok((tid, ..)) = results.try_get() {
        assert!(seen[tid as usize]);
        duplicates += 1;
    }
    println!(
        "tasks {TASKS}, lost 0, duplicates of work {duplicates} (tasks held by killed workers: \
         {killed:?}), results per worker {by_worker:?}, {:?}",
        start.elapsed()
    );
    // One victim had put the result of the task it held: that task ran again.
    assert!(duplicates >= 1, "duplicates {duplicates}");
    let stats = server.handle().queue_stats();
    let t = &stats.iter().find(|(n, _)| n == "tasks").unwrap().1;
    assert_eq!((t.depth, t.leased, t.dead_lettered), (0, 0, 0), "{stats:?}");
    killed
}

#[test]
fn rust_workers_killed_mid_task_lose_no_task() {
    pythreading_mp::init();
    let s = server(false);
    let addr = s.address().to_string();
    let workers: Vec<Process> = (0..WORKERS)
        .map(|i| {
            // Worker 0 dies after 1,000 tasks before its next result, worker 1 after 2,000
            // tasks with its next result put but not acked.
            let victim: Victim = (i < 2).then_some((1_000 * (i as u64 + 1), i == 1));
            let p = Process::builder(rust_worker)
                .args((addr.clone(), victim))
                .daemon(true)
                .build();
            p.start().unwrap();
            p
        })
        .collect();
    master(&s, 2, WORKERS - 2, || {
        for (i, w) in workers.iter().enumerate().skip(2) {
            assert!(
                w.join_timeout(Duration::from_secs(60)).unwrap(),
                "worker {i} did not exit"
            );
            assert_eq!(w.exitcode().unwrap(), Some(0), "worker {i}");
        }
    });
    for (i, w) in workers.iter().enumerate().take(2) {
        assert!(
            w.join_timeout(Duration::from_secs(30)).unwrap(),
            "worker {i} did not exit"
        );
        assert_eq!(w.exitcode().unwrap(), Some(-9), "worker {i} was SIGKILLed");
    }
}

fn cpython_workers(version: &str) {
    let Some(_) = common::python(version) else {
        return;
    };
    let s = server(true);
    let port = s.address().port().to_string();
    let mut guards: Vec<common::Guard> = (0..WORKERS)
        .map(|i| {
            let mut cmd = common::python(version).unwrap();
            cmd.arg(common::script("lease_worker.py"))
                .env("MANAGER_PORT", &port)
                .env("AUTHKEY", KEY)
                .stdout(std::process::Stdio::null());
            if i < 2 {
                cmd.env("VICTIM_AFTER", (1_000 * (i + 1)).to_string());
                cmd.env("RESULT_FIRST", if i == 1 { "1" } else { "0" });
            }
            common::Guard::spawn(&mut cmd)
        })
        .collect();
    let (victims, survivors) = guards.split_at_mut(2);
    master(&s, 2, WORKERS - 2, || {
        for g in survivors.iter_mut() {
            let status = g.wait_timeout(Duration::from_secs(60), "CPython lease worker");
            assert!(status.success(), "{status:?}");
        }
    });
    for g in victims.iter_mut() {
        use std::os::unix::process::ExitStatusExt as _;
        let status = g.wait_timeout(Duration::from_secs(30), "CPython victim worker");
        assert_eq!(status.signal(), Some(9), "a victim was SIGKILLed");
    }
}

#[test]
fn cpython_311_workers_killed_mid_task_lose_no_task() {
    cpython_workers("3.11");
}

#[test]
fn cpython_313_workers_killed_mid_task_lose_no_task() {
    cpython_workers("3.13");
}
