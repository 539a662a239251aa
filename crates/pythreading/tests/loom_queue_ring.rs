//! loom models of the bounded `Queue`'s lock-free ring (`src/queue/ring.rs`) and of the parking
//! layer above it (`src/queue/ring_queue.rs`): the stamp protocol that publishes an item, the
//! wrap into the next lap, every parking path (a get on an empty ring, a put on a full one, a
//! `join`) and the shutdown mark racing a put.
//!
//! The ring keeps its items in loom's `UnsafeCell` under `--cfg loom`, so every model here also
//! checks the publication protocol itself: loom fails a model if any interleaving lets two
//! threads touch one slot's item without a release/acquire pair on its stamp between them.
//!
//! Run: `RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom cargo test --release -p pythreading --test loom_queue_ring`.
//! A `Queue::bounded(n)` with a small `n` is always a ring. Only untimed operations appear here:
//! loom's timed waits never time out.
#![cfg(loom)]

use loom::sync::Arc;
use loom::thread;
use pythreading::queue::{GetError, PutError, Queue, TryGetError, TryPutError};

fn model(f: impl Fn() + Sync + Send + 'static) {
    model_bounded(2, f);
}

fn model_bounded(preemptions: usize, f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(preemptions);
    builder.check(f);
}

// P-04, R-06: two producers publish into one ring while a consumer takes; each item arrives
// once, and a producer's items arrive in its order.
#[test]
fn two_producers_publish_each_item_once() {
    model(|| {
        let q = Arc::new(Queue::bounded(2));
        let producers: Vec<_> = [10, 20]
            .into_iter()
            .map(|base| {
                let q = Arc::clone(&q);
                thread::spawn(move || q.try_put(base).is_ok())
            })
            .collect();
        let mut got = Vec::new();
        while got.len() < 2 {
            match q.try_get() {
                Ok(x) => got.push(x),
                Err(TryGetError::Empty) => thread::yield_now(),
                Err(TryGetError::ShutDown) => unreachable!(),
            }
        }
        for p in producers {
            assert!(p.join().unwrap(), "a ring of 2 had room for both");
        }
        got.sort_unstable();
        assert_eq!(got, [10, 20]);
        assert!(q.is_empty());
    });
}

// The ring wraps into its next lap: a capacity-1 ring passes three items in order, the put
// parking on the full ring and the get parking on the empty one.
#[test]
fn one_slot_ring_wraps_laps_in_order() {
    model(|| {
        let q = Arc::new(Queue::bounded(1));
        let producer = {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                for i in 1..=3 {
                    q.put(i).unwrap();
                }
            })
        };
        for i in 1..=3 {
            assert_eq!(q.get(), Ok(i));
        }
        producer.join().unwrap();
        assert_eq!(q.len(), 0);
    });
}

// Two getters park on an empty ring; two puts must wake both (no lost wake-up).
#[test]
fn two_parked_getters_are_both_woken() {
    // Three threads: one preemption keeps the model to seconds.
    model_bounded(1, || {
        let q = Arc::new(Queue::bounded(2));
        let getters: Vec<_> = (0..2)
            .map(|_| {
                let q = Arc::clone(&q);
                thread::spawn(move || q.get().unwrap())
            })
            .collect();
        q.put(1).unwrap();
        q.put(2).unwrap();
        let mut got: Vec<i32> = getters.into_iter().map(|g| g.join().unwrap()).collect();
        got.sort_unstable();
        assert_eq!(got, [1, 2]);
    });
}

// P-08: `join` on a ring-backed queue returns once the worker marks the item done, and not
// before.
#[test]
fn join_waits_for_task_done() {
    model(|| {
        let q = Arc::new(Queue::bounded(1));
        q.put(7).unwrap();
        let worker = {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                assert_eq!(q.get(), Ok(7));
                q.task_done().unwrap();
            })
        };
        q.join();
        assert_eq!(q.unfinished_tasks(), 0);
        worker.join().unwrap();
    });
}

// P-25, P-27, P-32: shutdown releases a getter parked on an empty ring and a putter parked on
// a full one; the putter gets its item back and the queued item is still handed out.
#[test]
fn shutdown_releases_parked_getter_and_putter() {
    model(|| {
        let empty = Arc::new(Queue::<u8>::bounded(1));
        let full = Arc::new(Queue::bounded(1));
        full.put(1).unwrap();
        let getter = {
            let q = Arc::clone(&empty);
            thread::spawn(move || q.get())
        };
        let putter = {
            let q = Arc::clone(&full);
            thread::spawn(move || q.put(2))
        };
        empty.shutdown();
        full.shutdown();
        assert_eq!(getter.join().unwrap(), Err(GetError::ShutDown));
        assert_eq!(putter.join().unwrap(), Err(PutError::ShutDown(2)));
        assert_eq!(full.get(), Ok(1));
        assert_eq!(full.get(), Err(GetError::ShutDown));
    });
}

// P-28, P-29: `shutdown_immediate` racing a put: the put either fails with its item or lands
// before the mark and is drained; nothing stays behind and no task stays unfinished.
#[test]
fn immediate_shutdown_racing_a_put_leaves_nothing() {
    model(|| {
        let q = Arc::new(Queue::bounded(2));
        let putter = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.put(5))
        };
        q.shutdown_immediate();
        let put = putter.join().unwrap();
        assert!(
            matches!(put, Ok(()) | Err(PutError::ShutDown(5))),
            "{put:?}"
        );
        assert_eq!(q.try_get(), Err(TryGetError::ShutDown));
        assert_eq!(q.len(), 0);
        assert_eq!(q.unfinished_tasks(), 0);
    });
}

/// An item that counts its drops (a plain std counter: the models only read it after joining).
struct Counted(u32, std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.1.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

// on a one-slot ring, the put of the next lap races the get reading out this lap's
// item: heap items are moved in and out of the slot by one thread at a time (loom's cell
// checks it) and arrive in order.
#[test]
fn heap_items_pass_a_one_slot_ring_in_order() {
    model(|| {
        let q = Arc::new(Queue::bounded(1));
        let producer = {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                for n in 1..=2u32 {
                    q.put(Box::new(n)).unwrap();
                }
            })
        };
        for n in 1..=2u32 {
            assert_eq!(q.get().map(|item| *item), Ok(n));
        }
        producer.join().unwrap();
        assert!(q.is_empty());
    });
}

// Two puts race for the one slot of a ring while a get races them: at least one put gets in
// (the slot starts free), a refused put has its own item back, and the items that went in
// come out once each (the get's, then a drain).
#[test]
fn two_puts_and_a_get_race_for_one_slot() {
    model(|| {
        let q = Arc::new(Queue::bounded(1));
        let producers: Vec<_> = [1u32, 2]
            .into_iter()
            .map(|n| {
                let q = Arc::clone(&q);
                thread::spawn(move || match q.try_put(Box::new(n)) {
                    Ok(()) => Some(n),
                    Err(TryPutError::Full(back)) => {
                        assert_eq!(*back, n, "a refused put got another item back");
                        None
                    }
                    Err(TryPutError::ShutDown(_)) => unreachable!(),
                })
            })
            .collect();
        let mut got: Vec<u32> = q.try_get().into_iter().map(|item| *item).collect();
        let mut accepted: Vec<u32> = producers
            .into_iter()
            .filter_map(|p| p.join().unwrap())
            .collect();
        while let Ok(item) = q.try_get() {
            got.push(*item);
        }
        assert!(!accepted.is_empty(), "the first put found the slot free");
        got.sort_unstable();
        accepted.sort_unstable();
        assert_eq!(got, accepted, "what went in came out, once");
    });
}

// A queue dropped with items in its ring drops each of them once, including the item a racing
// put published just before the drop (the drop comes after the join, so it sees the stamp).
#[test]
fn dropping_the_queue_drops_each_item_left_once() {
    model(|| {
        let drops = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let q = Arc::new(Queue::bounded(2));
        let producer = {
            let (q, drops) = (Arc::clone(&q), std::sync::Arc::clone(&drops));
            thread::spawn(move || {
                for n in 0..2 {
                    assert!(q.try_put(Counted(n, std::sync::Arc::clone(&drops))).is_ok());
                }
            })
        };
        // Races the producer: takes the first item if it is there yet.
        let taken = q.try_get().ok();
        producer.join().unwrap();
        if let Some(item) = &taken {
            assert_eq!(item.0, 0, "the first item put comes out first");
        }
        drop(taken);
        drop(q);
        assert_eq!(drops.load(std::sync::atomic::Ordering::Relaxed), 2);
    });
}

// A get that finds the head slot claimed by a put that has not yet published it parks (it
// does not spin on the slot), and the put's publication wakes it: no lost wake-up in any
// interleaving of the claim, the write, the swap that publishes, and the getter's
// registration and re-check.
#[test]
fn get_parks_on_a_put_in_flight_and_is_woken() {
    model(|| {
        let q = Arc::new(Queue::bounded(2));
        let getter = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.get())
        };
        q.put(Box::new(7u32)).unwrap();
        assert_eq!(getter.join().unwrap().map(|item| *item), Ok(7));
        assert!(q.is_empty());
    });
}

// Symmetric: on a full one-slot ring, a put that finds the slot's item claimed by a get still
// reading it out parks, and the get's release of the slot wakes it.
#[test]
fn put_parks_on_a_get_in_flight_and_is_woken() {
    model(|| {
        let q = Arc::new(Queue::bounded(1));
        q.put(Box::new(1u32)).unwrap();
        let getter = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.get().map(|item| *item))
        };
        q.put(Box::new(2u32)).unwrap();
        assert_eq!(getter.join().unwrap(), Ok(1));
        assert_eq!(q.get().map(|item| *item), Ok(2));
    });
}

// Two getters wait while two puts race: a put that claimed its slot behind the head before a
// getter's re-check does not see that getter, so the getter woken for the head item passes
// the turn on; both getters get an item.
#[test]
fn two_getters_and_two_racing_puts_each_get_one() {
    // Four threads: one preemption keeps the model to seconds.
    model_bounded(1, || {
        let q = Arc::new(Queue::bounded(2));
        let getters: Vec<_> = (0..2)
            .map(|_| {
                let q = Arc::clone(&q);
                thread::spawn(move || q.get().unwrap())
            })
            .collect();
        let putter = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.put(1).unwrap())
        };
        q.put(2).unwrap();
        putter.join().unwrap();
        let mut got: Vec<i32> = getters.into_iter().map(|g| g.join().unwrap()).collect();
        got.sort_unstable();
        assert_eq!(got, [1, 2]);
    });
}
