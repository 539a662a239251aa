//! Group P, items common to `Queue`, `LifoQueue` and `PriorityQueue` (P-01 … P-17), run once per
//! kind. Blocking tests follow CPython's `do_blocking_test`: a trigger thread unblocks the call,
//! which must not return before the trigger fired; the trigger fires once the blocking
//! call is seen parked (from `/proc`), not after a sleep that a slow machine may outlast.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

mod timing;
use timing::assert_timeout;

/// Runs `block` while a trigger thread waits until this thread is parked in it and then runs
/// `trigger`; checks that `block` returned only after the trigger fired (A-05, P-04, P-05).
fn blocking_test<R>(block: impl FnOnce() -> R, trigger: impl FnOnce() + Send + 'static) -> R {
    let fired = Arc::new(AtomicBool::new(false));
    let me = timing::thread_id();
    let t = {
        let fired = Arc::clone(&fired);
        thread::spawn(move || {
            timing::wait_parked(me);
            fired.store(true, Ordering::SeqCst);
            trigger();
        })
    };
    let out = block();
    assert!(
        fired.load(Ordering::SeqCst),
        "blocking call returned before the trigger"
    );
    t.join().unwrap();
    out
}

macro_rules! common_tests {
    ($module:ident, $kind:ident, $order:expr) => {
        mod $module {
            use super::*;
            use pythreading::queue::{
                GetError, GetTimeoutError, PutTimeoutError, TaskDoneError, TryGetError,
                TryPutError, $kind as Q,
            };

            /// The order `get` returns 111, 333, 222 in (P-02).
            const ORDER: [i32; 3] = $order;

            // P-01
            #[test]
            fn fresh_queue_is_empty_and_not_full() {
                let q = Q::<i32>::bounded(5);
                assert!(q.is_empty());
                assert!(!q.is_full());
                assert_eq!(q.len(), 0);
                assert_eq!(q.capacity(), Some(5));
            }

            // P-02, R-06
            #[test]
            fn order_of_111_333_222() {
                let q = Q::unbounded();
                for x in [111, 333, 222] {
                    q.put(x).unwrap();
                }
                let got = [q.get().unwrap(), q.get().unwrap(), q.get().unwrap()];
                assert_eq!(got, ORDER);
            }

            // P-03
            #[test]
            fn full_queue_refuses_nowait_and_timed_puts() {
                let q = Q::bounded(5);
                for i in 0..5 {
                    q.put(i).unwrap();
                }
                assert!(q.is_full());
                assert_eq!(q.len(), 5);
                assert_eq!(q.try_put(9), Err(TryPutError::Full(9)));
                // T = 100 ms: CPython's bounds (≥ 0.6·T, < 10·T) stay meaningful on a loaded
                // machine, where a 10 ms timeout capped at 100 ms is not.
                let t = Duration::from_millis(100);
                let start = Instant::now();
                assert_eq!(q.put_timeout(9, t), Err(PutTimeoutError::Timeout(9)));
                assert_timeout(start.elapsed(), t);
                assert_eq!(q.len(), 5);
            }

            // P-04
            #[test]
            fn blocking_put_waits_for_a_get() {
                let q = Arc::new(Q::bounded(1));
                q.put(1).unwrap();
                let q2 = Arc::clone(&q);
                blocking_test(
                    || q.put(2).unwrap(),
                    move || {
                        q2.get().unwrap();
                    },
                );
                assert_eq!(q.len(), 1);
                let q2 = Arc::clone(&q);
                blocking_test(
                    || q.put_timeout(3, Duration::from_secs(10)).unwrap(),
                    move || {
                        q2.get().unwrap();
                    },
                );
                assert_eq!(q.get(), Ok(3));
            }

            // P-05, A-06
            #[test]
            fn empty_queue_refuses_nowait_and_timed_gets_and_blocking_get_waits() {
                let q = Arc::new(Q::<i32>::bounded(3));
                assert_eq!(q.try_get(), Err(TryGetError::Empty));
                // T = 100 ms: CPython's bounds (≥ 0.6·T, < 10·T) stay meaningful on a loaded
                // machine, where a 10 ms timeout capped at 100 ms is not.
                let t = Duration::from_millis(100);
                let start = Instant::now();
                assert_eq!(q.get_timeout(t), Err(GetTimeoutError::Timeout));
                assert_timeout(start.elapsed(), t);
                let q2 = Arc::clone(&q);
                let got = blocking_test(|| q.get().unwrap(), move || q2.put(7).unwrap());
                assert_eq!(got, 7);
                let q2 = Arc::clone(&q);
                let got = blocking_test(
                    || q.get_timeout(Duration::from_secs(10)).unwrap(),
                    move || q2.put(8).unwrap(),
                );
                assert_eq!(got, 8);
            }

            // P-06
            #[test]
            fn reusable_across_fill_drain_cycles() {
                let q = Q::bounded(4);
                for _ in 0..3 {
                    for i in 0..4 {
                        q.try_put(i).unwrap();
                    }
                    assert!(q.is_full());
                    let mut got: Vec<i32> = q.try_iter().collect();
                    got.sort();
                    assert_eq!(got, [0, 1, 2, 3]);
                    assert!(q.is_empty());
                }
            }

            // P-07
            #[test]
            fn task_done_without_put_is_an_error() {
                let q = Q::<i32>::unbounded();
                assert_eq!(q.task_done(), Err(TaskDoneError));
                assert_eq!(q.unfinished_tasks(), 0);
            }

            // P-08
            #[test]
            fn join_waits_for_two_workers() {
                use std::sync::atomic::AtomicI64;
                let q = Arc::new(Q::unbounded());
                let sum = Arc::new(AtomicI64::new(0));
                let workers: Vec<_> = (0..2)
                    .map(|_| {
                        let (q, sum) = (Arc::clone(&q), Arc::clone(&sum));
                        thread::spawn(move || {
                            for x in &*q {
                                if x < 0 {
                                    q.task_done().unwrap();
                                    break;
                                }
                                sum.fetch_add(i64::from(x), Ordering::SeqCst);
                                q.task_done().unwrap();
                            }
                        })
                    })
                    .collect();
                for round in 0..2 {
                    sum.store(0, Ordering::SeqCst);
                    for i in 0..100 {
                        q.put(i).unwrap();
                    }
                    q.join();
                    assert_eq!(sum.load(Ordering::SeqCst), 4950, "round {round}");
                }
                for _ in 0..2 {
                    q.put(-1).unwrap();
                }
                q.join();
                for w in workers {
                    w.join().unwrap();
                }
                assert_eq!(q.task_done(), Err(TaskDoneError));
            }

            // P-08 with four workers and two joiners; `join_timeout`: it expires within
            // A-01's window while tasks are unfinished, and a long one returns true once the last
            // task is done, only after the trigger fired.
            #[test]
            fn join_timeout_with_four_workers() {
                let q = Arc::new(Q::<u32>::unbounded());
                for i in 0..400 {
                    q.put(i).unwrap();
                }
                let t = Duration::from_millis(50);
                let start = Instant::now();
                assert!(!q.join_timeout(t));
                assert_timeout(start.elapsed(), t);
                assert_eq!(q.unfinished_tasks(), 400);
                let joiners: Vec<_> = (0..2)
                    .map(|_| {
                        let q = Arc::clone(&q);
                        thread::spawn(move || q.join_timeout(Duration::from_secs(30)))
                    })
                    .collect();
                // The workers start only when the trigger fires; all but one task get done.
                let q2 = Arc::clone(&q);
                let held = blocking_test(
                    || {
                        // Blocks until every task is done, including the held one below.
                        let done = q.join_timeout(Duration::from_secs(30));
                        assert!(done);
                        q.unfinished_tasks()
                    },
                    move || {
                        let held = q2.get().unwrap();
                        let workers: Vec<_> = (0..4)
                            .map(|_| {
                                let q = Arc::clone(&q2);
                                thread::spawn(move || {
                                    while let Ok(_x) = q.try_get() {
                                        q.task_done().unwrap();
                                    }
                                })
                            })
                            .collect();
                        for w in workers {
                            w.join().unwrap();
                        }
                        assert_eq!(q2.unfinished_tasks(), 1);
                        assert!(held < 400);
                        q2.task_done().unwrap();
                    },
                );
                assert_eq!(held, 0);
                for j in joiners {
                    assert!(j.join().unwrap());
                }
                assert_eq!(q.task_done(), Err(TaskDoneError));
            }

            // P-11
            #[test]
            fn nowait_on_five_slots() {
                let q = Q::bounded(5);
                for i in 0..5 {
                    q.try_put(i).unwrap();
                }
                assert!(q.try_put(5).unwrap_err().is_full());
                for _ in 0..5 {
                    q.try_get().unwrap();
                }
                assert!(q.try_get().unwrap_err().is_empty());
            }

            // P-14
            #[test]
            fn unbounded_is_never_full_and_zero_timeouts_poll() {
                let q = Q::unbounded();
                for i in 0..1000 {
                    q.put(i).unwrap();
                    assert!(!q.is_full());
                }
                assert_eq!(Q::<i32>::from_maxsize(0).capacity(), None);
                assert_eq!(Q::<i32>::from_maxsize(-1).capacity(), None);
                let empty = Q::<i32>::unbounded();
                let start = Instant::now();
                assert_eq!(
                    empty.get_timeout(Duration::ZERO),
                    Err(GetTimeoutError::Timeout)
                );
                let full = Q::bounded(1);
                full.put(1).unwrap();
                assert_eq!(
                    full.put_timeout(2, Duration::ZERO),
                    Err(PutTimeoutError::Timeout(2))
                );
                assert!(start.elapsed() < Duration::from_millis(500));
            }

            // P-15
            #[test]
            fn unfinished_tasks_counts_puts_minus_task_done() {
                let q = Q::bounded(3);
                q.put(1).unwrap();
                q.put(2).unwrap();
                assert!(q.try_put(3).is_ok());
                assert_eq!(q.unfinished_tasks(), 3);
                assert!(q.try_put(4).is_err()); // a refused put is not counted
                assert_eq!(q.unfinished_tasks(), 3);
                q.get().unwrap();
                assert_eq!(q.unfinished_tasks(), 3); // get alone does not finish a task
                q.task_done().unwrap();
                assert_eq!(q.unfinished_tasks(), 2);
                assert!(!q.join_timeout(Duration::from_millis(10)));
                q.task_done().unwrap();
                q.task_done().unwrap();
                assert!(q.join_timeout(Duration::ZERO));
            }

            // Duration::MAX waits (and never panics); a tiny timeout expires.
            #[test]
            fn duration_max_means_forever_and_does_not_panic() {
                let q = Arc::new(Q::bounded(1));
                let q2 = Arc::clone(&q);
                let got = blocking_test(
                    || q.get_timeout(Duration::MAX).unwrap(),
                    move || q2.put(5).unwrap(),
                );
                assert_eq!(got, 5);
                q.put_timeout(6, Duration::MAX).unwrap();
                assert!(!q.join_timeout(Duration::from_nanos(1)));
                assert_eq!(q.get_timeout(Duration::from_nanos(10)), Ok(6));
            }

            // a timed wait never returns before its deadline (no 0.6 slack needed).
            #[test]
            fn timed_waits_never_return_early() {
                let t = Duration::from_millis(30);
                let q = Q::<i32>::bounded(1);
                let start = Instant::now();
                assert!(q.get_timeout(t).unwrap_err().is_timeout());
                assert!(start.elapsed() >= t);
                q.put(1).unwrap();
                let start = Instant::now();
                assert!(q.put_timeout(2, t).unwrap_err().is_timeout());
                assert!(start.elapsed() >= t);
                let start = Instant::now();
                assert!(!q.join_timeout(t));
                assert!(start.elapsed() >= t);
            }

            // bounded(0) is literal: it can never hold an item.
            #[test]
            fn capacity_zero_is_always_full() {
                let q = Q::bounded(0);
                assert!(q.is_full());
                assert_eq!(q.try_put(1), Err(TryPutError::Full(1)));
                assert!(
                    q.put_timeout(1, Duration::from_millis(5))
                        .unwrap_err()
                        .is_timeout()
                );
                q.shutdown();
                assert!(q.put(1).unwrap_err().is_shut_down());
                assert_eq!(q.get(), Err(GetError::ShutDown));
            }

            // Errors hand back the refused item, even one that is neither Clone nor Debug.
            #[test]
            fn refused_items_come_back() {
                #[derive(PartialEq, Eq, PartialOrd, Ord)]
                struct Opaque(u8);
                let q = Q::bounded(1);
                q.put(Opaque(1)).map_err(|_| ()).unwrap();
                let back = q.try_put(Opaque(2)).unwrap_err();
                assert!(back.is_full());
                assert_eq!(back.into_inner().0, 2);
                assert_eq!(
                    format!("{back:?}", back = q.try_put(Opaque(3)).unwrap_err()),
                    "Full(..)"
                );
                q.shutdown();
                assert_eq!(q.put(Opaque(4)).unwrap_err().into_inner().0, 4);
            }
        }
    };
}

// PriorityQueue needs `Ord` items, so the same tests run with i32 for all three kinds.

common_tests!(fifo, Queue, [111, 333, 222]);
common_tests!(lifo, LifoQueue, [222, 333, 111]);
common_tests!(priority, PriorityQueue, [111, 222, 333]);

// P-16: tuples order by their first field, then the next; equal items come out first in, first
// out (a documented promise `heapq` does not make).
#[test]
fn priority_orders_tuples_and_keeps_equal_items_fifo() {
    use pythreading::queue::PriorityQueue;
    let q = PriorityQueue::unbounded();
    q.put((2, "b")).unwrap();
    q.put((1, "z")).unwrap();
    q.put((2, "a")).unwrap();
    q.put((1, "y")).unwrap();
    let got: Vec<_> = q.try_iter().collect();
    assert_eq!(got, [(1, "y"), (1, "z"), (2, "a"), (2, "b")]);

    // Equal keys: a payload that does not take part in the order shows the arrival order.
    #[derive(Debug)]
    struct ByKey(u8, &'static str);
    impl PartialEq for ByKey {
        fn eq(&self, o: &Self) -> bool {
            self.0 == o.0
        }
    }
    impl Eq for ByKey {}
    impl PartialOrd for ByKey {
        fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
            Some(self.cmp(o))
        }
    }
    impl Ord for ByKey {
        fn cmp(&self, o: &Self) -> std::cmp::Ordering {
            self.0.cmp(&o.0)
        }
    }
    let q = PriorityQueue::unbounded();
    for (k, name) in [(5, "first"), (1, "one"), (5, "second"), (5, "third")] {
        q.put(ByKey(k, name)).unwrap();
    }
    let names: Vec<_> = q.try_iter().map(|b| b.1).collect();
    assert_eq!(names, ["one", "first", "second", "third"]);
}

// PriorityQueue pops the smallest: the opposite of BinaryHeap.
#[test]
fn priority_is_the_opposite_of_binary_heap() {
    use pythreading::queue::PriorityQueue;
    let mut heap = std::collections::BinaryHeap::from(vec![3, 1, 2]);
    let q = PriorityQueue::unbounded();
    for x in [3, 1, 2] {
        q.put(x).unwrap();
    }
    assert_eq!(heap.pop(), Some(3));
    assert_eq!(q.get(), Ok(1));
    // Reverse gives largest-first when wanted.
    let q = PriorityQueue::unbounded();
    for x in [3, 1, 2] {
        q.put(std::cmp::Reverse(x)).unwrap();
    }
    assert_eq!(q.get().unwrap().0, 3);
}

// P-17: the queue types are generic (`Queue[int]` in Python) and each error is its own type.
#[test]
fn public_types_are_send_sync_and_errors_are_errors() {
    use pythreading::queue::*;
    fn send_sync<T: Send + Sync>() {}
    fn error<E: std::error::Error + Send + Sync + 'static>() {}
    send_sync::<Queue<String>>();
    send_sync::<LifoQueue<String>>();
    send_sync::<PriorityQueue<String>>();
    send_sync::<SimpleQueue<String>>();
    send_sync::<Iter<'static, String>>();
    send_sync::<TryIter<'static, String>>();
    error::<PutError<String>>();
    error::<TryPutError<String>>();
    error::<PutTimeoutError<String>>();
    error::<GetError>();
    error::<TryGetError>();
    error::<GetTimeoutError>();
    error::<TaskDoneError>();
    assert_eq!(TryPutError::Full(1).to_string(), "the queue is full");
    assert_eq!(TryGetError::Empty.to_string(), "the queue is empty");
    assert_eq!(GetError::ShutDown.to_string(), "the queue is shut down");
    assert_eq!(
        TaskDoneError.to_string(),
        "task_done() called too many times"
    );
    // Narrow errors widen.
    assert_eq!(
        TryPutError::from(PutError::ShutDown(1)),
        TryPutError::ShutDown(1)
    );
    assert_eq!(
        GetTimeoutError::from(GetError::ShutDown),
        GetTimeoutError::ShutDown
    );
}

// Memory: an idle queue is a few words (no thread, no item storage until the first put).
#[test]
fn an_idle_queue_is_small() {
    use pythreading::queue::*;
    assert!(std::mem::size_of::<Queue<u64>>() <= 192);
    assert!(std::mem::size_of::<LifoQueue<u64>>() <= 192);
    // The priority store's tie-break counter and the queue's name label (16 bytes) go past 192.
    assert!(std::mem::size_of::<PriorityQueue<u64>>() <= 208);
    assert!(std::mem::size_of::<SimpleQueue<u64>>() <= 192);
    // Debug does not need `T: Debug`.
    struct NoDebug;
    let q = Queue::bounded(2);
    q.put(NoDebug).map_err(|_| ()).unwrap();
    assert_eq!(
        format!("{q:?}"),
        "Queue { len: 1, capacity: Some(2), unfinished_tasks: 1, shut_down: false }"
    );
}

// P-13, S-22: a `PriorityQueue` compares items (`Ord`, user code) while it holds its lock. A
// comparison that panics is the Rust form of a raising `_put`/`_get` storage hook: the panic
// reaches the caller of every put and get flavour alike, a failed put leaves `len()` and
// `unfinished_tasks()` unchanged and the item out of the queue, a failed get leaves the item in
// it, and blocked callers can still be woken afterwards.
mod panicking_comparison {
    use std::panic::{AssertUnwindSafe, catch_unwind};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::thread;
    use std::time::Duration;

    use pythreading::queue::PriorityQueue;

    /// Comparisons left before one panics (0: never). Only this module's tests compare
    /// `Touchy`s, and they take `SERIAL` so they do not share the countdown.
    static COUNTDOWN: AtomicUsize = AtomicUsize::new(0);
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

    #[derive(Debug)]
    struct Touchy(u32);
    impl PartialEq for Touchy {
        fn eq(&self, o: &Self) -> bool {
            self.cmp(o) == std::cmp::Ordering::Equal
        }
    }
    impl Eq for Touchy {}
    impl PartialOrd for Touchy {
        fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
            Some(self.cmp(o))
        }
    }
    impl Ord for Touchy {
        fn cmp(&self, o: &Self) -> std::cmp::Ordering {
            let left = COUNTDOWN.load(Ordering::SeqCst);
            if left == 1 {
                COUNTDOWN.store(0, Ordering::SeqCst);
                panic!("comparison failed");
            }
            if left > 1 {
                COUNTDOWN.store(left - 1, Ordering::SeqCst);
            }
            self.0.cmp(&o.0)
        }
    }

    fn fail_next_comparison() {
        COUNTDOWN.store(1, Ordering::SeqCst);
    }

    fn panics(f: impl FnOnce()) -> bool {
        catch_unwind(AssertUnwindSafe(f)).is_err()
    }

    /// One flavour of put or get, called on the queue.
    type Op<'a> = &'a dyn Fn(&PriorityQueue<Touchy>);

    fn drain(q: &PriorityQueue<Touchy>) -> Vec<u32> {
        q.try_iter().map(|t| t.0).collect()
    }

    #[test]
    fn every_flavour_fails_cleanly() {
        let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let q = PriorityQueue::bounded(8);
        for x in [5, 3, 8, 1] {
            q.put(Touchy(x)).unwrap();
        }
        let t = Duration::from_secs(1);
        let puts: [Op<'_>; 3] = [
            &|q| drop(q.put(Touchy(2))),
            &|q| drop(q.try_put(Touchy(2))),
            &|q| drop(q.put_timeout(Touchy(2), t)),
        ];
        for put in puts {
            fail_next_comparison();
            assert!(panics(|| put(&q)), "the panic reaches the putter");
            assert_eq!(q.len(), 4);
            assert_eq!(q.unfinished_tasks(), 4);
        }
        let gets: [Op<'_>; 3] = [&|q| drop(q.get()), &|q| drop(q.try_get()), &|q| {
            drop(q.get_timeout(t))
        }];
        for get in gets {
            fail_next_comparison();
            assert!(panics(|| get(&q)), "the panic reaches the getter");
            assert_eq!(q.len(), 4);
            assert_eq!(q.unfinished_tasks(), 4);
        }
        // Nothing lost, nothing added, still smallest first.
        assert_eq!(drain(&q), [1, 3, 5, 8]);
    }

    #[test]
    fn a_blocked_putter_is_still_woken() {
        let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let q = Arc::new(PriorityQueue::bounded(4));
        for x in [5, 3, 8, 1] {
            q.put(Touchy(x)).unwrap();
        }
        // the putter is parked on the full queue (observed, not slept on).
        let putter = {
            let q = Arc::clone(&q);
            crate::timing::spawn_parked(move || q.put(Touchy(0)).is_ok())
        };
        fail_next_comparison();
        assert!(panics(|| drop(q.get())));
        assert_eq!(q.len(), 4);
        assert_eq!(q.get().unwrap().0, 1); // frees a slot: the putter must wake
        assert!(putter.join().unwrap());
        assert_eq!(q.unfinished_tasks(), 5);
        assert_eq!(drain(&q), [0, 3, 5, 8]);
    }

    // S-21 with P-13: the item of a put whose comparison panicked is dropped after the queue is
    // unlocked, so its `Drop` may use the queue (here: put another item). Run on a thread with a
    // bounded wait, so that a regression (a drop under the lock) fails instead of hanging.
    #[test]
    fn the_refused_item_is_dropped_outside_the_lock() {
        let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        struct Boomerang {
            key: Touchy,
            back: Option<Arc<PriorityQueue<Boomerang>>>,
        }
        impl PartialEq for Boomerang {
            fn eq(&self, o: &Self) -> bool {
                self.key == o.key
            }
        }
        impl Eq for Boomerang {}
        impl PartialOrd for Boomerang {
            fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
                Some(self.cmp(o))
            }
        }
        impl Ord for Boomerang {
            fn cmp(&self, o: &Self) -> std::cmp::Ordering {
                self.key.cmp(&o.key)
            }
        }
        impl Drop for Boomerang {
            fn drop(&mut self) {
                if let Some(q) = self.back.take() {
                    let marker = Boomerang {
                        key: Touchy(99),
                        back: None,
                    };
                    assert!(q.try_put(marker).is_ok());
                }
            }
        }
        let q = Arc::new(PriorityQueue::unbounded());
        for x in [5, 3] {
            assert!(
                q.put(Boomerang {
                    key: Touchy(x),
                    back: None
                })
                .is_ok()
            );
        }
        let (tx, rx) = std::sync::mpsc::channel();
        let putter = {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                fail_next_comparison();
                let item = Boomerang {
                    key: Touchy(1),
                    back: Some(Arc::clone(&q)),
                };
                let _ = tx.send(panics(|| {
                    let _ = q.put(item);
                }));
            })
        };
        let failed = rx.recv_timeout(Duration::from_secs(10));
        assert_eq!(
            failed,
            Ok(true),
            "the put panicked and returned, without deadlock"
        );
        putter.join().unwrap();
        assert_eq!(q.unfinished_tasks(), 3);
        let keys: Vec<u32> = q.try_iter().map(|b| b.key.0).collect();
        assert_eq!(keys, [3, 5, 99]);
    }

    // Every point at which a comparison can fail, for a mix of puts and gets: the queue's
    // contents afterwards are exactly as if the failed operation had not been called.
    #[test]
    fn any_failing_comparison_restores_the_heap() {
        let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let mut seed = 12345u32;
        let mut next = move || {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (seed >> 16) % 50
        };
        for round in 0..60 {
            let q = PriorityQueue::unbounded();
            let mut model = Vec::new();
            for _ in 0..20 {
                let x = next();
                q.put(Touchy(x)).unwrap();
                model.push(x);
            }
            for _ in 0..round % 5 {
                q.get().unwrap();
                model.sort();
                model.remove(0);
            }
            // Fail the k-th comparison of the next operation (puts and gets alternate).
            COUNTDOWN.store(1 + (round as usize / 2) % 5, Ordering::SeqCst);
            let failed = if round % 2 == 0 {
                panics(|| drop(q.put(Touchy(next() % 3))))
            } else {
                panics(|| drop(q.get()))
            };
            COUNTDOWN.store(0, Ordering::SeqCst);
            if !failed {
                continue; // the operation needed fewer comparisons: nothing to check
            }
            assert_eq!(q.len(), model.len(), "round {round}");
            assert_eq!(q.unfinished_tasks(), 20, "round {round}");
            model.sort();
            assert_eq!(drain(&q), model, "round {round}");
        }
    }
}
