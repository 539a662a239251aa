//! `Connection` ↔ CPython `multiprocessing.connection`, both ways (issue 8): a CPython `Client`
//! against our `Listener` and our `Client` against a CPython `Listener`, over TCP and a Unix
//! path, with CPython 3.11, 3.12 and 3.13; `send`/`recv` of values, `send_bytes`, EOF, and a
//! wrong authkey refused in both directions.
//!
//! Script: `tests/python/conn_peer.py` (its docstring lists the exchange).

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use pythreading_mp::connection::{Address, Client, Connection, ConnectionError, Listener};
use pythreading_mp::wire::AuthErrorKind;
use serde::{Deserialize, Serialize};

const VERSIONS: [&str; 3] = ["3.11", "3.12.1", "3.13.0"];
const KEY: &str = "interop key";

/// Kills the CPython peer when the test ends, passed or failed.
struct Peer {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Peer {
    fn spawn(mut cmd: Command) -> Peer {
        cmd.stdout(Stdio::piped()).stderr(Stdio::inherit());
        let mut child = cmd.spawn().expect("spawn python3");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        Peer { child, lines }
    }

    fn line(&self) -> String {
        self.lines
            .recv_timeout(Duration::from_secs(60))
            .expect("the CPython peer printed nothing within 60 s")
    }

    fn finish(mut self) {
        for _ in 0..600 {
            if let Some(status) = self.child.try_wait().expect("wait python3") {
                assert!(status.success(), "python3 exited with {status}");
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("the CPython peer did not exit within 60 s");
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Sent {
    name: String,
    n: Vec<i64>,
    f: f64,
    t: (i64, String),
}

#[derive(Debug, Deserialize, PartialEq)]
struct FromPython {
    version: String,
    list: (i64, f64, String, Option<i64>, bool),
    tup: (i64, String),
    big: i64,
}

/// Our half of the echo script; `version` is what the peer reported ("3.11").
fn exchange(conn: &Connection, version: &str) {
    let sent = Sent {
        name: "pythreading".into(),
        n: vec![1, 2, 3],
        f: 0.5,
        t: (1, "x".into()),
    };
    conn.send(&sent).unwrap();
    let (tag, back, repr): (String, Sent, String) = conn.recv().unwrap();
    assert_eq!(tag, "echo");
    assert_eq!(back, sent);
    assert_eq!(
        repr,
        "{'name': 'pythreading', 'n': [1, 2, 3], 'f': 0.5, 't': (1, 'x')}"
    );
    conn.send_bytes(b"abc\x00\xff").unwrap();
    assert_eq!(conn.recv_bytes().unwrap(), b"\xff\x00cba");
    let from: FromPython = conn.recv().unwrap();
    assert_eq!(
        from,
        FromPython {
            version: version.to_owned(),
            list: (1, 2.5, "x".into(), None, true),
            tup: (1, "a".into()),
            big: 1 << 62,
        }
    );
    let big = vec![7u8; 1_000_000];
    conn.send_bytes(&big).unwrap();
    assert_eq!(conn.recv::<usize>().unwrap(), 1_000_000);
    conn.close();
}

fn short(version: &str) -> String {
    version.split('.').take(2).collect::<Vec<_>>().join(".")
}

fn python(version: &str, args: &[&str]) -> Option<Peer> {
    let mut cmd = common::python(version)?;
    cmd.arg(common::script("conn_peer.py")).args(args);
    Some(Peer::spawn(cmd))
}

fn temp_sock(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("pythreading-conn-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("s.sock");
    let _ = std::fs::remove_file(&p);
    p
}

#[test]
fn cpython_client_to_our_listener() {
    for version in VERSIONS {
        let listener = Listener::bind("127.0.0.1:0".parse().unwrap(), KEY.as_bytes()).unwrap();
        let addr = listener.address().to_string();
        let Some(peer) = python(version, &["client", &addr, KEY]) else {
            continue;
        };
        assert_eq!(peer.line(), format!("python {}", short(version)));
        let conn = listener.accept().unwrap();
        exchange(&conn, &short(version));
        assert_eq!(peer.line(), "eof ok");
        peer.finish();
    }
}

#[test]
fn our_client_to_cpython_listener() {
    for version in VERSIONS {
        let Some(peer) = python(version, &["listener", KEY]) else {
            continue;
        };
        assert_eq!(peer.line(), format!("python {}", short(version)));
        let line = peer.line();
        let addr: Address = line.strip_prefix("address ").unwrap().parse().unwrap();
        let conn = Client::connect(&addr, KEY.as_bytes()).unwrap();
        exchange(&conn, &short(version));
        assert_eq!(peer.line(), "eof ok");
        peer.finish();
    }
}

#[test]
fn unix_path_both_ways() {
    // A CPython client on our Unix listener.
    let path = temp_sock("ours");
    let listener = Listener::bind(Address::Unix(path.clone()), KEY.as_bytes()).unwrap();
    let Some(peer) = python("3.11", &["client", path.to_str().unwrap(), KEY]) else {
        return;
    };
    assert_eq!(peer.line(), "python 3.11");
    exchange(&listener.accept().unwrap(), "3.11");
    assert_eq!(peer.line(), "eof ok");
    peer.finish();
    drop(listener);
    assert!(!path.exists(), "the listener removes its socket file");

    // Our client on a CPython Unix listener.
    let path = temp_sock("theirs");
    let peer = python("3.11", &["listener", KEY, "unix", path.to_str().unwrap()]).unwrap();
    assert_eq!(peer.line(), "python 3.11");
    let line = peer.line();
    assert_eq!(line, format!("address {}", path.display()));
    let conn = Client::connect(&Address::Unix(path), KEY.as_bytes()).unwrap();
    exchange(&conn, "3.11");
    assert_eq!(peer.line(), "eof ok");
    peer.finish();
}

#[test]
fn wrong_authkey_refused_both_ways() {
    for version in VERSIONS {
        // CPython client with the wrong key → our listener refuses it.
        let listener = Listener::bind("127.0.0.1:0".parse().unwrap(), KEY.as_bytes()).unwrap();
        let addr = listener.address().to_string();
        let Some(peer) = python(version, &["client_badkey", &addr, "not the key"]) else {
            continue;
        };
        assert_eq!(peer.line(), format!("python {}", short(version)));
        match listener.accept() {
            Err(ConnectionError::Authentication(e)) => {
                assert_eq!(e.kind(), AuthErrorKind::DigestReceivedWrong)
            }
            other => panic!("expected an authentication error, got {other:?}"),
        }
        assert_eq!(peer.line(), "refused: digest sent was rejected");
        peer.finish();

        // Our client with the wrong key → a CPython listener refuses it, and we see that.
        let peer = python(version, &["listener_badkey", KEY]).unwrap();
        assert_eq!(peer.line(), format!("python {}", short(version)));
        let addr: Address = peer
            .line()
            .strip_prefix("address ")
            .unwrap()
            .parse()
            .unwrap();
        match Client::connect(&addr, b"not the key") {
            Err(ConnectionError::Authentication(e)) => {
                assert_eq!(e.kind(), AuthErrorKind::DigestSentRejected)
            }
            other => panic!("expected an authentication error, got {other:?}"),
        }
        assert_eq!(peer.line(), "refused: digest received was wrong");
        peer.finish();
    }
}
