//! `socketserver::TcpServer` under churn with tiny bounds: 16 client threads make 2,000
//! connections to a server of 4 handlers whose idle threads retire after 1 ms, so threads are
//! started, reused and retired all the time while connections queue for slots. Invariants:
//! every request gets exactly its own reply (each one unique, checked in a bitmap), every
//! connection is counted handled once, and there are never more than 4 handler threads.

mod timing;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use pythreading::socketserver::{Connection, TcpServer};
use timing::{wait_for, within};

const CLIENTS: usize = 16;
const PER_CLIENT: usize = 125;
const MAX: usize = 4;

fn upper_echo(conn: &mut Connection) -> std::io::Result<()> {
    let mut buf = [0u8; 64];
    loop {
        let n = conn.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        conn.write_all(&buf[..n].to_ascii_uppercase())?;
    }
}

#[test]
fn churn_with_tiny_bounds_loses_no_reply_and_never_exceeds_the_bound() {
    within(Duration::from_secs(120), "churn", || {
        let inside = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let (i, p) = (Arc::clone(&inside), Arc::clone(&peak));
        let server = TcpServer::bind("127.0.0.1:0")
            .max_handlers(MAX)
            .keep_alive(Duration::from_millis(1))
            .build_fn(move |conn| {
                let now = i.fetch_add(1, Ordering::SeqCst) + 1;
                p.fetch_max(now, Ordering::SeqCst);
                let r = upper_echo(conn);
                i.fetch_sub(1, Ordering::SeqCst);
                r
            })
            .unwrap();
        let seen = Mutex::new(vec![false; CLIENTS * PER_CLIENT]);
        thread::scope(|s| {
            s.spawn(|| server.serve_forever());
            let clients: Vec<_> = (0..CLIENTS)
                .map(|c| {
                    let (server, seen) = (&server, &seen);
                    s.spawn(move || {
                        for k in 0..PER_CLIENT {
                            let id = c * PER_CLIENT + k;
                            let mut conn = TcpStream::connect(server.server_address()).unwrap();
                            conn.set_read_timeout(Some(Duration::from_secs(30)))
                                .unwrap();
                            let msg = format!("request {id:06}");
                            conn.write_all(msg.as_bytes()).unwrap();
                            let mut reply = vec![0u8; msg.len()];
                            conn.read_exact(&mut reply).unwrap();
                            let text = String::from_utf8(reply).unwrap();
                            let got: usize = text
                                .strip_prefix("REQUEST ")
                                .and_then(|n| n.parse().ok())
                                .unwrap_or_else(|| panic!("garbled reply {text:?}"));
                            assert_eq!(got, id, "a reply for another request");
                            let mut seen = seen.lock().unwrap();
                            assert!(!seen[id], "request {id} answered twice");
                            seen[id] = true;
                        }
                    })
                })
                .collect();
            for c in clients {
                c.join().expect("client thread");
            }
            // Stop serving once every connection is finished.
            wait_for(|| server.stats().active() == 0);
            server.shutdown();
        });
        let missing: Vec<usize> = seen
            .lock()
            .unwrap()
            .iter()
            .enumerate()
            .filter(|(_, s)| !**s)
            .map(|(i, _)| i)
            .collect();
        assert!(missing.is_empty(), "no reply for {missing:?}");
        let stats = server.stats();
        assert_eq!(stats.handled(), (CLIENTS * PER_CLIENT) as u64, "{stats:?}");
        assert!(stats.peak_threads() <= MAX, "{stats:?}");
        assert!(peak.load(Ordering::SeqCst) <= MAX);
        assert!(server.server_close().is_clean());
        assert_eq!(server.stats().threads(), 0);
    });
}
