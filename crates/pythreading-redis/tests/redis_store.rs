//! The Redis queue storage backend against a real `redis-server`: the `QueueStore` contract
//! (leases, release, release of a closed connection's leases, ack of the oldest, give back,
//! task_done/join, waits that end when the caller goes), and a manager server whose named
//! queues live in Redis, sharing its items with a `RedisQueue`.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::RedisServer;
use pythreading_mp::managers::store::{
    Block, ConsumerId, LeaseTerms, QueueBackend, StoreError, Waiter,
};
use pythreading_mp::managers::{Manager, ServerBuilder};
use pythreading_mp::pickle::Value;
use pythreading_redis::{QueueOptions, RedisBackend, RedisQueue};

fn poll() -> Waiter<'static> {
    Waiter::new(Block::Poll)
}

fn terms(c: u64) -> Option<LeaseTerms> {
    Some(LeaseTerms {
        consumer: ConsumerId(c),
        timeout: None,
    })
}

#[test]
fn the_store_keeps_the_lease_contract() {
    let Some(server) = RedisServer::start(false) else {
        return;
    };
    let backend = RedisBackend::connect(&server.url(), QueueOptions::new()).unwrap();
    assert!(backend.describe().starts_with("redis:"));
    assert!(matches!(
        backend.open("bounded", 3).err(),
        Some(StoreError::MaxsizeUnsupported { maxsize: 3 })
    ));
    let q = backend.open("contract", 0).unwrap();
    assert_eq!(q.take(None, poll()).unwrap_err(), StoreError::Empty);
    for i in 1..=4 {
        q.put(Value::Int(i), poll()).unwrap();
    }
    assert_eq!((q.len(), q.stats().leased), (4, 0));

    // Leased take, release: delivered again with the count raised; the old lease is gone.
    let d = q.take(terms(1), poll()).unwrap();
    assert_eq!((d.item.clone(), d.deliveries), (Value::Int(1), 1));
    assert_eq!((q.len(), q.stats().leased), (3, 1));
    let lease = d.lease.unwrap();
    q.release(&lease).unwrap();
    assert!(matches!(
        q.release(&lease),
        Err(StoreError::UnknownLease(_))
    ));
    assert!(matches!(q.ack(&lease), Err(StoreError::UnknownLease(_))));
    let d = q.take(terms(2), poll()).unwrap();
    assert_eq!((d.item.clone(), d.deliveries), (Value::Int(1), 2));
    q.ack(d.lease.as_ref().unwrap()).unwrap();
    assert!(matches!(
        q.ack(d.lease.as_ref().unwrap()),
        Err(StoreError::UnknownLease(_))
    ));

    // A closed connection's leases come back; ack_oldest finishes the oldest first.
    let a = q.take(terms(3), poll()).unwrap();
    let b = q.take(terms(3), poll()).unwrap();
    assert_eq!((a.item, b.item), (Value::Int(2), Value::Int(3)));
    assert_eq!(q.release_consumer(ConsumerId(3)).unwrap(), 2);
    assert_eq!(q.release_consumer(ConsumerId(3)).unwrap(), 0);
    let a = q.take(terms(4), poll()).unwrap();
    let b = q.take(terms(4), poll()).unwrap();
    assert_eq!((a.deliveries, b.deliveries), (2, 2));
    assert!(q.ack_oldest(ConsumerId(4)).unwrap());
    assert!(matches!(
        q.ack(a.lease.as_ref().unwrap()),
        Err(StoreError::UnknownLease(_))
    ));
    q.ack(b.lease.as_ref().unwrap()).unwrap();
    assert!(!q.ack_oldest(ConsumerId(4)).unwrap());

    // A plain take is for good; give_back returns the item, still unfinished.
    let d = q.take(None, poll()).unwrap();
    assert_eq!((d.item.clone(), d.lease), (Value::Int(4), None));
    q.give_back(d.item).unwrap();
    assert_eq!(q.take(None, poll()).unwrap().item, Value::Int(4));
    assert_eq!(
        q.join(Waiter::new(Block::For(Duration::from_millis(50)))),
        Err(StoreError::Empty)
    );
    assert!(q.task_done().unwrap());
    assert!(!q.task_done().unwrap());
    q.join(Waiter::new(Block::For(Duration::from_secs(5))))
        .unwrap();
}

#[test]
fn waits_time_out_and_end_when_the_caller_goes() {
    let Some(server) = RedisServer::start(false) else {
        return;
    };
    let backend = RedisBackend::connect(&server.url(), QueueOptions::new()).unwrap();
    let q = backend.open("waits", 0).unwrap();
    let t = Duration::from_millis(300);
    let start = Instant::now();
    assert_eq!(
        q.take(None, Waiter::new(Block::For(t))).unwrap_err(),
        StoreError::Empty
    );
    let e = start.elapsed();
    assert!(e >= t.mul_f64(0.6) && e < t * 10, "waited {e:?}");
    let gone = || true;
    let start = Instant::now();
    assert_eq!(
        q.take(terms(1), Waiter::new(Block::Forever).watching(&gone))
            .unwrap_err(),
        StoreError::CallerGone
    );
    assert!(start.elapsed() < Duration::from_secs(5));
    q.shutdown(false);
    assert_eq!(
        q.put(Value::None, poll()).unwrap_err(),
        StoreError::ShutDown
    );
    assert_eq!(
        q.take(None, Waiter::new(Block::Forever)).unwrap_err(),
        StoreError::ShutDown
    );
}

#[test]
fn a_manager_server_on_redis_shares_items_with_redis_queues() {
    let Some(redis) = RedisServer::start(false) else {
        return;
    };
    let backend = RedisBackend::connect(&redis.url(), QueueOptions::new()).unwrap();
    let server = ServerBuilder::new("k")
        .queue("get_task_queue")
        .backend(Arc::new(backend))
        .bind("127.0.0.1:0")
        .unwrap()
        .spawn()
        .unwrap();
    let direct = RedisQueue::<i64>::connect(&redis.url(), "get_task_queue").unwrap();
    direct.put(41).unwrap();
    let m = Manager::connect(server.address(), "k").unwrap();
    let served = m.queue::<i64>("get_task_queue").unwrap();
    assert_eq!(served.get_timeout(Duration::from_secs(5)).unwrap(), 41);
    served.put(42).unwrap();
    assert_eq!(direct.get_timeout(Duration::from_secs(5)).unwrap(), 42);
    assert_eq!(served.len().unwrap(), 0);
}
