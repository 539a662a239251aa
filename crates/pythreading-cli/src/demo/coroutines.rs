//! Scenario `coroutines`: the tutorials' claim that "a CPU can hold tens of thousands of
//! coroutines", shown rather than asserted.
//!
//! The same echo workload — 10,000 clients arriving at once, each making a few round trips with
//! a pause between them (a person typing) — against three servers:
//!
//! - (a) one thread per connection: the tutorials' `sock.accept()` + `Thread(target=action)`;
//! - (b) the bounded thread pool: `socketserver::TcpServer` with at most 1,000 handlers;
//! - (c) async tasks on a tokio runtime with 2 worker threads, one task per connection.
//!
//! Each server runs in a child process of its own (this program re-executed), so its peak
//! thread count (sampled from `/proc/self/status`) and peak memory (`VmHWM`) are its own. All
//! three listen on the same kind of socket, with a backlog of 4,096 (the standard library's 128
//! overflows under 10,000 arriving clients, and each overflow costs a client a one-second SYN
//! retransmission, which would measure the backlog instead of the servers). The clients run
//! here, on one tokio thread.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use pythreading::socketserver::{Connection, TcpServer};

/// Connections wanted; fewer if the descriptor limit cannot be raised far enough.
const CONNECTIONS: usize = 10_000;
/// Round trips per connection, and the pause between them.
const ROUNDS: usize = 3;
const THINK: Duration = Duration::from_millis(100);
/// The bounded pool's size.
const POOL: usize = 1_000;
/// Connects the clients have under way at once, so that they do not overflow the listen backlog
/// on their own.
const CONNECTING: usize = 256;
/// The listen backlog of all three servers (the kernel caps it at `net.core.somaxconn`).
const BACKLOG: i32 = 4096;
/// The environment variable that makes this program the server child.
const SERVER_ENV: &str = "PYTHREADING_COROUTINES_SERVER";

#[derive(Clone, Copy, Debug)]
enum Mode {
    Threads,
    Pool,
    Tokio,
}

impl Mode {
    const ALL: [Mode; 3] = [Mode::Threads, Mode::Pool, Mode::Tokio];

    fn name(self) -> &'static str {
        match self {
            Mode::Threads => "threads",
            Mode::Pool => "pool",
            Mode::Tokio => "tokio",
        }
    }

    fn label(self) -> String {
        match self {
            Mode::Threads => "(a) one thread per connection".to_owned(),
            Mode::Pool => format!("(b) bounded pool ({POOL} threads)"),
            Mode::Tokio => "(c) tokio tasks (2 threads)".to_owned(),
        }
    }
}

/// Runs the scenario (or, in the child, one server).
pub(crate) fn run() {
    if let Ok(mode) = std::env::var(SERVER_ENV) {
        let mode = Mode::ALL
            .into_iter()
            .find(|m| m.name() == mode)
            .expect("a known server mode");
        serve(mode);
        std::process::exit(0);
    }
    let limit = raise_fd_limit();
    // Each side needs one descriptor per connection, plus a margin for the rest.
    let connections = CONNECTIONS.min(limit.saturating_sub(256) as usize).max(100);
    if connections < CONNECTIONS {
        println!(
            "note: the open-file limit is {limit}; running {connections} connections instead of {CONNECTIONS}"
        );
    }
    println!(
        "{connections} clients at once, {ROUNDS} round trips each, {THINK:?} apart; every reply checked"
    );
    println!(
        "{:<36} {:>9} {:>13} {:>13} {:>12}",
        "server", "wall", "open at once", "peak threads", "peak memory"
    );
    for mode in Mode::ALL {
        match measure(mode, connections) {
            Ok(m) => println!(
                "{:<36} {:>7.2} s {:>13} {:>13} {:>8.1} MiB",
                mode.label(),
                m.wall.as_secs_f64(),
                m.open_at_once,
                m.peak_threads,
                m.peak_kib as f64 / 1024.0
            ),
            Err(e) => println!("{:<36} failed: {e}", mode.label()),
        }
    }
    println!(
        "open at once: the most client connections open together; threads: the server process's own, \
         sampled every 2 ms (main and sampler included); memory: its VmHWM"
    );
}

struct Measured {
    wall: Duration,
    open_at_once: u64,
    peak_threads: u64,
    peak_kib: u64,
}

/// A child process killed (and reaped) when dropped, so a failure leaves none behind.
struct ChildGuard(Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn measure(mode: Mode, connections: usize) -> Result<Measured, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let child = Command::new(exe)
        .args(["-q", "demo", "coroutines"])
        .env(SERVER_ENV, mode.name())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start the server process: {e}"))?;
    let mut child = ChildGuard(child);
    let mut stdin = child.0.stdin.take().expect("piped stdin");
    let mut out = BufReader::new(child.0.stdout.take().expect("piped stdout"));
    let port: u16 = read_field(&mut out, "port")?;
    let address = SocketAddr::from(([127, 0, 0, 1], port));

    let start = Instant::now();
    let (checked, open_at_once) = run_clients(address, connections)?;
    let wall = start.elapsed();
    if checked != (connections * ROUNDS) as u64 {
        return Err(format!(
            "{checked} of {} replies came back right",
            connections * ROUNDS
        ));
    }
    writeln!(stdin, "stop").map_err(|e| format!("the server process is gone: {e}"))?;
    let peak_threads = read_field(&mut out, "peak_threads")?;
    let peak_kib = read_field(&mut out, "vm_hwm_kib")?;
    let _ = child.0.wait();
    Ok(Measured {
        wall,
        open_at_once,
        peak_threads,
        peak_kib,
    })
}

/// Reads lines until one is `name VALUE`.
fn read_field<T: std::str::FromStr>(out: &mut impl BufRead, name: &str) -> Result<T, String> {
    let mut line = String::new();
    loop {
        line.clear();
        let n = out
            .read_line(&mut line)
            .map_err(|e| format!("reading the server process: {e}"))?;
        if n == 0 {
            return Err(format!("the server process ended before reporting {name}"));
        }
        if let Some(value) = line.trim().strip_prefix(name).and_then(|r| r.strip_prefix(' ')) {
            return value
                .parse()
                .map_err(|_| format!("the server process reported {name} {value:?}"));
        }
    }
}

/// The clients: `connections` tasks on one thread, each connecting, then making its round trips.
/// Returns how many replies came back right, and the most connections open at once.
fn run_clients(address: SocketAddr, connections: usize) -> Result<(u64, u64), String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the client runtime: {e}"))?;
    runtime.block_on(async move {
        let connecting = Arc::new(tokio::sync::Semaphore::new(CONNECTING));
        let checked = Arc::new(AtomicU64::new(0));
        let open = Arc::new(AtomicU64::new(0));
        let peak_open = Arc::new(AtomicU64::new(0));
        let mut tasks = tokio::task::JoinSet::new();
        for n in 0..connections {
            let connecting = Arc::clone(&connecting);
            let checked = Arc::clone(&checked);
            let (open, peak_open) = (Arc::clone(&open), Arc::clone(&peak_open));
            tasks.spawn(async move {
                let permit = connecting.acquire().await.expect("semaphore open");
                let mut stream = tokio::net::TcpStream::connect(address)
                    .await
                    .map_err(|e| format!("client {n} cannot connect: {e}"))?;
                drop(permit);
                let now = open.fetch_add(1, Ordering::Relaxed) + 1;
                peak_open.fetch_max(now, Ordering::Relaxed);
                let mut reply = [0u8; 32];
                for round in 0..ROUNDS {
                    let msg = format!("client {n:05} round {round}");
                    stream
                        .write_all(msg.as_bytes())
                        .await
                        .map_err(|e| format!("client {n}: {e}"))?;
                    let got = &mut reply[..msg.len()];
                    stream
                        .read_exact(got)
                        .await
                        .map_err(|e| format!("client {n}: {e}"))?;
                    if got == msg.to_ascii_uppercase().as_bytes() {
                        checked.fetch_add(1, Ordering::Relaxed);
                    }
                    tokio::time::sleep(THINK).await;
                }
                // Close with a reset rather than a FIN: a FIN would leave this side's port in
                // TIME_WAIT for a minute, and 10,000 of them per run exhaust the ephemeral ports
                // (connects then slow to a crawl). Every reply has been checked already.
                let _ = stream.set_zero_linger();
                open.fetch_sub(1, Ordering::Relaxed);
                Ok::<(), String>(())
            });
        }
        let bound = Duration::from_secs(120);
        let all = async {
            while let Some(done) = tasks.join_next().await {
                done.map_err(|e| format!("a client task failed: {e}"))??;
            }
            Ok::<(), String>(())
        };
        tokio::time::timeout(bound, all)
            .await
            .map_err(|_| format!("the clients did not finish within {bound:?}"))??;
        Ok((
            checked.load(Ordering::Relaxed),
            peak_open.load(Ordering::Relaxed),
        ))
    })
}

/// The child: serves in `mode`, prints its port, and on `stop` prints its peaks and exits.
fn serve(mode: Mode) {
    raise_fd_limit();
    let stop = Arc::new(AtomicBool::new(false));
    let peak_threads = Arc::new(AtomicU64::new(0));
    let sampler = {
        let (stop, peak) = (Arc::clone(&stop), Arc::clone(&peak_threads));
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                peak.fetch_max(proc_status("Threads"), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(2));
            }
        })
    };
    // One listener kind for all three, so that each has the same backlog.
    let listener = listen_wide().expect("listen on 127.0.0.1");
    let port = listener.local_addr().expect("local address").port();
    let _server: Box<dyn std::any::Any> = match mode {
        Mode::Threads => {
            std::thread::spawn(move || thread_per_connection(listener));
            Box::new(())
        }
        Mode::Pool => {
            let server = Arc::new(
                TcpServer::from_listener(listener)
                    .max_handlers(POOL)
                    .read_timeout(Duration::from_secs(30))
                    .handle_error(|_| ())
                    .build(upper_echo)
                    .expect("bind the pool server"),
            );
            let s = Arc::clone(&server);
            std::thread::spawn(move || s.serve_forever());
            Box::new(server)
        }
        Mode::Tokio => Box::new(tokio_server(listener)),
    };
    println!("port {port}");
    let _ = std::io::stdout().flush();
    // Wait for the parent's `stop` (or its death: end of input).
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
    stop.store(true, Ordering::Relaxed);
    let _ = sampler.join();
    println!("peak_threads {}", peak_threads.load(Ordering::Relaxed));
    println!("vm_hwm_kib {}", proc_status("VmHWM"));
    let _ = std::io::stdout().flush();
}

/// The tutorials' handler: reply with each message upper-cased until the client hangs up.
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

/// (a) The tutorials' server: `conn, addr = sock.accept()`, then a thread per connection.
fn thread_per_connection(listener: TcpListener) {
    for conn in listener.incoming() {
        let Ok(mut conn) = conn else { continue };
        // A refused thread drops the connection: the client then reports it.
        let _ = std::thread::Builder::new().spawn(move || {
            let mut buf = [0u8; 1024];
            while let Ok(n) = conn.read(&mut buf) {
                if n == 0 || conn.write_all(&buf[..n].to_ascii_uppercase()).is_err() {
                    break;
                }
            }
        });
    }
}

/// (c) A task per connection on a 2-thread tokio runtime; the runtime lives as long as the
/// returned value.
fn tokio_server(listener: TcpListener) -> tokio::runtime::Runtime {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_io()
        .build()
        .expect("start the tokio runtime");
    listener.set_nonblocking(true).expect("non-blocking listener");
    runtime.spawn(async move {
        let listener = tokio::net::TcpListener::from_std(listener).expect("register listener");
        loop {
            let Ok((mut conn, _)) = listener.accept().await else {
                continue;
            };
            tokio::spawn(async move {
                let mut buf = [0u8; 1024];
                while let Ok(n) = conn.read(&mut buf).await {
                    if n == 0 || conn.write_all(&buf[..n].to_ascii_uppercase()).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    runtime
}

/// A `Name: value` field of `/proc/self/status` (values in kB for memory); 0 off Linux.
fn proc_status(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
                .and_then(|v| v.split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0)
}

/// A listening socket on 127.0.0.1 (any port) with a backlog of [`BACKLOG`].
fn listen_wide() -> std::io::Result<TcpListener> {
    use rustix::net::{AddressFamily, SocketType, bind, listen, socket, sockopt};

    let fd = socket(AddressFamily::INET, SocketType::STREAM, None)?;
    sockopt::set_socket_reuseaddr(&fd, true)?;
    bind(&fd, &SocketAddr::from(([127, 0, 0, 1], 0)))?;
    listen(&fd, BACKLOG)?;
    Ok(TcpListener::from(fd))
}

/// Raises the soft open-file limit to the hard one; returns the soft limit in force.
fn raise_fd_limit() -> u64 {
    use rustix::process::{Resource, getrlimit, setrlimit};

    let mut limit = getrlimit(Resource::Nofile);
    if limit.current != limit.maximum {
        limit.current = limit.maximum;
        let _ = setrlimit(Resource::Nofile, limit);
    }
    getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX)
}
