//! The Rust client's proxies for `Value`, `Array`, `Namespace`, `Semaphore`,
//! `BoundedSemaphore`, `Condition` and `Barrier` against our own server, several threads (one
//! connection each) blocked on one Condition and one Barrier at once; `Pool` refused with a
//! clear error; blocked waiters released when the server stops.
// MP-M15, MP-M18, MP-S05, MP-S06, MP-S07, MP-S08, MP-M08

mod common;
mod types_exercise;

use std::sync::Arc;
use std::thread;
use std::time::Duration;

use pythreading_mp::managers::{Manager, ManagerError, ServerBuilder};

fn server() -> pythreading_mp::managers::RunningServer {
    ServerBuilder::new("k")
        .sync_manager()
        .bind("127.0.0.1:0")
        .unwrap()
        .spawn()
        .unwrap()
}

#[test]
fn every_new_type_works_and_leaves_no_object_behind() {
    let server = server();
    let m = Manager::connect(server.address(), "k").unwrap();
    types_exercise::all(&m);
    common::assert_all_released(&m);
}

#[test]
fn pool_is_refused_naming_what_is_missing() {
    let server = server();
    let m = Manager::connect(server.address(), "k").unwrap();
    match m.create_object("Pool", (2,)) {
        Err(ManagerError::Remote(tb)) => {
            assert!(tb.contains("NotImplementedError"), "{tb}");
            assert!(tb.contains("Pool") && tb.contains("process"), "{tb}");
        }
        other => panic!("expected a remote NotImplementedError, got {other:?}"),
    }
    assert_eq!(m.number_of_objects().unwrap(), 0);
}

#[test]
fn the_exposed_lists_are_cpythons() {
    let server = server();
    let m = Manager::connect(server.address(), "k").unwrap();
    let cases: [(&str, &[&str]); 7] = [
        ("Value", &["get", "set"]),
        ("Array", &["__len__", "__getitem__", "__setitem__"]),
        (
            "Namespace",
            &["__getattribute__", "__setattr__", "__delattr__"],
        ),
        ("Semaphore", &["acquire", "release"]),
        ("BoundedSemaphore", &["acquire", "release"]),
        (
            "Condition",
            &["acquire", "release", "wait", "notify", "notify_all"],
        ),
        ("Barrier", &["__getattribute__", "wait", "abort", "reset"]),
    ];
    for (typeid, exposed) in cases {
        let o = match typeid {
            "Value" => m.create_object(typeid, ("i", 0)),
            "Array" => m.create_object(typeid, ("i", vec![1i64])),
            "Barrier" => m.create_object(typeid, (2,)),
            _ => m.create_object(typeid, ()),
        }
        .unwrap_or_else(|e| panic!("{typeid}: {e}"));
        assert_eq!(o.exposed(), exposed, "{typeid}");
    }
}

#[test]
fn a_stopping_server_releases_blocked_condition_and_barrier_waiters() {
    let server = server();
    let m = Manager::connect(server.address(), "k").unwrap();
    let c = Arc::new(m.condition().unwrap());
    let b = Arc::new(m.barrier(3).unwrap());
    let s = Arc::new(m.semaphore(0).unwrap());
    let mut handles = Vec::new();
    for _ in 0..2 {
        let (c, b, s) = (Arc::clone(&c), Arc::clone(&b), Arc::clone(&s));
        handles.push(thread::spawn(move || {
            c.acquire().unwrap();
            let _ = c.wait(); // no timeout: only the stop ends it
        }));
        handles.push(thread::spawn(move || {
            let _ = b.wait();
        }));
        handles.push(thread::spawn(move || {
            let _ = s.acquire();
        }));
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while b.n_waiting().unwrap() < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "barrier waiters never arrived"
        );
        thread::sleep(Duration::from_millis(10));
    }
    server.handle().shutdown();
    let (tx, rx) = std::sync::mpsc::channel();
    thread::spawn(move || {
        for h in handles {
            let _ = h.join();
        }
        let _ = tx.send(());
    });
    rx.recv_timeout(Duration::from_secs(10))
        .expect("blocked waiters were not released by the stop");
}
