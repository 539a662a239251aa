//! Workers are separate processes killed with SIGKILL mid-task: one holding a lease it never
//! acknowledges, one killed while working. Every task's result still arrives (no loss), the
//! held task within about the lease time of being taken, and a task done twice is only ever
//! the one the killed worker was working on.
//!
//! The workers are this test binary run again on the ignored test `worker_process`.

mod common;

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write as _};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{Guard, RedisServer};
use pythreading_redis::{QueueOptions, RedisQueue};

const LEASE: Duration = Duration::from_secs(1);
const TASKS: i64 = 300;

fn options() -> QueueOptions {
    QueueOptions::new().with_lease_time(LEASE)
}

/// The worker: takes tasks under leases and puts each task's id as its result. With
/// `MODE=hold` it takes one task, says so, and hangs without acknowledging it; with
/// `MODE=chain` it acknowledges each task and takes the next in one call
/// (`Lease::ack_and_get_leased_timeout`); with `MODE=work`, `ack` then `get_leased_timeout`.
#[test]
#[ignore = "child-process entry point, run by its parent test"]
fn worker_process() {
    let url = std::env::var("REDIS_URL").expect("REDIS_URL");
    let mode = std::env::var("MODE").expect("MODE");
    let hold = mode == "hold";
    let chain = mode == "chain";
    let tasks = RedisQueue::<i64>::connect_with(&url, "tasks", options()).unwrap();
    let results = RedisQueue::<i64>::connect(&url, "results").unwrap();
    let mut out = std::io::stdout();
    let mut next = None;
    loop {
        let lease = match next.take() {
            Some(l) => l,
            None => match tasks.get_leased_timeout(Duration::from_secs(1)) {
                Ok(l) => l,
                Err(e) if e.is_timeout() => continue,
                Err(e) => panic!("worker: {e}"),
            },
        };
        let id = *lease.item();
        if hold {
            writeln!(out, "holding {id}").unwrap();
            out.flush().unwrap();
            std::thread::sleep(Duration::from_secs(3600));
        }
        writeln!(out, "took {id}").unwrap();
        out.flush().unwrap();
        std::thread::sleep(Duration::from_millis(20)); // the work
        results.put(id).unwrap();
        if chain {
            let (acked, taken) = lease.ack_and_get_leased_timeout(Duration::from_secs(1));
            acked.unwrap();
            match taken {
                Ok(l) => next = Some(l),
                Err(e) if e.is_timeout() => {}
                Err(e) => panic!("worker: {e}"),
            }
        } else {
            lease.ack().unwrap();
        }
    }
}

/// Starts a worker process; its stdout lines come through the returned channel.
fn spawn_worker(url: &str, mode: &str) -> (Guard, mpsc::Receiver<String>) {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--ignored", "--exact", "worker_process", "--nocapture"])
        .env("REDIS_URL", url)
        .env("MODE", mode)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut g = Guard::spawn(&mut cmd);
    let stdout = g.child().stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (g, rx)
}

/// The first line starting with `prefix`, within `timeout`.
fn wait_line(rx: &mpsc::Receiver<String>, prefix: &str, timeout: Duration) -> String {
    let deadline = Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(l) if l.starts_with(prefix) => return l,
            Ok(_) => {}
            Err(e) => panic!("no `{prefix}` line from the worker within {timeout:?}: {e}"),
        }
    }
}

fn kill9(g: &mut Guard) {
    let pid = g.child().id();
    let ok = Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -9 {pid}");
    g.wait_timeout(Duration::from_secs(10), "the killed worker");
}

#[test]
fn a_killed_workers_tasks_are_redelivered() {
    let Some(server) = RedisServer::start(false) else {
        return;
    };
    let url = server.url();
    let tasks = RedisQueue::<i64>::connect_with(&url, "tasks", options()).unwrap();
    let results = RedisQueue::<i64>::connect(&url, "results").unwrap();
    for id in 0..TASKS {
        tasks.put(id).unwrap();
    }

    // A worker that takes a task and hangs: killed with its lease held.
    let (mut holder, holder_out) = spawn_worker(&url, "hold");
    let line = wait_line(&holder_out, "holding ", Duration::from_secs(30));
    let held: i64 = line["holding ".len()..].parse().unwrap();
    let held_at = Instant::now();
    kill9(&mut holder);

    // Two working workers, one acknowledging and taking in one call; it is killed mid-task
    // after its 20th task.
    let (mut doomed, doomed_out) = spawn_worker(&url, "chain");
    let (_survivor, _survivor_out) = spawn_worker(&url, "work");
    let mut doomed_took = Vec::new();
    while doomed_took.len() < 20 {
        let l = wait_line(&doomed_out, "took ", Duration::from_secs(30));
        doomed_took.push(l["took ".len()..].parse::<i64>().unwrap());
    }
    kill9(&mut doomed);
    // Lines it printed before dying but we had not read yet.
    while let Ok(l) = doomed_out.try_recv() {
        if let Some(id) = l.strip_prefix("took ") {
            doomed_took.push(id.parse().unwrap());
        }
    }
    let in_flight = *doomed_took.last().unwrap();

    let mut seen = vec![0u32; TASKS as usize];
    let mut held_done_after = None;
    let deadline = Instant::now() + Duration::from_secs(90);
    while seen.contains(&0) {
        assert!(
            Instant::now() < deadline,
            "results missing after 90 s: {:?}",
            (0..TASKS)
                .filter(|&i| seen[i as usize] == 0)
                .collect::<Vec<_>>()
        );
        match results.get_timeout(Duration::from_secs(1)) {
            Ok(id) => {
                seen[id as usize] += 1;
                if id == held && held_done_after.is_none() {
                    held_done_after = Some(held_at.elapsed());
                }
            }
            Err(e) if e.is_timeout() => {}
            Err(e) => panic!("results: {e}"),
        }
    }
    // The held task came back once its lease ran out, not before and not much later.
    let after = held_done_after.expect("the held task's result");
    assert!(
        after >= LEASE.mul_f64(0.6) && after < LEASE * 10,
        "held task redelivered {after:?} after it was taken (lease {LEASE:?})"
    );
    // Only the task the killed worker was working on may have been done twice.
    let twice: HashSet<i64> = (0..TASKS).filter(|&i| seen[i as usize] > 1).collect();
    assert!(
        twice.is_subset(&HashSet::from([in_flight])),
        "done twice: {twice:?} (the killed worker was on {in_flight})"
    );
    // Nothing is left leased or unfinished; nothing was dead-lettered.
    let deadline = Instant::now() + Duration::from_secs(30);
    while tasks.unfinished().unwrap() != 0 {
        assert!(Instant::now() < deadline, "tasks still unfinished");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!((tasks.leased().unwrap(), tasks.dead_len().unwrap()), (0, 0));
    println!(
        "kill -9: {TASKS} tasks, lost 0, done twice {}, held task back after {after:?}",
        twice.len()
    );
}
