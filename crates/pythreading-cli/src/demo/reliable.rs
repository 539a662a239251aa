//! Scenario `reliable`: the tutorials' master and two workers, with at-least-once delivery. One
//! worker is a real process killed with `SIGKILL` while it holds a task; the manager server
//! sees its connection close and puts the task back at the head of the queue, and the other
//! worker does it. Every task's result reaches the master exactly once (results carry their
//! task id, so a duplicate of work could be filtered; the demo counts them).
//!
//! The server runs with `at_least_once`: a task a worker's plain `get()` takes stays leased to
//! that worker's connection until the worker calls `task_done()` (after putting its result).
//! `pythreading serve --at-least-once` is the same server for unmodified CPython workers that
//! call `task_done()`.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use pythreading_mp::managers::{Manager, RemoteGetTimeoutError, ServerBuilder, ShutdownHandle};
use pythreading_mp::process::Process;

const AUTHKEY: &[u8] = b"hello world"; // the tutorial's authkey
const TASKS: i64 = 6;

/// A worker process: take tasks, announce each on the progress queue, work `work_ms` on it,
/// put `id: n * n = ...` and acknowledge it with `task_done()`. Exits when the task queue stays
/// empty for a second.
fn reliable_worker(address: String, name: String, work_ms: u64) {
    let me = std::process::id();
    let m = Manager::connect(address.as_str(), AUTHKEY).expect("worker connect");
    let task = m.queue::<i64>("get_task_queue").expect("task queue");
    let result = m.queue::<String>("get_result_queue").expect("result queue");
    let progress = m.queue::<String>("get_progress_queue").expect("progress queue");
    loop {
        match task.get_timeout(Duration::from_secs(1)) {
            Ok(n) => {
                println!("  {name} (pid {me}): took task {n}, working {work_ms} ms");
                progress.put(format!("{name} {n}")).expect("progress");
                std::thread::sleep(Duration::from_millis(work_ms));
                result
                    .put(format!("{n}|{name}|{n} * {n} = {}", n * n))
                    .expect("put result");
                // Only now is the task finished: until here, a crash gives it back.
                task.task_done().expect("task_done");
            }
            Err(RemoteGetTimeoutError::Timeout) => {
                println!("  {name} (pid {me}): task queue is empty. worker exit.");
                return;
            }
            Err(e) => panic!("{name}: {e}"),
        }
    }
}

pythreading_mp::register!(reliable_worker);

/// `depth D, leased L` of the task queue, from the server's own status.
fn task_counts(handle: &ShutdownHandle) -> String {
    let status = handle.status();
    match status.queues.iter().find(|q| q.name == "get_task_queue") {
        Some(q) => format!(
            "get_task_queue depth {}, leased {}, dead-lettered {}",
            q.depth, q.leased, q.dead_lettered
        ),
        None => "get_task_queue missing".into(),
    }
}

/// Waits (at most 10 s) for `who` to announce a task on the progress queue; returns the task.
fn wait_progress(progress: &pythreading_mp::managers::RemoteQueue<String>, who: &str) -> i64 {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = progress
            .get_timeout(left.max(Duration::from_millis(1)))
            .unwrap_or_else(|e| panic!("no progress from {who} within 10 s: {e}"));
        progress.task_done().expect("progress task_done");
        let (name, n) = line.split_once(' ').expect("`name task` on the progress queue");
        if name == who {
            return n.parse().expect("a task number");
        }
    }
}

fn start_worker(address: SocketAddr, name: &str, work_ms: u64) -> Process {
    let p = Process::builder(reliable_worker)
        .name(name)
        .args((address.to_string(), name.to_string(), work_ms))
        .build();
    p.start().expect("start a worker process");
    p
}

/// Runs the scenario (the program's `main` has called `pythreading_mp::init()`).
pub(crate) fn run() {
    let server = ServerBuilder::new(AUTHKEY)
        .queue("get_task_queue")
        .queue("get_result_queue")
        .queue("get_progress_queue")
        .at_least_once(true)
        .bind("127.0.0.1:0")
        .expect("bind 127.0.0.1")
        .spawn()
        .expect("start the server");
    let address = server.address();
    let handle = server.handle();
    println!(
        "master: serving on {address} with at-least-once delivery: a task a worker takes stays \
         leased to its connection until it calls task_done()"
    );
    let m = Manager::connect(address, AUTHKEY).expect("master connect");
    let task = m.queue::<i64>("get_task_queue").expect("task queue");
    let result = m.queue::<String>("get_result_queue").expect("result queue");
    let progress = m.queue::<String>("get_progress_queue").expect("progress queue");
    for n in 1..=TASKS {
        task.put(n).expect("put task");
    }
    println!("master: put tasks 1..={TASKS}; {}", task_counts(&handle));

    // worker-1 is slow (30 s per task): it will be killed holding its first task.
    let doomed = start_worker(address, "worker-1", 30_000);
    let doomed_pid = doomed.pid().ok().flatten().unwrap_or(0);
    let held = wait_progress(&progress, "worker-1");
    println!(
        "master: worker-1 (pid {doomed_pid}) holds task {held}; {}",
        task_counts(&handle)
    );
    let helper = start_worker(address, "worker-2", 100);
    let first_of_2 = wait_progress(&progress, "worker-2");
    println!("master: worker-2 is working too (task {first_of_2})");

    println!("master: SIGKILL worker-1 (pid {doomed_pid}) in the middle of task {held}");
    doomed.kill().expect("kill worker-1");
    doomed.join().expect("join worker-1");
    let code = doomed.exitcode().ok().flatten();
    println!(
        "master: worker-1 exit code {}: its connection closed without task_done, so the server \
         puts task {held} back at the head of the queue",
        code.map_or_else(|| "unknown".to_string(), |c| c.to_string())
    );
    assert_eq!(code, Some(-9), "worker-1 was killed by SIGKILL");

    // Collect every result; the killed worker's task must come back, done by worker-2.
    let mut done: BTreeMap<i64, (String, String)> = BTreeMap::new();
    let mut duplicates = 0;
    while done.len() < TASKS as usize {
        let r = result
            .get_timeout(Duration::from_secs(15))
            .expect("a result within 15 s");
        result.task_done().expect("result task_done");
        let mut parts = r.splitn(3, '|');
        let (id, by, text) = (
            parts.next().and_then(|i| i.parse::<i64>().ok()).expect("task id"),
            parts.next().expect("worker").to_string(),
            parts.next().expect("result").to_string(),
        );
        if done.contains_key(&id) {
            duplicates += 1;
            println!("master: duplicate result for task {id} (from {by}), dropped by task id");
            continue;
        }
        println!("master: result of task {id} from {by}: {text}");
        done.insert(id, (by, text));
    }
    helper.join().expect("join worker-2");
    // Drain the progress announcements so nothing is left leased.
    while let Ok(_line) = progress.try_get() {
        progress.task_done().expect("progress task_done");
    }
    println!("master: {}", task_counts(&handle));
    let (redone_by, _) = &done[&held];
    let lost = (1..=TASKS).filter(|n| !done.contains_key(n)).count();
    println!(
        "master exit. {TASKS} tasks, {} results (duplicates dropped: {duplicates}); task {held} \
         was redelivered after worker-1 was killed and done by {redone_by}; tasks lost: {lost}",
        done.len()
    );
    assert_eq!(lost, 0, "every task's result arrived");
    assert_eq!(redone_by, "worker-2", "the killed worker's task was redone by the other");
    drop((task, result, progress, m));
    server.shutdown();
}
