//! `redis-server` (appendonly yes, fsync always) is killed with SIGKILL and restarted on the
//! same port and directory while a producer puts and consumers take under leases: every task
//! whose put was acknowledged is delivered (a bitmap by task id), and the clients reconnect
//! on their own.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::RedisServer;
use pythreading_redis::{QueueOptions, RedisQueue};

const TASKS: usize = 3000;

#[test]
fn a_restarted_redis_loses_nothing_acknowledged() {
    let Some(mut server) = RedisServer::start(true) else {
        return;
    };
    let url = server.url();
    let options = QueueOptions::new()
        .with_lease_time(Duration::from_secs(2))
        .with_reconnect_for(Duration::from_secs(60));
    let q = RedisQueue::<i64>::connect_with(&url, "durable", options).unwrap();
    let acked_puts = Arc::new(AtomicUsize::new(0));
    let producer = {
        let q = q.try_clone().unwrap();
        let acked_puts = acked_puts.clone();
        std::thread::spawn(move || {
            // Ids whose put Redis acknowledged; a put that failed is tried again.
            let mut put_ok = vec![false; TASKS];
            let deadline = Instant::now() + Duration::from_secs(120);
            for (id, ok) in put_ok.iter_mut().enumerate() {
                loop {
                    match q.put(id as i64) {
                        Ok(()) => break,
                        Err(e) if e.error.is_connection_lost() => {
                            assert!(Instant::now() < deadline, "put {id}: {e}");
                            std::thread::sleep(Duration::from_millis(20));
                        }
                        Err(e) => panic!("put {id}: {e}"),
                    }
                }
                *ok = true;
                acked_puts.fetch_add(1, Ordering::SeqCst);
            }
            put_ok
        })
    };
    let stop = Arc::new(AtomicBool::new(false));
    let consumers: Vec<_> = (0..2)
        .map(|c| {
            let q = q.try_clone().unwrap();
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut seen = vec![0u32; TASKS];
                while !stop.load(Ordering::SeqCst) {
                    match q.get_leased_timeout(Duration::from_millis(200)) {
                        Ok(lease) => {
                            seen[*lease.item() as usize] += 1;
                            // An ack lost with the connection: the item comes back later.
                            let _ = lease.ack();
                        }
                        Err(e) if e.is_timeout() => {}
                        Err(e) => panic!("consumer {c}: {e}"),
                    }
                }
                seen
            })
        })
        .collect();

    // Kill Redis a third of the way in and start it again on its data.
    let deadline = Instant::now() + Duration::from_secs(60);
    while acked_puts.load(Ordering::SeqCst) < TASKS / 3 {
        assert!(Instant::now() < deadline, "the producer made no progress");
        std::thread::sleep(Duration::from_millis(5));
    }
    let before = acked_puts.load(Ordering::SeqCst);
    server.restart();
    let put_ok = producer.join().expect("producer");
    assert!(put_ok.iter().all(|&ok| ok));

    // Wait until every task is finished, then stop the consumers.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        match (q.unfinished(), q.len(), q.leased()) {
            (Ok(0), Ok(0), Ok(0)) => break,
            _ => {
                assert!(
                    Instant::now() < deadline,
                    "tasks still unfinished after 120 s"
                );
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
    stop.store(true, Ordering::SeqCst);
    let mut seen = vec![0u32; TASKS];
    for c in consumers {
        for (i, n) in c.join().expect("consumer").into_iter().enumerate() {
            seen[i] += n;
        }
    }
    let lost: Vec<usize> = (0..TASKS).filter(|&i| seen[i] == 0).collect();
    let twice = seen.iter().filter(|&&n| n > 1).count();
    assert!(lost.is_empty(), "tasks lost across the restart: {lost:?}");
    assert_eq!(q.dead_len().unwrap(), 0);
    println!(
        "restart after {before} acknowledged puts: {TASKS} tasks, lost 0, delivered twice {twice}"
    );
}
