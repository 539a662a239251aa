//! Issue 9 §2: durable named queues survive the server process being SIGKILLed. A real server
//! (a child process: `ServerBuilder` + `DurableBackend` on a temporary directory) gets puts,
//! leased takes (some acked, some still held), plain takes and a putter still running, and is
//! killed with SIGKILL; a new server on the same directory must hold exactly: every item whose
//! put was acknowledged, minus those acked or taken for good, with the leased ones back at the
//! head and their delivery counts kept. Checked item by item with a bitmap, for both sync
//! policies.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pythreading_mp::managers::store::{DurableBackend, SyncPolicy};
use pythreading_mp::managers::{Manager, ServerBuilder};
use pythreading_mp::process::Process;

mod durable_common;
use durable_common::TempDir;

const KEY: &str = "durable";

/// The server process: a durable `jobs` queue in `dir`; writes its port to `dir/port`.
fn durable_server(dir: String, normal: bool) {
    let sync = if normal {
        SyncPolicy::Normal
    } else {
        SyncPolicy::Full
    };
    durable_common::serve_jobs(&dir, sync, KEY);
}
pythreading_mp::register!(durable_server);

/// Starts a server on `dir` and waits (bounded) for its port.
fn start(dir: &Path, normal: bool) -> (Process, SocketAddr) {
    let _ = std::fs::remove_file(dir.join("port"));
    let p = Process::builder(durable_server)
        .args((dir.to_string_lossy().into_owned(), normal))
        .daemon(true)
        .build();
    p.start().unwrap();
    let t0 = Instant::now();
    loop {
        if let Ok(text) = std::fs::read_to_string(dir.join("port")) {
            let port: u16 = text.trim().parse().unwrap();
            return (p, SocketAddr::from(([127, 0, 0, 1], port)));
        }
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "the durable server did not start within 30 s"
        );
        assert!(p.is_alive().unwrap(), "the durable server exited early");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn kill9(p: &Process) {
    let pid = p.pid().unwrap().unwrap();
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(pid as i32).unwrap(),
        rustix::process::Signal::KILL,
    )
    .unwrap();
    assert!(p.join_timeout(Duration::from_secs(10)).unwrap(), "not dead");
    assert_eq!(p.exitcode().unwrap(), Some(-9));
}

fn kill9_and_restart(normal: bool, n: u64) {
    pythreading_mp::init();
    let dir = TempDir(std::env::temp_dir().join(format!(
        "pythreading-durable-{}-{}",
        std::process::id(),
        normal
    )));
    let (server, addr) = start(&dir.0, normal);
    let m = Manager::connect(addr, KEY).unwrap();
    let q = m.queue::<u64>("jobs").unwrap();
    for id in 0..n {
        q.put(id).unwrap();
    }
    // Leased takes: the first fifth acked, the next fifth held (unacked) when the server dies.
    let fifth = n / 5;
    let mut held = Vec::new();
    for i in 0..2 * fifth {
        let lease = q.get_leased().unwrap();
        assert_eq!((*lease, lease.deliveries()), (i, 1));
        if i < fifth {
            lease.ack().unwrap();
        } else {
            held.push(lease);
        }
    }
    // Plain gets (at most once): gone for good.
    for i in 2 * fifth..3 * fifth {
        assert_eq!(q.get().unwrap(), i);
    }
    // A putter still running when the server dies: what it was told is stored must be there.
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let running = Arc::new(AtomicBool::new(true));
    let putter = {
        let (acknowledged, running) = (Arc::clone(&acknowledged), Arc::clone(&running));
        std::thread::spawn(move || {
            let m = Manager::connect(addr, KEY).unwrap();
            let q = m.queue::<u64>("jobs").unwrap();
            let mut id = 1_000_000;
            while running.load(Ordering::Relaxed) {
                if q.put(id).is_err() {
                    return id; // unknown: may or may not be stored
                }
                acknowledged.lock().unwrap().push(id);
                id += 1;
            }
            id
        })
    };
    // Let the putter get some puts acknowledged, then kill the server mid-flight.
    let t0 = Instant::now();
    while acknowledged.lock().unwrap().len() < 20 {
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "the putter made no progress"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    kill9(&server);
    running.store(false, Ordering::Relaxed);
    let in_flight = putter.join().unwrap();
    let acknowledged: HashSet<u64> = acknowledged.lock().unwrap().iter().copied().collect();
    // The held leases' connections are gone with the server.
    drop(held);
    drop(q);
    drop(m);

    let (server, addr) = start(&dir.0, normal);
    let m = Manager::connect(addr, KEY).unwrap();
    let q = m.queue::<u64>("jobs").unwrap();
    let mut found = Vec::new();
    while let Ok(lease) = q.try_get_leased() {
        found.push((*lease, lease.deliveries()));
        lease.ack().unwrap();
    }
    // The held leases come first, in order, each delivered a second time.
    let held_back: Vec<(u64, u32)> = (fifth..2 * fifth).map(|i| (i, 2)).collect();
    assert_eq!(
        &found[..fifth as usize],
        &held_back[..],
        "leased items first"
    );
    // Then every untouched item, in order, delivered for the first time.
    let untouched: Vec<(u64, u32)> = (3 * fifth..n).map(|i| (i, 1)).collect();
    let end = (fifth + n - 3 * fifth) as usize;
    assert_eq!(
        &found[fifth as usize..end],
        &untouched[..],
        "waiting items next"
    );
    // Then the putter's: every acknowledged one exactly once; at most the one in flight more.
    let mut seen = HashSet::new();
    for &(id, deliveries) in &found[end..] {
        assert_eq!(deliveries, 1);
        assert!(seen.insert(id), "item {id} twice");
        assert!(
            acknowledged.contains(&id) || id == in_flight,
            "item {id} was never put"
        );
    }
    let lost: Vec<&u64> = acknowledged
        .iter()
        .filter(|id| !seen.contains(id))
        .collect();
    assert!(lost.is_empty(), "acknowledged puts lost: {lost:?}");
    println!(
        "sync {}: {} items back after kill -9 ({} leased ones first, {} acknowledged puts of \
         the running putter), lost 0",
        if normal { "normal" } else { "full" },
        found.len(),
        fifth,
        acknowledged.len()
    );
    kill9(&server);
}

#[test]
fn durable_queue_survives_kill9_sync_full() {
    kill9_and_restart(false, 150);
}

#[test]
fn durable_queue_survives_kill9_sync_normal() {
    kill9_and_restart(true, 2_000);
}

#[test]
fn a_clean_stop_keeps_the_durable_items_too() {
    let dir = TempDir(
        std::env::temp_dir().join(format!("pythreading-durable-stop-{}", std::process::id())),
    );
    let serve = || {
        ServerBuilder::new(KEY)
            .queue("jobs")
            .at_least_once(true)
            .backend(Arc::new(DurableBackend::open(&dir.0).unwrap()))
            .bind("127.0.0.1:0")
            .unwrap()
            .spawn()
            .unwrap()
    };
    let s = serve();
    let m = Manager::connect(s.address(), KEY).unwrap();
    let q = m.queue::<String>("jobs").unwrap();
    for w in ["a", "b", "c"] {
        q.put(w.into()).unwrap();
    }
    // At least once: a plain get is leased, not removed, until task_done.
    assert_eq!(q.get().unwrap(), "a");
    drop(q);
    drop(m);
    // Stopping the server wakes its waiters but must not empty a durable queue.
    s.shutdown();
    assert_eq!(
        pythreading_mp::managers::store::durable_count(&dir.0, "jobs").unwrap(),
        3
    );
    let s = serve();
    let q = Manager::connect(s.address(), KEY)
        .unwrap()
        .queue::<String>("jobs")
        .unwrap();
    let again = q.get_leased().unwrap();
    assert_eq!((again.item().as_str(), again.deliveries()), ("a", 2));
    again.ack().unwrap();
    assert_eq!(q.get().unwrap(), "b");
    q.task_done().unwrap();
    assert_eq!(q.len().unwrap(), 1);
}
