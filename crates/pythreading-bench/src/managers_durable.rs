//! The `managers` group's durable rows: a put + get round trip on a named queue kept in
//! SQLite (`serve --data DIR`) against the same on a queue in memory, measured interleaved
//! (memory, full, normal, memory, ...) so that a noisy phase hits all three.
//!
//! * `durable_roundtrip_1c` / `memory`: one pythreading client, N `put`s then N `get`s on a
//!   named queue of a server with the default in-memory backend.
//! * `sqlite_full`: the same on a `DurableBackend` with `SyncPolicy::Full` (an `fsync` per
//!   commit; survives power loss). One client alone gets one commit per change (each put and
//!   each get), so this row is bounded by the disk's flush rate.
//! * `sqlite_normal`: `SyncPolicy::Normal` (WAL, no `fsync` per commit: survives the server
//!   being killed, not power loss).
//! * `durable_roundtrip_4c` / `durable_roundtrip_16c`: the same three with 4 and 16 clients
//!   at once (each its own connection, each N/k `put`s then N/k `get`s on the one queue);
//!   the rate is all clients' operations over the wall time. Changes arriving while a commit
//!   runs share the next one (group commit), so the full-sync rate grows with the clients.
//!
//! The goal is durable ≥ 0.5× memory; the ratio is for the integrator's quiet run.

use std::net::SocketAddr;
use std::sync::{Arc, Barrier};
use std::time::Instant;

use pythreading_mp::managers::store::{DurableBackend, QueueBackend, SyncPolicy};
use pythreading_mp::managers::{Manager, RunningServer, ServerBuilder};

use crate::report::{Measurement, Opts, interleaved};

const GROUP: &str = "managers";
/// Client counts measured, with each one's case name.
const CASES: [(usize, &str); 3] = [
    (1, "durable_roundtrip_1c"),
    (4, "durable_roundtrip_4c"),
    (16, "durable_roundtrip_16c"),
];
const AUTHKEY: &str = "bench";

/// A temporary database directory, removed on drop.
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn server(backend: Option<Arc<dyn QueueBackend>>) -> std::io::Result<RunningServer> {
    let mut b = ServerBuilder::new(AUTHKEY).queue("jobs");
    if let Some(backend) = backend {
        b = b.backend(backend);
    }
    b.bind("127.0.0.1:0")?.spawn()
}

/// ops/s for `clients` connections at once (fresh, warmed), each doing `n / clients` puts
/// then as many gets on the server's `jobs` queue: every client's operations over the wall
/// time from their common start to the last one's end. (The gets cannot run short: as many
/// items are put as taken, and no put waits.)
fn roundtrips(addr: SocketAddr, clients: usize, n: u64) -> f64 {
    let each = (n / clients as u64).max(1);
    let start = Barrier::new(clients + 1);
    let elapsed = std::thread::scope(|s| {
        for _ in 0..clients {
            s.spawn(|| {
                let m = Manager::connect(addr, AUTHKEY).expect("connect");
                let q = m.queue::<i64>("jobs").expect("the jobs queue");
                q.len().expect("warm up the connection");
                start.wait();
                for i in 0..each {
                    q.put(i as i64).expect("put");
                }
                for _ in 0..each {
                    q.get().expect("get");
                }
            });
        }
        start.wait();
        let t0 = Instant::now();
        // The scope joins every client before returning; time is read after that.
        t0
    })
    .elapsed();
    (2 * each * clients as u64) as f64 / elapsed.as_secs_f64().max(1e-9)
}

/// The durable rows (see the module documentation).
pub(crate) fn run(opts: &Opts) -> Vec<Measurement> {
    // An fsync per commit makes the full-sync case slow: fewer round trips for it (the
    // figure is a rate, so the sizes need not match). Sizes are totals over all clients.
    let n = opts.size(5_000, 200);
    let n_full = |clients: usize| opts.size(500 * clients as u64, 20 * clients as u64);
    let reps = opts.reps();
    let base =
        std::env::temp_dir().join(format!("pythreading-bench-durable-{}", std::process::id()));
    let _cleanup = TempDir(base.clone());
    let open = |name: &str, sync| -> Result<Arc<dyn QueueBackend>, String> {
        DurableBackend::open_with(base.join(name), sync)
            .map(|b| Arc::new(b) as Arc<dyn QueueBackend>)
            .map_err(|e| e.to_string())
    };
    let servers = (|| -> Result<[RunningServer; 3], String> {
        let full = open("full", SyncPolicy::Full)?;
        let normal = open("normal", SyncPolicy::Normal)?;
        Ok([
            server(None).map_err(|e| e.to_string())?,
            server(Some(full)).map_err(|e| e.to_string())?,
            server(Some(normal)).map_err(|e| e.to_string())?,
        ])
    })();
    let [memory, full, normal] = match servers {
        Ok(s) => s,
        Err(e) => {
            return CASES
                .iter()
                .flat_map(|&(_, case)| {
                    ["memory", "sqlite_full", "sqlite_normal"].map(|imp| {
                        Measurement::absent(GROUP, case, imp, "ops/s", &format!("no server: {e}"))
                    })
                })
                .collect();
        }
    };
    let (a_mem, a_full, a_normal) = (memory.address(), full.address(), normal.address());
    let mut rows = Vec::new();
    for (clients, case) in CASES {
        let [mem_rate, full_rate, normal_rate] = interleaved(
            reps,
            [
                &|| roundtrips(a_mem, clients, n),
                &|| roundtrips(a_full, clients, n_full(clients)),
                &|| roundtrips(a_normal, clients, n),
            ],
        );
        rows.extend([
            Measurement::new(GROUP, case, "memory", mem_rate, "ops/s"),
            Measurement::new(GROUP, case, "sqlite_full", full_rate, "ops/s"),
            Measurement::new(GROUP, case, "sqlite_normal", normal_rate, "ops/s"),
        ]);
    }
    rows
}
