//! `--broker redis://...`: `master` and `worker` on Redis directly, and two `serve --broker`
//! front-ends over one Redis with unmodified CPython `task_worker.py` clients on both, every
//! task done exactly once (by task id). Each test starts its own `redis-server`.

#[path = "../../pythreading-redis/tests/common/mod.rs"]
mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::child::{python, script};
use common::{Guard, RedisServer};
use pythreading_redis::RedisQueue;

/// A generous bound for every wait on a child process.
const LIMIT: Duration = Duration::from_secs(60);

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pythreading"))
}

/// Spawns `cmd`; its stdout lines come through the channel.
fn spawn_lines(cmd: &mut Command) -> (Guard, mpsc::Receiver<String>) {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut g = Guard::spawn(cmd);
    let out = g.child().stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (g, rx)
}

/// Waits for a line containing `needle`, returning it.
fn wait_line(rx: &mpsc::Receiver<String>, needle: &str, what: &str) -> String {
    let deadline = Instant::now() + LIMIT;
    loop {
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(l) if l.contains(needle) => return l,
            Ok(_) => {}
            Err(e) => panic!("{what}: no line with {needle:?} within {LIMIT:?} ({e})"),
        }
    }
}

#[test]
fn broker_master_and_broker_workers() {
    let Some(redis) = RedisServer::start(false) else {
        return;
    };
    let url = redis.url();
    let (mut master, master_out) =
        spawn_lines(bin().args(["master", "--broker", &url, "--tasks", "20"]));
    wait_line(&master_out, "Try get results", "master");
    let mut workers: Vec<_> = (0..2)
        .map(|_| {
            spawn_lines(bin().args(["worker", "--broker", &url, "--wait", "0.2", "--tries", "3"]))
        })
        .collect();
    let mut results = 0;
    while results < 20 {
        wait_line(&master_out, "Result: ", "master");
        results += 1;
    }
    wait_line(&master_out, "master exit.", "master");
    assert!(master.wait_timeout(LIMIT, "master").success());
    let mut done = 0;
    for (w, out) in &mut workers {
        let line = wait_line(out, "worker exit.", "worker");
        assert!(w.wait_timeout(LIMIT, "worker").success(), "{line}");
        let n: usize = line
            .split('(')
            .nth(1)
            .and_then(|s| s.split_whitespace().next())
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("{line}"));
        done += n;
    }
    assert_eq!(done, 20);
    let tasks = RedisQueue::<i64>::connect(&url, "get_task_queue").unwrap();
    assert_eq!((tasks.len().unwrap(), tasks.leased().unwrap()), (0, 0));
}

#[test]
fn serve_broker_refuses_a_bad_url_and_an_absent_redis() {
    let out = bin()
        .args(["serve", "--authkey", "k", "--broker", "http://x/"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("redis://"));
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut g = Guard::spawn(
        bin()
            .args(["serve", "--address", "127.0.0.1:0", "--authkey", "k"])
            .args(["--queue", "q", "--broker"])
            .arg(format!("redis://127.0.0.1:{port}/"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped()),
    );
    assert!(!g.wait_timeout(LIMIT, "serve").success());
    let mut err = String::new();
    std::io::Read::read_to_string(&mut g.child().stderr.take().unwrap(), &mut err).unwrap();
    assert!(err.contains("cannot reach the broker"), "{err}");
}

#[test]
fn two_serve_broker_front_ends_share_tasks_with_cpython_workers() {
    const TASKS: i64 = 400;
    let Some(redis) = RedisServer::start(false) else {
        return;
    };
    let url = redis.url();
    let mut front_ends = Vec::new();
    for _ in 0..2 {
        let (g, out) = spawn_lines(
            bin()
                .args([
                    "serve",
                    "--address",
                    "127.0.0.1:0",
                    "--authkey",
                    "hello world",
                ])
                .args(["--queue", "get_task_queue", "--queue", "get_result_queue"])
                .args(["--broker", &url]),
        );
        let line = wait_line(&out, "serving on ", "serve --broker");
        let port: u16 = line["serving on ".len()..]
            .split_whitespace()
            .next()
            .and_then(|a| a.rsplit(':').next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("{line}"));
        assert!(line.contains(&url), "{line}");
        front_ends.push((g, out, port));
    }
    // Two unmodified CPython workers on each front-end, polling until killed.
    let mut workers = Vec::new();
    for (i, (_, _, port)) in front_ends.iter().enumerate() {
        for _ in 0..2 {
            let Some(mut py) = python("3.11") else {
                return;
            };
            let (g, out) = spawn_lines(
                py.arg(script("task_worker.py"))
                    .env("MANAGER_PORT", port.to_string())
                    .env("N_LOOPS", "1000000")
                    .env("GET_TIMEOUT", "0.2"),
            );
            workers.push((i, g, out));
        }
    }
    // Each worker is connected and polling once it reports an empty queue.
    for (_, _, out) in &workers {
        wait_line(out, "task queue is empty.", "CPython worker");
    }
    let tasks = RedisQueue::<i64>::connect(&url, "get_task_queue").unwrap();
    let results = RedisQueue::<String>::connect(&url, "get_result_queue").unwrap();
    for n in 0..TASKS {
        tasks.put(n).unwrap();
    }
    let mut seen = vec![0u32; TASKS as usize];
    let deadline = Instant::now() + LIMIT;
    while seen.contains(&0) {
        assert!(
            Instant::now() < deadline,
            "results missing: {:?}",
            (0..TASKS)
                .filter(|&n| seen[n as usize] == 0)
                .collect::<Vec<_>>()
        );
        match results.get_timeout(Duration::from_secs(1)) {
            Ok(r) => {
                // "n * n = square", as the tutorial's worker writes it.
                let n: i64 = r.split(" * ").next().unwrap().parse().unwrap();
                assert_eq!(r, format!("{n} * {n} = {}", n * n));
                seen[n as usize] += 1;
            }
            Err(e) if e.is_timeout() => {}
            Err(e) => panic!("results: {e}"),
        }
    }
    // Nothing more arrives: no task was done twice.
    assert!(
        results
            .get_timeout(Duration::from_millis(500))
            .unwrap_err()
            .is_timeout()
    );
    let twice: Vec<i64> = (0..TASKS).filter(|&n| seen[n as usize] > 1).collect();
    assert!(twice.is_empty(), "done twice: {twice:?}");
    // Both front-ends' workers took part.
    let mut per_front_end = [0usize; 2];
    for (i, g, out) in workers {
        drop(g); // killed: its stdout ends
        per_front_end[i] += out.iter().filter(|l| l.starts_with("run task")).count();
    }
    assert_eq!(per_front_end.iter().sum::<usize>(), TASKS as usize);
    assert!(
        per_front_end.iter().all(|&n| n > 0),
        "tasks per front-end: {per_front_end:?}"
    );
    println!("two front-ends: {TASKS} tasks, each done once, per front-end {per_front_end:?}");
}

#[test]
fn serve_broker_at_least_once_redelivers_a_killed_cpython_workers_task() {
    use pythreading_mp::pickle::Value;
    const TASKS: i64 = 20;
    let Some(redis) = RedisServer::start(false) else {
        return;
    };
    let url = redis.url();
    let (_serve, serve_out) = spawn_lines(
        bin()
            .args(["serve", "--address", "127.0.0.1:0", "--authkey", "k"])
            .args([
                "--queue", "tasks", "--queue", "results", "--queue", "progress",
            ])
            .args(["--at-least-once", "--broker", &url]),
    );
    let line = wait_line(&serve_out, "serving on ", "serve --broker");
    let port = line["serving on ".len()..]
        .split_whitespace()
        .next()
        .and_then(|a| a.rsplit(':').next())
        .unwrap_or_else(|| panic!("{line}"))
        .to_string();
    let tasks = RedisQueue::<Value>::connect(&url, "tasks").unwrap();
    let results = RedisQueue::<(i64, i64, i64)>::connect(&url, "results").unwrap();
    let progress = RedisQueue::<(i64, i64)>::connect(&url, "progress").unwrap();
    for tid in 0..TASKS {
        tasks
            .put(Value::tuple([Value::Int(tid), Value::Int(tid + 100)]))
            .unwrap();
    }
    // A CPython worker takes a task, reports it, and hangs before task_done(): killed -9.
    let Some(mut py) = python("3.11") else {
        return;
    };
    let (mut victim, _victim_out) = spawn_lines(
        py.arg(script("lease_worker.py"))
            .env("MANAGER_PORT", &port)
            .env("AUTHKEY", "k")
            .env("VICTIM_AFTER", "0"),
    );
    let (victim_pid, held) = progress.get_timeout(LIMIT).expect("the victim's report");
    assert_eq!(victim_pid, i64::from(victim.child().id()));
    victim.child().kill().expect("kill -9 the worker");
    victim.wait_timeout(LIMIT, "the killed worker");
    // Its connection closed: the task is back. A second worker does every task.
    tasks.put(Value::None).unwrap();
    let Some(mut py) = python("3.11") else {
        return;
    };
    let (mut worker, worker_out) = spawn_lines(
        py.arg(script("lease_worker.py"))
            .env("MANAGER_PORT", &port)
            .env("AUTHKEY", "k"),
    );
    let mut seen = vec![0u32; TASKS as usize];
    let deadline = Instant::now() + LIMIT;
    while seen.contains(&0) {
        assert!(Instant::now() < deadline, "results missing: {seen:?}");
        match results.get_timeout(Duration::from_secs(1)) {
            Ok((tid, sq, pid)) => {
                assert_eq!(sq, (tid + 100) * (tid + 100));
                assert_ne!(pid, victim_pid, "the killed worker never finished a task");
                seen[tid as usize] += 1;
            }
            Err(e) if e.is_timeout() => {}
            Err(e) => panic!("results: {e}"),
        }
    }
    wait_line(&worker_out, "worker done after", "second worker");
    assert!(worker.wait_timeout(LIMIT, "second worker").success());
    assert!(seen.iter().all(|&n| n == 1), "each task once: {seen:?}");
    assert!(seen[held as usize] == 1);
    assert_eq!((tasks.len().unwrap(), tasks.leased().unwrap()), (0, 0));
}
