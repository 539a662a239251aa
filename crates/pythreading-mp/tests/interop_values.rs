//! Values round-trip Rust → CPython → Rust through a queue: every pickle type of spec §9, a
//! `#[derive(Serialize, Deserialize)]` struct, and values CPython itself produced.
// Spec §9

mod common;

use std::time::Duration;

use pythreading_mp::managers::{Manager, ServerBuilder};
use pythreading_mp::pickle::{self, Value};
use serde::{Deserialize, Serialize};

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Task {
    name: String,
    n: i64,
    tags: Vec<String>,
}

#[test]
fn values_round_trip_through_cpython() {
    let Some(mut py) = common::python("3.11") else {
        return;
    };
    let server = ServerBuilder::new("hello world")
        .queue("get_task_queue")
        .queue("get_result_queue")
        .bind("127.0.0.1:0")
        .unwrap()
        .spawn()
        .unwrap();
    let m = Manager::connect(server.address(), "hello world").unwrap();
    let tasks = m.queue::<Value>("get_task_queue").unwrap();
    let results = m.queue::<Value>("get_result_queue").unwrap();
    let samples = vec![
        Value::None,
        Value::Bool(true),
        Value::Int(-1),
        Value::Int(65536),
        Value::Int(i64::MIN),
        Value::Float(-0.0),
        Value::Float(1e300),
        Value::from("h\u{e9}llo \u{2713}"),
        Value::from("y".repeat(70_000)),
        Value::Bytes(vec![0, 255]),
        Value::ByteArray(b"ab".to_vec()),
        Value::tuple([]),
        Value::tuple([
            Value::Int(1),
            Value::from("a"),
            Value::None,
            Value::Float(2.5),
        ]),
        Value::list([Value::Int(1), Value::list([Value::Int(2)])]),
        Value::dict([
            (Value::from("a"), Value::Int(1)),
            (Value::Int(2), Value::tuple([])),
        ]),
        Value::Set(vec![Value::Int(1)]),
        Value::FrozenSet(vec![Value::from("f")]),
        pickle::to_value(&Task {
            name: "t".into(),
            n: 7,
            tags: vec!["a".into()],
        })
        .unwrap(),
    ];
    for s in &samples {
        tasks.put(s.clone()).unwrap();
    }
    py.arg(common::script("echo_worker.py"))
        .env("MANAGER_PORT", server.address().port().to_string())
        .env("GET_TIMEOUT", "0.3");
    let out = common::run(py, 60);
    let (stdout, stderr) = common::text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    // First the five values CPython made.
    let get = || results.get_timeout(Duration::from_secs(5)).unwrap();
    let from_python: Task = {
        let v = get();
        pickle::from_value(&v).unwrap()
    };
    assert_eq!(
        from_python,
        Task {
            name: "from python".into(),
            n: 3,
            tags: vec!["x".into(), "y".into()],
        }
    );
    assert_eq!(get(), Value::from(1u128 << 100), "2 ** 100");
    assert_eq!(get(), Value::from("h\u{e9}llo \u{1F600}"));
    assert_eq!(
        get(),
        Value::tuple([
            Value::Int(1),
            Value::Float(2.5),
            Value::None,
            Value::Bool(true)
        ])
    );
    assert_eq!(get(), Value::FrozenSet(vec![Value::Int(1)]));
    // Then ours, echoed unchanged; the struct is decoded from what came back.
    let echoed: Vec<Value> = samples.iter().map(|_| get()).collect();
    for (got, sent) in echoed.iter().zip(&samples) {
        assert_eq!(got, sent);
    }
    let echoed: Task = pickle::from_value(echoed.last().unwrap()).unwrap();
    assert_eq!(
        echoed,
        Task {
            name: "t".into(),
            n: 7,
            tags: vec!["a".into()],
        }
    );
    assert!(
        stdout.contains("bytearray") && stdout.contains("frozenset") && stdout.contains("dict")
    );
}
