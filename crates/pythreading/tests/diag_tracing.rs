//! The `tracing` feature (issue 10): the timeline's events reach a `tracing` subscriber without
//! any recording. Run with `cargo test -p pythreading --features tracing --test diag_tracing`.
#![cfg(feature = "tracing")]

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pythreading::queue::Queue;
use pythreading::threading::{self, Lock};

/// A writer into a shared buffer, for the fmt subscriber.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn waits_and_queue_depth_reach_a_tracing_subscriber() {
    let buffer = Buffer::default();
    let out = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || out.clone())
        .with_ansi(false)
        .finish();
    // A global default: the waiting thread below is another thread.
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let q = Queue::unbounded();
    q.put(1).unwrap();
    let lock = Arc::new(Lock::named("traced"));
    let guard = lock.lock();
    let l = Arc::clone(&lock);
    let t = threading::spawn(move || drop(l.lock()));
    while !threading::dump()
        .threads()
        .iter()
        .any(|th| th.ident() == t.thread().ident() && th.waiting().is_some())
    {
        std::thread::sleep(Duration::from_millis(1));
    }
    drop(guard);
    assert_eq!(t.join_timeout(Duration::from_secs(10)), Ok(true));

    let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("queue depth"), "{text}");
    assert!(
        text.contains("wait begins") && text.contains("Lock \"traced\""),
        "{text}"
    );
    assert!(text.contains("diag_tracing.rs:"), "{text}");
    assert!(text.contains("release wakes a waiter"), "{text}");
}
