//! `socketserver::TcpServer` under churn: 1,000 connections opened and dropped (some silent,
//! some mid-request, some reset), measured from `/proc/self`: handler threads stay within
//! `max_handlers`, descriptors and resident memory return near where they started, and the
//! server still serves afterwards. One test in this binary, so the process-wide counts are its
//! own.

mod timing;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use pythreading::socketserver::{Connection, TcpServer};
use timing::{wait_for, within};

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

/// A `Name:   value kB` line of `/proc/self/status`.
fn status(field: &str) -> u64 {
    let text = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status (Linux)");
    text.lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"))
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .count()
}

#[test]
fn a_thousand_connections_opened_and_dropped_leave_nothing_behind() {
    within(Duration::from_secs(60), "churn", || {
        const MAX: usize = 16;
        let server = TcpServer::bind("127.0.0.1:0")
            .max_handlers(MAX)
            .read_timeout(Duration::from_secs(5))
            .keep_alive(Duration::from_millis(200))
            .handle_error(|_| ())
            .build(upper_echo)
            .unwrap();
        thread::scope(|s| {
            s.spawn(|| server.serve_forever());
            // Warm up (the first connection starts the accept path and a thread), then take
            // the baseline.
            let mut warm = TcpStream::connect(server.server_address()).unwrap();
            warm.write_all(b"w").unwrap();
            let mut one = [0u8; 1];
            warm.read_exact(&mut one).unwrap();
            drop(warm);
            wait_for(|| server.stats().active() == 0);
            let fds_before = open_fds();
            let rss_before = status("VmRSS");
            let threads_before = status("Threads");

            let mut peak_threads = 0;
            let start = Instant::now();
            for n in 0..1000u32 {
                let mut c = TcpStream::connect(server.server_address()).unwrap();
                match n % 4 {
                    // Connect and drop at once.
                    0 => {}
                    // Send half a request and vanish.
                    1 => c.write_all(b"par").unwrap(),
                    // Close the writing side only, then drop.
                    2 => c.shutdown(Shutdown::Write).unwrap(),
                    // A full round trip, then drop.
                    _ => {
                        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                        c.write_all(b"ok").unwrap();
                        let mut r = [0u8; 2];
                        c.read_exact(&mut r).unwrap();
                        assert_eq!(&r, b"OK");
                    }
                }
                drop(c);
                if n % 50 == 0 {
                    peak_threads = peak_threads.max(status("Threads"));
                }
            }
            let churn = start.elapsed();
            // Every connection ends: in-flight count back to zero.
            wait_for(|| server.stats().active() == 0);
            let stats = server.stats();
            assert!(stats.peak_threads() <= MAX, "{stats:?}");
            assert!(
                peak_threads <= threads_before + MAX as u64,
                "{peak_threads} threads at peak, {threads_before} before"
            );
            assert_eq!(stats.handled(), 1001, "{stats:?}");

            // Still serving.
            let mut after = TcpStream::connect(server.server_address()).unwrap();
            after
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            after.write_all(b"after").unwrap();
            let mut r = [0u8; 5];
            after.read_exact(&mut r).unwrap();
            assert_eq!(&r, b"AFTER");
            drop(after);
            wait_for(|| server.stats().active() == 0);

            // Descriptors: back to the baseline (the client sides are closed, the server sides
            // closed when each handler returned; nothing is kept).
            wait_for(|| open_fds() <= fds_before);
            // Idle handler threads retire.
            wait_for(|| server.stats().threads() == 0);
            let rss_after = status("VmRSS");
            assert!(
                rss_after < rss_before + 32 * 1024,
                "resident memory grew from {rss_before} kB to {rss_after} kB"
            );
            eprintln!(
                "1,000 connections in {churn:.2?}; fds {fds_before} -> {}; VmRSS {rss_before} -> {rss_after} kB; \
                 threads at peak {peak_threads} (before {threads_before})",
                open_fds()
            );
            server.shutdown();
        });
        assert!(server.server_close().is_clean());
    });
}
