//! Scenario `distributed` from the tutorials: `task_master.py` and two `task_worker.py`s in one
//! process, over 127.0.0.1 — no second terminal needed.
//!
//! The master serves `get_task_queue` and `get_result_queue` (its own manager server on a free
//! port), puts 10 random tasks and collects the results through proxies, as the tutorial's
//! master does. Two worker threads connect to that address with the authkey, as separate
//! machines would, take tasks until the queue stays empty, and put `n * n = ...` results. Every
//! task comes back exactly once. `pythreading master` and `pythreading worker` are the same
//! roles as separate processes, and each works with the tutorial's Python scripts.

use std::collections::HashMap;
use std::time::Duration;

use pythreading::threading::Builder;
use pythreading_mp::managers::{Manager, RemoteGetTimeoutError, ServerBuilder};

const AUTHKEY: &[u8] = b"hello world"; // the tutorial's authkey
const TASKS: usize = 10;

/// The tutorial's worker: connect, take tasks, put results; returns how many it did.
fn worker(name: &str, address: std::net::SocketAddr) -> usize {
    let m = Manager::connect(address, AUTHKEY).expect("worker connect");
    let task = m.queue::<i64>("get_task_queue").expect("task queue");
    let result = m.queue::<String>("get_result_queue").expect("result queue");
    let mut done = 0;
    loop {
        match task.get_timeout(Duration::from_millis(200)) {
            Ok(n) => {
                println!("  {name}: run task {n} * {n}...");
                result
                    .put(format!("{n} * {n} = {}", n * n))
                    .expect("put result");
                done += 1;
            }
            Err(RemoteGetTimeoutError::Timeout) => {
                println!("  {name}: task queue is empty. worker exit.");
                return done;
            }
            Err(e) => panic!("{name}: {e}"),
        }
    }
}

/// Runs the scenario.
pub(crate) fn run() {
    let server = ServerBuilder::new(AUTHKEY)
        .queue("get_task_queue")
        .queue("get_result_queue")
        .bind("127.0.0.1:0")
        .expect("bind 127.0.0.1")
        .spawn()
        .expect("start the server");
    let address = server.address();
    println!("master: serving get_task_queue and get_result_queue on {address}");
    let m = Manager::connect(address, AUTHKEY).expect("master connect");
    let task = m.queue::<i64>("get_task_queue").expect("task queue");
    let result = m.queue::<String>("get_result_queue").expect("result queue");
    let mut expected = HashMap::new();
    for _ in 0..TASKS {
        let n = fastrand::i64(0..=10_000);
        println!("master: Put task {n}...");
        task.put(n).expect("put task");
        *expected.entry(format!("{n} * {n} = {}", n * n)).or_insert(0) += 1;
    }

    let workers: Vec<_> = ["worker-1", "worker-2"]
        .into_iter()
        .map(|name| {
            Builder::new()
                .name(name)
                .spawn(move || worker(name, address))
                .expect("spawn")
        })
        .collect();

    println!("master: Try get results...");
    for _ in 0..TASKS {
        let r = result
            .get_timeout(Duration::from_secs(10))
            .expect("a result within 10 s");
        println!("master: Result: {r}");
        let left = expected.get_mut(&r).expect("a result for a task that was put");
        assert!(*left > 0, "result {r} came back twice");
        *left -= 1;
    }
    let done: Vec<usize> = workers
        .into_iter()
        .map(|w| w.join().expect("worker"))
        .collect();
    drop((task, result, m));
    server.shutdown();
    println!(
        "master exit. {TASKS} tasks, each result once; the workers did {} and {}",
        done[0], done[1]
    );
    assert_eq!(done.iter().sum::<usize>(), TASKS);
}
