//! The `managers` group: remote queue put+get round trips over loopback.
//!
//! * `roundtrip_<c>c`: `c` clients, each with its own remote queue, N `put` then N `get`:
//!   pythreading client ↔ pythreading server, CPython client ↔ CPython server (`manager.start()`),
//!   and `tcp_floor`: the same request pattern over raw sockets with the same concurrency — `c`
//!   client threads, each on its own connection served by its own server thread, a warm-up round
//!   trip before a common start, then 2N request/reply round trips with manager-sized frames
//!   sent and read by the same framing code (`wire::Connection`), with no pickling and no
//!   dispatch: what the transport alone costs. Ours and the floor are measured interleaved
//!   (ours, floor, ours, floor, …) so that a noisy phase hits both.
//! * `cpython_client_<c>c`: the CPython client against our server (`pythreading`) and against
//!   CPython's (`cpython`): the server's share of the cost.
//!
//! Note: on this 2-vCPU VM a cross-vCPU wake-up costs ~50–80 µs, so every round trip's latency
//! depends on where the scheduler puts the two ends (see the baselines' README).

use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Instant;

use pythreading_mp::managers::{Manager, ServerBuilder};
use pythreading_mp::wire::Connection;

#[path = "managers_durable.rs"]
mod durable;

use crate::python;
use crate::report::{Measurement, Opts, interleaved};

const GROUP: &str = "managers";
const AUTHKEY: &str = "bench";
/// What our client sends for `put(i)` and the server answers, roughly (the payload; the framing
/// adds its 4-byte header).
const REQUEST_PAYLOAD: usize = 52;
const REPLY_PAYLOAD: usize = 25;

/// ops/s for `clients` threads doing `n` puts then `n` gets each on their own remote queue.
fn rust_roundtrips(addr: std::net::SocketAddr, clients: usize, n: u64) -> f64 {
    let barrier = Arc::new(Barrier::new(clients + 1));
    let handles: Vec<_> = (0..clients)
        .map(|_| {
            let barrier = Arc::clone(&barrier);
            thread::spawn(move || {
                let m = Manager::connect(addr, AUTHKEY).expect("connect");
                let q = m.new_queue::<i64>(0).expect("create a queue");
                q.len().expect("warm up the connection");
                barrier.wait();
                let t0 = Instant::now();
                for i in 0..n {
                    q.put(i as i64).expect("put");
                }
                for _ in 0..n {
                    q.get().expect("get");
                }
                (t0, Instant::now())
            })
        })
        .collect();
    barrier.wait();
    let times: Vec<(Instant, Instant)> = handles
        .into_iter()
        .map(|h| h.join().expect("client thread"))
        .collect();
    wall_rate(&times, 2 * n * clients as u64)
}

fn wall_rate(times: &[(Instant, Instant)], ops: u64) -> f64 {
    let start = times.iter().map(|t| t.0).min().expect("one client");
    let end = times.iter().map(|t| t.1).max().expect("one client");
    ops as f64 / end.duration_since(start).as_secs_f64().max(1e-9)
}

/// The floor: `clients` raw TCP connections doing what `rust_roundtrips` does at the socket
/// level (see the module doc); ops/s over the same wall-clock window.
fn tcp_floor(clients: usize, n: u64) -> f64 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    // One server thread per connection, as the manager server has.
    let server = thread::spawn(move || {
        let mut conns = Vec::new();
        for _ in 0..clients {
            let (s, _) = listener.accept().expect("accept");
            s.set_nodelay(true).expect("nodelay");
            conns.push(thread::spawn(move || {
                let mut conn = Connection::new(s);
                let reply = [0u8; REPLY_PAYLOAD];
                while conn.recv_bytes().is_ok() {
                    if conn.send_bytes(&reply).is_err() {
                        break;
                    }
                }
            }));
        }
        for c in conns {
            let _ = c.join();
        }
    });
    let barrier = Arc::new(Barrier::new(clients + 1));
    let handles: Vec<_> = (0..clients)
        .map(|_| {
            let barrier = Arc::clone(&barrier);
            thread::spawn(move || {
                let s = TcpStream::connect(addr).expect("connect");
                s.set_nodelay(true).expect("nodelay");
                let mut conn = Connection::new(s);
                let request = [0u8; REQUEST_PAYLOAD];
                // Warm-up round trip, as the manager client's `len()`.
                conn.send_bytes(&request).expect("send");
                conn.recv_bytes().expect("recv");
                barrier.wait();
                let t0 = Instant::now();
                for _ in 0..2 * n {
                    conn.send_bytes(&request).expect("send");
                    conn.recv_bytes().expect("recv");
                }
                (t0, Instant::now())
            })
        })
        .collect();
    barrier.wait();
    let times: Vec<(Instant, Instant)> = handles
        .into_iter()
        .map(|h| h.join().expect("client"))
        .collect();
    let _ = server.join();
    wall_rate(&times, 2 * n * clients as u64)
}

pub(crate) fn run(opts: &Opts) -> Vec<Measurement> {
    let n = opts.size(20_000, 500);
    let reps = opts.reps();
    let counts = [1usize, 4];
    let mut rows = Vec::new();
    let server = match ServerBuilder::new(AUTHKEY)
        .sync_manager()
        .bind("127.0.0.1:0")
        .and_then(|s| s.spawn())
    {
        Ok(s) => s,
        Err(e) => {
            rows.push(Measurement::absent(
                GROUP,
                "roundtrip_1c",
                "pythreading",
                "ops/s",
                &format!("cannot start a server: {e}"),
            ));
            return rows;
        }
    };
    for &c in &counts {
        let case = format!("roundtrip_{c}c");
        let addr = server.address();
        let [ours, floor] =
            interleaved(reps, [&|| rust_roundtrips(addr, c, n), &|| tcp_floor(c, n)]);
        rows.push(Measurement::new(GROUP, &case, "pythreading", ours, "ops/s"));
        rows.push(Measurement::new(GROUP, &case, "tcp_floor", floor, "ops/s"));
    }
    rows.extend(durable::run(opts));
    let count_args: Vec<String> = counts.iter().map(ToString::to_string).collect();
    let expected_cpython: Vec<(String, &str)> = counts
        .iter()
        .flat_map(|c| [format!("roundtrip_{c}c"), format!("cpython_client_{c}c")])
        .map(|case| (case, "ops/s"))
        .collect();
    let expected: Vec<(&str, &str)> = expected_cpython
        .iter()
        .map(|(c, u)| (c.as_str(), *u))
        .collect();
    // CPython client ↔ CPython server (one run per client count: thousands of round trips each).
    let mut args = vec![n.to_string()];
    args.extend(count_args.iter().cloned());
    rows.extend(python::run(GROUP, "managers.py", &args, &expected));
    // CPython client ↔ our server.
    let mut args = vec![n.to_string()];
    args.extend(count_args.iter().cloned());
    args.push("--address".into());
    args.push(server.address().to_string());
    let expected_ours: Vec<(String, &str)> = counts
        .iter()
        .map(|c| (format!("cpython_client_{c}c"), "ops/s"))
        .collect();
    let expected_ours: Vec<(&str, &str)> = expected_ours
        .iter()
        .map(|(c, u)| (c.as_str(), *u))
        .collect();
    rows.extend(python::run_for(
        GROUP,
        "managers.py",
        &args,
        &expected_ours,
        "pythreading",
    ));
    server.shutdown();
    // Group rows by case so each case's table shows all its implementations together.
    let order = |case: &str| -> usize {
        counts
            .iter()
            .enumerate()
            .find_map(|(i, c)| {
                if case == format!("roundtrip_{c}c") {
                    Some(i)
                } else if case == format!("cpython_client_{c}c") {
                    Some(counts.len() + i)
                } else {
                    None
                }
            })
            .unwrap_or(usize::MAX)
    };
    rows.sort_by_key(|r| order(&r.case));
    rows.extend(crate::redis::run(opts));
    rows
}
