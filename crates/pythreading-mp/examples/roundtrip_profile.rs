//! The managers bench's request pattern in one small process, for instruction counts per round
//! trip: a SyncManager server, `clients` threads each with its own remote queue doing `n` puts
//! then `n` gets. Run it twice under callgrind with two values of `n`; the difference in
//! instructions over the difference in round trips is the cost of one round trip, client and
//! server together, without the set-up:
//!
//! ```text
//! cargo build --release -p pythreading-mp --example roundtrip_profile
//! valgrind --tool=callgrind --separate-threads=yes target/release/examples/roundtrip_profile 2000
//! valgrind --tool=callgrind --separate-threads=yes target/release/examples/roundtrip_profile 12000
//! ```
//!
//! Arguments: `n` (default 10000) and `clients` (default 1).

use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Instant;

use pythreading_mp::managers::{Manager, ServerBuilder};

fn main() {
    let mut args = std::env::args().skip(1);
    let n: u64 = args.next().map_or(10_000, |a| a.parse().expect("n"));
    let clients: usize = args.next().map_or(1, |a| a.parse().expect("clients"));
    let server = ServerBuilder::new("profile")
        .sync_manager()
        .bind("127.0.0.1:0")
        .and_then(|s| s.spawn())
        .expect("start a server");
    let addr = server.address();
    let barrier = Arc::new(Barrier::new(clients + 1));
    let handles: Vec<_> = (0..clients)
        .map(|_| {
            let barrier = Arc::clone(&barrier);
            thread::spawn(move || {
                let m = Manager::connect(addr, "profile").expect("connect");
                let q = m.new_queue::<i64>(0).expect("create a queue");
                q.len().expect("warm up the connection");
                barrier.wait();
                for i in 0..n {
                    q.put(i as i64).expect("put");
                }
                for i in 0..n {
                    assert_eq!(q.get().expect("get"), i as i64, "FIFO order");
                }
            })
        })
        .collect();
    barrier.wait();
    let t0 = Instant::now();
    for h in handles {
        h.join().expect("client thread");
    }
    let elapsed = t0.elapsed();
    let ops = 2 * n * clients as u64;
    println!(
        "{ops} round trips in {elapsed:?}: {:.0} round trips/s",
        ops as f64 / elapsed.as_secs_f64()
    );
    server.shutdown();
}
