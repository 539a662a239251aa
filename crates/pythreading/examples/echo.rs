//! Scenario `echo` from the tutorials: the threaded socket echo server and its client.
//!
//! The tutorials' server accepts in a loop and starts `Thread(target=action, args=(conn,))` per
//! client; `action` prints what it receives and sends it back upper-cased. Here the same handler
//! runs on a `socketserver::TcpServer` (Python's `ThreadingTCPServer`, with a bound on handler
//! threads), and scripted clients stand in for the tutorials' `input()` loop: one client sends
//! its lines in turn, then three clients talk at once to show one handler thread each.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use pythreading::socketserver::{Connection, TcpServer};
use pythreading::threading;

/// The tutorials' `BUFSIZE`.
const BUFSIZE: usize = 1024;

/// The tutorials' `action(conn)`: print each message, reply with it upper-cased, until the
/// client hangs up.
fn action(conn: &mut Connection) -> std::io::Result<()> {
    let mut buf = [0u8; BUFSIZE];
    loop {
        let n = conn.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&buf[..n]);
        println!(
            "  [server {} for {}] {text}",
            threading::current_thread().name(),
            conn.peer_addr()
        );
        conn.write_all(text.to_uppercase().as_bytes())?;
    }
}

/// The tutorials' client, with its `input('>>>: ')` lines given in advance.
fn client(name: &str, address: std::net::SocketAddr, lines: &[&str]) {
    let mut sock = TcpStream::connect(address).expect("connect to the echo server");
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("set a read timeout");
    for msg in lines {
        let msg = msg.trim();
        if msg.is_empty() {
            continue; // `if not msg: continue`
        }
        println!("  <{name}> >>>: {msg}");
        sock.write_all(msg.as_bytes()).expect("send");
        let mut reply = [0u8; BUFSIZE];
        let n = sock.read(&mut reply).expect("a reply within 10 s");
        println!("  <{name}> {}", String::from_utf8_lossy(&reply[..n]));
    }
}

/// Runs the scenario.
pub(crate) fn run() {
    let server = TcpServer::bind("127.0.0.1:0")
        .max_handlers(8)
        .thread_name_prefix("echo-handler")
        .build(action)
        .expect("bind 127.0.0.1");
    let address = server.server_address();
    println!("echo server on {address} (at most 8 handler threads)");
    let start = Instant::now();
    thread::scope(|s| {
        s.spawn(|| server.serve_forever().expect("serve"));

        client("client", address, &["hello", "", "socket server", "bye"]);

        println!("three clients at once:");
        let clients: Vec<_> = ["a", "b", "c"]
            .into_iter()
            .map(|name| {
                s.spawn(move || {
                    let line = format!("I am {name}");
                    client(name, address, &[line.as_str(), "done"]);
                })
            })
            .collect();
        for c in clients {
            c.join().expect("client thread");
        }
        server.shutdown();
    });
    let report = server.server_close();
    let stats = server.stats();
    println!(
        "served {} connections with at most {} handler threads in {:.2?}; closed cleanly: {}",
        stats.handled(),
        stats.peak_threads(),
        start.elapsed(),
        report.is_clean()
    );
}

#[allow(dead_code)]
fn main() {
    run();
}
