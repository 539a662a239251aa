//! The `managers` group's durable rows: a put + get round trip on a named queue kept in
//! SQLite (`serve --data DIR`) against the same on a queue in memory, measured interleaved
//! (memory, full, normal, memory, ...) so that a noisy phase hits all three.
//!
//! * `durable_roundtrip_1c` / `memory`: one pythreading client, N `put`s then N `get`s on a
//!   named queue of a server with the default in-memory backend.
//! * `sqlite_full`: the same on a `DurableBackend` with `SyncPolicy::Full` (an `fsync` per
//!   change: each put and each get; survives power loss). Bounded by the disk's flush rate.
//! * `sqlite_normal`: `SyncPolicy::Normal` (WAL, no `fsync` per change: survives the server
//!   being killed, not power loss).
//!
//! The goal is durable ≥ 0.5× memory; the ratio is for the integrator's quiet run.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use pythreading_mp::managers::store::{DurableBackend, QueueBackend, SyncPolicy};
use pythreading_mp::managers::{Manager, RunningServer, ServerBuilder};

use crate::report::{Measurement, Opts, interleaved};

const GROUP: &str = "managers";
const CASE: &str = "durable_roundtrip_1c";
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

/// ops/s for `n` puts then `n` gets on the server's `jobs` queue (a fresh connection, warmed).
fn roundtrips(addr: SocketAddr, n: u64) -> f64 {
    let m = Manager::connect(addr, AUTHKEY).expect("connect");
    let q = m.queue::<i64>("jobs").expect("the jobs queue");
    q.len().expect("warm up the connection");
    let t0 = Instant::now();
    for i in 0..n {
        q.put(i as i64).expect("put");
    }
    for _ in 0..n {
        q.get().expect("get");
    }
    (2 * n) as f64 / t0.elapsed().as_secs_f64().max(1e-9)
}

/// The durable rows (see the module documentation).
pub(crate) fn run(opts: &Opts) -> Vec<Measurement> {
    // An fsync per change makes the full-sync case slow: fewer round trips for it (the
    // figure is a rate, so the sizes need not match).
    let n = opts.size(5_000, 200);
    let n_full = opts.size(500, 20);
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
            return ["memory", "sqlite_full", "sqlite_normal"]
                .into_iter()
                .map(|imp| {
                    Measurement::absent(GROUP, CASE, imp, "ops/s", &format!("no server: {e}"))
                })
                .collect();
        }
    };
    let (a_mem, a_full, a_normal) = (memory.address(), full.address(), normal.address());
    let [mem_rate, full_rate, normal_rate] = interleaved(
        reps,
        [
            &|| roundtrips(a_mem, n),
            &|| roundtrips(a_full, n_full),
            &|| roundtrips(a_normal, n),
        ],
    );
    vec![
        Measurement::new(GROUP, CASE, "memory", mem_rate, "ops/s"),
        Measurement::new(GROUP, CASE, "sqlite_full", full_rate, "ops/s"),
        Measurement::new(GROUP, CASE, "sqlite_normal", normal_rate, "ops/s"),
    ]
}
