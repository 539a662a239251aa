//! The `net` group: the tutorials' echo (each message sent back upper-cased) over loopback.
//!
//! * `echo_<c>c`: requests/s with `c` connections open at once, each a closed loop of one
//!   64-byte request and its reply. `echo_<c>c_p99`: the 99th percentile of those round trips.
//! * Servers: ours (`socketserver::TcpServer`, `max_handlers` 1,024 so that every connection has
//!   a handler), `pythreading_async` (the same bound of 1,024 connections served at once, kept
//!   by our `Semaphore::acquire_async` in the accept loop of a task-per-connection tokio server:
//!   the async path, where our async face does the back-pressure and tokio does the I/O),
//!   `std` (the tutorials' `accept` + a thread per connection), `tokio` (a task per connection
//!   on a 2-worker runtime, as many workers as this machine has cores, no bound) and `cpython`
//!   (`socketserver.ThreadingTCPServer`, `bench/python/net.py`).
//! * One client for all five, used identically: a single-threaded tokio runtime on the calling
//!   thread (epoll, one task per connection, `TCP_NODELAY`), connecting at most 64 at a time,
//!   one warm-up round trip per connection, then the timed window in which every connection
//!   writes its 64 bytes, reads the 64-byte reply and checks it, again and again. Its CPU per
//!   request (the `_client_cpu` rows) is about the servers' own; the note on each requests/s
//!   row says what share of a core the client used: near 100 %, the client, not the server,
//!   set the rate. The servers are measured interleaved (ours,
//!   the async path, std, tokio, cpython, ours, …) so that a noisy phase hits all of them,
//!   each repetition starting one server later, so that with 5 repetitions (the full run)
//!   each server is measured once in each place of the order.
//!
//! * `echo_<c>c_cpu`: the server's CPU time per request (user + system, µs) over the timed
//!   window, and `echo_<c>c_client_cpu` the client's. For the servers in this process (ours,
//!   the async path, std, tokio) the server's share is the process's CPU clock less the client
//!   thread's own CPU clock (the client runtime runs on the calling thread alone, and the other
//!   servers sit idle meanwhile); for CPython it is the child's `utime + stime` from
//!   `/proc/PID/stat` (clock ticks, 10 ms: a 1 s window reads it to about 1 %, a `--quick`
//!   one to about 10 %).
//!
//! Every server here runs on the same 2 cores as the client, so requests/s measures client and
//! server together, not a capacity; the CPU rows say how each side's cost splits.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use pythreading::socketserver::{Connection, TcpServer};

use crate::python::{self, PythonServer};
use crate::report::{Measurement, Opts};

const GROUP: &str = "net";
/// Request (and reply) size.
const MSG: usize = 64;
/// Connects under way at once while a measurement opens its connections.
const CONNECTING: usize = 64;
const IMPLS: [&str; 5] = [
    "pythreading",
    "pythreading_async",
    "std",
    "tokio",
    "cpython",
];
/// Connections served at once by our servers (the threaded one's `max_handlers`, the async
/// one's semaphore).
const BOUND: usize = 1024;

pub(crate) fn run(opts: &Opts) -> Vec<Measurement> {
    raise_fd_limit();
    let window = if opts.quick {
        Duration::from_millis(100)
    } else {
        Duration::from_secs(1)
    };
    let counts: &[usize] = &[10, 100, 1000];
    let client = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            return vec![Measurement::absent(
                GROUP,
                "echo_10c",
                "pythreading",
                "req/s",
                &format!("no client runtime: {e}"),
            )];
        }
    };
    let servers: Vec<Result<Server, String>> = vec![
        Server::ours(),
        Server::ours_async(),
        Server::std_threads(),
        Server::tokio(),
        Server::cpython(),
    ];
    let mut rows = Vec::new();
    // The server measured first in a repetition; see below.
    let mut first = servers.len() - 1;
    for &c in counts {
        let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); IMPLS.len()];
        let mut failed: Vec<Option<String>> = vec![None; IMPLS.len()];
        for _ in 0..opts.reps() {
            // Each repetition (and each case) starts with the next server, so that no server
            // always runs first, right after the previous case's last one.
            first = (first + 1) % servers.len();
            for k in 0..servers.len() {
                let i = (first + k) % servers.len();
                let server = match &servers[i] {
                    Ok(s) => s,
                    Err(e) => {
                        failed[i] = Some(e.clone());
                        continue;
                    }
                };
                if failed[i].is_some() {
                    continue;
                }
                match drive(&client, server, c, window) {
                    Ok(sample) => samples[i].push(sample),
                    Err(e) => failed[i] = Some(e),
                }
                server.settle();
            }
        }
        for (i, imp) in IMPLS.iter().enumerate() {
            for (suffix, unit, pick) in FIGURES {
                let case = format!("echo_{c}c{suffix}");
                match &failed[i] {
                    Some(why) => rows.push(Measurement::absent(GROUP, &case, imp, unit, why)),
                    None => {
                        let mut values: Vec<f64> = samples[i].iter().map(pick).collect();
                        let mut row =
                            Measurement::new(GROUP, &case, imp, median(&mut values), unit);
                        if suffix.is_empty() {
                            // Near 100 %, the client, not the server, set the rate.
                            let mut loads: Vec<f64> =
                                samples[i].iter().map(|s| s.client_load).collect();
                            let load = median(&mut loads) * 100.0;
                            row.note = Some(format!("client at {load:.0} % of a core"));
                        }
                        rows.push(row);
                    }
                }
            }
        }
    }
    drop(servers);
    // Each case's implementations together: the figures in `FIGURES` order, per connection count.
    let order = |case: &str| {
        let count = counts
            .iter()
            .position(|c| case.starts_with(&format!("echo_{c}c")))
            .unwrap_or(0);
        let figure = FIGURES
            .iter()
            .rposition(|(suffix, _, _)| case.ends_with(suffix))
            .unwrap_or(0);
        count * FIGURES.len() + figure
    };
    rows.sort_by_key(|r| order(&r.case));
    rows
}

/// One timed window against one server.
#[derive(Debug, Clone, Copy)]
struct Sample {
    /// Round trips per second.
    rate: f64,
    /// 99th percentile round trip, µs.
    p99: f64,
    /// The server's CPU time per round trip, µs.
    server_cpu: f64,
    /// The client's CPU time per round trip, µs.
    client_cpu: f64,
    /// The client's CPU time over the window's wall time: the share of a core it used.
    client_load: f64,
}

/// One row of a case: its name's suffix, its unit, and which figure of a sample it shows.
type Figure = (&'static str, &'static str, fn(&Sample) -> f64);

/// The rows of a case, in table order; the empty suffix must come first (every case name ends
/// with it).
const FIGURES: [Figure; 4] = [
    ("", "req/s", |s| s.rate),
    ("_p99", "us", |s| s.p99),
    ("_cpu", "us", |s| s.server_cpu),
    ("_client_cpu", "us", |s| s.client_cpu),
];

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Opens `conns` connections to `server`, makes one warm-up round trip on each, then runs
/// closed loops on all of them for `window`, reading both sides' CPU clocks around the loops.
fn drive(
    client: &tokio::runtime::Runtime,
    server: &Server,
    conns: usize,
    window: Duration,
) -> Result<Sample, String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let address = server.address();
    client.block_on(async move {
        let connecting = Arc::new(tokio::sync::Semaphore::new(CONNECTING));
        let mut opening = tokio::task::JoinSet::new();
        for _ in 0..conns {
            let connecting = Arc::clone(&connecting);
            opening.spawn(async move {
                let _permit = connecting.acquire().await.expect("semaphore open");
                let mut s = tokio::net::TcpStream::connect(address)
                    .await
                    .map_err(|e| format!("connect: {e}"))?;
                s.set_nodelay(true).map_err(|e| format!("nodelay: {e}"))?;
                let mut buf = [0u8; MSG];
                s.write_all(&[b'w'; MSG])
                    .await
                    .map_err(|e| format!("warm-up: {e}"))?;
                s.read_exact(&mut buf)
                    .await
                    .map_err(|e| format!("warm-up: {e}"))?;
                Ok::<_, String>(s)
            });
        }
        let mut streams = Vec::with_capacity(conns);
        let opened = tokio::time::timeout(Duration::from_secs(60), async {
            while let Some(s) = opening.join_next().await {
                streams.push(s.map_err(|e| format!("connect task: {e}"))??);
            }
            Ok::<(), String>(())
        })
        .await;
        opened.map_err(|_| format!("{conns} connections not open within 60 s"))??;

        let cpu_before = server.cpu()?;
        let start = Instant::now();
        let end = start + window;
        let mut loops = tokio::task::JoinSet::new();
        for (n, mut s) in streams.into_iter().enumerate() {
            loops.spawn(async move {
                let mut request = [b'a' + (n % 26) as u8; MSG];
                request[0] = b'x';
                let expect = request.to_ascii_uppercase();
                let mut reply = [0u8; MSG];
                let mut latencies = Vec::new();
                while Instant::now() < end {
                    let t0 = Instant::now();
                    s.write_all(&request)
                        .await
                        .map_err(|e| format!("send: {e}"))?;
                    s.read_exact(&mut reply)
                        .await
                        .map_err(|e| format!("receive: {e}"))?;
                    latencies.push(t0.elapsed().as_micros() as u32);
                    if expect[..] != reply[..] {
                        return Err("a wrong reply".to_owned());
                    }
                }
                // A reset instead of a FIN: no TIME_WAIT, so repeated runs do not exhaust the
                // ephemeral ports.
                let _ = s.set_zero_linger();
                Ok::<_, String>(latencies)
            });
        }
        let mut all = Vec::new();
        let bound = window + Duration::from_secs(60);
        tokio::time::timeout(bound, async {
            while let Some(l) = loops.join_next().await {
                all.extend(l.map_err(|e| format!("client task: {e}"))??);
            }
            Ok::<(), String>(())
        })
        .await
        .map_err(|_| format!("the clients did not finish within {bound:?}"))??;
        let elapsed = start.elapsed();
        let cpu_after = server.cpu()?;
        if all.is_empty() {
            return Err("no round trip completed".to_owned());
        }
        all.sort_unstable();
        let p99 = all[(all.len() * 99 / 100).min(all.len() - 1)];
        let per_request = |before: Duration, after: Duration| {
            after.saturating_sub(before).as_secs_f64() * 1e6 / all.len() as f64
        };
        Ok(Sample {
            rate: all.len() as f64 / elapsed.as_secs_f64(),
            p99: f64::from(p99),
            server_cpu: per_request(cpu_before.server, cpu_after.server),
            client_cpu: per_request(cpu_before.client, cpu_after.client),
            client_load: cpu_after
                .client
                .saturating_sub(cpu_before.client)
                .as_secs_f64()
                / elapsed.as_secs_f64(),
        })
    })
}

/// CPU time used so far by the server under test and by the client thread.
#[derive(Debug, Clone, Copy)]
struct CpuTimes {
    server: Duration,
    client: Duration,
}

/// A CPU clock as a `Duration`.
fn cpu_clock(id: rustix::time::ClockId) -> Duration {
    let t = rustix::time::clock_gettime(id);
    Duration::new(
        u64::try_from(t.tv_sec).unwrap_or(0),
        u32::try_from(t.tv_nsec).unwrap_or(0),
    )
}

/// `utime + stime` of process `pid` (all its threads, live and exited) from `/proc/PID/stat`.
fn process_cpu(pid: u32) -> Result<Duration, String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map_err(|e| format!("/proc/{pid}/stat: {e}"))?;
    let ticks = stat_cpu_ticks(&stat).ok_or_else(|| format!("/proc/{pid}/stat unreadable"))?;
    let hz = rustix::param::clock_ticks_per_second().max(1);
    Ok(Duration::from_secs_f64(ticks as f64 / hz as f64))
}

/// `utime + stime` (fields 14 and 15, in clock ticks) of a `/proc/PID/stat` line.
fn stat_cpu_ticks(stat: &str) -> Option<u64> {
    // The command name (field 2) is in parentheses and may hold spaces and parentheses: count
    // from after the last `)`, where field 3 starts; utime and stime are then the 12th and 13th.
    let (_, rest) = stat.rsplit_once(')')?;
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// A running echo server of one implementation.
enum Server {
    Ours(Arc<TcpServer>),
    Std(StdServer),
    /// The runtime is held only to keep the server running: dropping it stops it.
    Tokio {
        _runtime: tokio::runtime::Runtime,
        address: SocketAddr,
    },
    /// Tokio tasks bounded by our async semaphore; as `Tokio`, the runtime keeps it running.
    OursAsync {
        _runtime: tokio::runtime::Runtime,
        address: SocketAddr,
    },
    Cpython {
        server: PythonServer,
        /// Its threads when no connection is open (the main thread and `serve_forever`'s).
        idle_threads: usize,
    },
}

/// Gives a connection's permit back to the semaphore when its task ends, however it ends.
struct Permit(Arc<pythreading::threading::Semaphore>);

impl Drop for Permit {
    fn drop(&mut self) {
        self.0.release(1);
    }
}

impl Server {
    fn address(&self) -> SocketAddr {
        match self {
            Server::Ours(s) => s.server_address(),
            Server::Std(s) => s.address,
            Server::Tokio { address, .. } | Server::OursAsync { address, .. } => *address,
            Server::Cpython { server, .. } => SocketAddr::from(([127, 0, 0, 1], server.port())),
        }
    }

    /// The CPU time this server and the client thread (the caller) have used so far. A server
    /// in this process is everything but the caller's thread (the other servers are idle while
    /// one is measured); CPython is its own process.
    fn cpu(&self) -> Result<CpuTimes, String> {
        use rustix::time::ClockId;

        let client = cpu_clock(ClockId::ThreadCPUTime);
        let server = match self {
            Server::Cpython { server, .. } => process_cpu(server.pid())?,
            _ => cpu_clock(ClockId::ProcessCPUTime).saturating_sub(client),
        };
        Ok(CpuTimes { server, client })
    }

    /// Waits (at most 10 s) until the server has finished with the connections the client
    /// just reset, so that its handlers' exits do not fall into the next server's window (the
    /// server measured next would pay for them). The thread-per-connection servers (ours, std,
    /// CPython) have a thread to end per connection; the tokio servers' tasks end at once.
    fn settle(&self) {
        let busy = || match self {
            Server::Ours(s) => s.stats().active() > 0,
            Server::Std(s) => s.live.load(Ordering::SeqCst) > 0,
            Server::Cpython {
                server,
                idle_threads,
            } => thread_count(server.pid()).is_some_and(|n| n > *idle_threads),
            Server::Tokio { .. } | Server::OursAsync { .. } => false,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while busy() && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(1));
        }
    }

    /// CPython's `ThreadingTCPServer` (`bench/python/net.py`).
    fn cpython() -> Result<Server, String> {
        let server = python::spawn_server("net.py", &[])?;
        let idle_threads = thread_count(server.pid())
            .ok_or_else(|| format!("/proc/{}/status unreadable", server.pid()))?;
        Ok(Server::Cpython {
            server,
            idle_threads,
        })
    }

    fn ours() -> Result<Server, String> {
        let server = TcpServer::bind("127.0.0.1:0")
            .max_handlers(BOUND)
            .handle_error(|_| ()) // the client resets its connections when done
            .build(upper_echo)
            .map_err(|e| format!("bind: {e}"))?;
        let server = Arc::new(server);
        let s = Arc::clone(&server);
        thread::spawn(move || s.serve_forever());
        Ok(Server::Ours(server))
    }

    /// The async path: a task per connection, at most [`BOUND`] at once. The accept loop takes
    /// a permit of our `Semaphore` with `acquire_async` before it accepts (back-pressure as in
    /// the threaded server: while every permit is out, clients wait in the backlog) and the
    /// connection's task gives it back when it ends.
    fn ours_async() -> Result<Server, String> {
        use pythreading::threading::Semaphore;
        use tokio::io::{AsyncReadExt, AsyncWriteExt};

        let (runtime, listener, address) = tokio_listener()?;
        let permits = Arc::new(Semaphore::new(BOUND));
        runtime.spawn(async move {
            loop {
                permits.acquire_async().await;
                let permit = Permit(Arc::clone(&permits));
                let Ok((mut conn, _)) = listener.accept().await else {
                    continue;
                };
                tokio::spawn(async move {
                    let _permit = permit;
                    let mut buf = [0u8; 1024];
                    while let Ok(n) = conn.read(&mut buf).await {
                        if n == 0
                            || conn
                                .write_all(&buf[..n].to_ascii_uppercase())
                                .await
                                .is_err()
                        {
                            break;
                        }
                    }
                });
            }
        });
        Ok(Server::OursAsync {
            _runtime: runtime,
            address,
        })
    }

    fn std_threads() -> Result<Server, String> {
        let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
        let address = listener.local_addr().map_err(|e| e.to_string())?;
        let stop = Arc::new(AtomicBool::new(false));
        let live = Arc::new(AtomicUsize::new(0));
        let s = Arc::clone(&stop);
        let counted = Arc::clone(&live);
        thread::spawn(move || {
            for conn in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(mut conn) = conn else { continue };
                counted.fetch_add(1, Ordering::SeqCst);
                let handler_ends = Live(Arc::clone(&counted));
                thread::spawn(move || {
                    let _live = handler_ends;
                    let mut buf = [0u8; 1024];
                    while let Ok(n) = conn.read(&mut buf) {
                        if n == 0 || conn.write_all(&buf[..n].to_ascii_uppercase()).is_err() {
                            break;
                        }
                    }
                });
            }
        });
        Ok(Server::Std(StdServer {
            address,
            stop,
            live,
        }))
    }

    fn tokio() -> Result<Server, String> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};

        let (runtime, listener, address) = tokio_listener()?;
        runtime.spawn(async move {
            loop {
                let Ok((mut conn, _)) = listener.accept().await else {
                    continue;
                };
                tokio::spawn(async move {
                    let mut buf = [0u8; 1024];
                    while let Ok(n) = conn.read(&mut buf).await {
                        if n == 0
                            || conn
                                .write_all(&buf[..n].to_ascii_uppercase())
                                .await
                                .is_err()
                        {
                            break;
                        }
                    }
                });
            }
        });
        Ok(Server::Tokio {
            _runtime: runtime,
            address,
        })
    }
}

/// A 2-worker tokio runtime and a listener registered with it, on the same kind of socket (and
/// backlog) as the other servers.
fn tokio_listener() -> Result<(tokio::runtime::Runtime, tokio::net::TcpListener, SocketAddr), String>
{
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_io()
        .build()
        .map_err(|e| format!("runtime: {e}"))?;
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    let listener = {
        let _entered = runtime.enter();
        tokio::net::TcpListener::from_std(listener).map_err(|e| e.to_string())?
    };
    Ok((runtime, listener, address))
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Server::Ours(s) = self {
            let _ = s.server_close();
        }
    }
}

/// The tutorials' server: a thread per accepted connection.
struct StdServer {
    address: SocketAddr,
    stop: Arc<AtomicBool>,
    /// Handler threads not yet ended.
    live: Arc<AtomicUsize>,
}

/// Counts one handler thread of [`StdServer`] out when it ends, however it ends.
struct Live(Arc<AtomicUsize>);

impl Drop for Live {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// How many threads process `pid` has now (`Threads:` of `/proc/PID/status`).
fn thread_count(pid: u32) -> Option<usize> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find_map(|line| line.strip_prefix("Threads:"))?
        .trim()
        .parse()
        .ok()
}

impl Drop for StdServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocked `accept` so that the loop sees the flag.
        let _ = TcpStream::connect(self.address);
    }
}

/// The tutorials' handler, as the other servers run it.
fn upper_echo(conn: &mut Connection) -> std::io::Result<()> {
    let mut buf = [0u8; 1024];
    loop {
        let n = conn.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        conn.write_all(&buf[..n].to_ascii_uppercase())?;
    }
}

/// 1,000 connections take 2,000 descriptors here (both ends): raise the soft limit to the hard.
fn raise_fd_limit() {
    use rustix::process::{Resource, getrlimit, setrlimit};

    let mut limit = getrlimit(Resource::Nofile);
    if limit.current != limit.maximum {
        limit.current = limit.maximum;
        let _ = setrlimit(Resource::Nofile, limit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_ticks_are_read_after_a_command_name_with_spaces_and_parentheses() {
        let stat = "4242 (python3 (x) y) S 1 4242 4242 0 -1 4194304 900 0 0 0 \
                    17 5 0 0 20 0 3 0 12345 1000 200 18446744073709551615";
        assert_eq!(stat_cpu_ticks(stat), Some(22));
        assert_eq!(stat_cpu_ticks("4242 (cut) S 1 2"), None);
    }

    #[test]
    fn thread_count_reads_a_child_and_refuses_a_missing_process() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .expect("sleep runs");
        let seen = thread_count(child.id());
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(seen, Some(1), "a single-threaded child");
        // Above any pid_max Linux allows (2^22).
        assert_eq!(thread_count(u32::MAX), None);
    }

    #[test]
    fn this_process_cpu_time_reads_and_grows() {
        let before = process_cpu(std::process::id()).expect("readable /proc/self/stat");
        // Burn 50 ms of this thread's CPU (5 ticks at 100 Hz), however loaded the machine is
        // (at most 30 s of wall time): the reading must move.
        let clock = || cpu_clock(rustix::time::ClockId::ThreadCPUTime);
        let (cpu0, wall0) = (clock(), Instant::now());
        let mut x = 0u64;
        while clock() - cpu0 < Duration::from_millis(50) {
            assert!(
                wall0.elapsed() < Duration::from_secs(30),
                "no CPU time in 30 s"
            );
            for _ in 0..10_000 {
                x = std::hint::black_box(x.wrapping_add(1));
            }
        }
        let after = process_cpu(std::process::id()).expect("readable /proc/self/stat");
        assert!(after > before, "{before:?} -> {after:?}");
    }
}
