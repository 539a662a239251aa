//! Golden tests: the captured CPython 3.11/3.12/3.13 handshakes and byte streams replayed through
//! our frame reader and handshake (fixtures copied from the project's managers vectors).
// MP-M11, MP-X04

use std::fs;
use std::path::{Path, PathBuf};

use pythreading_mp::pickle::{self, Value};
use pythreading_mp::wire::{self, AuthErrorKind, FrameError};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

struct Vector {
    session: String,
    challenge: Vec<u8>,
    response: Vec<u8>,
    welcome: bool,
    responder_key: Vec<u8>,
    legacy_responder: bool,
}

fn vectors() -> Vec<Vector> {
    let text = fs::read_to_string(fixtures().join("handshake_vectors.tsv")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            Vector {
                session: f[0].to_string(),
                challenge: unhex(f[5]),
                response: unhex(f[6]),
                welcome: f[7] == "#WELCOME#",
                responder_key: f[8].as_bytes().to_vec(),
                legacy_responder: f[4].starts_with("3.11"),
            }
        })
        .collect()
}

// Every captured exchange answered by a 3.12+ responder: ours reproduces it byte for byte. A 3.11
// responder always sends raw MD5 over the whole body, which our 3.12+ responder does only for legacy
// challenges; for those exchanges we check the MD5 rule itself.
#[test]
fn responder_matches_every_captured_response() {
    let all = vectors();
    assert_eq!(all.len(), 194);
    let mut modern = 0;
    for v in &all {
        let body = &v.challenge[wire::CHALLENGE.len()..];
        if v.legacy_responder {
            assert_eq!(
                wire::DigestName::Md5.hmac(&v.responder_key, body),
                v.response,
                "session {}",
                v.session
            );
            if body.len() != 20 {
                continue;
            }
        } else {
            modern += 1;
        }
        let ours = wire::answer(&v.challenge, &v.responder_key).unwrap();
        assert_eq!(ours, v.response, "session {}", v.session);
    }
    assert!(modern > 50);
}

// Every captured exchange: our verifier (key `hello world`) gives CPython's verdict.
#[test]
fn verifier_gives_every_captured_verdict() {
    let mut failures = 0;
    for v in vectors() {
        let body = &v.challenge[wire::CHALLENGE.len()..];
        let got = wire::verify(body, &v.response, b"hello world");
        assert_eq!(got.is_ok(), v.welcome, "session {}", v.session);
        if let Err(e) = got {
            assert_eq!(e.kind(), AuthErrorKind::DigestReceivedWrong);
            failures += 1;
        }
    }
    assert_eq!(failures, 2);
}

fn frames_of(path: &Path) -> Vec<Vec<u8>> {
    let bytes = fs::read(path).unwrap();
    let mut r = &bytes[..];
    let mut out = Vec::new();
    loop {
        match wire::read_frame(&mut r, 1 << 20) {
            Ok(f) => out.push(f),
            Err(FrameError::Eof) => return out,
            Err(e) => panic!("{}: {e}", path.display()),
        }
    }
}

// The raw streams of every captured connection: frames parse to the end, the six handshake frames
// have the documented shape and verify, and everything after them is a protocol-4 pickle.
#[test]
fn captured_streams_parse_and_authenticate() {
    let sessions = fixtures().join("sessions");
    let mut connections = 0;
    let mut requests = 0;
    let mut empties = 0;
    let mut kinds = std::collections::BTreeSet::new();
    for session in fs::read_dir(&sessions).unwrap() {
        let session = session.unwrap().path();
        let name = session.file_name().unwrap().to_string_lossy().to_string();
        let mut names: Vec<_> = fs::read_dir(&session)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .filter(|n| n.ends_with(".c2s.bin"))
            .collect();
        names.sort();
        for c2s_name in names {
            let c2s = frames_of(&session.join(&c2s_name));
            let s2c = frames_of(&session.join(c2s_name.replace("c2s", "s2c")));
            connections += 1;
            // Half 1: the server challenges.
            assert!(s2c[0].starts_with(wire::CHALLENGE), "{name}/{c2s_name}");
            let body = &s2c[0][wire::CHALLENGE.len()..];
            let half1 = wire::verify(body, &c2s[0], b"hello world");
            if name.starts_with("badauth") {
                assert!(half1.is_err());
                assert_eq!(s2c[1], wire::FAILURE);
                // The extra #TRACEBACK frame CPython sends after #FAILURE#.
                assert_eq!(&s2c[2][..2], b"\x80\x04");
                continue;
            }
            half1.unwrap();
            assert_eq!(s2c[1], wire::WELCOME);
            // Half 2: the client challenges.
            assert!(c2s[1].starts_with(wire::CHALLENGE));
            let body = &c2s[1][wire::CHALLENGE.len()..];
            wire::verify(body, &s2c[2], b"hello world").unwrap();
            assert_eq!(c2s[2], wire::WELCOME);
            for f in c2s[3..].iter().chain(&s2c[3..]) {
                assert_eq!(&f[..2], b"\x80\x04", "{name}/{c2s_name}");
                assert_eq!(f.last(), Some(&b'.'));
            }
            // Through the unpickler: requests are 4-tuples, replies 2-tuples with a '#' kind.
            for f in &c2s[3..] {
                let v = pickle::loads(f).unwrap();
                let t = v.as_tuple().expect("request tuple");
                assert_eq!(t.len(), 4);
                assert!(t[1].as_str().is_some());
                requests += 1;
            }
            for f in &s2c[3..] {
                let v = pickle::loads(f).unwrap();
                let t = v.as_tuple().expect("reply tuple");
                assert_eq!(t.len(), 2);
                let kind = t[0].as_str().unwrap();
                assert!(kind.starts_with('#'), "{kind}");
                kinds.insert(kind.to_owned());
                if kind == "#ERROR"
                    && let Value::Reduce(r) = &t[1]
                    && r.callable.as_global() == Some(("_queue", "Empty"))
                {
                    empties += 1;
                }
                if kind == "#PROXY" {
                    let Value::Object(o) = &t[1].as_tuple().unwrap()[1] else {
                        panic!("#PROXY without a Token")
                    };
                    assert_eq!(
                        o.class.as_global(),
                        Some(("multiprocessing.managers", "Token"))
                    );
                }
            }
        }
    }
    assert!(connections > 50, "only {connections} connections replayed");
    assert!(requests > 200, "{requests}");
    // empty_311 (2) and extras_311/313 (2 each): `_queue.Empty` inside #ERROR.
    assert!(empties >= 6, "{empties}");
    for kind in [
        "#RETURN",
        "#ERROR",
        "#TRACEBACK",
        "#PROXY",
        "#UNSERIALIZABLE",
    ] {
        assert!(kinds.contains(kind), "{kind} not seen: {kinds:?}");
    }
}

// The captured 70,055-byte frame (a 70,000-char string) parses with its 4-byte header.
#[test]
fn large_captured_frame_parses() {
    let dir = fixtures().join("sessions/extras_311");
    let biggest = fs::read_dir(&dir)
        .unwrap()
        .flat_map(|e| frames_of(&e.unwrap().path()))
        .map(|f| f.len())
        .max()
        .unwrap();
    assert_eq!(biggest, 70_055);
}
