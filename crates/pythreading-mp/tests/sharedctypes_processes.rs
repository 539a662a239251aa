//! Process-shared `Value` and `Array`: MP-V01 (a child's writes seen by the parent, several
//! type codes), MP-V02 (the default lock, a given lock), MP-V03 (a prefix sum done in a child),
//! MP-V04 (zero-initialised every time), MP-V05 (index and length errors; 4 processes × 1,000
//! locked increments = 4,000 exactly).
//!
//! Every test calls `pythreading_mp::init()` first; children are held by kill-on-drop guards.

mod process_common;

use process_common::{Guard, join_or_fail};
use pythreading_mp::process::Process;
use pythreading_mp::sharedctypes::{Array, Value};
use pythreading_mp::synchronize::{RLock, SharedError};

fn set_values(i: Value<i32>, d: Value<f64>, h: Value<i16>, q: Value<i64>, c: Value<u8>) {
    i.set(-7).unwrap();
    d.set(2.25).unwrap();
    h.set(-300).unwrap();
    q.set(1 << 40).unwrap();
    c.set(b'x').unwrap();
}

fn prefix_sum(a: Array<i32>) {
    let _g = a.get_lock().lock().unwrap();
    for i in 1..a.len() {
        let prev = a.get(i - 1).unwrap();
        a.set(i, a.get(i).unwrap() + prev).unwrap();
    }
}

fn increment(v: Value<i64>, times: u32) {
    for _ in 0..times {
        let _g = v.get_lock().lock().unwrap();
        v.set(v.get().unwrap() + 1).unwrap();
    }
}

pythreading_mp::register!(set_values, prefix_sum, increment);

// MP-V01
#[test]
fn child_writes_are_seen_by_the_parent() {
    pythreading_mp::init();
    let i = Value::new(1i32).unwrap();
    let d = Value::new(0.5f64).unwrap();
    let h = Value::new(2i16).unwrap();
    let q = Value::new(3i64).unwrap();
    let c = Value::new(b'a').unwrap();
    assert_eq!(
        (
            i.get().unwrap(),
            d.get().unwrap(),
            h.get().unwrap(),
            q.get().unwrap(),
            c.get().unwrap()
        ),
        (1, 0.5, 2, 3, b'a')
    );
    let p = Guard(
        Process::builder(set_values)
            .args((i.clone(), d.clone(), h.clone(), q.clone(), c.clone()))
            .build(),
    );
    p.start().unwrap();
    join_or_fail(&p, "set_values");
    assert_eq!(p.exitcode().unwrap(), Some(0));
    assert_eq!(
        (
            i.get().unwrap(),
            d.get().unwrap(),
            h.get().unwrap(),
            q.get().unwrap(),
            c.get().unwrap()
        ),
        (-7, 2.25, -300, 1 << 40, b'x')
    );
}

// MP-V02
#[test]
fn locks_of_values() {
    pythreading_mp::init();
    let v = Value::new(0u32).unwrap();
    // The default lock is an RLock: reentrant.
    let _a = v.get_lock().lock().unwrap();
    let _b = v.get_lock().lock().unwrap();
    let lock = RLock::new().unwrap();
    let w = Value::with_lock(0u32, lock.clone()).unwrap();
    lock.acquire().unwrap();
    assert!(
        w.get_lock().locked().unwrap(),
        "get_lock() returns the lock it was given"
    );
    lock.release().unwrap();
}

// MP-V03, MP-V04
#[test]
fn arrays_in_a_child_and_zeroed() {
    pythreading_mp::init();
    let seq = [772i32, 374, 33, 201, 1, 97, 55, 8, 51, 2];
    let a = Array::new(&seq).unwrap();
    assert_eq!(a.len(), 10);
    assert_eq!(a.to_vec().unwrap()[2..7], seq[2..7]);
    let p = Guard(Process::builder(prefix_sum).args((a.clone(),)).build());
    p.start().unwrap();
    join_or_fail(&p, "prefix_sum");
    assert_eq!(p.exitcode().unwrap(), Some(0));
    let mut want = seq;
    for i in 1..want.len() {
        want[i] += want[i - 1];
    }
    assert_eq!(a.to_vec().unwrap(), want);
    for _ in 0..3 {
        let z = Array::<i32>::zeroed(10).unwrap();
        assert_eq!(z.to_vec().unwrap(), [0; 10]);
        z.assign(&(0..10).collect::<Vec<_>>()).unwrap();
        assert_eq!(z.to_vec().unwrap(), (0..10).collect::<Vec<_>>());
    }
}

// MP-V05: errors.
#[test]
fn index_and_length_errors() {
    pythreading_mp::init();
    let a = Array::<f64>::zeroed(3).unwrap();
    assert!(matches!(
        a.get(3),
        Err(SharedError::IndexOutOfRange { index: 3, len: 3 })
    ));
    assert!(matches!(
        a.set(5, 1.0),
        Err(SharedError::IndexOutOfRange { index: 5, len: 3 })
    ));
    assert!(matches!(
        a.assign(&[1.0, 2.0]),
        Err(SharedError::LengthMismatch {
            expected: 3,
            got: 2
        })
    ));
    assert_eq!(
        a.to_vec().unwrap(),
        [0.0; 3],
        "a refused assignment changes nothing"
    );
    // A handle rebuilt as another number type is refused, not misread.
    let as_i32: Array<i32> =
        pythreading_mp::pickle::from_value(&pythreading_mp::pickle::to_value(&a).unwrap()).unwrap();
    assert!(matches!(as_i32.get(0), Err(SharedError::WrongKind)));
}

// MP-V05: the atomic-increment idiom across 4 processes.
#[test]
fn four_processes_times_1000_locked_increments() {
    pythreading_mp::init();
    let v = Value::new(0i64).unwrap();
    let kids: Vec<Guard> = (0..4)
        .map(|_| {
            Guard(
                Process::builder(increment)
                    .args((v.clone(), 1000u32))
                    .build(),
            )
        })
        .collect();
    for k in &kids {
        k.start().unwrap();
    }
    for k in &kids {
        join_or_fail(k, "increment");
        assert_eq!(k.exitcode().unwrap(), Some(0));
    }
    assert_eq!(v.get().unwrap(), 4000);
}
