//! The `pool` group's `pipe_pingpong` case: one message's round trip between two processes,
//! in nanoseconds (lower is better).
//!
//! - `pythreading`: our [`Connection`](pythreading_mp::connection::Connection) across two
//!   processes — the parent's `Listener` on a Unix socket, a child `Process` connected with
//!   `Client` echoing each message; each message is `send(&i)` / `recv::<i64>()` (a pickled int,
//!   as CPython's `send`/`recv` carry).
//! - `raw_socket_floor`: the same two processes over a bare Unix stream socket, 16-byte
//!   messages with `read_exact`/`write_all`: the best any protocol could do here. (A socketpair
//!   cannot be handed to a re-executed child, so the floor connects by path, as ours does.)
//! - `cpython`: `multiprocessing.Pipe()` between a parent and a forked child, `send(i)` /
//!   `recv()` (`bench/python/mp_pipe.py`).

use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::time::Instant;

use pythreading_mp::connection::{Address, Client, Listener};
use pythreading_mp::process::Process;

use crate::python;
use crate::report::{Measurement, Opts, median_of};

const GROUP: &str = "pool";
const CASE: &str = "pipe_pingpong";
const UNIT: &str = "ns";
const KEY: &[u8] = b"pipe bench";

/// The child of the `pythreading` row: echo `n` messages back.
fn pipe_echo(path: String, n: u64) {
    let conn = Client::connect(&Address::Unix(path.into()), KEY).expect("connect to the bench");
    for _ in 0..n {
        let v: i64 = conn.recv().expect("recv");
        conn.send(&v).expect("send");
    }
}

/// The child of the floor row: echo `n` 16-byte messages.
fn raw_echo(path: String, n: u64) {
    let mut s = UnixStream::connect(path).expect("connect to the bench");
    let mut buf = [0u8; 16];
    for _ in 0..n {
        s.read_exact(&mut buf).expect("read");
        s.write_all(&buf).expect("write");
    }
}

pythreading_mp::register!(pipe_echo, raw_echo);

fn socket_path(tag: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!(
        "pythreading-bench-{tag}-{}.sock",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&p);
    p
}

/// ns per round trip over our `Connection`, `n` timed round trips after one warm-up.
fn ours(n: u64) -> f64 {
    let path = socket_path("pipe");
    let listener = Listener::bind(Address::Unix(path.clone()), KEY).expect("bind");
    let child = Process::builder(pipe_echo)
        .args((path.to_string_lossy().into_owned(), n + 1))
        .build();
    child.start().expect("start the echo child");
    let conn = listener.accept().expect("the echo child connects");
    conn.send(&0i64).expect("warm-up send");
    let _: i64 = conn.recv().expect("warm-up recv");
    let start = Instant::now();
    for i in 0..n as i64 {
        conn.send(&i).expect("send");
        let back: i64 = conn.recv().expect("recv");
        debug_assert_eq!(back, i);
    }
    let ns = start.elapsed().as_nanos() as f64 / n as f64;
    child.join().expect("join the echo child");
    ns
}

/// ns per round trip over a bare Unix socket between the same two kinds of process.
fn floor(n: u64) -> f64 {
    let path = socket_path("raw");
    let listener = UnixListener::bind(&path).expect("bind");
    let child = Process::builder(raw_echo)
        .args((path.to_string_lossy().into_owned(), n + 1))
        .build();
    child.start().expect("start the echo child");
    let (mut s, _) = listener.accept().expect("the echo child connects");
    let mut buf = [0u8; 16];
    s.write_all(&buf).expect("warm-up write");
    s.read_exact(&mut buf).expect("warm-up read");
    let start = Instant::now();
    for _ in 0..n {
        s.write_all(&buf).expect("write");
        s.read_exact(&mut buf).expect("read");
    }
    let ns = start.elapsed().as_nanos() as f64 / n as f64;
    child.join().expect("join the echo child");
    let _ = std::fs::remove_file(&path);
    ns
}

pub(crate) fn run(opts: &Opts) -> Vec<Measurement> {
    let n = opts.size(20_000, 200);
    let reps = opts.reps();
    let mut rows = vec![
        Measurement::new(
            GROUP,
            CASE,
            "pythreading",
            median_of(reps, || ours(n)),
            UNIT,
        ),
        Measurement::new(
            GROUP,
            CASE,
            "raw_socket_floor",
            median_of(reps, || floor(n)),
            UNIT,
        ),
    ];
    rows.extend(python::run(
        GROUP,
        "mp_pipe.py",
        &[n.to_string(), reps.to_string()],
        &[(CASE, UNIT)],
    ));
    rows
}
