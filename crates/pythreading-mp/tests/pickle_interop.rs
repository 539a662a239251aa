//! CPython interop: for every type of managers-protocol §9, CPython's pickles (protocols 0 to 5)
//! load into the expected `Value`, and the bytes we write are loaded by CPython to the expected
//! object (compared through the canonical text both sides render). Runs real CPython 3.11, 3.12.1
//! and 3.13.0 (`common::python` checks the version each reports); a missing one is a visible,
//! counted skip, or a failure when the `CI` environment variable is set.

mod common;
mod pickle_common;

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::Duration;

use pickle_common::{canon, hex, unhex};
use pythreading_mp::pickle::{self, Address, BigInt, PyException, Token, Value};

const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/python/pickle_interop.py"
);

/// Runs the interop script with `args`, feeding it `input`, within a generous bound.
fn run(mut cmd: Command, args: &[&str], input: String) -> String {
    cmd.arg(SCRIPT)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = common::Guard::spawn(&mut cmd);
    let mut stdin = child.child().stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.output_timeout(Duration::from_secs(120), "python3 pickle_interop.py");
    writer
        .join()
        .expect("writer thread")
        .expect("write to python3");
    assert!(
        out.status.success(),
        "python3 failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// CPython → Rust: ~90 samples × protocols 0-5, including the ones too big for fixtures.
#[test]
fn cpython_pickles_load_into_expected_values() {
    let Some(py) = common::python("3.11") else {
        return;
    };
    let out = run(py, &["gen"], String::new());
    let mut count = 0;
    let mut protocols = std::collections::BTreeSet::new();
    for line in out.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let [name, proto, data, expected] = f[..] else {
            panic!("bad line {line:.200}")
        };
        let v =
            pickle::loads(&unhex(data)).unwrap_or_else(|e| panic!("{name} protocol {proto}: {e}"));
        assert_eq!(canon(&v), expected, "{name} protocol {proto}");
        protocols.insert(proto.to_owned());
        count += 1;
    }
    assert!(count > 450, "{count}");
    assert_eq!(protocols.len(), 6);
}

fn big(le: &[u8]) -> Value {
    BigInt::value_from_signed_le_bytes(le)
}

/// Rust values covering every row of §9 (and the edges of each encoding).
fn samples() -> Vec<(String, Value)> {
    let mut v: Vec<(&str, Value)> = vec![
        ("none", Value::None),
        ("true", true.into()),
        ("false", false.into()),
        ("int_0", 0.into()),
        ("int_255", 255.into()),
        ("int_256", 256.into()),
        ("int_65535", 65535.into()),
        ("int_65536", 65536.into()),
        ("int_neg1", (-1).into()),
        ("int_i32min", i32::MIN.into()),
        ("int_i32max", i32::MAX.into()),
        ("int_2p31", (1i64 << 31).into()),
        ("int_i64max", i64::MAX.into()),
        ("int_i64min", i64::MIN.into()),
        ("int_2p63", Value::from(1u64 << 63)),
        ("int_u128max", Value::from(u128::MAX)),
        ("int_i128min", Value::from(i128::MIN)),
        (
            "int_2p2048",
            big(&{
                let mut b = vec![0u8; 257];
                b[256] = 1;
                b
            }),
        ),
        (
            "int_neg_big",
            big(&[0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x80]),
        ),
        ("float_0", 0.0.into()),
        ("float_neg0", (-0.0).into()),
        ("float_pi", std::f64::consts::PI.into()),
        ("float_nan", f64::NAN.into()),
        ("float_inf", f64::INFINITY.into()),
        ("float_ninf", f64::NEG_INFINITY.into()),
        ("float_subnormal", 5e-324.into()),
        ("str_empty", "".into()),
        ("str_hello", "hello".into()),
        ("str_nonascii", "h\u{e9}llo \u{2713} \u{1F600}".into()),
        ("str_255", "y".repeat(255).into()),
        ("str_256", "y".repeat(256).into()),
        ("str_70000", "x".repeat(70_000).into()),
        (
            "str_lone_surrogate",
            Value::from_code_points(&[0xd800]).expect("str"),
        ),
        (
            "str_pair_as_two",
            Value::from_code_points(&[0xd83d, 0xde00]).expect("str"),
        ),
        (
            "str_mixed",
            Value::from_code_points(&[0x61, 0xdcff, 0x62, 0xe9, 0x1F600]).expect("str"),
        ),
        ("bytes_empty", Value::Bytes(vec![])),
        ("bytes_2", Value::Bytes(vec![0, 255])),
        ("bytes_256", Value::Bytes(vec![7; 256])),
        (
            "bytes_70000",
            Value::Bytes((0..70_000).map(|i| i as u8).collect()),
        ),
        ("bytearray_empty", Value::ByteArray(vec![])),
        ("bytearray", Value::ByteArray(vec![b'a', 0, 255])),
        ("tuple_0", Value::tuple([])),
        ("tuple_1", Value::tuple([1.into()])),
        ("tuple_3", Value::tuple([1.into(), "a".into(), Value::None])),
        ("tuple_5", Value::tuple((0..5).map(Value::from))),
        ("list_0", Value::list([])),
        ("list_1", Value::list(["one".into()])),
        ("list_1000", Value::list((0..1000).map(Value::from))),
        ("list_2001", Value::list((0..2001).map(Value::from))),
        (
            "list_many_frames",
            Value::list((0..40_000).map(|i| Value::from(i * 1000))),
        ),
        ("dict_0", Value::dict([])),
        ("dict_1", Value::dict([("timeout".into(), 1.into())])),
        (
            "dict_1001",
            Value::dict((0..1001).map(|i| (Value::from(i), Value::from(i.to_string())))),
        ),
        (
            "dict_mixed_keys",
            Value::dict([
                (1.into(), "a".into()),
                (Value::tuple([1.into(), 2.into()]), Value::None),
                (Value::Bytes(b"k".to_vec()), 2.5.into()),
                (Value::None, true.into()),
                (Value::FrozenSet(vec![1.into()]), 0.into()),
            ]),
        ),
        ("set_0", Value::Set(vec![])),
        ("set_3", Value::Set(vec![3.into(), "x".into(), Value::None])),
        ("set_1001", Value::Set((0..1001).map(Value::from).collect())),
        ("frozenset_0", Value::FrozenSet(vec![])),
        ("frozenset_2", Value::FrozenSet(vec![1.into(), 2.into()])),
        (
            "nested",
            Value::list([Value::dict([(
                "k".into(),
                Value::tuple([Value::list([]), Value::Set(vec![])]),
            )])]),
        ),
        ("global_len", Value::global("builtins", "len")),
        (
            "global_token",
            Value::global("multiprocessing.managers", "Token"),
        ),
        ("global_queue_empty", Value::global("_queue", "Empty")),
        (
            "complex",
            Value::reduce(
                Value::global("builtins", "complex"),
                Value::tuple([1.0.into(), 2.0.into()]),
            ),
        ),
        ("ordered_dict", {
            let mut r = Value::reduce(
                Value::global("collections", "OrderedDict"),
                Value::tuple([]),
            );
            if let Value::Reduce(r) = &mut r {
                r.dict_items = vec![("b".into(), 1.into()), ("a".into(), 2.into())];
            }
            r
        }),
        ("exc_queue_empty", PyException::queue_empty().to_value()),
        (
            "exc_queue_empty_py",
            PyException::new("queue", "Empty", vec![]).to_value(),
        ),
        ("exc_queue_full", PyException::queue_full().to_value()),
        (
            "exc_key_error",
            PyException::key_error("k".into()).to_value(),
        ),
        (
            "exc_stop_iteration",
            PyException::stop_iteration().to_value(),
        ),
        (
            "exc_remote_error",
            PyException::remote_error("remote tb text").to_value(),
        ),
        (
            "exc_type_error",
            PyException::builtin("TypeError", vec!["bad kwarg 'bogus'".into()]).to_value(),
        ),
        ("exc_with_state", {
            let mut e = PyException::builtin("RuntimeError", vec!["x".into()]);
            e.state = Some(Value::dict([("extra".into(), 1.into())]));
            e.to_value()
        }),
        (
            "token_tcp",
            Token {
                typeid: "get_task_queue".into(),
                address: Address::Tcp {
                    host: "127.0.0.1".into(),
                    port: 5000,
                },
                id: "7f0000000001".into(),
            }
            .to_value(),
        ),
        (
            "token_path",
            Token {
                typeid: "Queue".into(),
                address: Address::Path("/tmp/x".into()),
                id: "7f02".into(),
            }
            .to_value(),
        ),
        (
            "msg_request_get",
            Value::tuple([
                "7f01".into(),
                "get".into(),
                Value::tuple([]),
                Value::dict([("timeout".into(), 10.0.into())]),
            ]),
        ),
        (
            "msg_error_empty",
            Value::tuple(["#ERROR".into(), PyException::queue_empty().to_value()]),
        ),
        (
            "msg_proxy_two_tokens",
            Value::tuple([
                Token {
                    typeid: "A".into(),
                    address: Address::Path("/a".into()),
                    id: "1".into(),
                }
                .to_value(),
                Token {
                    typeid: "B".into(),
                    address: Address::Path("/a".into()),
                    id: "2".into(),
                }
                .to_value(),
            ]),
        ),
    ];
    let mut deep = Value::list([]);
    for _ in 0..199 {
        deep = Value::list([deep]);
    }
    v.push(("deep_200", deep));
    v.into_iter().map(|(n, v)| (n.to_owned(), v)).collect()
}

/// Rust → CPython: everything we write loads in CPython to the expected object, and for plain
/// data CPython's own `pickle.dumps(obj, 4)` gives back our exact bytes.
fn our_pickles_load_in(version: &str) {
    let Some(py) = common::python(version) else {
        return;
    };
    let samples = samples();
    let input: String = samples
        .iter()
        .map(|(n, v)| format!("{n}\t{}\n", hex(&pickle::dumps(v))))
        .collect();
    let out = run(py, &["check"], input);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), samples.len(), "{version}");
    let mut same = 0;
    for ((name, v), line) in samples.iter().zip(lines) {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f[0], name);
        assert_ne!(f[1], "ERROR", "{version} {name}: {}", f[2]);
        // CPython's queue.Empty *is* _queue.Empty: it reads back under that name.
        let expected = canon(v).replace("g:queue:Empty", "g:_queue:Empty");
        assert_eq!(f[1], expected, "{version} {name}");
        if f[2] == "1" {
            same += 1;
        } else {
            // Only sets (CPython re-orders them) and values CPython turns into other types
            // (OrderedDict, complex, queue.Empty → _queue.Empty, ...) may differ.
            assert!(
                name.starts_with("set_")
                    || name.contains("mixed_keys")
                    || matches!(name.as_str(), "exc_queue_empty_py" | "global_token"),
                "{version} {name}: CPython re-pickles differently"
            );
        }
    }
    assert!(
        same >= samples.len() - 8,
        "python {version}: only {same} of {} samples byte-identical",
        samples.len()
    );
}

#[test]
fn our_pickles_load_in_cpython_311() {
    our_pickles_load_in("3.11");
}

#[test]
fn our_pickles_load_in_cpython_312() {
    our_pickles_load_in("3.12");
}

#[test]
fn our_pickles_load_in_cpython_313() {
    our_pickles_load_in("3.13");
}
