//! A shared counter: a Rust type served to Python as `BaseManager.register('Counter', ...)`
//! would serve a Python class, and used from Rust through a typed proxy.
//!
//! Run it with `cargo run -p pythreading-mp --example shared_counter -- --serve 127.0.0.1:50000`
//! and use it from an unmodified CPython:
//!
//! ```python
//! from multiprocessing.managers import BaseManager
//! class RustTypes(BaseManager): pass
//! RustTypes.register('Counter')
//! m = RustTypes(address=('127.0.0.1', 50000), authkey=b'hello world')
//! m.connect()
//! c = m.Counter(5)
//! c.increment()        # 6
//! c.increment(by=10)   # 16
//! c.value()            # 16
//! ```
//!
//! Without `--serve` it starts a server on a free port, uses the counter from Rust, and exits.

use std::sync::atomic::{AtomicI64, Ordering};

use pythreading_mp::managers::{Manager, ManagerError, RemoteObject, ServedType, ServerBuilder};
use pythreading_mp::pickle::PyException;
use serde::Deserialize;

/// The served state: one counter every client shares. Methods take `&self` (each client
/// connection is served on its own thread), so the count is atomic.
#[derive(Debug)]
pub(crate) struct Counter(AtomicI64);

/// `increment(by=1)`: a struct, so Python may pass `by` by position or by name.
#[derive(Deserialize, Debug)]
pub(crate) struct Increment {
    #[serde(default = "one")]
    by: i64,
}

fn one() -> i64 {
    1
}

/// The typeid, its constructor `Counter(start=0)` and its exposed methods.
pub(crate) fn counter_type() -> ServedType<Counter> {
    ServedType::new("Counter", |start: Option<i64>| {
        Ok(Counter(AtomicI64::new(start.unwrap_or(0))))
    })
    .method("increment", |c: &Counter, Increment { by }| {
        if by < 0 {
            return Err(PyException::builtin(
                "ValueError",
                vec!["increment must not be negative".into()],
            ));
        }
        Ok(c.0.fetch_add(by, Ordering::SeqCst) + by)
    })
    .method("value", |c: &Counter, ()| Ok(c.0.load(Ordering::SeqCst)))
    .method("reset", |c: &Counter, ()| {
        c.0.store(0, Ordering::SeqCst);
        Ok(())
    })
    .repr(|c| format!("Counter({})", c.0.load(Ordering::SeqCst)))
}

/// The Rust client's typed proxy: one method per exposed name.
#[derive(Debug)]
pub(crate) struct CounterProxy(RemoteObject);

#[allow(dead_code)] // each example or test uses part of it
impl CounterProxy {
    /// `manager.Counter(start)`.
    pub(crate) fn new(manager: &Manager, start: i64) -> Result<Self, ManagerError> {
        manager.create_object("Counter", (start,)).map(CounterProxy)
    }

    /// Adds `by`; the new value.
    pub(crate) fn increment(&self, by: i64) -> Result<i64, ManagerError> {
        self.0.call("increment", (by,))
    }

    /// The current value.
    pub(crate) fn value(&self) -> Result<i64, ManagerError> {
        self.0.call("value", ())
    }

    /// Back to zero.
    pub(crate) fn reset(&self) -> Result<(), ManagerError> {
        self.0.call("reset", ())
    }
}

#[allow(dead_code)] // tests include this file for `counter_type` and `CounterProxy`
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, address] = args.as_slice()
        && flag == "--serve"
    {
        let server = ServerBuilder::new("hello world")
            .register(counter_type())
            .bind(address.as_str())?;
        println!("serving Counter on {}", server.local_addr());
        server.serve_forever()?;
        return Ok(());
    }
    let server = ServerBuilder::new("hello world")
        .register(counter_type())
        .bind("127.0.0.1:0")?
        .spawn()?;
    let m = Manager::connect(server.address(), "hello world")?;
    // One counter, incremented by four threads at once (each has its own connection).
    let c = std::sync::Arc::new(CounterProxy::new(&m, 5)?);
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let c = std::sync::Arc::clone(&c);
            std::thread::spawn(move || -> Result<(), ManagerError> {
                for _ in 0..10 {
                    c.increment(1)?;
                }
                Ok(())
            })
        })
        .collect();
    for w in workers {
        w.join().map_err(|_| "a worker panicked")??;
    }
    assert_eq!(c.value()?, 45);
    println!("increment(1) -> {}", c.increment(1)?);
    println!("value() -> {}", c.value()?);
    match c.increment(-1) {
        Err(e) => println!("increment(-1) -> {e}"),
        Ok(v) => println!("increment(-1) -> {v}?"),
    }
    Ok(())
}
