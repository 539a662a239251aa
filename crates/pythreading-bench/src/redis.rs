//! Rows of the `managers` group for the Redis backend (`pythreading-redis`), against its own
//! `redis-server` started for the run (`--save '' --appendonly no`: memory only, as the floor).
//!
//! * `redis_roundtrip_<c>c`: `c` client threads, each on its own queue, N `put` then N `get`
//!   (2N ops each), one round trip per op unless said:
//!   * `pythreading`: [`RedisQueue`] `put` (`MULTI`, `XADD`, `INCR` of the unfinished count,
//!     `EXEC`: no script) and plain `get` (at most once, as CPython's: `XREADGROUP ... NOACK`,
//!     no script, and every 100th get the take script, which claims leases that ran out and
//!     trims finished entries; the item stays counted unfinished until `task_done`, which
//!     this loop does not call);
//!   * `pythreading_leased`: `put`, then `get_leased` + `Lease::ack` (at least once: two round
//!     trips per item, the take script and the ack script);
//!   * `pythreading_leased_chained`: `put`, then a worker's loop of
//!     `Lease::ack_and_get_leased` (at least once, each ack stored in Redis before the next
//!     item is handed out: one round trip per item, the ack and the take in one script);
//!   * `redis_lpush_brpop`, the floor: the raw `redis` crate doing `LPUSH` then `BRPOP` with
//!     the same pickled bytes (at most once, no unfinished count, no leases).
//!
//!   Measured interleaved.
//! * `rq_roundtrip_1c`: Python RQ's `Queue.enqueue` then `Queue.dequeue_any` (no job run), from
//!   `bench/python/redis_rq.py`, when `rq` is importable; an absent row with the reason if not.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use pythreading_mp::pickle::{self, Value};
use pythreading_redis::RedisQueue;

use crate::python;
use crate::report::{Measurement, Opts, interleaved};

const GROUP: &str = "managers";

/// A `redis-server` for the run, killed on drop.
struct Server {
    child: Child,
    dir: PathBuf,
    url: String,
}

impl Server {
    fn start() -> Result<Server, String> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port: {e}"))?
            .port();
        let dir =
            std::env::temp_dir().join(format!("pythreading-bench-redis-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot make {}: {e}", dir.display()))?;
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                format!("redis-server not runnable ({e}); apt-get install redis-server")
            })?;
        let server = Server {
            child,
            dir,
            url: format!("redis://127.0.0.1:{port}/"),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let up = ::redis::Client::open(server.url.as_str())
                .and_then(|c| c.get_connection_with_timeout(Duration::from_millis(500)))
                .and_then(|mut c| ::redis::cmd("PING").query::<String>(&mut c));
            if up.is_ok() {
                return Ok(server);
            }
            if Instant::now() >= deadline {
                return Err("redis-server did not answer PING within 20 s".into());
            }
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A queue name not used before in this run.
fn fresh(prefix: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!("bench:{prefix}:{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// ops/s over the wall-clock window from the common start to the last client's end.
fn wall_rate(times: &[(Instant, Instant)], ops: u64) -> f64 {
    let start = times.iter().map(|t| t.0).min().expect("one client");
    let end = times.iter().map(|t| t.1).max().expect("one client");
    ops as f64 / end.duration_since(start).as_secs_f64().max(1e-9)
}

/// Runs `clients` threads; each prepares with `setup` (off the clock), waits for the others,
/// then runs `work`. Returns ops/s for `ops_each` ops per client.
fn run_clients<S: Send + 'static>(
    clients: usize,
    ops_each: u64,
    setup: impl Fn() -> S + Send + Sync + 'static,
    work: impl Fn(&S) + Send + Sync + 'static,
) -> f64 {
    let barrier = Arc::new(Barrier::new(clients + 1));
    let setup = Arc::new(setup);
    let work = Arc::new(work);
    let handles: Vec<_> = (0..clients)
        .map(|_| {
            let (barrier, setup, work) = (barrier.clone(), setup.clone(), work.clone());
            thread::spawn(move || {
                let state = setup();
                barrier.wait();
                let t0 = Instant::now();
                work(&state);
                (t0, Instant::now())
            })
        })
        .collect();
    barrier.wait();
    let times: Vec<_> = handles
        .into_iter()
        .map(|h| h.join().expect("client thread"))
        .collect();
    wall_rate(&times, ops_each * clients as u64)
}

/// How [`ours`] takes its items.
#[derive(Clone, Copy)]
enum Take {
    /// `get`.
    Plain,
    /// `get_leased` + `ack`.
    Leased,
    /// `ack_and_get_leased` in a loop.
    Chained,
}

fn ours(url: &str, clients: usize, n: u64, take: Take) -> f64 {
    let url = url.to_string();
    run_clients(
        clients,
        2 * n,
        move || {
            let q = RedisQueue::<i64>::connect(&url, &fresh("ours")).expect("open a queue");
            q.len().expect("warm up the connection");
            q
        },
        move |q| {
            for i in 0..n {
                q.put(i as i64).expect("put");
            }
            match take {
                Take::Plain => {
                    for _ in 0..n {
                        q.get().expect("get");
                    }
                }
                Take::Leased => {
                    for _ in 0..n {
                        assert!(q.get_leased().expect("get_leased").ack().expect("ack"));
                    }
                }
                Take::Chained => {
                    let mut lease = q.get_leased().expect("get_leased");
                    for _ in 1..n {
                        let (acked, next) = lease.ack_and_get_leased();
                        assert!(acked.expect("ack"));
                        lease = next.expect("get_leased");
                    }
                    assert!(lease.ack().expect("ack"));
                }
            }
        },
    )
}

fn floor(url: &str, clients: usize, n: u64) -> f64 {
    let url = url.to_string();
    let item = pickle::dumps(&Value::Int(12345));
    run_clients(
        clients,
        2 * n,
        move || {
            let mut c = ::redis::Client::open(url.as_str())
                .and_then(|c| c.get_connection())
                .expect("connect");
            ::redis::cmd("PING")
                .query::<String>(&mut c)
                .expect("warm up");
            (std::cell::RefCell::new(c), fresh("floor"))
        },
        move |(c, key)| {
            let mut c = c.borrow_mut();
            for _ in 0..n {
                ::redis::cmd("LPUSH")
                    .arg(key)
                    .arg(&item[..])
                    .query::<i64>(&mut *c)
                    .expect("LPUSH");
            }
            for _ in 0..n {
                ::redis::cmd("BRPOP")
                    .arg(key)
                    .arg(0)
                    .query::<(String, Vec<u8>)>(&mut *c)
                    .expect("BRPOP");
            }
        },
    )
}

pub(crate) fn run(opts: &Opts) -> Vec<Measurement> {
    let n = opts.size(20_000, 300);
    let reps = opts.reps();
    let counts = [1usize, 4];
    let imps = [
        "pythreading",
        "pythreading_leased",
        "pythreading_leased_chained",
        "redis_lpush_brpop",
    ];
    let server = match Server::start() {
        Ok(s) => s,
        Err(why) => {
            eprintln!("managers: Redis rows skipped: {why}");
            let mut rows = Vec::new();
            for c in counts {
                for imp in imps {
                    rows.push(Measurement::absent(
                        GROUP,
                        &format!("redis_roundtrip_{c}c"),
                        imp,
                        "ops/s",
                        &why,
                    ));
                }
            }
            rows.push(Measurement::absent(
                GROUP,
                "rq_roundtrip_1c",
                "rq",
                "ops/s",
                &why,
            ));
            return rows;
        }
    };
    let url = server.url.clone();
    let mut rows = Vec::new();
    for c in counts {
        let case = format!("redis_roundtrip_{c}c");
        let figures = interleaved(
            reps,
            [
                &|| ours(&url, c, n, Take::Plain),
                &|| ours(&url, c, n, Take::Leased),
                &|| ours(&url, c, n, Take::Chained),
                &|| floor(&url, c, n),
            ],
        );
        for (imp, v) in imps.iter().zip(figures) {
            rows.push(Measurement::new(GROUP, &case, imp, v, "ops/s"));
        }
    }
    let rq_n = opts.size(5_000, 200);
    let mut rq = python::run_for(
        GROUP,
        "redis_rq.py",
        &[rq_n.to_string(), url.clone()],
        &[("rq_roundtrip_1c", "ops/s")],
        "rq",
    );
    for r in &rq {
        if r.value.is_none() {
            eprintln!(
                "managers: the RQ row is absent: {}",
                r.note.as_deref().unwrap_or("no reason given")
            );
        }
    }
    rows.append(&mut rq);
    drop(server);
    rows
}
