//! Hostile input: truncated data, huge declared lengths, deep nesting, garbage opcodes, memo
//! indexes out of range, "billion laughs" sharing, self-reference. Every case gives a typed
//! error, quickly, without panicking or allocating what the input merely declares.
//!
//! Covers issue 5 "Hostile input" (pickles with unknown globals or deep nesting) and
//! managers-protocol §9 (unknown globals stay inert placeholders).

mod pickle_common;

use pickle_common::fixture;
use pythreading_mp::pickle::{self, ErrorKind, Limit, Limits, Value};

fn kind(data: &[u8]) -> ErrorKind {
    pickle::loads(data)
        .expect_err("must be refused")
        .kind()
        .clone()
}

fn p4(body: &[u8]) -> Vec<u8> {
    let mut v = vec![0x80, 4];
    v.extend_from_slice(body);
    v
}

fn golden() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for dir in ["pickles/py311", "pickles/py313", "pickle_frames"] {
        for e in std::fs::read_dir(fixture(dir)).expect("fixtures") {
            let p = e.expect("entry").path();
            if p.extension().is_some_and(|x| x == "bin") {
                out.push(std::fs::read(p).expect("read"));
            }
        }
    }
    assert!(out.len() > 400);
    out
}

#[test]
fn every_truncation_is_an_error() {
    for data in golden().iter().filter(|d| d.len() < 5000) {
        for n in 0..data.len() {
            let err = pickle::loads(&data[..n]).expect_err("prefix without STOP");
            assert!(
                matches!(err.kind(), ErrorKind::Truncated | ErrorKind::InvalidString),
                "{:?} at {n} of {data:02x?}",
                err.kind()
            );
        }
    }
}

#[test]
fn huge_declared_lengths_are_refused_without_allocating() {
    let cases: Vec<Vec<u8>> = vec![
        p4(b"\x8d\xff\xff\xff\xff\xff\xff\xff\xff"), // BINUNICODE8 u64::MAX
        p4(b"\x8e\x00\x00\x00\x00\x00\x01\x00\x00abc"), // BINBYTES8 2**40
        p4(b"\x96\xff\xff\xff\xff\xff\xff\xff\x7f"), // BYTEARRAY8
        p4(b"X\xff\xff\xff\xffabc"),                 // BINUNICODE 4 GiB
        p4(b"B\xff\xff\xff\xff"),                    // BINBYTES
        p4(b"\x8b\xff\xff\xff\x7f\x01"),             // LONG4 2 GiB
        p4(b"\x95\xff\xff\xff\xff\xff\xff\xff\xffN."), // FRAME beyond the input
        b"\x80\x02T\xff\xff\xff\x7fabc".to_vec(),    // BINSTRING
    ];
    let start = std::time::Instant::now();
    for data in &cases {
        assert_eq!(kind(data), ErrorKind::Truncated, "{data:02x?}");
    }
    // negative lengths
    assert_eq!(kind(b"\x80\x02T\xff\xff\xff\xffabc"), ErrorKind::BadLength);
    assert_eq!(kind(&p4(b"\x8b\xfe\xff\xff\xff")), ErrorKind::BadLength);
    // Nothing was allocated from the declared sizes: this takes microseconds, not seconds.
    assert!(start.elapsed() < std::time::Duration::from_secs(5));
}

#[test]
fn deep_nesting_is_refused_without_stack_overflow() {
    // 100,000 nested lists: ]]]...] then APPEND 99,999 times.
    let n = 100_000;
    let mut data = p4(&vec![b']'; n]);
    data.extend(std::iter::repeat_n(b'a', n - 1));
    data.push(b'.');
    assert_eq!(kind(&data), ErrorKind::DepthExceeded);

    // 100,000 nested 1-tuples.
    let mut data = p4(b"N");
    data.extend(std::iter::repeat_n(0x85, n));
    data.push(b'.');
    assert_eq!(kind(&data), ErrorKind::DepthExceeded);

    // 100,000 MARKs never closed.
    let mut data = p4(&vec![b'('; n]);
    data.extend(b"N.");
    assert!(
        pickle::loads(&data).is_ok(),
        "CPython also returns the top item"
    );
}

#[test]
fn nesting_at_the_default_limit_is_accepted() {
    // 1,000 levels (the default limit, CPython's recursion limit) in a default-size test thread.
    for (depth, ok) in [(1000, true), (1001, false)] {
        let mut data = p4(&vec![b']'; depth]);
        data.extend(std::iter::repeat_n(b'a', depth - 1));
        data.push(b'.');
        let r = pickle::loads(&data);
        assert_eq!(r.is_ok(), ok, "{depth}");
        if let Ok(v) = r {
            // and it can be written back
            assert_eq!(pickle::loads(&pickle::dumps(&v)).expect("reload"), v);
        }
    }
}

#[test]
fn garbage_opcodes_are_refused() {
    let known: &[u8] = b"(.012FIJKLMNPQRSTUVXabcd}eghijl]opqrst)uGBC";
    for op in 0..=255u8 {
        if known.contains(&op) || (0x80..=0x98).contains(&op) {
            continue;
        }
        let err = pickle::loads(&p4(&[op, b'.'])).expect_err("unknown opcode");
        assert_eq!(err.kind(), &ErrorKind::UnknownOpcode(op));
        assert_eq!(err.position(), 2);
    }
}

#[test]
fn memo_indexes_out_of_range() {
    assert_eq!(kind(&p4(b"h\x05.")), ErrorKind::MemoMissing(5));
    assert_eq!(
        kind(&p4(b"j\xff\xff\xff\xff.")),
        ErrorKind::MemoMissing(0xffff_ffff)
    );
    assert_eq!(
        kind(b"g99999999999\n."),
        ErrorKind::MemoMissing(99_999_999_999)
    );
    // A sparse, huge PUT index costs nothing.
    assert_eq!(
        pickle::loads(&p4(b"Nr\xff\xff\xff\xffj\xff\xff\xff\xff.")).expect("ok"),
        Value::None
    );
    // PUT/MEMOIZE with nothing on the stack
    assert_eq!(kind(&p4(b"\x94.")), ErrorKind::StackUnderflow);
}

#[test]
fn billion_laughs_hits_the_expansion_budget() {
    // x0 = [], x(n+1) = (xn, xn): 64 doublings would be 2**64 copies.
    let mut body = b"]\x94".to_vec();
    for i in 0u8..64 {
        body.extend([b'h', i, b'h', i, 0x86, 0x94]);
    }
    body.push(b'.');
    let err = pickle::loads(&p4(&body)).expect_err("too big");
    assert_eq!(err.kind(), &ErrorKind::LimitExceeded(Limit::Expansion));
    // A few doublings are fine.
    let mut small = b"]\x94".to_vec();
    for i in 0u8..4 {
        small.extend([b'h', i, b'h', i, 0x86, 0x94]);
    }
    small.push(b'.');
    assert!(pickle::loads(&p4(&small)).is_ok());
    assert!(pickle::loads_with(&p4(&small), &Limits::new().with_max_expansion(0)).is_err());
}

#[test]
fn self_reference_is_refused() {
    // l = []; l.append(l)
    assert_eq!(kind(&p4(b"]\x94h\x00a.")), ErrorKind::Recursive);
    // d = {}; d['k'] = [d]
    assert_eq!(kind(&p4(b"}\x94\x8c\x01k]h\x00as.")), ErrorKind::Recursive);
}

#[test]
fn unsupported_features_get_typed_errors() {
    assert_eq!(kind(&p4(b"\x97.")), ErrorKind::OutOfBandBuffer);
    assert_eq!(kind(&p4(b"\x98.")), ErrorKind::OutOfBandBuffer);
    assert_eq!(kind(b"Pfoo\n."), ErrorKind::PersistentId);
    assert_eq!(kind(&p4(b"NQ.")), ErrorKind::PersistentId);
    assert_eq!(kind(&p4(b"\x82\x07.")), ErrorKind::Extension(7));
    assert_eq!(kind(&p4(b"\x83\x07\x01.")), ErrorKind::Extension(0x107));
    assert_eq!(
        kind(&p4(b"\x84\x01\0\0\x01.")),
        ErrorKind::Extension(0x0100_0001)
    );
    assert_eq!(kind(b"\x80\x06N."), ErrorKind::UnsupportedProtocol(6));
}

#[test]
fn malformed_structure_gets_typed_errors() {
    assert_eq!(kind(&p4(b".")), ErrorKind::EmptyStack);
    assert_eq!(kind(&p4(b"a.")), ErrorKind::StackUnderflow);
    assert_eq!(kind(&p4(b"t.")), ErrorKind::MissingMark);
    assert_eq!(kind(&p4(b"N\x86.")), ErrorKind::StackUnderflow);
    // TUPLE1 may not reach below the innermost MARK
    assert_eq!(kind(&p4(b"N(\x85.")), ErrorKind::StackUnderflow);
    assert!(
        matches!(kind(&p4(b"K\x01N\x93.")), ErrorKind::Invalid(_)),
        "STACK_GLOBAL of non-str"
    );
    assert!(
        matches!(kind(&p4(b"NNR.")), ErrorKind::Invalid(_)),
        "REDUCE with non-tuple args"
    );
    assert!(
        matches!(kind(&p4(b"}Na.")), ErrorKind::Invalid(_)),
        "APPEND to a dict"
    );
    assert!(
        matches!(kind(&p4(b"]NNs.")), ErrorKind::Invalid(_)),
        "SETITEM on a list"
    );
    assert!(
        matches!(kind(&p4(b"](N\x90.")), ErrorKind::Invalid(_)),
        "ADDITEMS on a list"
    );
    assert!(matches!(
        kind(&p4(b"(NNNu.")),
        ErrorKind::Invalid(_) | ErrorKind::StackUnderflow
    ));
    assert!(
        matches!(kind(&p4(b"NNb.")), ErrorKind::Invalid(_)),
        "BUILD on None"
    );
    assert_eq!(kind(&p4(b"\x8c\x01\xff.")), ErrorKind::InvalidString);
    assert_eq!(
        kind(b"U\x01\xe9."),
        ErrorKind::InvalidString,
        "py2 str must be ASCII"
    );
    assert_eq!(kind(b"Ix\n."), ErrorKind::InvalidText);
    // More decimal digits than CPython's int() accepts (quadratic to convert)
    let mut long = b"L".to_vec();
    long.extend(std::iter::repeat_n(b'9', 100_000));
    long.extend(b"L\n.");
    assert_eq!(kind(&long), ErrorKind::InvalidText);
    let mut ok = b"I".to_vec();
    ok.extend(std::iter::repeat_n(b'9', 4300));
    ok.extend(b"\n.");
    assert!(matches!(pickle::loads(&ok), Ok(Value::BigInt(_))));
    assert_eq!(kind(b"Fnot-a-float\n."), ErrorKind::InvalidText);
    // error positions point at the opcode
    let err = pickle::loads(&p4(b"NN\x8c\x01\xff.")).expect_err("bad utf-8");
    assert_eq!(err.position(), 4);
}

#[test]
fn input_length_limit() {
    let limits = Limits::new().with_max_input_len(3);
    let err = pickle::loads_with(b"\x80\x04N.", &limits).expect_err("too long");
    assert_eq!(err.kind(), &ErrorKind::LimitExceeded(Limit::InputLen));
    assert!(pickle::loads_with(b"N.", &limits).is_ok());
}

#[test]
fn unknown_globals_stay_inert() {
    // os.system('rm -rf /') as a pickle: read, never run.
    let data =
        b"\x80\x04\x8c\x05posix\x94\x8c\x06system\x94\x93\x94\x8c\x08rm -rf /\x94\x85\x94R\x94.";
    let v = pickle::loads(data).expect("inert");
    let Value::Reduce(r) = &v else {
        panic!("{v:?}")
    };
    assert_eq!(r.callable.as_global(), Some(("posix", "system")));
    assert_eq!(r.args, Value::tuple(["rm -rf /".into()]));
    // protocol 0 GLOBAL and INST / OBJ too
    let v = pickle::loads(b"(S'x'\nios\nsystem\n.").expect("inst");
    assert!(matches!(&v, Value::Reduce(r) if r.callable.as_global() == Some(("os", "system"))));
    let v = pickle::loads(b"(cos\nsystem\nS'x'\no.").expect("obj");
    assert!(matches!(&v, Value::Reduce(r) if r.args == Value::tuple(["x".into()])));
}

/// Tiny deterministic PRNG (xorshift64*), so the fuzz loop needs no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

#[test]
fn mutated_golden_vectors_never_panic() {
    let interesting = [
        0x00, 0x01, 0x7f, 0x80, 0xff, b'(', b'.', 0x94, b'h', b'a', 0x95,
    ];
    let mut loads = 0;
    // Every byte of each protocol-4 sample (the frames repeat the same shapes).
    let samples = std::fs::read_dir(fixture("pickles/py311"))
        .expect("fixtures")
        .filter_map(|e| {
            let p = e.expect("entry").path();
            let name = p.file_name()?.to_str()?.to_owned();
            (name.ends_with(".bin") && !name.ends_with(".p5.bin"))
                .then(|| std::fs::read(&p).expect("read"))
        });
    for data in samples.filter(|d| d.len() < 300) {
        for i in 0..data.len() {
            for &b in &interesting {
                let mut m = data.clone();
                m[i] = b;
                let _ = pickle::loads(&m);
                loads += 1;
            }
        }
    }
    // Random multi-byte mutations, insertions and deletions.
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut corpus: Vec<Vec<u8>> = golden().into_iter().filter(|d| d.len() < 300).collect();
    corpus.sort();
    corpus.dedup();
    for _ in 0..20_000 {
        let mut m = corpus[(rng.next() % corpus.len() as u64) as usize].clone();
        for _ in 0..(rng.next() % 4 + 1) {
            let pos = (rng.next() % (m.len() as u64 + 1)) as usize;
            match rng.next() % 3 {
                0 if pos < m.len() => m[pos] = rng.next() as u8,
                1 => m.insert(pos, rng.next() as u8),
                _ if pos < m.len() => {
                    m.remove(pos);
                }
                _ => {}
            }
        }
        if let Ok(v) = pickle::loads(&m) {
            // whatever loads can be written and read back
            assert_eq!(pickle::loads(&pickle::dumps(&v)).expect("reload"), v);
        }
        loads += 1;
    }
    assert!(loads > 40_000, "{loads}");
}
