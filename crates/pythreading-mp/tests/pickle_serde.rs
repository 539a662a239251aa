//! serde: Rust types ↔ `Value` ↔ pickle bytes, with the documented mapping (issue 5 layer 1:
//! "a `#[derive(Serialize, Deserialize)]` struct can be put on a remote queue").
// MP-X01

use std::collections::{BTreeMap, HashMap};

use pythreading_mp::pickle::{self, FromValueError, PyException, Value};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Unit;

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Meters(f64);

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Pair(i32, String);

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
enum Shape {
    Empty,
    Circle(f64),
    Rect(u32, u32),
    Named { name: String, sides: u8 },
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Task {
    id: u64,
    big: u128,
    neg: i128,
    small: i8,
    ratio: f32,
    label: String,
    letter: char,
    done: bool,
    maybe: Option<i32>,
    nothing: Option<i32>,
    unit: (),
    unit_struct: Unit,
    meters: Meters,
    pair: Pair,
    tuple: (u8, bool, String),
    list: Vec<i64>,
    nested: Vec<Vec<String>>,
    map: BTreeMap<String, Vec<u16>>,
    int_keys: HashMap<i32, bool>,
    shapes: Vec<Shape>,
}

fn sample() -> Task {
    Task {
        id: u64::MAX,
        big: u128::MAX,
        neg: i128::MIN,
        small: -5,
        ratio: 0.5,
        label: "h\u{e9}llo \u{1F600}".into(),
        letter: 'λ',
        done: true,
        maybe: Some(-3),
        nothing: None,
        unit: (),
        unit_struct: Unit,
        meters: Meters(1.5),
        pair: Pair(7, "seven".into()),
        tuple: (1, false, "t".into()),
        list: vec![i64::MIN, 0, i64::MAX],
        nested: vec![vec![], vec!["a".into(), "b".into()]],
        map: BTreeMap::from([("x".into(), vec![1, 65535])]),
        int_keys: HashMap::from([(1, true), (-2, false)]),
        shapes: vec![
            Shape::Empty,
            Shape::Circle(2.0),
            Shape::Rect(3, 4),
            Shape::Named {
                name: "tri".into(),
                sides: 3,
            },
        ],
    }
}

#[test]
fn struct_round_trips_through_pickle_bytes() {
    let task = sample();
    let value = pickle::to_value(&task).expect("to_value");
    let bytes = pickle::dumps(&value);
    let back: Task =
        pickle::from_value(&pickle::loads(&bytes).expect("loads")).expect("from_value");
    assert_eq!(back, task);
}

#[test]
fn mapping_matches_the_documented_table() {
    let v = pickle::to_value(&sample()).expect("to_value");
    // structs are dicts keyed by field name, in declaration order
    let Value::Dict(fields) = &v else {
        panic!("{v:?}")
    };
    assert_eq!(fields[0].0, Value::from("id"));
    assert_eq!(v.dict_get("id"), Some(&Value::from(u64::MAX)));
    assert!(matches!(v.dict_get("big"), Some(Value::BigInt(_))));
    assert_eq!(v.dict_get("small"), Some(&Value::Int(-5)));
    assert_eq!(v.dict_get("ratio"), Some(&Value::Float(0.5)));
    assert_eq!(v.dict_get("letter"), Some(&Value::from("λ")));
    assert_eq!(v.dict_get("maybe"), Some(&Value::Int(-3)));
    assert_eq!(v.dict_get("nothing"), Some(&Value::None));
    assert_eq!(v.dict_get("unit"), Some(&Value::None));
    assert_eq!(v.dict_get("unit_struct"), Some(&Value::None));
    assert_eq!(v.dict_get("meters"), Some(&Value::Float(1.5)));
    assert_eq!(
        v.dict_get("pair"),
        Some(&Value::tuple([7.into(), "seven".into()]))
    );
    assert_eq!(
        v.dict_get("tuple"),
        Some(&Value::tuple([1.into(), false.into(), "t".into()]))
    );
    assert_eq!(
        v.dict_get("list"),
        Some(&Value::list([i64::MIN.into(), 0.into(), i64::MAX.into()]))
    );
    assert_eq!(
        v.dict_get("map"),
        Some(&Value::dict([(
            "x".into(),
            Value::list([1.into(), 65535.into()])
        )]))
    );
    assert_eq!(
        v.dict_get("shapes"),
        Some(&Value::list([
            "Empty".into(),
            Value::dict([("Circle".into(), 2.0.into())]),
            Value::dict([("Rect".into(), Value::tuple([3.into(), 4.into()]))]),
            Value::dict([(
                "Named".into(),
                Value::dict([("name".into(), "tri".into()), ("sides".into(), 3.into())])
            )]),
        ]))
    );
}

#[test]
fn python_shaped_values_deserialize() {
    // What a Python peer would naturally send: tuples for lists, sets, bytearray, int keys.
    let v = Value::dict([
        ("xs".into(), Value::tuple([1.into(), 2.into()])),
        ("set".into(), Value::Set(vec![3.into()])),
        ("raw".into(), Value::ByteArray(vec![1, 2])),
    ]);
    #[derive(Deserialize)]
    struct In {
        xs: Vec<u8>,
        set: Vec<u8>,
        #[serde(with = "bytes_as_vec")]
        raw: Vec<u8>,
    }
    mod bytes_as_vec {
        pub(super) fn deserialize<'de, D: serde::Deserializer<'de>>(
            d: D,
        ) -> Result<Vec<u8>, D::Error> {
            struct V;
            impl serde::de::Visitor<'_> for V {
                type Value = Vec<u8>;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("bytes")
                }
                fn visit_bytes<E>(self, v: &[u8]) -> Result<Vec<u8>, E> {
                    Ok(v.to_vec())
                }
            }
            d.deserialize_bytes(V)
        }
    }
    let got: In = pickle::from_value(&v).expect("from_value");
    assert_eq!(
        (got.xs, got.set, got.raw),
        (vec![1, 2], vec![3], vec![1, 2])
    );
    // borrowed strings work too
    let s = Value::from("borrowed");
    let b: &str = pickle::from_value(&s).expect("&str");
    assert_eq!(b, "borrowed");
}

#[test]
fn mismatches_are_typed_errors() {
    let err: FromValueError = pickle::from_value::<u8>(&Value::Int(256)).expect_err("out of range");
    assert!(err.to_string().contains("256"), "{err}");
    assert!(pickle::from_value::<String>(&Value::Int(1)).is_err());
    assert!(
        pickle::from_value::<Task>(&Value::dict([]))
            .expect_err("missing")
            .to_string()
            .contains("missing field")
    );
    // Python objects have no serde equivalent
    let exc = PyException::queue_empty().to_value();
    let err = pickle::from_value::<Value2>(&exc).expect_err("object");
    assert!(err.to_string().contains("Empty"), "{err}");
    let lone = Value::from_code_points(&[0xd800]).expect("str");
    assert!(pickle::from_value::<String>(&lone).is_err());
    // enums: unknown variant, and a dict with two keys
    assert!(pickle::from_value::<Shape>(&Value::from("Hexagon")).is_err());
    let two = Value::dict([
        ("Circle".into(), 1.0.into()),
        ("Rect".into(), Value::tuple([])),
    ]);
    assert!(pickle::from_value::<Shape>(&two).is_err());
    // ints beyond 128 bits
    let huge = pythreading_mp::pickle::BigInt::value_from_signed_le_bytes(&[1; 20]);
    assert!(pickle::from_value::<i128>(&huge).is_err());
}

/// Any deserializable type would do; a simple one.
#[derive(Deserialize, Debug)]
#[allow(dead_code)]
struct Value2(i32);

#[test]
fn queue_message_shapes() {
    // A request as a pythreading client would build it from Rust data.
    let args = pickle::to_value(&("5 * 5 = 25",)).expect("to_value");
    let request = Value::tuple(["7f01".into(), "put".into(), args, Value::dict([])]);
    let bytes = pickle::dumps(&request);
    // Same bytes as CPython's ('7f0000000002', 'put', ('5 * 5 = 25',), {}) shape
    assert!(bytes.starts_with(&[0x80, 0x04, 0x95]));
    let back = pickle::loads(&bytes).expect("loads");
    let [_, _, args, _] = back.as_tuple().expect("tuple") else {
        panic!()
    };
    let (s,): (String,) = pickle::from_value(args).expect("from_value");
    assert_eq!(s, "5 * 5 = 25");
}
