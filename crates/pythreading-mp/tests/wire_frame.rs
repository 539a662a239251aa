//! Framing and handshake behaviour: both header forms, truncation, limits, and live handshakes
//! over loopback in both roles, legacy and modern.
// MP-M11, MP-X04

use std::io::Cursor;
use std::net::{TcpListener, TcpStream};
use std::thread;

use pythreading_mp::wire::{self, AuthErrorKind, Connection, FrameError, HandshakeError};

#[test]
fn long_form_header_is_accepted() {
    let mut bytes = vec![0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 3];
    bytes.extend_from_slice(b"abc");
    assert_eq!(wire::read_frame(&mut &bytes[..], 16).unwrap(), b"abc");
}

#[test]
fn other_negative_lengths_are_errors() {
    let bytes = [0xff, 0xff, 0xff, 0xfe];
    assert!(matches!(
        wire::read_frame(&mut &bytes[..], 16),
        Err(FrameError::BadLength(-2))
    ));
}

#[test]
fn truncation_is_told_apart_from_clean_eof() {
    assert!(wire::read_frame(&mut &[][..], 16).unwrap_err().is_eof());
    let cut_header = [0u8, 0];
    assert!(matches!(
        wire::read_frame(&mut &cut_header[..], 16),
        Err(FrameError::EofInFrame)
    ));
    let cut_payload = [0u8, 0, 0, 5, b'a'];
    assert!(matches!(
        wire::read_frame(&mut &cut_payload[..], 16),
        Err(FrameError::EofInFrame)
    ));
}

#[test]
fn huge_declared_length_is_refused_without_allocating_it() {
    let bytes = [0x7f, 0xff, 0xff, 0xff];
    match wire::read_frame(&mut &bytes[..], 256) {
        Err(FrameError::TooLarge { len, max }) => assert_eq!((len, max), (0x7fff_ffff, 256)),
        other => panic!("{other:?}"),
    }
    // Under the limit but truncated: the buffer only grows with the bytes that arrived.
    let bytes = [0x00, 0x10, 0x00, 0x00, 1, 2, 3];
    let mut buf = Vec::new();
    assert!(wire::read_frame_into(&mut &bytes[..], 1 << 30, &mut buf).is_err());
    assert!(buf.capacity() <= 64 * 1024);
}

#[test]
fn zero_length_frames_round_trip() {
    let mut c = Connection::new(Cursor::new(Vec::new()));
    c.send_bytes(b"").unwrap();
    let bytes = c.get_ref().get_ref().clone();
    assert_eq!(bytes, [0, 0, 0, 0]);
    assert_eq!(wire::read_frame(&mut &bytes[..], 0).unwrap(), b"");
}

#[test]
fn unsupported_digests_and_short_challenges_are_refused() {
    let e = wire::answer(b"#CHALLENGE#{sha1}0123456789012345678901234567890123", b"k").unwrap_err();
    assert_eq!(e.kind(), AuthErrorKind::UnsupportedDigest);
    let e = wire::answer(b"#CHALLENGE#0123456789012345", b"k").unwrap_err();
    assert_eq!(e.kind(), AuthErrorKind::ChallengeTooShort);
    let e = wire::answer(b"#CHALLENGX#01234567890123456789", b"k").unwrap_err();
    assert_eq!(e.kind(), AuthErrorKind::NotAChallenge);
    // A prefixed response with the brace closing too late.
    let e = wire::verify(b"x", b"{sha256sha256}abc", b"k").unwrap_err();
    assert_eq!(e.kind(), AuthErrorKind::UnsupportedDigest);
}

#[test]
fn every_allowed_digest_is_accepted_by_the_verifier() {
    let body = b"{sha256}0123456789012345678901234567890123456789";
    for d in wire::DigestName::ALL {
        let mut response = format!("{{{}}}", d.name()).into_bytes();
        response.extend_from_slice(&d.hmac(b"key", body));
        wire::verify(body, &response, b"key").unwrap();
    }
    // The legacy raw 16-byte MD5 over the prefixed body (what a 3.11 peer sends).
    wire::verify(body, &wire::DigestName::Md5.hmac(b"key", body), b"key").unwrap();
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

// The MACs themselves: known answers (CPython's `hmac.new(b"key", msg, name).hexdigest()`).
#[test]
fn hmacs_match_cpython_known_answers() {
    let msg = b"The quick brown fox jumps over the lazy dog";
    let want = [
        ("md5", "80070713463e7749b90c2dc24911e275"),
        (
            "sha256",
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8",
        ),
        (
            "sha384",
            "d7f4727e2c0b39ae0f1e40cc96f60242d5b7801841cea6fc592c5d3e1ae50700582a96cf35e1e554995fe4e03381c237",
        ),
        (
            "sha3_256",
            "8c6e0683409427f8931711b10ca92a506eb1fafa48fadd66d76126f47ac2c333",
        ),
        (
            "sha3_384",
            "aa739ad9fcdf9be4a04f06680ade7a1bd1e01a0af64accb04366234cf9f6934a0f8589772f857681fcde8acc256091a2",
        ),
    ];
    assert_eq!(wire::DigestName::ALL.len(), want.len());
    for d in wire::DigestName::ALL {
        let (_, hex_mac) = want.iter().find(|(n, _)| *n == d.name()).unwrap();
        assert_eq!(hex(&d.hmac(b"key", msg)), *hex_mac, "{}", d.name());
    }
}

// Negative cases: the verifier refuses, as "digest received was wrong", a MAC made with another
// key, over another body, with one bit flipped, truncated, extended, or under another digest's
// label; for every digest and for the legacy raw MD5.
#[test]
fn the_verifier_refuses_every_wrong_mac() {
    let body = b"{sha256}0123456789012345678901234567890123456789";
    let other = b"{sha256}0123456789012345678901234567890123456780";
    let wrong = |response: &[u8], what: &str| {
        let e = wire::verify(body, response, b"key").unwrap_err();
        assert_eq!(e.kind(), AuthErrorKind::DigestReceivedWrong, "{what}");
    };
    let labelled = |d: wire::DigestName, mac: &[u8]| {
        let mut r = format!("{{{}}}", d.name()).into_bytes();
        r.extend_from_slice(mac);
        r
    };
    for d in wire::DigestName::ALL {
        let good = d.hmac(b"key", body);
        wire::verify(body, &labelled(d, &good), b"key").unwrap();
        wrong(&labelled(d, &d.hmac(b"kez", body)), "another key");
        wrong(&labelled(d, &d.hmac(b"", body)), "the empty key");
        wrong(&labelled(d, &d.hmac(b"key", other)), "another body");
        for i in [0, good.len() / 2, good.len() - 1] {
            let mut flipped = good.clone();
            flipped[i] ^= 0x01;
            wrong(&labelled(d, &flipped), "a flipped bit");
        }
        wrong(&labelled(d, &good[..good.len() - 1]), "a truncated MAC");
        wrong(&labelled(d, &[&good[..], &[0]].concat()), "an extended MAC");
        wrong(&labelled(d, &[]), "an empty MAC");
        for e in wire::DigestName::ALL.into_iter().filter(|e| *e != d) {
            wrong(&labelled(e, &good), "another digest's label");
        }
    }
    let legacy = wire::DigestName::Md5.hmac(b"key", body);
    wire::verify(body, &legacy, b"key").unwrap();
    wrong(
        &wire::DigestName::Md5.hmac(b"kez", body),
        "legacy MD5, another key",
    );
    let mut flipped = legacy.clone();
    flipped[15] ^= 0x80;
    wrong(&flipped, "legacy MD5, a flipped bit");
}

fn pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    (server, client)
}

#[test]
fn live_handshake_succeeds_with_the_same_key() {
    let (server, client) = pair();
    let t = thread::spawn(move || {
        let mut c = Connection::new(server);
        c.server_handshake(b"hello world").unwrap();
        c.send_bytes(b"after").unwrap();
    });
    let mut c = Connection::new(client);
    c.client_handshake(b"hello world").unwrap();
    assert_eq!(c.recv_bytes().unwrap(), b"after");
    t.join().unwrap();
}

// MP-M11: a wrong key is refused on both sides with the CPython messages.
#[test]
fn live_handshake_refuses_a_wrong_key_on_both_sides() {
    let (server, client) = pair();
    let t = thread::spawn(move || Connection::new(server).server_handshake(b"hello world"));
    let err = Connection::new(client)
        .client_handshake(b"wrong key")
        .unwrap_err();
    assert_eq!(
        err.as_auth().map(|a| a.kind()),
        Some(AuthErrorKind::DigestSentRejected)
    );
    assert_eq!(
        err.to_string(),
        "authentication failed: digest sent was rejected"
    );
    match t.join().unwrap() {
        Err(HandshakeError::Auth(a)) => assert_eq!(a.kind(), AuthErrorKind::DigestReceivedWrong),
        other => panic!("{other:?}"),
    }
}

// A 3.11-style server: 20-byte legacy challenges, raw MD5 answers.
#[test]
fn client_works_against_a_legacy_server() {
    let (mut server, client) = pair();
    let t = thread::spawn(move || {
        let key = b"hello world";
        let mut challenge = wire::CHALLENGE.to_vec();
        challenge.extend_from_slice(&[7u8; 20]);
        wire::write_frame(&mut server, &challenge).unwrap();
        let response = wire::read_frame(&mut server, 256).unwrap();
        assert_eq!(response, wire::DigestName::Md5.hmac(key, &[7u8; 20]));
        wire::write_frame(&mut server, wire::WELCOME).unwrap();
        // Answer the client's {sha256} challenge the 3.11 way: raw MD5 over the whole body.
        let theirs = wire::read_frame(&mut server, 256).unwrap();
        assert_eq!(theirs.len(), 59);
        let body = &theirs[wire::CHALLENGE.len()..];
        wire::write_frame(&mut server, &wire::DigestName::Md5.hmac(key, body)).unwrap();
        wire::read_frame(&mut server, 256).unwrap()
    });
    Connection::new(client)
        .client_handshake(b"hello world")
        .unwrap();
    assert_eq!(t.join().unwrap(), wire::WELCOME);
}

// Handshake frames are capped at 256 bytes.
#[test]
fn oversized_handshake_frame_is_refused() {
    let (mut server, client) = pair();
    let t = thread::spawn(move || {
        let mut big = wire::CHALLENGE.to_vec();
        big.extend_from_slice(&[b'x'; 300]);
        wire::write_frame(&mut server, &big).unwrap();
    });
    let err = Connection::new(client)
        .client_handshake(b"hello world")
        .unwrap_err();
    assert!(matches!(
        err,
        HandshakeError::Frame(FrameError::TooLarge { .. })
    ));
    t.join().unwrap();
}

#[test]
fn errors_are_send_sync() {
    fn check<T: Send + Sync + std::error::Error>() {}
    check::<FrameError>();
    check::<HandshakeError>();
    check::<wire::AuthenticationError>();
    fn check_conn<T: Send + Sync>() {}
    check_conn::<Connection<TcpStream>>();
}

/// Records each `write` call's length; `read` serves nothing.
struct CountingStream(Vec<usize>);

impl std::io::Read for CountingStream {
    fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
        Ok(0)
    }
}

impl std::io::Write for CountingStream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.push(buf.len());
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

// Spec §1: header and payload leave in one write (CPython's peer may read the header alone
// otherwise, and Nagle would delay a separate small payload write).
#[test]
fn each_frame_is_one_write() {
    for n in [0usize, 1, 16_384, 70_000] {
        let payload = vec![7u8; n];
        let mut c = Connection::new(CountingStream(Vec::new()));
        c.send_bytes(&payload).unwrap();
        c.send_bytes(&payload).unwrap();
        assert_eq!(c.get_ref().0, vec![n + 4, n + 4], "payload of {n} bytes");
        let mut w = CountingStream(Vec::new());
        wire::write_frame(&mut w, &payload).unwrap();
        assert_eq!(w.0, vec![n + 4]);
    }
}
