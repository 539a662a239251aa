//! Round trips Rust → bytes → Rust for every `Value` variant and encoding edge (managers-protocol
//! §9: int widths, str/bytes length classes, batch boundaries, frames), plus the typed views and
//! compile-time Send/Sync checks.

use pythreading_mp::pickle::{
    self, Address, BigInt, ErrorKind, Limits, Object, PickleError, PyException, Reduce, ShapeError,
    SurrogateStr, Token, Value,
};

fn round_trip(v: &Value) -> Vec<u8> {
    let bytes = pickle::dumps(v);
    let back = pickle::loads(&bytes).unwrap_or_else(|e| panic!("{e} for {v:.200?}"));
    assert_eq!(&back, v);
    bytes
}

#[test]
fn scalars() {
    for i in [
        0i64,
        1,
        255,
        256,
        65535,
        65536,
        -1,
        -128,
        -129,
        -256,
        i32::MAX as i64,
        i32::MIN as i64,
    ] {
        round_trip(&Value::Int(i));
    }
    for i in [1i64 << 31, -(1 << 31) - 1, 1 << 40, i64::MAX, i64::MIN] {
        let bytes = round_trip(&Value::Int(i));
        assert_eq!(bytes[11], 0x8a, "LONG1 for {i}, after PROTO and FRAME");
    }
    for f in [
        0.0,
        -0.0,
        1.5,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::MIN_POSITIVE,
        f64::MAX,
    ] {
        let bytes = round_trip(&Value::Float(f));
        assert_eq!(bytes[11], b'G');
        assert_eq!(&bytes[12..20], &f.to_be_bytes(), "BINFLOAT is big-endian");
        let Value::Float(back) = pickle::loads(&bytes).expect("float") else {
            panic!()
        };
        assert_eq!(back.to_bits(), f.to_bits(), "bit-exact");
    }
    assert_eq!(round_trip(&Value::None), b"\x80\x04N.");
    assert_eq!(round_trip(&Value::Bool(true)), b"\x80\x04\x88.");
    assert_eq!(round_trip(&Value::Bool(false)), b"\x80\x04\x89.");
}

#[test]
fn big_ints() {
    for v in [
        Value::from(1u64 << 63),
        Value::from(u64::MAX),
        Value::from(u128::MAX),
        Value::from(i128::MIN),
        Value::from(i128::MAX),
        BigInt::value_from_signed_le_bytes(&[0xff; 300]), // -1 after minimizing
        BigInt::value_from_signed_le_bytes(&[0x5a; 300]), // LONG4
    ] {
        round_trip(&v);
    }
    assert_eq!(
        BigInt::value_from_signed_le_bytes(&[0xff; 300]),
        Value::Int(-1)
    );
    let Value::BigInt(b) = Value::from(10u128.pow(30)) else {
        panic!()
    };
    assert_eq!(b.to_string(), "1000000000000000000000000000000");
    let Value::BigInt(b) = Value::from(-(10i128.pow(30))) else {
        panic!()
    };
    assert_eq!(b.to_string(), "-1000000000000000000000000000000");
    assert_eq!(format!("{b:>35}"), "   -1000000000000000000000000000000");
    // 2**64 - 1 is 9 bytes in two's complement (0xff * 8, 0x00)
    let Value::BigInt(b) = Value::from(u64::MAX) else {
        panic!()
    };
    assert_eq!(
        b.to_signed_le_bytes(),
        &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0]
    );
    assert_eq!(b.to_u128(), Some(u64::MAX.into()));
    // Huge ints print in hex (decimal conversion is quadratic; CPython's str() refuses them)
    let Value::BigInt(b) = BigInt::value_from_signed_le_bytes(&[0x11; 100_000]) else {
        panic!()
    };
    let text = b.to_string();
    assert!(
        text.starts_with("0x1111") && text.len() == 2 + 200_000,
        "{}",
        &text[..10]
    );
    let Value::BigInt(b) = BigInt::value_from_signed_le_bytes(&[0xef; 3000]) else {
        panic!()
    };
    assert!(b.to_string().starts_with("-0x"));
    // LONG4 for more than 255 bytes
    let bytes = round_trip(&BigInt::value_from_signed_le_bytes(&[0x5a; 300]));
    assert_eq!(bytes[11], 0x8b);
}

#[test]
fn strings_and_bytes_of_every_length_class() {
    for n in [0, 1, 255, 256, 65_535, 65_536, 200_000] {
        let s = "é".repeat(n / 2) + &"a".repeat(n % 2);
        round_trip(&Value::Str(s));
        round_trip(&Value::Bytes(vec![0xab; n]));
        round_trip(&Value::ByteArray(vec![0xcd; n]));
    }
    for points in [
        &[0xd800][..],
        &[0xdfff],
        &[0xd83d, 0xde00],
        &[0x61, 0xdc80, 0x1F600, 0],
    ] {
        let v = Value::from_code_points(points).expect("str");
        assert!(matches!(v, Value::SurrogateStr(_)));
        round_trip(&v);
    }
    // Valid text never becomes a SurrogateStr
    assert_eq!(
        Value::from_code_points(&[0x1F600]),
        Some(Value::from("\u{1F600}"))
    );
    assert!(
        SurrogateStr::from_surrogatepass_utf8(vec![0xf4, 0x90, 0x80, 0x80]).is_err(),
        "> U+10FFFF"
    );
    assert!(
        SurrogateStr::from_surrogatepass_utf8(vec![0xe0, 0x80, 0x80]).is_err(),
        "overlong"
    );
}

#[test]
fn containers_at_batch_boundaries() {
    for n in [0usize, 1, 2, 3, 4, 999, 1000, 1001, 2000, 2001] {
        let items: Vec<Value> = (0..n as i64).map(Value::from).collect();
        round_trip(&Value::Tuple(items.clone()));
        round_trip(&Value::List(items.clone()));
        round_trip(&Value::Set(items.clone()));
        round_trip(&Value::FrozenSet(items.clone()));
        round_trip(&Value::Dict(
            items
                .iter()
                .map(|i| (i.clone(), Value::from("v")))
                .collect(),
        ));
    }
    // Duplicate keys and unhashable-looking keys are kept as given (Value is data).
    round_trip(&Value::dict([(1.into(), 2.into()), (1.into(), 3.into())]));
    round_trip(&Value::dict([(Value::list([]), Value::None)]));
}

#[test]
fn objects_globals_and_state() {
    round_trip(&Value::global("builtins", "len"));
    let mut r = Reduce {
        callable: Value::global("collections", "OrderedDict"),
        args: Value::tuple([]),
        state: Some(Value::dict([("x".into(), 1.into())])),
        list_items: (0..1001).map(Value::from).collect(),
        dict_items: vec![("a".into(), 1.into())],
    };
    round_trip(&Value::Reduce(Box::new(r.clone())));
    r.list_items.truncate(1);
    r.dict_items.clear();
    round_trip(&Value::Reduce(Box::new(r)));
    let o = Object {
        class: Value::global("m", "C"),
        args: Value::tuple([1.into()]),
        kwargs: Some(Value::dict([("k".into(), 2.into())])),
        state: Some(Value::tuple([Value::None, Value::dict([])])),
        list_items: vec![Value::None],
        dict_items: vec![(Value::None, Value::None)],
    };
    let bytes = round_trip(&Value::Object(Box::new(o)));
    assert!(bytes.contains(&0x92), "NEWOBJ_EX");
    // The same global twice is memoized once and fetched with BINGET.
    let two = Value::tuple([
        Value::global("m", "C"),
        Value::global("m", "C"),
        Value::global("m", "D"),
    ]);
    let bytes = round_trip(&two);
    assert_eq!(
        bytes.iter().filter(|&&b| b == 0x93).count(),
        2,
        "two STACK_GLOBALs"
    );
}

#[test]
fn typed_views() {
    let token = Token {
        typeid: "Queue".into(),
        address: Address::Tcp {
            host: "::1".into(),
            port: 65535,
        },
        id: "7f1".into(),
    };
    let v = token.to_value();
    round_trip(&v);
    assert_eq!(Token::from_value(&v).expect("token"), token);
    // copyreg forms (protocols 0-1) are read too
    let reconstructor = Value::Reduce(Box::new(Reduce {
        callable: Value::global("copyreg", "_reconstructor"),
        args: Value::tuple([
            Value::global("multiprocessing.managers", "Token"),
            Value::global("builtins", "object"),
            Value::None,
        ]),
        state: Some(Value::tuple(["Queue".into(), "/s".into(), "1".into()])),
        list_items: vec![],
        dict_items: vec![],
    }));
    assert_eq!(
        Token::from_value(&reconstructor).expect("token").address,
        Address::Path("/s".into())
    );
    // bad shapes
    let bad_port = Value::object(
        Value::global("multiprocessing.managers", "Token"),
        Value::tuple([]),
        Some(Value::tuple([
            "Q".into(),
            Value::tuple(["h".into(), 70000.into()]),
            "1".into(),
        ])),
    );
    assert!(Token::from_value(&bad_port).is_err());
    assert!(
        Token::from_value(&Value::object(
            Value::global("m", "Token"),
            Value::tuple([]),
            None
        ))
        .is_err()
    );

    for e in [
        PyException::queue_empty(),
        PyException::queue_full(),
        PyException::stop_iteration(),
        PyException::key_error(Value::tuple([1.into()])),
        PyException::remote_error("tb"),
    ] {
        let v = e.to_value();
        round_trip(&v);
        assert_eq!(PyException::from_value(&v).expect("exception"), e);
    }
    assert_eq!(
        PyException::key_error("k".into()).to_string(),
        "builtins.KeyError('k')"
    );
    let err: ShapeError =
        PyException::from_value(&Value::global("builtins", "KeyError")).expect_err("global");
    assert_eq!(err.found(), "type");
}

#[test]
fn unframed_and_old_protocol_input_is_accepted() {
    // A writer may omit FRAME and MEMOIZE entirely (§9).
    let v = pickle::loads(b"\x80\x04(N\x8c\x05dummy)}t.").expect("unframed");
    assert_eq!(
        v,
        Value::tuple([
            Value::None,
            "dummy".into(),
            Value::tuple([]),
            Value::dict([])
        ])
    );
    // protocol 2 with BINPUT / BINGET
    let v = pickle::loads(b"\x80\x02]q\x00(h\x00X\x01\x00\x00\x00aq\x01e.");
    assert!(
        matches!(v, Err(PickleError { .. })),
        "a list containing itself is refused"
    );
    let v = pickle::loads(b"\x80\x02X\x01\x00\x00\x00aq\x01h\x01\x86q\x02.").expect("memo");
    assert_eq!(v, Value::tuple(["a".into(), "a".into()]));
    // FRAME in the middle, and trailing bytes after STOP are ignored (as CPython does)
    let v = pickle::loads(b"\x80\x04\x95\x02\0\0\0\0\0\0\0K\x01\x95\x02\0\0\0\0\0\0\0\x85.junk")
        .expect("frames");
    assert_eq!(v, Value::tuple([1.into()]));
}

#[test]
fn frames_are_well_formed() {
    // Walk our output: every FRAME length must land exactly on the next FRAME, a big payload
    // or the end of the pickle.
    let v = Value::list(
        (0..30_000)
            .map(|i| Value::from(format!("item {i}")))
            .collect::<Vec<_>>(),
    );
    let bytes = pickle::dumps(&v);
    let mut frames = 0;
    let mut i = 2;
    while i < bytes.len() && bytes[i] == 0x95 {
        let len = u64::from_le_bytes(bytes[i + 1..i + 9].try_into().expect("8 bytes")) as usize;
        assert!((4..=64 * 1024 + 4096).contains(&len), "{len}");
        i += 9 + len;
        frames += 1;
    }
    assert_eq!(i, bytes.len(), "frames tile the whole body");
    assert!(frames > 3, "{frames}");
    assert_eq!(pickle::loads(&bytes).expect("loads"), v);
}

#[test]
fn random_values_round_trip() {
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
    }
    fn random_value(r: &mut Rng, depth: u32) -> Value {
        let pick = r.next() % if depth > 3 { 9 } else { 16 };
        let n = (r.next() % 5) as usize;
        match pick {
            0 => Value::None,
            1 => Value::Bool(r.next().is_multiple_of(2)),
            2 => Value::Int(r.next() as i64 >> (r.next() % 64)),
            3 => BigInt::value_from_signed_le_bytes(&r.next().to_le_bytes().repeat(n + 1)),
            4 => Value::Float(f64::from_bits(r.next())),
            5 => Value::Str("ab€".repeat(n)),
            6 => Value::from_code_points(&[0xd800 + (r.next() % 0x800) as u32]).expect("str"),
            7 => Value::Bytes(vec![r.next() as u8; n * 100]),
            8 => Value::global("m", format!("n{n}")),
            9 => Value::Tuple((0..n).map(|_| random_value(r, depth + 1)).collect()),
            10 => Value::List((0..n).map(|_| random_value(r, depth + 1)).collect()),
            11 => Value::Dict(
                (0..n)
                    .map(|_| (random_value(r, depth + 1), random_value(r, depth + 1)))
                    .collect(),
            ),
            12 => Value::Set((0..n).map(|_| random_value(r, depth + 1)).collect()),
            13 => Value::FrozenSet((0..n).map(|_| random_value(r, depth + 1)).collect()),
            14 => Value::reduce(
                Value::global("m", "f"),
                Value::Tuple((0..n).map(|_| random_value(r, depth + 1)).collect()),
            ),
            _ => Value::object(
                Value::global("m", "C"),
                Value::tuple([]),
                Some(random_value(r, depth + 1)),
            ),
        }
    }
    let mut r = Rng(42);
    for _ in 0..2000 {
        round_trip(&random_value(&mut r, 0));
    }
}

#[test]
fn limits_and_errors_are_plain_data() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Value>();
    assert_send_sync::<PickleError>();
    assert_send_sync::<ErrorKind>();
    assert_send_sync::<Limits>();
    assert_send_sync::<Token>();
    assert_send_sync::<PyException>();
    assert_send_sync::<ShapeError>();
    assert_send_sync::<pickle::ToValueError>();
    assert_send_sync::<pickle::FromValueError>();
    fn assert_error<E: std::error::Error + Send + Sync + 'static>() {}
    assert_error::<PickleError>();
    assert_error::<ShapeError>();
    assert_error::<pickle::ToValueError>();
    assert_error::<pickle::FromValueError>();
}
