//! Golden vectors: every pickle CPython 3.11/3.12/3.13 wrote in `managers-vectors` (copied to
//! `tests/fixtures`) loads to the value CPython itself reads, and our writer reproduces
//! CPython's bytes.
//!
//! Covers managers-protocol §3 (messages), §7 (Token), §8 (exceptions on the wire), §9 (the
//! pickle subset: every opcode row), §11 pitfalls 11 and 15 (`_queue.Empty`, mid-stream FRAME,
//! MEMOIZE/BINGET of module strings, surrogates).

mod pickle_common;

use pickle_common::{canon, fixture, tsv, unhex};
use pythreading_mp::pickle::{self, Address, PyException, Token, Value};

fn load_fixture(rel: &str) -> (Vec<u8>, Value) {
    let bytes = std::fs::read(fixture(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let v = pickle::loads(&bytes).unwrap_or_else(|e| panic!("{rel}: {e}"));
    (bytes, v)
}

/// All 390 `ForkingPickler.dumps` samples (3 versions × 65 × protocol 4 and 5) plus the pickled
/// AutoProxy load to what CPython reads (compared through the canonical text).
#[test]
fn golden_pickles_load_to_what_cpython_reads() {
    let rows = tsv("pickles/expected.tsv");
    assert_eq!(rows.len(), 392);
    for row in rows {
        let (_, v) = load_fixture(&format!("pickles/{}", row[0]));
        assert_eq!(canon(&v), row[1], "{}", row[0]);
    }
}

/// Our protocol-4 writer reproduces CPython's bytes for every sample except the one with a
/// shared reference (a `Value` is a tree, so `[shared, shared]` is written twice, not `BINGET`).
#[test]
fn writer_is_byte_identical_to_cpython_for_golden_samples() {
    let mut identical = 0;
    for version in ["py311", "py312", "py313"] {
        for entry in std::fs::read_dir(fixture(&format!("pickles/{version}"))).expect("dir") {
            let path = entry.expect("entry").path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .expect("name")
                .to_owned();
            if !name.ends_with(".bin") || name.ends_with(".p5.bin") {
                continue;
            }
            let (bytes, v) = load_fixture(&format!("pickles/{version}/{name}"));
            let ours = pickle::dumps(&v);
            assert_eq!(pickle::loads(&ours).expect("reload"), v, "{name}");
            if name == "shared_ref.bin" {
                assert_ne!(ours, bytes);
                continue;
            }
            assert_eq!(ours, bytes, "{version}/{name}");
            identical += 1;
        }
    }
    assert_eq!(identical, 3 * 64);
}

/// Protocol 5 differs only in the version byte and `BYTEARRAY8`; both read to the same value.
#[test]
fn protocol_5_samples_match_protocol_4() {
    for row in tsv("pickles/expected.tsv") {
        let Some(base) = row[0].strip_suffix(".p5.bin") else {
            continue;
        };
        let (_, v5) = load_fixture(&format!("pickles/{}", row[0]));
        let (_, v4) = load_fixture(&format!("pickles/{base}.bin"));
        assert_eq!(v5, v4, "{}", row[0]);
    }
}

/// Every pickled frame payload captured between real interpreters (canonical, empty, modern,
/// cross-version, badauth and extras sessions; 361 distinct payloads) loads to what CPython reads.
#[test]
fn captured_frame_payloads_load() {
    let rows = tsv("pickle_frames/expected.tsv");
    assert_eq!(rows.len(), 361);
    for row in rows {
        let (_, v) = load_fixture(&format!("pickle_frames/{}", row[0]));
        assert_eq!(canon(&v), row[1], "{}", row[0]);
        // Whatever came off the wire, we can write it back and read the same value.
        assert_eq!(
            pickle::loads(&pickle::dumps(&v)).expect("reload"),
            v,
            "{}",
            row[0]
        );
    }
}

/// CPython 3.11's pickles of ~80 samples at protocols 0 to 5 (text opcodes, BINPUT memo,
/// GLOBAL, py2-compatible bytes, BYTEARRAY8, ...), recorded so this runs without Python.
#[test]
fn cpython_protocols_0_to_5_load() {
    let rows = tsv("pickles/cpython311_protocols.tsv");
    assert_eq!(rows.len(), 449);
    let mut protocols = [0; 6];
    for row in rows {
        let (name, proto, bytes, expected) = (&row[0], &row[1], unhex(&row[2]), &row[3]);
        let v = pickle::loads(&bytes).unwrap_or_else(|e| panic!("{name} protocol {proto}: {e}"));
        assert_eq!(&canon(&v), expected, "{name} protocol {proto}");
        protocols[proto.parse::<usize>().expect("proto")] += 1;
    }
    assert!(protocols.iter().all(|&n| n > 50), "{protocols:?}");
}

/// §7: Token, from NEWOBJ + BUILD, both address kinds; and we write CPython's exact bytes.
#[test]
fn token_reads_and_writes_like_cpython() {
    let (bytes, v) = load_fixture("pickles/py311/token.bin");
    let token = Token::from_value(&v).expect("token");
    assert_eq!(
        token,
        Token {
            typeid: "get_task_queue".into(),
            address: Address::Tcp {
                host: "127.0.0.1".into(),
                port: 5000
            },
            id: "7f0000000001".into(),
        }
    );
    assert_eq!(pickle::dumps(&token.to_value()), bytes);

    let (bytes, v) = load_fixture("pickles/py313/token_unix_address.bin");
    let token = Token::from_value(&v).expect("token");
    assert_eq!(
        token.address,
        Address::Path("/tmp/pymp-abc/listener-xyz".into())
    );
    assert_eq!(pickle::dumps(&token.to_value()), bytes);
    assert_eq!(
        token.to_string(),
        "Token(typeid='Queue', address='/tmp/pymp-abc/listener-xyz', id='7f0000000001')"
    );
}

/// §6.4: the `#PROXY` reply carries `(exposed, Token)`.
#[test]
fn proxy_reply_carries_token() {
    let (bytes, v) = load_fixture("pickles/py312/msg_proxy.bin");
    let [kind, payload] = v.as_tuple().expect("tuple") else {
        panic!("{v:?}")
    };
    assert_eq!(kind.as_str(), Some("#PROXY"));
    let [exposed, token] = payload.as_tuple().expect("tuple") else {
        panic!()
    };
    let names: Vec<_> = exposed
        .as_tuple()
        .expect("tuple")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(names, ["__next__", "send", "throw", "close"]);
    let token = Token::from_value(token).expect("token");
    assert_eq!(token.typeid, "Iterator");
    // Rebuild the whole message from typed parts: same bytes as CPython.
    let rebuilt = Value::tuple([
        "#PROXY".into(),
        Value::tuple([
            Value::tuple(names.iter().map(|&n| n.into())),
            token.to_value(),
        ]),
    ]);
    assert_eq!(pickle::dumps(&rebuilt), bytes);
}

/// §7: the pickled AutoProxy (`RebuildProxy(AutoProxy, Token, 'pickle', {'exposed': ...})`)
/// reuses the module string through `BINGET`; it stays inert.
#[test]
fn pickled_autoproxy_stays_inert() {
    for rel in [
        "pickles/pickled_autoproxy_311.bin",
        "pickles/pickled_autoproxy_313.bin",
    ] {
        let (bytes, v) = load_fixture(rel);
        let Value::Reduce(r) = &v else {
            panic!("{v:?}")
        };
        assert_eq!(
            r.callable.as_global(),
            Some(("multiprocessing.managers", "RebuildProxy"))
        );
        let args = r.args.as_tuple().expect("args");
        assert_eq!(
            args[0].as_global(),
            Some(("multiprocessing.managers", "AutoProxy"))
        );
        assert_eq!(
            Token::from_value(&args[1]).expect("token").typeid,
            "get_task_queue"
        );
        assert_eq!(args[2].as_str(), Some("pickle"));
        assert!(args[3].dict_get("exposed").is_some());
        // The module string is memoized once and fetched by BINGET, on their side and ours.
        assert_eq!(pickle::dumps(&v), bytes, "{rel}");
    }
}

/// §8: exceptions by value; `_queue.Empty` is the global CPython's server sends.
#[test]
fn exceptions_read_as_typed_values() {
    let cases: [(&str, PyException); 7] = [
        ("exc_queue_Empty", PyException::queue_empty()),
        ("exc_queue_Full", PyException::queue_full()),
        ("exc_KeyError", PyException::key_error("k".into())),
        (
            "exc_ValueError",
            PyException::builtin("ValueError", vec!["bad".into(), 42.into()]),
        ),
        (
            "exc_RemoteError",
            PyException::remote_error("remote tb text"),
        ),
        (
            "exc_OSError_errno",
            PyException::builtin("FileNotFoundError", vec![2.into(), "No such file".into()]),
        ),
        ("exc_with_attr", {
            let mut e = PyException::builtin("RuntimeError", vec!["x".into()]);
            e.state = Some(Value::dict([("extra".into(), 1.into())]));
            e
        }),
    ];
    for (name, expected) in cases {
        let (bytes, v) = load_fixture(&format!("pickles/py311/{name}.bin"));
        let exc = PyException::from_value(&v).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(exc, expected, "{name}");
        assert_eq!(pickle::dumps(&expected.to_value()), bytes, "{name}");
    }
    let (_, v) = load_fixture("pickles/py311/msg_error_empty.bin");
    let [kind, exc] = v.as_tuple().expect("tuple") else {
        panic!()
    };
    assert_eq!(kind.as_str(), Some("#ERROR"));
    assert!(
        PyException::from_value(exc)
            .expect("exception")
            .is_queue_empty()
    );
}

/// §9 / pitfall 15: a 70,000-char str arrives as BINUNICODE outside the frame, followed by a
/// new FRAME; we read it and write the same layout.
#[test]
fn mid_stream_frame_round_trips() {
    let rows = tsv("pickle_frames/expected.tsv");
    let mut seen = 0;
    for row in rows {
        let (bytes, v) = load_fixture(&format!("pickle_frames/{}", row[0]));
        if bytes.len() < 70_000 {
            continue;
        }
        seen += 1;
        // The 9-byte FRAME header that follows the big payload is there.
        assert!(
            bytes.windows(2).skip(20).any(|w| w[0] == 0x95),
            "{}",
            row[0]
        );
        if row[0].contains("c2s") {
            // a request: ('id', 'put', ('xxx...',), {}): CPython's exact layout
            assert_eq!(pickle::dumps(&v), bytes, "{}", row[0]);
        }
    }
    assert!(seen >= 2, "{seen}");
}

/// §9: a lone surrogate round-trips losslessly.
#[test]
fn lone_surrogate_is_lossless() {
    let (bytes, v) = load_fixture("pickles/py311/str_lone_surrogate.bin");
    let Value::SurrogateStr(s) = &v else {
        panic!("{v:?}")
    };
    assert_eq!(s.code_points().collect::<Vec<_>>(), [0xd800]);
    assert_eq!(pickle::dumps(&v), bytes);
}
