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
//! * One client for all four: a single-threaded tokio runtime in this process, connecting at
//!   most 64 at a time, one warm-up round trip per connection, then the timed window. The
//!   servers are measured interleaved (ours, std, tokio, cpython, ours, …) so that a noisy
//!   phase hits all of them.
//!
//! Every server here runs on the same 2 cores as the client, so the figures are a comparison,
//! not a capacity: the client's share of the CPU is the same for all four.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
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
        python::spawn_server("net.py", &[]).map(Server::Cpython),
    ];
    let mut rows = Vec::new();
    for &c in counts {
        // samples[impl] = (rates, p99s)
        let mut samples: Vec<(Vec<f64>, Vec<f64>)> = vec![Default::default(); IMPLS.len()];
        let mut failed: Vec<Option<String>> = vec![None; IMPLS.len()];
        for _ in 0..opts.reps() {
            for (i, server) in servers.iter().enumerate() {
                let server = match server {
                    Ok(s) => s,
                    Err(e) => {
                        failed[i] = Some(e.clone());
                        continue;
                    }
                };
                if failed[i].is_some() {
                    continue;
                }
                match drive(&client, server.address(), c, window) {
                    Ok((rate, p99)) => {
                        samples[i].0.push(rate);
                        samples[i].1.push(p99);
                    }
                    Err(e) => failed[i] = Some(e),
                }
                server.settle();
            }
        }
        let case = format!("echo_{c}c");
        let p99_case = format!("echo_{c}c_p99");
        for (i, imp) in IMPLS.iter().enumerate() {
            match &failed[i] {
                Some(why) => {
                    rows.push(Measurement::absent(GROUP, &case, imp, "req/s", why));
                    rows.push(Measurement::absent(GROUP, &p99_case, imp, "us", why));
                }
                None => {
                    rows.push(Measurement::new(
                        GROUP,
                        &case,
                        imp,
                        median(&mut samples[i].0),
                        "req/s",
                    ));
                    rows.push(Measurement::new(
                        GROUP,
                        &p99_case,
                        imp,
                        median(&mut samples[i].1),
                        "us",
                    ));
                }
            }
        }
    }
    drop(servers);
    // Each case's implementations together: requests/s, then p99, per connection count.
    let order = |case: &str| {
        counts
            .iter()
            .position(|c| case.starts_with(&format!("echo_{c}c")))
            .unwrap_or(0)
            * 2
            + usize::from(case.ends_with("_p99"))
    };
    rows.sort_by_key(|r| order(&r.case));
    rows
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Opens `conns` connections to `address`, makes one warm-up round trip on each, then runs
/// closed loops on all of them for `window`. Returns requests/s and the p99 round trip in µs.
fn drive(
    client: &tokio::runtime::Runtime,
    address: SocketAddr,
    conns: usize,
    window: Duration,
) -> Result<(f64, f64), String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

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
        if all.is_empty() {
            return Err("no round trip completed".to_owned());
        }
        all.sort_unstable();
        let p99 = all[(all.len() * 99 / 100).min(all.len() - 1)];
        Ok((all.len() as f64 / elapsed.as_secs_f64(), f64::from(p99)))
    })
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
    Cpython(PythonServer),
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
            Server::Cpython(p) => SocketAddr::from(([127, 0, 0, 1], p.port())),
        }
    }

    /// Waits (at most 10 s) until the server has finished with the connections the client
    /// just reset, so that its handlers' wake-ups do not fall into the next server's window.
    /// Only our threaded server can say so; the others end theirs within their own window.
    fn settle(&self) {
        if let Server::Ours(s) = self {
            let deadline = Instant::now() + Duration::from_secs(10);
            while s.stats().active() > 0 && Instant::now() < deadline {
                thread::sleep(Duration::from_millis(1));
            }
        }
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
        let s = Arc::clone(&stop);
        thread::spawn(move || {
            for conn in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(mut conn) = conn else { continue };
                thread::spawn(move || {
                    let mut buf = [0u8; 1024];
                    while let Ok(n) = conn.read(&mut buf) {
                        if n == 0 || conn.write_all(&buf[..n].to_ascii_uppercase()).is_err() {
                            break;
                        }
                    }
                });
            }
        });
        Ok(Server::Std(StdServer { address, stop }))
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
