//! Issue 15 §4: the limits a server enforces after authentication — idle connections, objects
//! per server and per connection, pickle limits from `ServerConfig`, plain-data mode, and a
//! shutdown that waits for its connection threads (bounded).
// MP-M08, MP-M10, MP-M12; spec §4

mod common;
mod raw_client;
mod server_stats;

use std::io::Read;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use pythreading_mp::managers::{Manager, ManagerError, ServerConfig};
use pythreading_mp::pickle::{Limits, Value};
use pythreading_mp::wire::Connection;
use raw_client::{KEY, persistent, reply, send, server_with};

fn remote_text(e: &ManagerError) -> String {
    e.to_string()
}

#[test]
fn idle_authenticated_connections_are_closed_and_busy_ones_are_not() {
    let _serial = server_stats::serial();
    let server =
        server_with(ServerConfig::default().with_idle_timeout(Some(Duration::from_millis(300))));
    let idle = persistent(server.address());
    let mut busy = persistent(server.address());
    let m = Manager::connect(server.address(), KEY).unwrap();
    let q = m.new_queue::<i64>(0).unwrap();
    // The busy one calls every 100 ms for 1.5 s and is always answered.
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_millis(1500) {
        send(&mut busy, Some(q.ident()), "qsize", Vec::new());
        assert_eq!(reply(&mut busy)[1], Value::Int(0));
        std::thread::sleep(Duration::from_millis(100));
    }
    // The idle one was closed (its 300 ms passed long ago).
    let raw = idle.get_ref();
    raw.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut buf = [0u8; 16];
    assert!(
        matches!((&*raw).read(&mut buf), Ok(0) | Err(_)),
        "the idle connection is still open"
    );
    // A blocked call is not idleness: a get waiting 1 s on a 300 ms idle timeout is answered.
    let q2 = m.new_queue::<i64>(0).unwrap();
    let err = q2.get_timeout(Duration::from_secs(1)).unwrap_err();
    assert!(err.is_timeout(), "{err}");
    drop(idle);
}

#[test]
fn objects_are_capped_per_server_and_per_connection() {
    let _serial = server_stats::serial();
    let server = server_with(
        ServerConfig::default()
            .with_max_objects(5)
            .with_max_objects_per_connection(3),
    );
    let m = Manager::connect(server.address(), KEY).unwrap();
    // A client looping `create` hits a typed error, not unbounded growth.
    let mut held: Vec<_> = (0..5).map(|_| m.event().unwrap()).collect();
    let err = m.event().unwrap_err();
    assert!(
        matches!(err, ManagerError::Remote(_)) && remote_text(&err).contains("MemoryError"),
        "{err}"
    );
    assert_eq!(m.number_of_objects().unwrap(), 5);
    // Releasing one makes room again.
    held.pop();
    held.push(m.event().unwrap());
    drop(held);
    assert_eq!(m.number_of_objects().unwrap(), 0);
    // Per connection: results kept on the server (`iter(d)`) over one connection.
    let d = m.dict::<String, i64>().unwrap();
    let mut c = persistent(server.address());
    for i in 0..4 {
        send(&mut c, Some(d.ident()), "__iter__", Vec::new());
        let r = reply(&mut c);
        if i < 3 {
            assert_eq!(r[0], Value::from("#PROXY"), "{r:?}");
        } else {
            assert_eq!(r[0], Value::from("#TRACEBACK"), "{r:?}");
            assert!(r[1].as_str().unwrap().contains("MemoryError"), "{r:?}");
        }
    }
}

#[test]
fn pickle_limits_come_from_the_config() {
    let _serial = server_stats::serial();
    let server =
        server_with(ServerConfig::default().with_pickle_limits(Limits::new().with_max_depth(20)));
    let m = Manager::connect(server.address(), KEY).unwrap();
    let q = m.queue::<Value>("q").unwrap();
    let mut shallow = Value::None;
    for _ in 0..10 {
        shallow = Value::list([shallow]);
    }
    q.put(shallow.clone()).unwrap();
    assert_eq!(q.get().unwrap(), shallow);
    let mut deep = Value::None;
    for _ in 0..40 {
        deep = Value::list([deep]);
    }
    let err = q.put(deep).unwrap_err();
    assert!(err.to_string().contains("nests too deeply"), "{err}");
}

#[test]
fn plain_data_mode_refuses_values_a_python_consumer_would_run() {
    let _serial = server_stats::serial();
    let server = server_with(ServerConfig::default().with_plain_data(true));
    let m = Manager::connect(server.address(), KEY).unwrap();
    let q = m.queue::<Value>("q").unwrap();
    let evil = Value::reduce(
        Value::global("os", "system"),
        Value::tuple([Value::from("echo pwned")]),
    );
    let err = q.put(evil).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("TypeError") && text.contains("os.system"),
        "{text}"
    );
    assert!(
        q.try_get().unwrap_err().is_empty(),
        "the hostile value was stored"
    );
    // Plain values, exceptions and containers still go through.
    let plain = Value::tuple([
        Value::from("job"),
        Value::list([Value::Int(1), Value::Float(2.5)]),
        Value::ByteArray(vec![1, 2]),
        Value::reduce(
            Value::global("builtins", "KeyError"),
            Value::tuple([Value::from("k")]),
        ),
    ]);
    q.put(plain.clone()).unwrap();
    assert_eq!(q.get().unwrap(), plain);
    // `create` arguments are checked too (a dict seeded with a hostile value).
    let mut once = Connection::new(TcpStream::connect(server.address()).unwrap());
    once.client_handshake(KEY.as_bytes()).unwrap();
    let seeded = Value::dict([(Value::from("k"), Value::global("builtins", "eval"))]);
    send(&mut once, None, "create", vec![Value::from("dict"), seeded]);
    let r = reply(&mut once);
    assert_eq!(r[0], Value::from("#TRACEBACK"), "{r:?}");
    assert!(r[1].as_str().unwrap().contains("builtins.eval"), "{r:?}");
    assert_eq!(
        m.number_of_objects().unwrap(),
        1,
        "only the named queue's proxy"
    );
}

#[test]
fn a_cpython_putter_gets_the_plain_data_error() {
    let _serial = server_stats::serial();
    let Some(mut py) = common::python("3.11") else {
        return;
    };
    let server = server_with(ServerConfig::default().with_plain_data(true));
    py.args([
        "-c",
        "import os, sys\n\
         from multiprocessing.managers import BaseManager\n\
         class M(BaseManager): pass\n\
         M.register('q')\n\
         m = M(address=('127.0.0.1', int(sys.argv[1])), authkey=b'hello world')\n\
         m.connect()\n\
         q = m.q()\n\
         class Evil:\n    def __reduce__(self):\n        return (os.system, ('echo pwned',))\n\
         try:\n    q.put(Evil())\nexcept TypeError as e:\n    print('refused:', e)\n\
         q.put({'plain': [1, 2.5, 'x']})\n\
         print('got', q.get())\n",
        &server.address().port().to_string(),
    ]);
    let out = common::run(py, 60);
    let (stdout, stderr) = common::text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("refused:") && stdout.contains("system"),
        "{stdout}"
    );
    assert!(stdout.contains("got {'plain': [1, 2.5, 'x']}"), "{stdout}");
}

#[test]
fn shutdown_waits_for_connection_threads_within_its_grace() {
    let _serial = server_stats::serial();
    let threads0 = server_stats::threads();
    let server = server_with(ServerConfig::default().with_shutdown_grace(Duration::from_secs(5)));
    let m = Manager::connect(server.address(), KEY).unwrap();
    let q = m.new_queue::<i64>(0).unwrap();
    // Four clients blocked in get() with no timeout, and four idle persistent connections.
    let mut held = Vec::new();
    for _ in 0..4 {
        let mut c = persistent(server.address());
        send(&mut c, Some(q.ident()), "get", Vec::new());
        held.push(c);
        held.push(persistent(server.address()));
    }
    let t0 = Instant::now();
    server.shutdown();
    let took = t0.elapsed();
    assert!(took < Duration::from_secs(5), "shutdown took {took:?}");
    // Every connection thread has finished by the time shutdown returns (its slot is freed as
    // the last thing it does); the OS thread then exits, which /proc shows a moment later (a
    // loaded 2-core machine has shown one such thread still listed at the instant of return).
    server_stats::settles(
        "threads after shutdown",
        Duration::from_secs(2),
        threads0,
        server_stats::threads,
    );
    drop(held);
}
