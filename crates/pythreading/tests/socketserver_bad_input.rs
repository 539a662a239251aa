//! `socketserver::TcpServer` against clients that misbehave: one that connects and sends
//! nothing, one that never reads its replies, half-closed sockets, and a close while handlers
//! are idle or busy. In each case the server keeps serving the others, and every wait is
//! bounded. Raw sockets on 127.0.0.1 only.

mod timing;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use pythreading::socketserver::{Connection, HandlerError, TcpServer};
use timing::{assert_timeout, wait_for, within};

const LIMIT: Duration = Duration::from_secs(30);

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

fn connect(server: &TcpServer) -> TcpStream {
    let s = TcpStream::connect(server.server_address()).expect("connect to the server");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s
}

fn round_trip(client: &mut TcpStream, msg: &[u8]) -> Vec<u8> {
    client.write_all(msg).unwrap();
    let mut reply = vec![0u8; msg.len()];
    client.read_exact(&mut reply).expect("a reply within 10 s");
    reply
}

/// Errors given to `handle_error`, with when each came.
type Seen = Arc<Mutex<Vec<(Instant, HandlerError)>>>;

fn recorder() -> (Seen, impl Fn(&HandlerError) + Send + Sync + 'static) {
    let seen: Seen = Arc::default();
    let s = Arc::clone(&seen);
    (seen, move |e: &HandlerError| {
        let copy = match e {
            HandlerError::Io { peer, error } => HandlerError::Io {
                peer: *peer,
                error: std::io::Error::new(error.kind(), error.to_string()),
            },
            HandlerError::Panicked { peer, message } => HandlerError::Panicked {
                peer: *peer,
                message: message.clone(),
            },
            other => HandlerError::Accept(std::io::Error::other(other.to_string())),
        };
        s.lock().unwrap().push((Instant::now(), copy));
    })
}

#[test]
fn a_client_that_sends_nothing_is_freed_by_the_read_timeout() {
    within(LIMIT, "silent client", || {
        let timeout = Duration::from_millis(300);
        let (seen, hook) = recorder();
        // One handler only: while the silent client holds it, nobody else is served.
        let server = TcpServer::bind("127.0.0.1:0")
            .max_handlers(1)
            .read_timeout(timeout)
            .handle_error(hook)
            .build(upper_echo)
            .unwrap();
        thread::scope(|s| {
            s.spawn(|| server.serve_forever());
            let start = Instant::now();
            let silent = connect(&server);
            // The next client is served once the silent one's handler timed out.
            let mut next = connect(&server);
            assert_eq!(round_trip(&mut next, b"after"), b"AFTER");
            wait_for(|| !seen.lock().unwrap().is_empty());
            let seen = seen.lock().unwrap();
            let (when, error) = &seen[0];
            assert!(error.is_timeout(), "{error}");
            assert_eq!(error.peer_addr(), Some(silent.local_addr().unwrap()));
            assert_timeout(when.duration_since(start), timeout);
            server.shutdown();
        });
        assert!(server.server_close().is_clean());
    });
}

#[test]
fn a_client_that_never_reads_its_replies_is_freed_by_the_write_timeout() {
    within(LIMIT, "non-reading client", || {
        let timeout = Duration::from_millis(300);
        let (seen, hook) = recorder();
        // Each request asks for a large reply; a client that never reads fills the socket
        // buffers, and the handler's write blocks until the write timeout.
        let server = TcpServer::bind("127.0.0.1:0")
            .max_handlers(2)
            .write_timeout(timeout)
            .handle_error(hook)
            .build_fn(|conn| {
                let mut buf = [0u8; 64];
                loop {
                    let n = conn.read(&mut buf)?;
                    if n == 0 {
                        return Ok(());
                    }
                    if &buf[..n] == b"flood" {
                        let chunk = vec![b'x'; 1 << 16];
                        // 256 MiB: far more than any socket buffer.
                        for _ in 0..4096 {
                            conn.write_all(&chunk)?;
                        }
                    } else {
                        conn.write_all(&buf[..n].to_ascii_uppercase())?;
                    }
                }
            })
            .unwrap();
        thread::scope(|s| {
            s.spawn(|| server.serve_forever());
            let mut greedy = connect(&server);
            greedy.write_all(b"flood").unwrap();
            // Meanwhile another client is served by the second handler.
            let mut other = connect(&server);
            assert_eq!(round_trip(&mut other, b"hi"), b"HI");
            wait_for(|| !seen.lock().unwrap().is_empty());
            {
                let seen = seen.lock().unwrap();
                let (_, error) = &seen[0];
                assert!(error.is_timeout(), "{error}");
                assert_eq!(error.peer_addr(), Some(greedy.local_addr().unwrap()));
            }
            // The freed handler serves again.
            wait_for(|| server.stats().active() == 1);
            let mut third = connect(&server);
            assert_eq!(round_trip(&mut third, b"third"), b"THIRD");
            assert_eq!(round_trip(&mut other, b"still"), b"STILL");
            drop(greedy);
            server.shutdown();
        });
        assert!(server.server_close().is_clean());
    });
}

#[test]
fn half_closed_sockets_get_their_replies_and_end_cleanly() {
    within(LIMIT, "half-closed", || {
        let (seen, hook) = recorder();
        let server = TcpServer::bind("127.0.0.1:0")
            .max_handlers(4)
            .handle_error(hook)
            .build(upper_echo)
            .unwrap();
        thread::scope(|s| {
            s.spawn(|| server.serve_forever());
            // The client sends, then closes its writing side: the reply still comes, then EOF.
            let mut c = connect(&server);
            c.write_all(b"last words").unwrap();
            c.shutdown(Shutdown::Write).unwrap();
            let mut all = Vec::new();
            c.read_to_end(&mut all).unwrap();
            assert_eq!(all, b"LAST WORDS");

            // The client closes its reading side and keeps sending: the server's replies go
            // nowhere, and the handler ends when the client hangs up.
            let mut deaf = connect(&server);
            deaf.shutdown(Shutdown::Read).unwrap();
            for _ in 0..10 {
                deaf.write_all(b"shout").unwrap();
            }
            drop(deaf);

            // Others are served all along.
            let mut other = connect(&server);
            assert_eq!(round_trip(&mut other, b"ok"), b"OK");
            drop(other);
            wait_for(|| server.stats().active() == 0);
            server.shutdown();
        });
        assert_eq!(server.stats().handled(), 3);
        // The deaf client's handler may or may not see a reset when writing to a closed peer;
        // no other error is acceptable.
        for (_, e) in seen.lock().unwrap().iter() {
            match e {
                HandlerError::Io { error, .. } => assert!(
                    matches!(
                        error.kind(),
                        std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe
                    ),
                    "{e}"
                ),
                other => panic!("unexpected error {other}"),
            }
        }
        assert!(server.server_close().is_clean());
    });
}

#[test]
fn server_close_ends_idle_connections_at_once() {
    within(LIMIT, "close idle", || {
        // Handlers waiting for their clients (60 s read timeout) must not hold up the close.
        let server = TcpServer::bind("127.0.0.1:0")
            .max_handlers(8)
            .close_timeout(Duration::from_secs(5))
            .handle_error(|_| ())
            .build(upper_echo)
            .unwrap();
        let mut clients = Vec::new();
        thread::scope(|s| {
            s.spawn(|| server.serve_forever());
            for n in 0..5 {
                let mut c = connect(&server);
                let msg = format!("idle {n}");
                assert_eq!(
                    round_trip(&mut c, msg.as_bytes()),
                    msg.to_uppercase().as_bytes()
                );
                clients.push(c);
            }
            assert_eq!(server.stats().active(), 5);
            server.shutdown();
        });
        let start = Instant::now();
        let report = server.server_close();
        let took = start.elapsed();
        assert!(
            took < Duration::from_secs(2),
            "close took {took:?} with only idle connections"
        );
        assert_eq!(report.forced(), 0, "{report:?}");
        assert!(report.is_clean(), "{report:?}");
        assert_eq!(server.stats().threads(), 0);
        // Each client sees its connection end.
        for mut c in clients {
            let mut rest = Vec::new();
            c.read_to_end(&mut rest).unwrap();
            assert!(rest.is_empty());
        }
    });
}

#[test]
fn server_close_forces_busy_handlers_at_its_deadline() {
    within(LIMIT, "close busy", || {
        let deadline = Duration::from_millis(400);
        // A handler that writes without end to a client that never reads, with no write
        // timeout: only the close deadline can stop it.
        let server = TcpServer::bind("127.0.0.1:0")
            .write_timeout(Duration::MAX)
            .close_timeout(deadline)
            .handle_error(|_| ())
            .build_fn(|conn| {
                let chunk = vec![b'y'; 1 << 16];
                loop {
                    conn.write_all(&chunk)?;
                }
            })
            .unwrap();
        let client = thread::scope(|s| {
            s.spawn(|| server.serve_forever());
            let mut client = connect(&server);
            wait_for(|| server.stats().active() == 1);
            // A byte read means the handler runs (an accepted connection whose handler has not
            // started yet is closed unanswered, with nothing to force).
            let mut first = [0u8; 1];
            client.read_exact(&mut first).expect("the handler writes");
            server.shutdown();
            client
        });
        let start = Instant::now();
        let report = server.server_close();
        assert_timeout(start.elapsed(), deadline);
        assert_eq!(report.forced(), 1, "{report:?}");
        assert!(report.is_clean(), "{report:?}");
        drop(client);
    });
}

#[test]
fn without_block_on_close_server_close_does_not_wait() {
    within(LIMIT, "no block on close", || {
        let server = TcpServer::bind("127.0.0.1:0")
            .block_on_close(false)
            .write_timeout(Duration::from_millis(500))
            .keep_alive(Duration::from_millis(100))
            .handle_error(|_| ())
            .build_fn(|conn| {
                let chunk = vec![b'z'; 1 << 16];
                loop {
                    conn.write_all(&chunk)?;
                }
            })
            .unwrap();
        let client = thread::scope(|s| {
            s.spawn(|| server.serve_forever());
            let client = connect(&server);
            wait_for(|| server.stats().active() == 1);
            server.shutdown();
            client
        });
        let start = Instant::now();
        let report = server.server_close();
        assert!(start.elapsed() < Duration::from_secs(1));
        assert_eq!(report.still_running(), 1, "{report:?}");
        // The handler ends on its own (its write timeout), and its thread with it.
        wait_for(|| server.stats().threads() == 0);
        drop(client);
    });
}
