//! `Pipe` and `Connection` in one process: values and bytes both ways, one-way pipes, `poll`
//! timing, `close` and EOF, the frame cap, concurrent senders (every message exactly once), and
//! a `Listener` that bounds unauthenticated peers (raw sockets on 127.0.0.1).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use pythreading_mp::connection::{Address, Client, ConnectionError, Listener, Pipe};

fn assert_timeout(elapsed: Duration, expected: Duration) {
    assert!(
        elapsed >= expected.mul_f64(0.6) && elapsed < expected * 10,
        "waited {elapsed:?} for a timeout of {expected:?}"
    );
}

#[test]
fn values_and_bytes_both_ways() {
    let (a, b) = Pipe::new().unwrap();
    a.send(&(1u8, "two", [3.0f64])).unwrap();
    b.send(&Some(vec!["x".to_string()])).unwrap();
    let got: (u8, String, Vec<f64>) = b.recv().unwrap();
    assert_eq!(got, (1, "two".into(), vec![3.0]));
    assert_eq!(
        a.recv::<Option<Vec<String>>>().unwrap(),
        Some(vec!["x".into()])
    );
    a.send_bytes(&[0u8; 0]).unwrap();
    a.send_bytes_range(b"hello world", 6, 5).unwrap();
    assert_eq!(b.recv_bytes().unwrap(), b"");
    assert_eq!(b.recv_bytes().unwrap(), b"world");
    // A frame above 64 KiB crosses the read buffer.
    let big: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    // Sent from another thread: a socketpair buffers less than this.
    let b = Arc::new(b);
    let b2 = Arc::clone(&b);
    let big2 = big.clone();
    let t = std::thread::spawn(move || b2.send_bytes(&big2).unwrap());
    let mut out = Vec::new();
    assert_eq!(a.recv_bytes_into(&mut out).unwrap(), big.len());
    assert_eq!(out, big);
    t.join().unwrap();
}

#[test]
fn one_way_pipe_refuses_the_other_direction() {
    let (r, w) = Pipe::duplex(false).unwrap();
    w.send(&5u32).unwrap();
    assert_eq!(r.recv::<u32>().unwrap(), 5);
    assert!(matches!(r.send(&1), Err(ConnectionError::ReadOnly)));
    assert!(matches!(r.send_bytes(b"x"), Err(ConnectionError::ReadOnly)));
    assert!(matches!(w.recv_bytes(), Err(ConnectionError::WriteOnly)));
    assert!(matches!(
        w.poll(Duration::ZERO),
        Err(ConnectionError::WriteOnly)
    ));
}

#[test]
fn poll_waits_up_to_its_timeout() {
    let (a, b) = Pipe::new().unwrap();
    assert!(!b.poll(Duration::ZERO).unwrap());
    let t = Instant::now();
    assert!(!b.poll(Duration::from_millis(200)).unwrap());
    assert_timeout(t.elapsed(), Duration::from_millis(200));
    // Data that arrives during the wait ends it.
    let sender = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        a.send_bytes(b"late").unwrap();
        a
    });
    assert!(b.poll(Duration::from_secs(30)).unwrap());
    assert_eq!(b.recv_bytes().unwrap(), b"late");
    // After a poll timed out the connection still blocks normally in recv.
    let a = sender.join().unwrap();
    assert!(!b.poll(Duration::from_millis(10)).unwrap());
    a.send_bytes(b"again").unwrap();
    assert_eq!(b.recv_bytes().unwrap(), b"again");
    // poll(MAX) returns when a message is there; poll reports the end of the stream as ready.
    a.send_bytes(b"x").unwrap();
    assert!(b.poll(Duration::MAX).unwrap());
    assert_eq!(b.recv_bytes().unwrap(), b"x");
    drop(a);
    assert!(b.poll(Duration::from_secs(30)).unwrap());
    assert!(b.recv_bytes().unwrap_err().is_eof());
}

#[test]
fn close_and_eof() {
    let (a, b) = Pipe::new().unwrap();
    a.send(&1).unwrap();
    a.send(&2).unwrap();
    a.close();
    a.close();
    assert!(a.closed());
    assert!(matches!(a.send(&3), Err(ConnectionError::Closed)));
    assert!(matches!(a.recv::<i32>(), Err(ConnectionError::Closed)));
    assert!(matches!(
        a.poll(Duration::ZERO),
        Err(ConnectionError::Closed)
    ));
    // Messages sent before the close still arrive, then EOF, and EOF again.
    assert_eq!(b.recv::<i32>().unwrap(), 1);
    assert_eq!(b.recv::<i32>().unwrap(), 2);
    assert!(matches!(b.recv::<i32>(), Err(ConnectionError::Eof)));
    assert!(matches!(b.recv::<i32>(), Err(ConnectionError::Eof)));
    // Sending to a closed peer is an i/o error, not a hang or a crash.
    let err = b.send_bytes(b"nobody").unwrap_err();
    assert!(matches!(err, ConnectionError::Io(_)), "{err:?}");
}

#[test]
fn close_from_another_thread_wakes_a_blocked_recv() {
    let (a, _b) = Pipe::new().unwrap();
    let a = Arc::new(a);
    let a2 = Arc::clone(&a);
    let (tx, rx) = std::sync::mpsc::channel();
    let t = std::thread::spawn(move || tx.send(a2.recv_bytes().map(|_| ())).unwrap());
    std::thread::sleep(Duration::from_millis(50));
    a.close();
    let r = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("a blocked recv was not woken by close");
    assert!(r.is_err());
    t.join().unwrap();
}

#[test]
fn frame_over_the_cap_is_refused_and_closes_the_receiver() {
    let (a, b) = Pipe::new().unwrap();
    b.set_max_frame(1000);
    a.send_bytes(&[1u8; 1000]).unwrap();
    assert_eq!(b.recv_bytes().unwrap().len(), 1000);
    a.send_bytes(&[1u8; 1001]).unwrap();
    match b.recv_bytes() {
        Err(ConnectionError::TooLarge { len, max }) => assert_eq!((len, max), (1001, 1000)),
        other => panic!("expected TooLarge, got {other:?}"),
    }
    assert!(b.closed());
    assert!(matches!(b.recv_bytes(), Err(ConnectionError::Closed)));
}

#[test]
fn garbage_is_a_typed_error_with_the_bytes() {
    let (a, b) = Pipe::new().unwrap();
    a.send_bytes(b"not a pickle").unwrap();
    match b.recv::<i64>() {
        Err(ConnectionError::Deserialize { bytes, .. }) => assert_eq!(bytes, b"not a pickle"),
        other => panic!("expected Deserialize, got {other:?}"),
    }
    // The stream is still framed: the next message reads fine.
    a.send(&9i64).unwrap();
    assert_eq!(b.recv::<i64>().unwrap(), 9);
}

#[test]
fn concurrent_senders_every_message_exactly_once() {
    const PER: u32 = 20_000;
    const SENDERS: u32 = 4;
    let (a, b) = Pipe::new().unwrap();
    let a = Arc::new(a);
    let senders: Vec<_> = (0..SENDERS)
        .map(|s| {
            let a = Arc::clone(&a);
            std::thread::spawn(move || {
                for i in 0..PER {
                    a.send(&(s * PER + i)).unwrap();
                }
            })
        })
        .collect();
    let mut seen = vec![false; (PER * SENDERS) as usize];
    let mut last = vec![None::<u32>; SENDERS as usize];
    for _ in 0..PER * SENDERS {
        let n: u32 = b.recv().unwrap();
        assert!(!seen[n as usize], "{n} received twice");
        seen[n as usize] = true;
        // Each sender's own messages stay in order.
        let s = (n / PER) as usize;
        assert!(last[s].is_none_or(|p| p < n), "sender {s} out of order");
        last[s] = Some(n);
    }
    assert!(seen.iter().all(|&x| x), "a message was lost");
    for s in senders {
        s.join().unwrap();
    }
    assert!(!b.poll(Duration::ZERO).unwrap(), "no extra message");
}

#[test]
fn listener_and_client_in_process() {
    let listener = Listener::bind("127.0.0.1:0".parse().unwrap(), b"k").unwrap();
    let addr = listener.address().clone();
    let t = std::thread::spawn(move || {
        let c = Client::connect(&addr, b"k").unwrap();
        let n: u64 = c.recv().unwrap();
        c.send(&(n + 1)).unwrap();
    });
    let s = listener.accept().unwrap();
    s.send(&41u64).unwrap();
    assert_eq!(s.recv::<u64>().unwrap(), 42);
    t.join().unwrap();
}

#[test]
fn wrong_key_refused_and_listener_stays_usable() {
    let listener = Listener::bind("127.0.0.1:0".parse().unwrap(), b"right").unwrap();
    let addr = listener.address().clone();
    let t = std::thread::spawn(move || {
        let bad = Client::connect(&addr, b"wrong");
        let good = Client::connect(&addr, b"right").map(|c| c.send(&1).unwrap());
        (bad.is_err(), good.is_ok())
    });
    assert!(matches!(
        listener.accept(),
        Err(ConnectionError::Authentication(_))
    ));
    let c = listener.accept().unwrap();
    assert_eq!(c.recv::<i32>().unwrap(), 1);
    assert_eq!(t.join().unwrap(), (true, true));
}

fn tcp(addr: &Address) -> TcpStream {
    let Address::Tcp(a) = addr else {
        unreachable!()
    };
    TcpStream::connect(a).unwrap()
}

#[test]
fn silent_peer_is_dropped_at_the_handshake_deadline() {
    let mut listener = Listener::bind("127.0.0.1:0".parse().unwrap(), b"k").unwrap();
    listener.set_handshake_timeout(Duration::from_millis(300));
    let _silent = tcp(listener.address());
    let t = Instant::now();
    assert!(matches!(
        listener.accept(),
        Err(ConnectionError::HandshakeTimeout)
    ));
    assert_timeout(t.elapsed(), Duration::from_millis(300));
}

#[test]
fn trickling_peer_cannot_stretch_the_handshake() {
    let mut listener = Listener::bind("127.0.0.1:0".parse().unwrap(), b"k").unwrap();
    listener.set_handshake_timeout(Duration::from_millis(400));
    let mut s = tcp(listener.address());
    // One byte every 100 ms: each read is quick, but the whole exchange must not outlast the
    // deadline. 40 bytes would take 4 s.
    let trickle = std::thread::spawn(move || {
        let mut challenge = [0u8; 63];
        let _ = s.read_exact(&mut challenge);
        let mut frame = vec![0, 0, 0, 36];
        frame.extend_from_slice(&[b'a'; 36]);
        for byte in frame {
            if s.write_all(&[byte]).is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    let t = Instant::now();
    let r = listener.accept();
    assert!(
        matches!(r, Err(ConnectionError::HandshakeTimeout)),
        "got {r:?}"
    );
    assert_timeout(t.elapsed(), Duration::from_millis(400));
    trickle.join().unwrap();
}

#[test]
fn oversized_frame_before_authentication_is_refused() {
    let listener = Listener::bind("127.0.0.1:0".parse().unwrap(), b"k").unwrap();
    let mut s = tcp(listener.address());
    let attacker = std::thread::spawn(move || {
        let mut challenge = [0u8; 63];
        s.read_exact(&mut challenge).unwrap();
        // Declares 1 GiB; the listener must refuse it from the header alone.
        let _ = s.write_all(&(1i32 << 30).to_be_bytes());
        let _ = s.write_all(&[0u8; 1024]);
    });
    match listener.accept() {
        Err(ConnectionError::TooLarge { len, max }) => {
            assert_eq!((len, max), (1 << 30, 256))
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
    attacker.join().unwrap();
}
