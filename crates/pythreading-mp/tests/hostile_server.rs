//! Hostile input: the server stays up, answers others, holds no unbounded memory.
// Spec §1 (size caps), §2 (256-byte handshake frames), §4 (#TRACEBACK on bad requests)

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pythreading_mp::managers::{Manager, RunningServer, ServerBuilder, ServerConfig};
use pythreading_mp::pickle::{self, Value};
use pythreading_mp::wire::{self, Connection};

fn server_with(config: ServerConfig) -> (RunningServer, Arc<Mutex<Vec<String>>>) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&events);
    let server = ServerBuilder::new("hello world")
        .queue("q")
        .sync_manager()
        .config(config)
        .on_connection(move |e| log.lock().unwrap().push(e.to_string()))
        .bind("127.0.0.1:0")
        .unwrap()
        .spawn()
        .unwrap();
    (server, events)
}

fn server() -> RunningServer {
    server_with(ServerConfig::default().with_handshake_timeout(Duration::from_millis(300))).0
}

/// The server still answers a well-behaved client, quickly.
fn still_serves(addr: SocketAddr) {
    let t0 = Instant::now();
    let m = Manager::connect(addr, "hello world").unwrap();
    let q = m.queue::<i64>("q").unwrap();
    q.put(1).unwrap();
    assert_eq!(q.get().unwrap(), 1);
    assert!(t0.elapsed() < Duration::from_secs(2), "{:?}", t0.elapsed());
}

/// Reads until EOF or error; true if the peer closed within `within`.
fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    stream.set_read_timeout(Some(within)).unwrap();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) => {
                return !matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                );
            }
        }
    }
}

/// An authenticated raw connection.
fn authed(addr: SocketAddr) -> Connection<TcpStream> {
    let mut c = Connection::new(TcpStream::connect(addr).unwrap());
    c.client_handshake(b"hello world").unwrap();
    c
}

fn reply_kind(bytes: &[u8]) -> String {
    let v = pickle::loads(bytes).unwrap();
    v.as_tuple().unwrap()[0].as_str().unwrap().to_owned()
}

#[test]
fn huge_declared_length_before_authentication() {
    let server = server();
    let mut s = TcpStream::connect(server.address()).unwrap();
    let challenge = wire::read_frame(&mut s, 256).unwrap();
    assert!(challenge.starts_with(wire::CHALLENGE));
    s.write_all(&0x7fff_ffffu32.to_be_bytes()).unwrap();
    s.write_all(&[0u8; 1000]).unwrap();
    assert!(closed_within(&mut s, Duration::from_secs(5)));
    // The long-form escape with an absurd length too.
    let mut s = TcpStream::connect(server.address()).unwrap();
    wire::read_frame(&mut s, 256).unwrap();
    s.write_all(&[0xff, 0xff, 0xff, 0xff]).unwrap();
    s.write_all(&u64::MAX.to_be_bytes()).unwrap();
    assert!(closed_within(&mut s, Duration::from_secs(5)));
    still_serves(server.address());
}

#[test]
fn non_pickle_payloads_after_authentication() {
    let server = server();
    // A one-shot connection: the garbage request gets a #TRACEBACK, then the server closes.
    let mut c = authed(server.address());
    c.send_bytes(b"this is not a pickle").unwrap();
    assert_eq!(reply_kind(&c.recv_bytes().unwrap()), "#TRACEBACK");
    assert!(c.recv_bytes().unwrap_err().is_eof());
    // A persistent connection survives garbage: each bad request gets a #TRACEBACK.
    let mut c = authed(server.address());
    c.send_bytes(&pickle::dumps(&Value::tuple([
        Value::None,
        Value::from("accept_connection"),
        Value::tuple([Value::from("MainProcess")]),
        Value::dict([]),
    ])))
    .unwrap();
    assert_eq!(reply_kind(&c.recv_bytes().unwrap()), "#RETURN");
    for garbage in [&b"\x80\x04\xff"[..], b"", b"\x80\x04K\x01.", b"\x80\x04N."] {
        c.send_bytes(garbage).unwrap();
        assert_eq!(reply_kind(&c.recv_bytes().unwrap()), "#TRACEBACK");
    }
    // An unknown ident and a non-exposed method, as CPython answers them.
    for (ident, method) in [("deadbeef", "get"), ("deadbeef", "__str__")] {
        c.send_bytes(&pickle::dumps(&Value::tuple([
            Value::from(ident),
            Value::from(method),
            Value::tuple([]),
            Value::dict([]),
        ])))
        .unwrap();
        assert_eq!(reply_kind(&c.recv_bytes().unwrap()), "#TRACEBACK");
    }
    still_serves(server.address());
}

#[test]
fn truncated_frames() {
    let server = server();
    let mut c = TcpStream::connect(server.address()).unwrap();
    // Truncated inside the handshake.
    wire::read_frame(&mut c, 256).unwrap();
    c.write_all(&[0, 0, 0, 40, 1, 2, 3]).unwrap();
    drop(c);
    // Truncated after authentication.
    let c = authed(server.address());
    let mut raw = c.get_ref().try_clone().unwrap();
    raw.write_all(&[0, 0, 0, 100]).unwrap();
    raw.write_all(&[0x80; 10]).unwrap();
    raw.shutdown(std::net::Shutdown::Write).unwrap();
    assert!(closed_within(&mut raw, Duration::from_secs(5)));
    still_serves(server.address());
}

#[test]
fn a_silent_client_blocks_nobody_and_is_dropped_after_the_timeout() {
    let server = server();
    let t0 = Instant::now();
    let mut silent = TcpStream::connect(server.address()).unwrap();
    // Others are served while it says nothing.
    still_serves(server.address());
    still_serves(server.address());
    // It is closed once the handshake timeout T = 300 ms passes, not before (CPython's timing
    // convention: at least 0.6·T, less than 10·T after it connected).
    assert!(closed_within(&mut silent, Duration::from_secs(5)));
    let elapsed = t0.elapsed();
    assert!(
        elapsed >= Duration::from_millis(180),
        "closed before the timeout: {elapsed:?}"
    );
    assert!(
        elapsed < Duration::from_secs(3),
        "closed too late: {elapsed:?}"
    );
}

#[test]
fn a_thousand_connections_opened_and_dropped() {
    let server = server();
    for _ in 0..1000 {
        drop(TcpStream::connect(server.address()).unwrap());
    }
    still_serves(server.address());
    // Every handler thread ends: nothing is held for the dropped connections.
    let handle = server.handle();
    let deadline = Instant::now() + Duration::from_secs(10);
    while handle.active_connections() > 0 {
        assert!(
            Instant::now() < deadline,
            "{} still active",
            handle.active_connections()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn unknown_globals_stay_inert_and_deep_nesting_is_refused() {
    let server = server();
    let m = Manager::connect(server.address(), "hello world").unwrap();
    let q = m.queue::<Value>("q").unwrap();
    // `os.system('echo pwned')` as a pickle: stored and returned as data, never called.
    let evil = Value::reduce(
        Value::global("os", "system"),
        Value::tuple([Value::from("echo pwned")]),
    );
    q.put(evil.clone()).unwrap();
    assert_eq!(q.get().unwrap(), evil);
    // 100,000 nested lists: refused by the unpickler's depth limit, answered with #TRACEBACK.
    let mut c = authed(server.address());
    c.send_bytes(&pickle::dumps(&Value::tuple([
        Value::None,
        Value::from("accept_connection"),
        Value::tuple([Value::from("x")]),
        Value::dict([]),
    ])))
    .unwrap();
    c.recv_bytes().unwrap();
    let mut deep = b"\x80\x04".to_vec();
    deep.extend(std::iter::repeat_n(b']', 100_000));
    deep.extend(std::iter::repeat_n(b'a', 99_999));
    deep.push(b'.');
    c.send_bytes(&deep).unwrap();
    assert_eq!(reply_kind(&c.recv_bytes().unwrap()), "#TRACEBACK");
    still_serves(server.address());
}

#[test]
fn frames_over_the_limit_close_the_connection() {
    let (server, _) = server_with(ServerConfig::default().with_max_frame(1024));
    let mut c = authed(server.address());
    c.send_bytes(&[0u8; 2048]).unwrap();
    assert!(c.recv_bytes().is_err());
    still_serves(server.address());
}

#[test]
fn authenticated_connections_over_the_limit_get_an_error_reply() {
    let (server, events) = server_with(
        ServerConfig::default()
            .with_max_connections(2)
            .with_handshake_timeout(Duration::from_secs(30)),
    );
    // Two persistent (authenticated) connections fill the cap.
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut c = authed(server.address());
        c.send_bytes(&pickle::dumps(&Value::tuple([
            Value::None,
            Value::from("accept_connection"),
            Value::tuple([Value::from("MainProcess")]),
            Value::dict([]),
        ])))
        .unwrap();
        assert_eq!(reply_kind(&c.recv_bytes().unwrap()), "#RETURN");
        held.push(c);
    }
    // A third client authenticates, then gets CPython's error reply instead of a bare EOF.
    let err = Manager::connect(server.address(), "hello world").unwrap_err();
    assert!(err.to_string().contains("too many connections"), "{err}");
    assert!(
        events
            .lock()
            .unwrap()
            .iter()
            .any(|e| e.contains("too many connections"))
    );
    // A slot freed is a slot served.
    drop(held.pop());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match Manager::connect(server.address(), "hello world") {
            Ok(_) => break,
            Err(e) => assert!(Instant::now() < deadline, "never served again: {e}"),
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
