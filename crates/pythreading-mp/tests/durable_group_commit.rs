//! Issue 9 §2, group commit: many connections putting and acking at once on a durable queue
//! with `SyncPolicy::Full` (their changes share commits). A real server (a child process:
//! `ServerBuilder` + `DurableBackend` on a temporary directory) gets 8 putters and 4
//! consumers (leased takes, each acked) running concurrently, and is killed with SIGKILL while
//! they run. Checked id by id after a restart on the same directory:
//!
//! - every putter was answered (all of them made progress under group commit);
//! - no acknowledged put is lost: each is back in the queue, or was acked by a consumer, or
//!   was in a consumer's ack call when the server died;
//! - nothing comes back twice, and no item whose ack was acknowledged comes back at all;
//! - nothing comes back that was never put (only acknowledged puts and each putter's one put
//!   in flight).

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pythreading_mp::managers::store::SyncPolicy;
use pythreading_mp::managers::{Manager, RemoteGetTimeoutError};
use pythreading_mp::process::Process;

mod durable_common;
use durable_common::TempDir;

const KEY: &str = "group-commit";
const PUTTERS: u64 = 8;
const CONSUMERS: usize = 4;
/// Putter `p`'s ids are `p * ID_SPAN ..`.
const ID_SPAN: u64 = 1_000_000;

/// The server process: a durable `jobs` queue in `dir` (sync full); writes its port to
/// `dir/port`.
fn group_commit_server(dir: String) {
    durable_common::serve_jobs(&dir, SyncPolicy::Full, KEY);
}
pythreading_mp::register!(group_commit_server);

/// The server child; killed when dropped (a failing test leaves no server behind).
struct Server(Process);

impl Drop for Server {
    fn drop(&mut self) {
        // Best effort, no assertion: this may run while a failed test unwinds.
        if self.0.is_alive().unwrap_or(false)
            && let Ok(Some(pid)) = self.0.pid()
            && let Some(pid) = rustix::process::Pid::from_raw(pid as i32)
        {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
            let _ = self.0.join_timeout(Duration::from_secs(10));
        }
    }
}

/// Starts a server on `dir` and waits (bounded) for its port.
fn start(dir: &Path) -> (Server, SocketAddr) {
    let _ = std::fs::remove_file(dir.join("port"));
    let p = Process::builder(group_commit_server)
        .args((dir.to_string_lossy().into_owned(),))
        .daemon(true)
        .build();
    p.start().unwrap();
    let p = Server(p);
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
        assert!(p.0.is_alive().unwrap(), "the durable server exited early");
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

/// What one putter saw: the ids whose put was answered, and the one in flight (no answer).
struct PutterLog {
    acknowledged: Vec<u64>,
    in_flight: Option<u64>,
}

/// What the consumers saw: ids whose ack was answered, and ids whose ack got no answer.
#[derive(Default)]
struct ConsumerLog {
    acked: Vec<u64>,
    ack_in_flight: Vec<u64>,
}

fn putter(addr: SocketAddr, p: u64, running: Arc<AtomicBool>, done: Arc<AtomicUsize>) -> PutterLog {
    let m = Manager::connect(addr, KEY).unwrap();
    let q = m.queue::<u64>("jobs").unwrap();
    let mut log = PutterLog {
        acknowledged: Vec::new(),
        in_flight: None,
    };
    let mut id = p * ID_SPAN;
    while running.load(Ordering::Relaxed) {
        if q.put(id).is_err() {
            log.in_flight = Some(id);
            break;
        }
        log.acknowledged.push(id);
        done.fetch_add(1, Ordering::Relaxed);
        id += 1;
    }
    log
}

fn consumer(addr: SocketAddr, running: Arc<AtomicBool>, log: Arc<Mutex<ConsumerLog>>) {
    let m = Manager::connect(addr, KEY).unwrap();
    let q = m.queue::<u64>("jobs").unwrap();
    while running.load(Ordering::Relaxed) {
        let lease = match q.get_leased_timeout(Duration::from_millis(200)) {
            Ok(lease) => lease,
            Err(RemoteGetTimeoutError::Timeout) => continue,
            Err(_) => return, // the server died
        };
        let id = *lease;
        match lease.ack() {
            Ok(_) => log.lock().unwrap().acked.push(id),
            Err(_) => {
                log.lock().unwrap().ack_in_flight.push(id);
                return;
            }
        }
    }
}

#[test]
fn concurrent_full_sync_puts_and_acks_survive_kill9_exactly() {
    pythreading_mp::init();
    let dir = TempDir(
        std::env::temp_dir().join(format!("pythreading-group-commit-{}", std::process::id())),
    );
    let (server, addr) = start(&dir.0);
    let running = Arc::new(AtomicBool::new(true));
    let puts_done = Arc::new(AtomicUsize::new(0));
    let consumed = Arc::new(Mutex::new(ConsumerLog::default()));
    let putters: Vec<_> = (0..PUTTERS)
        .map(|p| {
            let (running, done) = (Arc::clone(&running), Arc::clone(&puts_done));
            std::thread::spawn(move || putter(addr, p, running, done))
        })
        .collect();
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|_| {
            let (running, log) = (Arc::clone(&running), Arc::clone(&consumed));
            std::thread::spawn(move || consumer(addr, running, log))
        })
        .collect();

    // Let every putter be answered, and some acks too, then kill the server mid-stream.
    let t0 = Instant::now();
    while puts_done.load(Ordering::Relaxed) < 400 || consumed.lock().unwrap().acked.len() < 100 {
        assert!(
            t0.elapsed() < Duration::from_secs(120),
            "no progress: {} puts and {} acks answered in 120 s",
            puts_done.load(Ordering::Relaxed),
            consumed.lock().unwrap().acked.len()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    kill9(&server.0);
    running.store(false, Ordering::Relaxed);
    let putters: Vec<PutterLog> = putters.into_iter().map(|h| h.join().unwrap()).collect();
    for h in consumers {
        h.join().unwrap();
    }
    drop(server);
    let consumed = std::mem::take(&mut *consumed.lock().unwrap());

    for (p, log) in putters.iter().enumerate() {
        assert!(
            !log.acknowledged.is_empty(),
            "putter {p} was never answered"
        );
    }
    let acknowledged: HashSet<u64> = putters
        .iter()
        .flat_map(|l| l.acknowledged.iter().copied())
        .collect();
    let put_in_flight: HashSet<u64> = putters.iter().filter_map(|l| l.in_flight).collect();
    let acked: HashSet<u64> = consumed.acked.iter().copied().collect();
    assert_eq!(acked.len(), consumed.acked.len(), "an ack answered twice");
    let ack_in_flight: HashSet<u64> = consumed.ack_in_flight.iter().copied().collect();

    // Restart on the same directory and drain everything.
    let (server, addr) = start(&dir.0);
    let m = Manager::connect(addr, KEY).unwrap();
    let q = m.queue::<u64>("jobs").unwrap();
    let mut found: HashMap<u64, u32> = HashMap::new();
    while let Ok(lease) = q.try_get_leased() {
        let (id, deliveries) = (*lease, lease.deliveries());
        assert!(
            found.insert(id, deliveries).is_none(),
            "item {id} came back twice"
        );
        lease.ack().unwrap();
    }
    for (&id, &deliveries) in &found {
        assert!(
            acknowledged.contains(&id) || put_in_flight.contains(&id),
            "item {id} came back but was never put"
        );
        assert!(
            !acked.contains(&id),
            "item {id} came back though its ack was answered"
        );
        assert!(
            (1..=2).contains(&deliveries),
            "item {id}: {deliveries} deliveries"
        );
    }
    let lost: Vec<u64> = acknowledged
        .iter()
        .copied()
        .filter(|id| !found.contains_key(id) && !acked.contains(id) && !ack_in_flight.contains(id))
        .collect();
    assert!(lost.is_empty(), "acknowledged puts lost: {lost:?}");
    // An ack is only for an item put (its put's answer may have been lost with the server).
    for id in &acked {
        assert!(
            acknowledged.contains(id) || put_in_flight.contains(id),
            "item {id} acked but never put"
        );
    }
    println!(
        "sync full, {PUTTERS} putters + {CONSUMERS} consumers: {} puts and {} acks answered \
         before kill -9; {} items back after restart, lost 0, twice 0",
        acknowledged.len(),
        acked.len(),
        found.len()
    );
    drop(server);
}
