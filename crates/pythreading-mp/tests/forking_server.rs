//! `ForkingTcpServer` with real sockets on 127.0.0.1 and real worker processes: concurrent echo
//! clients (every reply checked), the `max_children` bound with back-pressure, a worker killed
//! with SIGKILL mid-connection (its client sees the end, the server serves on, a new worker
//! takes the place), a panicking handler, a silent client's timeout, and a close that leaves
//! no child behind; 300 connections opened and dropped (silent, reset, half-closed) leave the
//! parent's descriptors where they were and the server serving. Every wait is bounded and
//! fails with a message. (Issue 11 §1: the `ForkingTCPServer` shape; raw sockets on 127.0.0.1.)

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use pythreading::socketserver::Connection;
use pythreading_mp::socketserver::{BuildError, ForkingError, ForkingTcpServer};

/// Sends its pid (4 bytes, little endian) first, then echoes until the client hangs up.
fn pid_echo(conn: &mut Connection) -> std::io::Result<()> {
    conn.write_all(&std::process::id().to_le_bytes())?;
    let mut buf = [0u8; 1024];
    loop {
        let n = conn.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        if &buf[..n] == b"panic" {
            panic!("asked to panic");
        }
        conn.write_all(&buf[..n])?;
    }
}

/// Never registered: the server must refuse it.
fn unregistered(_: &mut Connection) -> std::io::Result<()> {
    Ok(())
}

pythreading_mp::register_handler!(pid_echo);

/// How long any single wait of these tests may take before it fails.
const BOUND: Duration = Duration::from_secs(30);

/// A client with bounded reads; returns the worker's pid from the greeting.
fn connect(address: SocketAddr) -> (TcpStream, u32) {
    let mut client = TcpStream::connect(address).expect("connect to the server");
    client.set_read_timeout(Some(BOUND)).unwrap();
    let mut pid = [0u8; 4];
    client
        .read_exact(&mut pid)
        .expect("the worker's greeting within the bound");
    (client, u32::from_le_bytes(pid))
}

fn round_trip(client: &mut TcpStream, payload: &[u8]) {
    client.write_all(payload).unwrap();
    let mut reply = vec![0u8; payload.len()];
    client
        .read_exact(&mut reply)
        .expect("the echo within the bound");
    assert_eq!(reply, payload);
}

/// A server on a free port whose error hook sends every failure's text and kind to a channel.
fn server_with_errors(
    build: impl FnOnce(
        pythreading_mp::socketserver::ForkingTcpServerBuilder,
    ) -> pythreading_mp::socketserver::ForkingTcpServerBuilder,
) -> (Arc<ForkingTcpServer>, Receiver<Reported>) {
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let builder = ForkingTcpServer::bind("127.0.0.1:0").handle_error(move |e| {
        let reported = match e {
            ForkingError::WorkerDied {
                peer,
                pid,
                exitcode,
            } => Reported::Died {
                peer: *peer,
                pid: *pid,
                exitcode: *exitcode,
            },
            ForkingError::Panicked { message, .. } => Reported::Panicked(message.clone()),
            other if other.is_timeout() => Reported::Timeout,
            other => Reported::Other(other.to_string()),
        };
        let _ = tx.lock().unwrap().send(reported);
    });
    let server = build(builder).build(pid_echo).expect("build the server");
    (Arc::new(server), rx)
}

/// A failure as the hook saw it; printed (through `Debug`) when a test gets one it did not expect.
#[derive(Debug)]
#[allow(dead_code)]
enum Reported {
    Died {
        peer: Option<SocketAddr>,
        pid: u32,
        exitcode: i32,
    },
    Panicked(String),
    Timeout,
    Other(String),
}

fn serve_in_background(server: &Arc<ForkingTcpServer>) -> std::thread::JoinHandle<()> {
    let server = Arc::clone(server);
    std::thread::spawn(move || server.serve_forever().expect("serve_forever"))
}

fn process_exists(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// Waits (bounded) until `pred` holds; panics with `what` otherwise.
fn wait_for(what: &str, mut pred: impl FnMut() -> bool) {
    let deadline = Instant::now() + BOUND;
    while !pred() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn concurrent_clients_are_served_by_worker_processes_within_the_bound() {
    pythreading_mp::init();
    let _others = alongside_others();
    let (server, errors) = server_with_errors(|b| b.max_children(4));
    let serving = serve_in_background(&server);
    let address = server.server_address();
    let clients: Vec<_> = (0..12u32)
        .map(|c| {
            std::thread::spawn(move || {
                let mut pids = Vec::new();
                for round in 0..5u32 {
                    let (mut client, pid) = connect(address);
                    for i in 0..20u32 {
                        round_trip(
                            &mut client,
                            format!("client {c} round {round} msg {i}").as_bytes(),
                        );
                    }
                    pids.push(pid);
                }
                pids
            })
        })
        .collect();
    let mut seen = std::collections::HashSet::new();
    for client in clients {
        seen.extend(client.join().expect("a client thread failed"));
    }
    assert!(
        !seen.contains(&std::process::id()),
        "served in the parent, not a worker"
    );
    assert!(
        (1..=4).contains(&seen.len()),
        "max_children(4) but {} distinct workers served: {seen:?}",
        seen.len()
    );
    assert!(server.active_children().len() <= 4);
    server.shutdown();
    serving.join().unwrap();
    let report = server.server_close();
    assert!(report.is_clean(), "{report:?}");
    let unexpected: Vec<Reported> = errors.try_iter().collect();
    assert!(unexpected.is_empty(), "no failure expected: {unexpected:?}");
}

#[test]
fn the_bound_holds_back_the_next_client_until_a_worker_is_free() {
    pythreading_mp::init();
    let _others = alongside_others();
    let (server, _errors) = server_with_errors(|b| b.max_children(2));
    let serving = serve_in_background(&server);
    let address = server.server_address();
    let (first, pid1) = connect(address);
    let (_second, pid2) = connect(address);
    assert_ne!(pid1, pid2, "two connections at once need two workers");
    // The third connection is accepted by the kernel but not handed to a worker: no greeting.
    let mut third = TcpStream::connect(address).unwrap();
    third
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut pid = [0u8; 4];
    let early = third.read(&mut pid);
    assert!(
        matches!(&early, Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)),
        "the third client was served while both workers were busy: {early:?}"
    );
    assert_eq!(server.active_children().len(), 2);
    drop(first); // its worker becomes free and takes the third client
    third.set_read_timeout(Some(BOUND)).unwrap();
    third
        .read_exact(&mut pid)
        .expect("the third client is served once a worker is free");
    assert_eq!(u32::from_le_bytes(pid), pid1, "the freed worker is reused");
    round_trip(&mut third, b"third");
    server.shutdown();
    serving.join().unwrap();
    let _ = server.server_close();
}

#[test]
fn a_worker_killed_mid_connection_cuts_only_its_client_and_is_replaced() {
    pythreading_mp::init();
    let _others = alongside_others();
    let (server, errors) = server_with_errors(|b| b.max_children(2));
    let serving = serve_in_background(&server);
    let address = server.server_address();
    let (mut victim, victim_pid) = connect(address);
    let (mut bystander, bystander_pid) = connect(address);
    round_trip(&mut victim, b"before the kill");
    let victim_addr = victim.local_addr().unwrap();

    rustix::process::kill_process(
        rustix::process::Pid::from_raw(victim_pid as i32).unwrap(),
        rustix::process::Signal::KILL,
    )
    .expect("kill -9 the worker");

    // Its client sees the connection end (not a hang).
    let mut buf = [0u8; 16];
    match victim.read(&mut buf) {
        Ok(0) => {}
        Err(e) if e.kind() == ErrorKind::ConnectionReset => {}
        other => panic!("the killed worker's client should see the end, got {other:?}"),
    }
    match errors.recv_timeout(BOUND) {
        Ok(Reported::Died {
            peer,
            pid,
            exitcode,
        }) => {
            assert_eq!(pid, victim_pid);
            assert_eq!(exitcode, -9, "SIGKILL is exit code -9");
            assert_eq!(peer, Some(victim_addr));
        }
        other => panic!("expected WorkerDied, got {other:?}"),
    }
    wait_for("the dead worker to leave active_children", || {
        !server.active_children().contains(&victim_pid)
    });
    // The other connection carries on, and new ones are served by a new worker.
    round_trip(&mut bystander, b"still here");
    let (mut next, next_pid) = connect(address);
    assert_ne!(next_pid, victim_pid);
    assert_ne!(next_pid, bystander_pid, "the bystander's worker is busy");
    round_trip(&mut next, b"served after the kill");
    assert!(server.active_children().len() <= 2);
    drop((bystander, next));
    server.shutdown();
    serving.join().unwrap();
    assert!(server.server_close().is_clean());
}

#[test]
fn a_panicking_handler_is_reported_and_its_worker_serves_on() {
    pythreading_mp::init();
    let _others = alongside_others();
    let (server, errors) = server_with_errors(|b| b.max_children(1));
    let serving = serve_in_background(&server);
    let (mut client, pid) = connect(server.server_address());
    client.write_all(b"panic").unwrap();
    let mut buf = [0u8; 8];
    assert_eq!(client.read(&mut buf).expect("end of the connection"), 0);
    match errors.recv_timeout(BOUND) {
        Ok(Reported::Panicked(message)) => assert!(message.contains("asked to panic"), "{message}"),
        other => panic!("expected Panicked, got {other:?}"),
    }
    let (mut again, pid_again) = connect(server.server_address());
    assert_eq!(pid_again, pid, "the same worker serves the next client");
    round_trip(&mut again, b"after the panic");
    drop(again);
    server.shutdown();
    serving.join().unwrap();
    assert!(server.server_close().is_clean());
}

#[test]
fn a_silent_client_times_out_and_frees_its_worker() {
    pythreading_mp::init();
    let _others = alongside_others();
    let (server, errors) =
        server_with_errors(|b| b.max_children(1).read_timeout(Duration::from_millis(200)));
    let serving = serve_in_background(&server);
    let (mut silent, pid) = connect(server.server_address());
    match errors.recv_timeout(BOUND) {
        Ok(Reported::Timeout) => {}
        other => panic!("expected a read timeout, got {other:?}"),
    }
    let mut buf = [0u8; 4];
    assert_eq!(silent.read(&mut buf).expect("the server closed it"), 0);
    let (mut next, next_pid) = connect(server.server_address());
    assert_eq!(next_pid, pid, "the one worker was freed");
    round_trip(&mut next, b"next");
    drop(next);
    server.shutdown();
    serving.join().unwrap();
    let _ = server.server_close();
}

#[test]
fn server_close_ends_idle_connections_and_leaves_no_child() {
    pythreading_mp::init();
    let _others = alongside_others();
    let (server, _errors) =
        server_with_errors(|b| b.max_children(3).close_timeout(Duration::from_secs(10)));
    let serving = serve_in_background(&server);
    let mut clients = Vec::new();
    let mut pids = Vec::new();
    for _ in 0..3 {
        let (client, pid) = connect(server.server_address());
        clients.push(client);
        pids.push(pid);
    }
    assert_eq!(server.connections(), 3);
    server.shutdown();
    serving.join().unwrap();
    let started = Instant::now();
    let report = server.server_close();
    // The handlers were waiting for their clients: shutting the read side ends them at once.
    assert!(report.is_clean(), "{report:?}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "close waited for idle connections: {:?}",
        started.elapsed()
    );
    assert!(server.active_children().is_empty());
    for pid in pids {
        assert!(!process_exists(pid), "worker {pid} outlived server_close");
    }
    for mut client in clients {
        let mut buf = [0u8; 4];
        assert_eq!(client.read(&mut buf).expect("closed by the server"), 0);
    }
    assert!(TcpStream::connect(server.server_address()).is_err());
}

#[test]
fn handle_request_serves_one_client_or_times_out() {
    pythreading_mp::init();
    let _others = alongside_others();
    let timeouts = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = Arc::clone(&timeouts);
    let server = ForkingTcpServer::bind("127.0.0.1:0")
        .timeout(Duration::from_millis(100))
        .handle_timeout(move || {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        })
        .build(pid_echo)
        .unwrap();
    use pythreading::socketserver::RequestOutcome;
    assert_eq!(server.handle_request(), Ok(RequestOutcome::TimedOut));
    assert_eq!(timeouts.load(std::sync::atomic::Ordering::SeqCst), 1);
    let client = std::thread::spawn({
        let address = server.server_address();
        move || {
            let (mut client, _) = connect(address);
            round_trip(&mut client, b"one");
        }
    });
    let deadline = Instant::now() + BOUND;
    loop {
        match server.handle_request() {
            Ok(RequestOutcome::Dispatched) => break,
            Ok(RequestOutcome::TimedOut) => {
                assert!(Instant::now() < deadline, "no client arrived")
            }
            Err(e) => panic!("{e}"),
        }
    }
    client.join().unwrap();
    assert!(server.server_close().is_clean());
}

#[test]
fn an_unregistered_handler_is_refused_with_the_line_to_add() {
    pythreading_mp::init();
    let _others = alongside_others();
    match ForkingTcpServer::bind("127.0.0.1:0").build(unregistered) {
        Err(e @ BuildError::NotRegistered { .. }) => {
            assert!(
                e.to_string().contains("register_handler!(unregistered)"),
                "{e}"
            )
        }
        other => panic!("expected NotRegistered, got {other:?}"),
    }
}

/// The churn test counts this process's descriptors, which every other test here opens and
/// closes too: it runs alone (write), the others side by side (read).
static DESCRIPTORS: RwLock<()> = RwLock::new(());

fn alongside_others() -> RwLockReadGuard<'static, ()> {
    DESCRIPTORS.read().unwrap_or_else(|p| p.into_inner())
}

fn alone() -> RwLockWriteGuard<'static, ()> {
    DESCRIPTORS.write().unwrap_or_else(|p| p.into_inner())
}

fn open_descriptors() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count())
}

#[test]
fn churn_of_dropped_reset_and_half_closed_connections_leaks_nothing() {
    pythreading_mp::init();
    let _alone = alone();
    let (server, _errors) = server_with_errors(|b| b.max_children(4));
    let serving = serve_in_background(&server);
    let address = server.server_address();
    // Warm: the workers exist, so their control sockets are in the baseline.
    let warm: Vec<_> = (0..4).map(|_| connect(address)).collect();
    drop(warm);
    wait_for("the warm-up connections to finish", || {
        server.connections() == 0
    });
    let before = open_descriptors();
    for i in 0..300u32 {
        let mut client = TcpStream::connect(address).expect("connect");
        match i % 3 {
            // Connects and leaves without a word.
            0 => drop(client),
            // Resets the connection (RST, not FIN).
            1 => {
                rustix::net::sockopt::set_socket_linger(&client, Some(Duration::ZERO))
                    .expect("SO_LINGER 0");
                drop(client);
            }
            // Half-closes after its request: the reply still comes, then the end.
            _ => {
                client.set_read_timeout(Some(BOUND)).unwrap();
                client.write_all(b"half").unwrap();
                client.shutdown(std::net::Shutdown::Write).unwrap();
                let mut got = Vec::new();
                client.read_to_end(&mut got).expect("the reply and the end");
                assert_eq!(&got[4..], b"half", "connection {i}");
            }
        }
    }
    wait_for("every churned connection to finish", || {
        server.connections() == 0
    });
    assert!(server.active_children().len() <= 4);
    let after = open_descriptors();
    assert!(
        after <= before + 4,
        "descriptors grew from {before} to {after} over 300 connections"
    );
    let (mut client, _) = connect(address);
    round_trip(&mut client, b"still serving");
    drop(client);
    server.shutdown();
    serving.join().unwrap();
    assert!(server.server_close().is_clean());
}
