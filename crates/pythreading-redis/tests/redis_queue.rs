//! `RedisQueue<T>` against a real `redis-server`: FIFO put/get, timeouts, leases (ack, drop,
//! expiry, renew), dead-lettering by delivery count, undecodable items kept, task_done/join,
//! items stored as the pickles CPython's clients send, and many threads with no item lost or
//! taken twice.

mod common;

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use common::RedisServer;
use pythreading_mp::pickle::{self, Value};
use pythreading_redis::{QueueOptions, RedisGetError, RedisQueue, RedisQueueError};

fn within(elapsed: Duration, t: Duration) {
    assert!(
        elapsed >= t.mul_f64(0.6) && elapsed < t * 10,
        "waited {elapsed:?} for a {t:?} timeout"
    );
}

#[test]
fn put_get_fifo_and_counts() {
    let Some(server) = RedisServer::start(false) else {
        return;
    };
    let q = RedisQueue::<String>::connect(&server.url(), "fifo").unwrap();
    assert!(q.is_empty().unwrap());
    for s in ["a", "b", "c"] {
        q.put(s.to_string()).unwrap();
    }
    q.try_put("d".to_string()).unwrap();
    q.put_timeout("e".to_string(), Duration::from_millis(1))
        .unwrap();
    assert_eq!(q.len().unwrap(), 5);
    assert_eq!(q.unfinished().unwrap(), 5);
    let got: Vec<String> = (0..3).map(|_| q.get().unwrap()).collect();
    assert_eq!(got, ["a", "b", "c"]);
    assert_eq!(q.try_get().unwrap(), "d");
    assert_eq!(q.get_timeout(Duration::from_secs(5)).unwrap(), "e");
    assert_eq!(q.len().unwrap(), 0);
    assert_eq!(q.leased().unwrap(), 0);
    assert!(matches!(q.try_get(), Err(RedisGetError::Empty)));
    // A second handle sees the same queue.
    let other = q.try_clone().unwrap();
    other.put("f".to_string()).unwrap();
    assert_eq!(q.get_timeout(Duration::from_secs(5)).unwrap(), "f");
}

#[test]
fn get_timeout_waits_then_times_out_or_wakes() {
    let Some(server) = RedisServer::start(false) else {
        return;
    };
    let q = RedisQueue::<i64>::connect(&server.url(), "waits").unwrap();
    let t = Duration::from_millis(300);
    let start = Instant::now();
    assert!(q.get_timeout(t).unwrap_err().is_timeout());
    within(start.elapsed(), t);
    let start = Instant::now();
    assert!(q.get_leased_timeout(t).unwrap_err().is_timeout());
    within(start.elapsed(), t);
    // A put from another connection wakes a waiting get.
    let putter = q.try_clone().unwrap();
    let ready = Arc::new(Barrier::new(2));
    let r2 = ready.clone();
    let h = std::thread::spawn(move || {
        r2.wait();
        std::thread::sleep(Duration::from_millis(100));
        putter.put(42).unwrap();
    });
    ready.wait();
    assert_eq!(q.get_timeout(Duration::from_secs(10)).unwrap(), 42);
    h.join().unwrap();
}

#[test]
fn lease_ack_drop_release_and_renew() {
    let Some(server) = RedisServer::start(false) else {
        return;
    };
    let q = RedisQueue::<i64>::connect(&server.url(), "leases").unwrap();
    q.put(1).unwrap();
    q.put(2).unwrap();
    let lease = q.get_leased().unwrap();
    assert_eq!((*lease.item(), lease.deliveries()), (1, 1));
    assert_eq!((q.len().unwrap(), q.leased().unwrap()), (1, 1));
    drop(lease); // unacked: back at the head, ahead of 2
    assert_eq!((q.len().unwrap(), q.leased().unwrap()), (2, 0));
    let again = q.try_get_leased().unwrap();
    assert_eq!((*again.item(), again.deliveries()), (1, 2));
    assert!(again.renew().unwrap());
    assert!(again.ack().unwrap());
    assert_eq!(q.unfinished().unwrap(), 1);
    let two = q.get_leased().unwrap();
    assert!(two.release().unwrap());
    let two = q.get_leased().unwrap();
    assert_eq!((*two.item(), two.deliveries()), (2, 2));
    assert!(!q.join_timeout(Duration::from_millis(50)).unwrap());
    assert!(two.ack().unwrap());
    assert_eq!(
        (
            q.len().unwrap(),
            q.leased().unwrap(),
            q.unfinished().unwrap()
        ),
        (0, 0, 0)
    );
    assert!(q.join_timeout(Duration::from_secs(5)).unwrap());
}

#[test]
fn a_silent_consumers_lease_runs_out_and_goes_to_another() {
    let Some(server) = RedisServer::start(false) else {
        return;
    };
    let lease_time = Duration::from_millis(400);
    let opts = QueueOptions::new().with_lease_time(lease_time);
    let a = RedisQueue::<i64>::connect_with(&server.url(), "expiry", opts.clone()).unwrap();
    let b = RedisQueue::<i64>::connect_with(&server.url(), "expiry", opts).unwrap();
    a.put(7).unwrap();
    let held = a.get_leased().unwrap();
    let taken = Instant::now();
    // b finds nothing while the lease holds.
    assert!(b.try_get_leased().unwrap_err().is_empty());
    let got = b.get_leased_timeout(Duration::from_secs(10)).unwrap();
    let elapsed = taken.elapsed();
    assert_eq!((*got.item(), got.deliveries()), (7, 2));
    assert!(
        elapsed >= lease_time.mul_f64(0.6) && elapsed < lease_time * 10,
        "redelivered after {elapsed:?} for a {lease_time:?} lease"
    );
    // The first holder's lease is gone: it can neither renew nor give it back.
    assert!(!held.renew().unwrap());
    assert!(!held.release().unwrap());
    assert!(got.ack().unwrap());
    assert_eq!(b.unfinished().unwrap(), 0);
}

#[test]
fn too_many_deliveries_go_to_the_dead_letter_stream() {
    let Some(server) = RedisServer::start(false) else {
        return;
    };
    let opts = QueueOptions::new().with_max_deliveries(3);
    let q = RedisQueue::<i64>::connect_with(&server.url(), "poison", opts).unwrap();
    q.put(13).unwrap();
    q.put(14).unwrap();
    for n in 1..=3 {
        let l = q.get_leased().unwrap();
        assert_eq!((*l.item(), l.deliveries()), (13, n));
        drop(l);
    }
    // The fourth delivery of 13 would exceed 3: it is dead-lettered and 14 comes instead.
    let l = q.get_leased().unwrap();
    assert_eq!(*l.item(), 14);
    assert!(l.ack().unwrap());
    assert_eq!(q.dead_len().unwrap(), 1);
    assert_eq!(q.unfinished().unwrap(), 0);
    assert!(q.try_get().unwrap_err().is_empty());
    // The dead letter keeps the pickle and the delivery count.
    let mut c = server.connection();
    let dead: redis::Value = redis::cmd("XRANGE")
        .arg("poison_dead")
        .arg("-")
        .arg("+")
        .query(&mut c)
        .unwrap();
    let text = format!("{dead:?}");
    assert!(text.contains("deliveries"), "{text}");
    let want = pickle::dumps(&Value::Int(13));
    let redis::Value::Array(entries) = dead else {
        panic!("{text}")
    };
    let redis::Value::Array(entry) = &entries[0] else {
        panic!("{text}")
    };
    let redis::Value::Array(fields) = &entry[1] else {
        panic!("{text}")
    };
    assert_eq!(fields[0], redis::Value::BulkString(b"p".to_vec()));
    assert_eq!(fields[1], redis::Value::BulkString(want));
    // The dead-letter stream is a queue of its own: its length is its unfinished count.
    let dead = RedisQueue::<i64>::connect(&server.url(), "poison_dead").unwrap();
    assert_eq!((dead.len().unwrap(), dead.unfinished().unwrap()), (1, 1));
    assert_eq!(dead.get().unwrap(), 13);
    assert_eq!((q.dead_len().unwrap(), dead.unfinished().unwrap()), (0, 1));
    dead.task_done().unwrap();
    assert_eq!(dead.unfinished().unwrap(), 0);
}

#[test]
fn an_undecodable_item_is_a_typed_error_and_kept_dead() {
    let Some(server) = RedisServer::start(false) else {
        return;
    };
    let q = RedisQueue::<i64>::connect(&server.url(), "bad").unwrap();
    q.put_pickle(b"not a pickle").unwrap();
    q.put_pickle(&pickle::dumps(&Value::from("a string, not an int")))
        .unwrap();
    q.put(5).unwrap();
    match q.get() {
        Err(RedisGetError::Failed(RedisQueueError::Decode { bytes, .. })) => {
            assert_eq!(bytes, b"not a pickle")
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    match q.get_leased() {
        Err(RedisGetError::Failed(RedisQueueError::Decode { reason, .. })) => {
            assert!(!reason.is_empty())
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    assert_eq!(q.get().unwrap(), 5);
    assert_eq!(q.dead_len().unwrap(), 2);
    assert_eq!((q.leased().unwrap(), q.unfinished().unwrap()), (0, 1));
}

#[test]
fn items_are_stored_as_the_pickles_cpython_sends() {
    let Some(server) = RedisServer::start(false) else {
        return;
    };
    let q = RedisQueue::<Value>::connect(&server.url(), "pickles").unwrap();
    let v = Value::tuple([Value::Int(3), Value::from("x"), Value::None]);
    q.put(v.clone()).unwrap();
    let mut c = server.connection();
    type Entry = (String, Vec<(String, Vec<u8>)>);
    let raw: Vec<Entry> = redis::cmd("XRANGE")
        .arg("pickles")
        .arg("-")
        .arg("+")
        .query(&mut c)
        .unwrap();
    assert_eq!(raw.len(), 1);
    assert_eq!(raw[0].1, vec![("p".to_string(), pickle::dumps(&v))]);
    assert_eq!(q.get().unwrap(), v);
}

#[test]
fn task_done_and_join_count_tasks() {
    let Some(server) = RedisServer::start(false) else {
        return;
    };
    let q = RedisQueue::<i64>::connect(&server.url(), "join").unwrap();
    assert!(matches!(q.task_done(), Err(RedisQueueError::Refused(_))));
    q.put(1).unwrap();
    q.put(2).unwrap();
    q.get().unwrap();
    q.get().unwrap();
    assert_eq!(q.unfinished().unwrap(), 2);
    let waiter = q.try_clone().unwrap();
    let h = std::thread::spawn(move || waiter.join_timeout(Duration::from_secs(10)).unwrap());
    q.task_done().unwrap();
    q.task_done().unwrap();
    assert!(h.join().unwrap(), "join did not see the tasks done");
    assert!(q.task_done().is_err());
}

#[test]
fn unfinished_never_goes_below_zero_as_in_cpython() {
    let Some(server) = RedisServer::start(false) else {
        return;
    };
    let q = RedisQueue::<i64>::connect(&server.url(), "early").unwrap();
    // CPython lets task_done come before the get (it is only a count)...
    q.put(1).unwrap();
    q.task_done().unwrap();
    assert_eq!(q.unfinished().unwrap(), 0);
    assert!(q.task_done().is_err());
    // ...and finishing the item then does not take the count below zero:
    assert!(q.get_leased().unwrap().ack().unwrap());
    assert_eq!(q.unfinished().unwrap(), 0);
    // the next put counts one again.
    q.put(2).unwrap();
    assert_eq!(q.unfinished().unwrap(), 1);
    assert_eq!(q.get().unwrap(), 2);
    assert_eq!(q.unfinished().unwrap(), 1);
    q.task_done().unwrap();
    assert_eq!(q.unfinished().unwrap(), 0);
    assert!(q.join_timeout(Duration::from_secs(5)).unwrap());
}

#[test]
fn ack_and_get_leased_finishes_one_and_takes_the_next() {
    let Some(server) = RedisServer::start(false) else {
        return;
    };
    let lease_time = Duration::from_millis(300);
    let opts = QueueOptions::new().with_lease_time(lease_time);
    let q = RedisQueue::<i64>::connect_with(&server.url(), "chain", opts.clone()).unwrap();
    q.put(1).unwrap();
    q.put(2).unwrap();
    let first = q.get_leased().unwrap();
    let (acked, next) = first.ack_and_get_leased();
    assert!(acked.unwrap());
    let second = next.unwrap();
    assert_eq!((*second.item(), second.deliveries()), (2, 1));
    assert_eq!(
        (
            q.len().unwrap(),
            q.leased().unwrap(),
            q.unfinished().unwrap()
        ),
        (0, 1, 1)
    );
    // A lease that ran out and went to another consumer is not finished by its first holder,
    // whose call still takes the next item.
    let other = RedisQueue::<i64>::connect_with(&server.url(), "chain", opts).unwrap();
    let stolen = other.get_leased_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!((*stolen.item(), stolen.deliveries()), (2, 2));
    q.put(3).unwrap();
    let (acked, next) = second.ack_and_get_leased_timeout(Duration::from_secs(10));
    assert!(
        !acked.unwrap(),
        "acknowledged a lease another consumer holds"
    );
    let third = next.unwrap();
    assert_eq!(*third.item(), 3);
    assert!(stolen.ack().unwrap());
    // The last: acknowledged, then nothing comes within the timeout.
    let t = Duration::from_millis(200);
    let start = Instant::now();
    let (acked, next) = third.ack_and_get_leased_timeout(t);
    assert!(acked.unwrap());
    assert!(next.unwrap_err().is_timeout());
    within(start.elapsed(), t);
    assert_eq!(
        (
            q.len().unwrap(),
            q.leased().unwrap(),
            q.unfinished().unwrap()
        ),
        (0, 0, 0)
    );
    assert!(q.join_timeout(Duration::from_secs(5)).unwrap());
}

#[test]
fn finished_entries_are_trimmed_and_leased_ones_kept() {
    let Some(server) = RedisServer::start(false) else {
        return;
    };
    let q = RedisQueue::<i64>::connect(&server.url(), "trim").unwrap();
    let mut c = server.connection();
    let xlen =
        |c: &mut redis::Connection| -> usize { redis::cmd("XLEN").arg("trim").query(c).unwrap() };
    for i in 0..1000 {
        q.put(i).unwrap();
    }
    // The oldest entry stays leased while every later one is taken for good: the sweeps
    // may trim nothing at or after it.
    let held = q.get_leased().unwrap();
    assert_eq!(*held.item(), 0);
    for i in 1..1000 {
        assert_eq!(q.get().unwrap(), i);
    }
    assert_eq!((q.len().unwrap(), q.leased().unwrap()), (0, 1));
    assert_eq!(
        xlen(&mut c),
        1000,
        "an entry at or after a lease was trimmed"
    );
    assert!(held.renew().unwrap());
    drop(held); // given back: the next take claims it
    let again = q.get_leased().unwrap();
    assert_eq!((*again.item(), again.deliveries()), (0, 2));
    assert!(again.ack().unwrap());
    // With no lease left, the next sweeps trim the finished entries by whole nodes.
    for i in 0..300 {
        q.put(i).unwrap();
    }
    for i in 0..300 {
        assert_eq!(q.get().unwrap(), i);
    }
    let left = xlen(&mut c);
    assert!(
        left < 400,
        "{left} of 1,300 finished entries still in the stream"
    );
    assert_eq!((q.len().unwrap(), q.leased().unwrap()), (0, 0));
    // The plain gets wait for their task_done; the leased one was finished by its ack.
    assert_eq!(q.unfinished().unwrap(), 999 + 300);
    q.put(7).unwrap();
    assert_eq!(q.len().unwrap(), 1);
    assert_eq!(q.try_get().unwrap(), 7);
}

#[test]
fn the_waiting_count_holds_when_redis_cannot_give_the_lag() {
    let Some(server) = RedisServer::start(false) else {
        return;
    };
    let q = RedisQueue::<i64>::connect(&server.url(), "holes").unwrap();
    let ids: Vec<String> = (0..4)
        .map(|i| q.put_pickle(&pickle::dumps(&Value::Int(i))).unwrap())
        .collect();
    assert_eq!(q.get().unwrap(), 0);
    // An entry deleted by something else after the last delivered one: Redis no longer
    // knows the group's lag (XINFO GROUPS answers nil), and the count is taken by a range.
    let mut c = server.connection();
    let n: i64 = redis::cmd("XDEL")
        .arg("holes")
        .arg(&ids[2])
        .query(&mut c)
        .unwrap();
    assert_eq!(n, 1);
    let groups: redis::Value = redis::cmd("XINFO")
        .arg("GROUPS")
        .arg("holes")
        .query(&mut c)
        .unwrap();
    let redis::Value::Array(groups) = groups else {
        panic!("{groups:?}")
    };
    let redis::Value::Array(fields) = &groups[0] else {
        panic!("{groups:?}")
    };
    let lag = fields
        .chunks(2)
        .find(|kv| kv[0] == redis::Value::BulkString(b"lag".to_vec()))
        .map(|kv| kv[1].clone());
    assert_eq!(lag, Some(redis::Value::Nil), "the lag is known after all");
    assert_eq!(q.len().unwrap(), 2);
    assert_eq!(q.get().unwrap(), 1);
    assert_eq!(q.get().unwrap(), 3);
    assert_eq!(q.len().unwrap(), 0);
}

#[test]
fn an_unreachable_redis_is_a_connection_error() {
    // Nothing listens on a port just freed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let e = RedisQueue::<i64>::connect(&format!("redis://127.0.0.1:{port}/"), "q").unwrap_err();
    assert!(e.is_connection_lost(), "{e}");
    assert!(RedisQueue::<i64>::connect("http://x", "q").is_err());
}

#[test]
fn many_threads_every_item_exactly_once() {
    let Some(server) = RedisServer::start(false) else {
        return;
    };
    const PRODUCERS: i64 = 4;
    const PER: i64 = 500;
    let url = server.url();
    let q = RedisQueue::<i64>::connect(&url, "stress").unwrap();
    let mut handles = Vec::new();
    for p in 0..PRODUCERS {
        let q = q.try_clone().unwrap();
        handles.push(std::thread::spawn(move || {
            for i in 0..PER {
                q.put(p * PER + i).unwrap();
            }
            Vec::new()
        }));
    }
    for c in 0..4 {
        let q = q.try_clone().unwrap();
        handles.push(std::thread::spawn(move || {
            let mut got = Vec::new();
            if c == 3 {
                // Acknowledges each item and takes the next in one call.
                let mut lease = match q.get_leased_timeout(Duration::from_secs(2)) {
                    Ok(l) => l,
                    Err(e) if e.is_timeout() => return got,
                    Err(e) => panic!("consumer {c}: {e}"),
                };
                loop {
                    got.push(*lease.item());
                    let (acked, next) = lease.ack_and_get_leased_timeout(Duration::from_secs(2));
                    assert!(acked.unwrap(), "consumer {c}: a lease not acknowledged");
                    match next {
                        Ok(l) => lease = l,
                        Err(e) if e.is_timeout() => return got,
                        Err(e) => panic!("consumer {c}: {e}"),
                    }
                }
            }
            loop {
                let leased = c % 2 == 0;
                let r = if leased {
                    q.get_leased_timeout(Duration::from_secs(2)).map(|l| {
                        let v = *l.item();
                        assert!(l.ack().unwrap());
                        v
                    })
                } else {
                    q.get_timeout(Duration::from_secs(2))
                };
                match r {
                    Ok(v) => got.push(v),
                    Err(e) if e.is_timeout() => return got,
                    Err(e) => panic!("consumer {c}: {e}"),
                }
            }
        }));
    }
    let mut seen = vec![0u32; (PRODUCERS * PER) as usize];
    let mut plain_gets = 0;
    for (i, h) in handles.into_iter().enumerate() {
        let got = h.join().unwrap();
        // Consumer 1 (after the producers) takes with plain gets, and calls no task_done.
        if i == PRODUCERS as usize + 1 {
            plain_gets = got.len();
        }
        for v in got {
            seen[v as usize] += 1;
        }
    }
    let missing: Vec<usize> = (0..seen.len()).filter(|&i| seen[i] == 0).collect();
    let twice: Vec<usize> = (0..seen.len()).filter(|&i| seen[i] > 1).collect();
    assert!(
        missing.is_empty() && twice.is_empty(),
        "missing {missing:?}, twice {twice:?}"
    );
    assert_eq!(q.leased().unwrap(), 0);
    // Every leased item was finished by its ack; the plain gets wait for their task_done.
    assert_eq!(q.unfinished().unwrap(), plain_gets);
}
