//! Leases on the manager server's in-memory queues (issue 9 §1): a dropped lease, a closed
//! connection and an expired lease each put the item back at the head with its delivery count
//! raised; after `max_deliveries` the item goes to `<typeid>_dead`; `--at-least-once` leases
//! plain `get()`s until `task_done()` (which acks the connection's oldest lease). Extends
//! MP-Q02 (queue get/task_done) to at-least-once delivery.

use std::thread;
use std::time::{Duration, Instant};

use pythreading_mp::managers::{Manager, RunningServer, ServerBuilder, ServerConfig};

const KEY: &str = "lease-test";

fn server(config: ServerConfig) -> RunningServer {
    ServerBuilder::new(KEY)
        .queue("jobs")
        .config(config)
        .bind("127.0.0.1:0")
        .unwrap()
        .spawn()
        .unwrap()
}

fn connect(s: &RunningServer) -> Manager {
    Manager::connect(s.address(), KEY).unwrap()
}

#[test]
fn a_dropped_lease_puts_its_item_back_at_the_head() {
    let s = server(ServerConfig::default());
    let q = connect(&s).queue::<i64>("jobs").unwrap();
    for i in 0..3 {
        q.put(i).unwrap();
    }
    let first = q.get_leased().unwrap();
    assert_eq!((*first, first.deliveries()), (0, 1));
    let stats = s.handle().queue_stats();
    let jobs = &stats.iter().find(|(n, _)| n == "jobs").unwrap().1;
    assert_eq!((jobs.depth, jobs.leased), (2, 1));
    drop(first);
    // Back at the head, ahead of 1 and 2, its count raised.
    let again = q.get_leased().unwrap();
    assert_eq!((*again, again.deliveries()), (0, 2));
    assert_eq!(again.ack().unwrap(), 0);
    assert_eq!(q.get().unwrap(), 1);
    assert_eq!(q.get().unwrap(), 2);
    // An acked lease cannot be acked twice: the server no longer knows it.
    q.put(9).unwrap();
    let l = q.get_leased().unwrap();
    let id = l.id().to_owned();
    l.ack().unwrap();
    assert!(!id.is_empty());
    let stats = s.handle().queue_stats();
    let jobs = &stats.iter().find(|(n, _)| n == "jobs").unwrap().1;
    assert_eq!((jobs.depth, jobs.leased, jobs.dead_lettered), (0, 0, 0));
}

#[test]
fn a_closed_connection_gives_its_leases_back() {
    let s = server(ServerConfig::default());
    let m = connect(&s);
    let q = m.queue::<String>("jobs").unwrap();
    q.put("a".into()).unwrap();
    q.put("b".into()).unwrap();
    // A worker thread takes both under leases on its own connection, then ends without
    // acking: its connection closes with the thread (leases forgotten on purpose, as a
    // killed worker would).
    let m2 = m.clone();
    thread::spawn(move || {
        let q = m2.queue::<String>("jobs").unwrap();
        let a = q.get_leased().unwrap();
        let b = q.get_leased().unwrap();
        assert_eq!((a.item().as_str(), b.item().as_str()), ("a", "b"));
        std::mem::forget(a);
        std::mem::forget(b);
    })
    .join()
    .unwrap();
    // Both come back, in their order, each delivered a second time.
    let a = q.get_leased_timeout(Duration::from_secs(10)).unwrap();
    let b = q.get_leased_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!((a.item().as_str(), a.deliveries()), ("a", 2));
    assert_eq!((b.item().as_str(), b.deliveries()), ("b", 2));
    a.ack().unwrap();
    b.ack().unwrap();
    q.join().unwrap();
}

#[test]
fn an_expired_lease_is_delivered_again_while_its_holder_stays_connected() {
    let timeout = Duration::from_millis(300);
    let s = server(ServerConfig::default().with_lease_timeout(Some(timeout)));
    let q = connect(&s).queue::<i64>("jobs").unwrap();
    q.put(5).unwrap();
    let hung = q.get_leased().unwrap();
    let t0 = Instant::now();
    // Another connection waits; it gets the item once the hung worker's lease runs out.
    let s_addr = s.address();
    let other = thread::spawn(move || {
        let q = Manager::connect(s_addr, KEY)
            .unwrap()
            .queue::<i64>("jobs")
            .unwrap();
        let l = q.get_leased_timeout(Duration::from_secs(10)).unwrap();
        let got = (*l, l.deliveries());
        l.ack().unwrap();
        got
    });
    assert_eq!(other.join().unwrap(), (5, 2));
    let waited = t0.elapsed();
    assert!(
        waited >= timeout.mul_f64(0.6),
        "redelivered after {waited:?}"
    );
    assert!(
        waited < timeout * 10 + Duration::from_secs(2),
        "redelivered after {waited:?}"
    );
    // The hung worker's ack is refused, with its item handed back.
    let err = hung.ack().unwrap_err();
    assert!(err.is_lease_lost(), "{err}");
    assert_eq!(err.into_item(), 5);
}

#[test]
fn an_item_delivered_too_often_goes_to_the_dead_letter_queue() {
    let s = server(ServerConfig::default().with_max_deliveries(3));
    let m = connect(&s);
    let q = m.queue::<String>("jobs").unwrap();
    q.put("poison".into()).unwrap();
    q.put("fine".into()).unwrap();
    for n in 1..=3 {
        let l = q.get_leased().unwrap();
        assert_eq!((l.item().as_str(), l.deliveries()), ("poison", n));
        l.release().unwrap();
    }
    // The fourth delivery does not happen: the next item comes instead.
    let next = q.get_leased_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!((next.item().as_str(), next.deliveries()), ("fine", 1));
    next.ack().unwrap();
    let stats = s.handle().queue_stats();
    let jobs = &stats.iter().find(|(n, _)| n == "jobs").unwrap().1;
    assert_eq!((jobs.depth, jobs.leased, jobs.dead_lettered), (0, 0, 1));
    // The dead letter is served as a queue of its own, `jobs_dead`.
    let dead = m.queue::<String>("jobs_dead").unwrap();
    assert_eq!(dead.get_timeout(Duration::from_secs(5)).unwrap(), "poison");
    // It left `jobs` finished: nothing unfinished there.
    q.join().unwrap();
}

#[test]
fn at_least_once_leases_plain_gets_until_task_done() {
    let s = server(ServerConfig::default().with_at_least_once(true));
    let m = connect(&s);
    let q = m.queue::<i64>("jobs").unwrap();
    for i in 0..4 {
        q.put(i).unwrap();
    }
    // A worker takes two with plain get(), marks the first done, and its connection closes.
    let m2 = m.clone();
    thread::spawn(move || {
        let q = m2.queue::<i64>("jobs").unwrap();
        assert_eq!(q.get().unwrap(), 0);
        assert_eq!(q.get().unwrap(), 1);
        // task_done finishes this connection's OLDEST lease: item 0.
        q.task_done().unwrap();
    })
    .join()
    .unwrap();
    // Item 1 was not done: back at the head, before 2 and 3. Item 0 is gone.
    let mut rest = Vec::new();
    for _ in 0..3 {
        rest.push(q.get_timeout(Duration::from_secs(5)).unwrap());
        q.task_done().unwrap();
    }
    assert_eq!(rest, vec![1, 2, 3]);
    assert!(q.try_get().unwrap_err().is_empty());
    q.join().unwrap();
    let stats = s.handle().queue_stats();
    let jobs = &stats.iter().find(|(n, _)| n == "jobs").unwrap().1;
    assert_eq!((jobs.depth, jobs.leased), (0, 0));
}

#[test]
fn without_the_flag_a_plain_get_is_at_most_once() {
    let s = server(ServerConfig::default());
    let m = connect(&s);
    let q = m.queue::<i64>("jobs").unwrap();
    q.put(1).unwrap();
    q.put(2).unwrap();
    let m2 = m.clone();
    thread::spawn(move || {
        let q = m2.queue::<i64>("jobs").unwrap();
        assert_eq!(q.get().unwrap(), 1);
    })
    .join()
    .unwrap();
    // CPython's behaviour: the item taken by the worker that left is gone.
    assert_eq!(q.get_timeout(Duration::from_secs(5)).unwrap(), 2);
    assert!(q.try_get().unwrap_err().is_empty());
}

// The exposed lists CPython clients see are unchanged: `managers_golden.rs` compares them with
// captured CPython replies (the lease methods are dispatched by name, never listed).
#[test]
fn sync_manager_joinable_queues_have_leases_too() {
    let s = ServerBuilder::new(KEY)
        .sync_manager()
        .at_least_once(true)
        .bind("127.0.0.1:0")
        .unwrap()
        .spawn()
        .unwrap();
    let m = connect(&s);
    let jq = m.new_joinable_queue::<i64>(0).unwrap();
    jq.put(7).unwrap();
    jq.put(8).unwrap();
    let l = jq.get_leased().unwrap();
    assert_eq!(*l, 7);
    l.ack().unwrap();
    // A plain get is leased too (at-least-once), until task_done.
    assert_eq!(jq.get().unwrap(), 8);
    let stats = s.handle().queue_stats();
    let (name, st) = stats
        .iter()
        .find(|(n, _)| n.starts_with("JoinableQueue "))
        .unwrap();
    assert_eq!((st.depth, st.leased), (0, 1), "{name}");
    jq.task_done().unwrap();
    jq.join().unwrap();
}
