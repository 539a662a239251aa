//! Group P, the 3.13 shutdown (P-18 … P-32), run for `Queue`, `LifoQueue` and `PriorityQueue`.
//! Threads that must be blocked before the shutdown are seen parked in their blocking call before
//! it (A-02: each reports its kernel thread id, and the test waits until `/proc` shows it asleep,
//! rather than sleeping and hoping); every test waits at most seconds.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

mod timing;

/// Spawns `body` (which starts with the blocking call under test), recording its thread id in
/// `tids` for [`let_them_block`].
fn spawn_blocking<T: Send + 'static>(
    tids: &mut Vec<u32>,
    body: impl FnOnce() -> T + Send + 'static,
) -> thread::JoinHandle<T> {
    let (h, tid) = timing::spawn_with_tid(body);
    tids.push(tid);
    h
}

/// waits until every thread of `tids` is parked in its blocking call.
fn let_them_block(tids: &[u32]) {
    for &t in tids {
        timing::wait_parked(t);
    }
}

macro_rules! shutdown_tests {
    ($module:ident, $kind:ident) => {
        mod $module {
            use super::*;
            use pythreading::queue::{
                GetError, GetTimeoutError, PutError, TaskDoneError, TryGetError, TryPutError,
                $kind as Q,
            };

            // P-18
            #[test]
            fn allowed_transitions() {
                let q = Q::<i32>::unbounded();
                assert!(!q.is_shut_down());
                q.shutdown();
                assert!(q.is_shut_down());
                q.shutdown_immediate();
                assert!(q.is_shut_down());
                q.shutdown();
                assert!(q.is_shut_down());
            }

            // P-19
            #[test]
            fn empty_queue_refuses_put_and_get() {
                let q = Q::bounded(3);
                q.shutdown();
                assert_eq!(q.put(1), Err(PutError::ShutDown(1)));
                assert_eq!(q.get(), Err(GetError::ShutDown));
            }

            // P-20
            #[test]
            fn nonempty_queue_drains_then_refuses() {
                let q = Q::bounded(3);
                q.put(1).unwrap();
                q.put(2).unwrap();
                q.shutdown();
                let mut got = vec![q.get().unwrap(), q.get().unwrap()];
                got.sort();
                assert_eq!(got, [1, 2]);
                assert_eq!(q.get(), Err(GetError::ShutDown));
            }

            // P-21
            #[test]
            fn immediate_drains_at_once() {
                let q = Q::bounded(3);
                q.put(1).unwrap();
                q.put(2).unwrap();
                q.shutdown_immediate();
                assert_eq!(q.len(), 0);
                assert!(q.is_empty());
                assert_eq!(q.get(), Err(GetError::ShutDown));
            }

            // P-22
            #[test]
            fn puts_are_refused_even_with_room() {
                for immediate in [false, true] {
                    let q = Q::bounded(5);
                    q.put(1).unwrap();
                    if immediate {
                        q.shutdown_immediate();
                    } else {
                        q.shutdown();
                    }
                    assert_eq!(q.put(2), Err(PutError::ShutDown(2)));
                    assert_eq!(q.try_put(3), Err(TryPutError::ShutDown(3)));
                    let err = q.put_timeout(4, Duration::from_secs(5)).unwrap_err();
                    assert!(err.is_shut_down());
                    assert_eq!(err.into_inner(), 4);
                }
            }

            // P-23
            #[test]
            fn all_methods_in_one_thread() {
                let q = Q::bounded(2);
                q.put(1).unwrap();
                q.put(2).unwrap();
                q.shutdown();
                assert!(q.put(3).unwrap_err().is_shut_down());
                assert!(q.try_put(3).unwrap_err().is_shut_down());
                let a = q.get().unwrap();
                q.task_done().unwrap();
                let b = q.try_get().unwrap();
                q.task_done().unwrap();
                assert_eq!(a + b, 3);
                q.join();
                assert_eq!(q.get(), Err(GetError::ShutDown));
                assert_eq!(q.try_get(), Err(TryGetError::ShutDown));
                let start = Instant::now();
                assert_eq!(
                    q.get_timeout(Duration::from_secs(1)),
                    Err(GetTimeoutError::ShutDown)
                );
                assert!(
                    start.elapsed() < Duration::from_millis(500),
                    "must not wait"
                );
            }

            // P-24
            #[test]
            fn immediate_all_methods_in_one_thread() {
                let q = Q::bounded(2);
                q.put(1).unwrap();
                q.put(2).unwrap();
                q.shutdown_immediate();
                assert!(q.put(3).unwrap_err().is_shut_down());
                assert_eq!(q.get(), Err(GetError::ShutDown));
                assert_eq!(q.try_get(), Err(TryGetError::ShutDown));
                assert_eq!(q.task_done(), Err(TaskDoneError));
                assert!(q.join_timeout(Duration::ZERO));
                q.join();
            }

            // P-25, A-11
            #[test]
            fn pending_get_is_released() {
                let q = Arc::new(Q::<i32>::unbounded());
                let mut tids = Vec::new();
                let getter = {
                    let q = Arc::clone(&q);
                    spawn_blocking(&mut tids, move || q.get())
                };
                let timed = {
                    let q = Arc::clone(&q);
                    spawn_blocking(&mut tids, move || q.get_timeout(Duration::from_secs(30)))
                };
                let_them_block(&tids);
                let start = Instant::now();
                q.shutdown();
                assert_eq!(getter.join().unwrap(), Err(GetError::ShutDown));
                assert_eq!(timed.join().unwrap(), Err(GetTimeoutError::ShutDown));
                assert!(start.elapsed() < Duration::from_secs(10));
            }

            // P-26
            #[test]
            fn getters_after_shutdown_of_a_full_queue() {
                for immediate in [false, true] {
                    let q = Arc::new(Q::bounded(2));
                    q.put(1).unwrap();
                    q.put(2).unwrap();
                    if immediate {
                        q.shutdown_immediate();
                    } else {
                        q.shutdown();
                    }
                    let getters: Vec<_> = (0..3)
                        .map(|_| {
                            let q = Arc::clone(&q);
                            thread::spawn(move || q.get())
                        })
                        .collect();
                    let results: Vec<_> = getters.into_iter().map(|t| t.join().unwrap()).collect();
                    let items = results.iter().filter(|r| r.is_ok()).count();
                    let refused = results
                        .iter()
                        .filter(|r| **r == Err(GetError::ShutDown))
                        .count();
                    if immediate {
                        assert_eq!((items, refused), (0, 3));
                    } else {
                        assert_eq!((items, refused), (2, 1));
                    }
                }
            }

            // P-27
            #[test]
            fn putters_blocked_on_a_full_queue_are_released() {
                for immediate in [false, true] {
                    let q = Arc::new(Q::bounded(2));
                    q.put(1).unwrap();
                    q.put(2).unwrap();
                    let mut tids = Vec::new();
                    let putters: Vec<_> = (0..3)
                        .map(|i| {
                            let q = Arc::clone(&q);
                            spawn_blocking(&mut tids, move || q.put(10 + i))
                        })
                        .collect();
                    let timed = {
                        let q = Arc::clone(&q);
                        spawn_blocking(&mut tids, move || {
                            q.put_timeout(99, Duration::from_secs(30))
                        })
                    };
                    let_them_block(&tids);
                    if immediate {
                        q.shutdown_immediate();
                    } else {
                        q.shutdown();
                    }
                    let mut back: Vec<i32> = putters
                        .into_iter()
                        .map(|t| t.join().unwrap().unwrap_err().into_inner())
                        .collect();
                    back.sort();
                    assert_eq!(back, [10, 11, 12], "every refused item comes back");
                    let err = timed.join().unwrap().unwrap_err();
                    assert!(err.is_shut_down());
                    assert_eq!(err.into_inner(), 99);
                }
            }

            // P-28
            #[test]
            fn join_returns_after_either_shutdown() {
                // Non-immediate: consumers finish the remaining items.
                let q = Arc::new(Q::unbounded());
                for i in 0..10 {
                    q.put(i).unwrap();
                }
                let joiner = {
                    let q = Arc::clone(&q);
                    thread::spawn(move || q.join())
                };
                q.shutdown();
                let consumer = {
                    let q = Arc::clone(&q);
                    thread::spawn(move || {
                        for _ in &*q {
                            q.task_done().unwrap();
                        }
                    })
                };
                consumer.join().unwrap();
                joiner.join().unwrap();
                assert_eq!(q.unfinished_tasks(), 0);

                // Immediate: the drained items count as done.
                let q = Arc::new(Q::unbounded());
                for i in 0..10 {
                    q.put(i).unwrap();
                }
                let mut tids = Vec::new();
                let joiner = {
                    let q = Arc::clone(&q);
                    spawn_blocking(&mut tids, move || q.join())
                };
                let_them_block(&tids);
                q.shutdown_immediate();
                joiner.join().unwrap();
                assert_eq!(q.unfinished_tasks(), 0);
            }

            // P-29
            #[test]
            fn put_and_join_with_one_item() {
                for immediate in [false, true] {
                    let q = Arc::new(Q::bounded(1));
                    q.put(7).unwrap();
                    assert_eq!(q.unfinished_tasks(), 1);
                    let mut tids = Vec::new();
                    let putter = {
                        let q = Arc::clone(&q);
                        spawn_blocking(&mut tids, move || q.put(8))
                    };
                    let joiner = {
                        let q = Arc::clone(&q);
                        spawn_blocking(&mut tids, move || q.join())
                    };
                    let_them_block(&tids);
                    if immediate {
                        q.shutdown_immediate();
                        assert_eq!(putter.join().unwrap(), Err(PutError::ShutDown(8)));
                        assert_eq!(q.try_get(), Err(TryGetError::ShutDown));
                    } else {
                        q.shutdown();
                        assert_eq!(putter.join().unwrap(), Err(PutError::ShutDown(8)));
                        assert_eq!(q.get(), Ok(7));
                        q.task_done().unwrap();
                    }
                    joiner.join().unwrap();
                }
            }

            // P-30
            #[test]
            fn consumers_and_joiners_across_a_shutdown() {
                let q = Arc::new(Q::unbounded());
                for i in 0..200 {
                    q.put(i).unwrap();
                }
                let done = Arc::new(AtomicUsize::new(0));
                let consumers: Vec<_> = (0..3)
                    .map(|_| {
                        let (q, done) = (Arc::clone(&q), Arc::clone(&done));
                        thread::spawn(move || {
                            while let Ok(_item) = q.get() {
                                q.task_done().unwrap();
                                done.fetch_add(1, Ordering::SeqCst);
                            }
                        })
                    })
                    .collect();
                let joiners: Vec<_> = (0..2)
                    .map(|_| {
                        let q = Arc::clone(&q);
                        thread::spawn(move || q.join())
                    })
                    .collect();
                q.shutdown();
                for t in consumers {
                    t.join().unwrap();
                }
                for t in joiners {
                    t.join().unwrap();
                }
                assert_eq!(done.load(Ordering::SeqCst), 200);
            }

            // P-31: 4 producers, 6 polling consumers, a shutdown thread (and joiners).
            #[test]
            fn all_methods_in_many_threads() {
                for immediate in [false, true] {
                    let q = Arc::new(Q::bounded(8));
                    let refused_puts = Arc::new(AtomicUsize::new(0));
                    let producers: Vec<_> = (0..4)
                        .map(|_| {
                            let (q, refused) = (Arc::clone(&q), Arc::clone(&refused_puts));
                            thread::spawn(move || {
                                for i in 0.. {
                                    if q.put_timeout(i, Duration::from_millis(1))
                                        .is_err_and(|e| e.is_shut_down())
                                    {
                                        refused.fetch_add(1, Ordering::SeqCst);
                                        return;
                                    }
                                }
                            })
                        })
                        .collect();
                    let consumers: Vec<_> = (0..6)
                        .map(|_| {
                            let q = Arc::clone(&q);
                            thread::spawn(move || {
                                loop {
                                    match q.try_get() {
                                        Ok(_) => {
                                            q.task_done().unwrap();
                                        }
                                        Err(TryGetError::Empty) => thread::yield_now(),
                                        Err(TryGetError::ShutDown) => return true,
                                    }
                                }
                            })
                        })
                        .collect();
                    let joiners: Vec<_> = (0..2)
                        .map(|_| {
                            let q = Arc::clone(&q);
                            thread::spawn(move || q.join())
                        })
                        .collect();
                    // Not synchronisation: the workload runs a while before the shutdown (the
                    // checks below hold wherever the shutdown lands in it).
                    thread::sleep(Duration::from_millis(30));
                    let shutter = {
                        let q = Arc::clone(&q);
                        thread::spawn(move || {
                            if immediate {
                                q.shutdown_immediate();
                                // Puts are refused from here on, so nothing can refill it.
                                assert_eq!(q.len(), 0);
                            } else {
                                q.shutdown();
                            }
                        })
                    };
                    shutter.join().unwrap();
                    for t in producers {
                        t.join().unwrap();
                    }
                    for t in consumers {
                        assert!(t.join().unwrap(), "every consumer sees ShutDown");
                    }
                    for t in joiners {
                        t.join().unwrap();
                    }
                    assert_eq!(refused_puts.load(Ordering::SeqCst), 4);
                    assert!(q.is_empty());
                    assert_eq!(q.unfinished_tasks(), 0);
                }
            }

            // P-32
            #[test]
            fn immediate_discounts_unfinished_tasks_never_below_zero() {
                let q = Q::unbounded();
                for i in 0..5 {
                    q.put(i).unwrap();
                }
                // Two taken and done, one taken and not done, two still queued.
                q.get().unwrap();
                q.task_done().unwrap();
                q.get().unwrap();
                q.task_done().unwrap();
                q.get().unwrap();
                assert_eq!(q.unfinished_tasks(), 3);
                q.shutdown_immediate();
                assert_eq!(
                    q.unfinished_tasks(),
                    1,
                    "the item in hand is still unfinished"
                );
                assert!(!q.join_timeout(Duration::from_millis(10)));
                q.task_done().unwrap();
                assert!(q.join_timeout(Duration::ZERO));
                assert_eq!(q.task_done(), Err(TaskDoneError));
                assert_eq!(q.unfinished_tasks(), 0);
            }

            // `for item in &queue` (Python's `while True: q.get()` loop that stops on ShutDown):
            // a consumer blocked in the loop takes every item put before the shutdown, in the
            // queue's order, and its loop ends once the shutdown has drained the queue; an
            // immediate shutdown ends it at once. The iterator stays ended (fused).
            #[test]
            fn for_loop_drains_until_shutdown() {
                let q = Arc::new(Q::<i32>::bounded(4));
                let (tx, rx) = std::sync::mpsc::channel();
                let mut tids = Vec::new();
                let consumer = {
                    let q = Arc::clone(&q);
                    spawn_blocking(&mut tids, move || {
                        let mut got = Vec::new();
                        for item in &*q {
                            got.push(item);
                            tx.send(()).unwrap(); // handshake: one item taken
                        }
                        got
                    })
                };
                // One item through a consumer already parked in the loop.
                let_them_block(&tids);
                q.put(0).unwrap();
                rx.recv().unwrap();
                // The loop is blocked again on an empty queue: three items are put and then the
                // queue is shut down; all three still arrive.
                let_them_block(&tids);
                q.put(1).unwrap();
                q.put(2).unwrap();
                q.put(3).unwrap();
                q.shutdown();
                let mut got = consumer.join().unwrap();
                assert_eq!(got.len(), 4);
                assert_eq!(got[0], 0);
                got.sort();
                assert_eq!(got, [0, 1, 2, 3]);
                assert!(q.iter().next().is_none());
                let mut it = q.iter();
                assert!(it.next().is_none());
                assert!(it.next().is_none(), "fused");

                // Immediate: a loop over a non-empty queue ends without an item.
                let q = Arc::new(Q::<i32>::unbounded());
                let mut tids = Vec::new();
                let blocked = {
                    let q = Arc::clone(&q);
                    spawn_blocking(&mut tids, move || q.iter().count())
                };
                let_them_block(&tids);
                q.shutdown_immediate();
                assert_eq!(blocked.join().unwrap(), 0);
                let q = Q::<i32>::unbounded();
                q.put(1).unwrap();
                q.put(2).unwrap();
                q.shutdown_immediate();
                assert_eq!((&q).into_iter().count(), 0);
            }

            // Duration::MAX waits forever without panicking, for the blocked form of every timed
            // operation, and the shutdown (or the awaited event) releases it; Duration::ZERO is a
            // poll for each, returning at once even from an operation that would have to wait.
            #[test]
            fn max_waits_and_zero_polls_for_every_timed_op() {
                // get_timeout(MAX) released by a shutdown.
                let q = Arc::new(Q::<i32>::bounded(1));
                let mut tids = Vec::new();
                let getter = {
                    let q = Arc::clone(&q);
                    spawn_blocking(&mut tids, move || q.get_timeout(Duration::MAX))
                };
                // put_timeout(MAX) on a full queue released by a shutdown.
                let full = Arc::new(Q::bounded(1));
                full.put(1).unwrap();
                let putter = {
                    let q = Arc::clone(&full);
                    spawn_blocking(&mut tids, move || q.put_timeout(2, Duration::MAX))
                };
                // join_timeout(MAX) released by the last task_done.
                let joiner = {
                    let q = Arc::clone(&full);
                    spawn_blocking(&mut tids, move || q.join_timeout(Duration::MAX))
                };
                let_them_block(&tids);
                assert!(!getter.is_finished() && !putter.is_finished() && !joiner.is_finished());

                // Polls, while the others are blocked: each returns at once.
                let start = Instant::now();
                assert_eq!(q.get_timeout(Duration::ZERO), Err(GetTimeoutError::Timeout));
                let err = full.put_timeout(3, Duration::ZERO).unwrap_err();
                assert!(err.is_timeout());
                assert_eq!(err.into_inner(), 3);
                assert!(!full.join_timeout(Duration::ZERO));
                assert!(start.elapsed() < Duration::from_millis(500));

                q.shutdown();
                assert_eq!(getter.join().unwrap(), Err(GetTimeoutError::ShutDown));
                full.shutdown();
                let err = putter.join().unwrap().unwrap_err();
                assert!(err.is_shut_down());
                assert_eq!(err.into_inner(), 2);
                assert_eq!(full.get(), Ok(1));
                full.task_done().unwrap();
                assert!(joiner.join().unwrap());

                // After the shutdown, polls report ShutDown, not Empty/Timeout.
                let start = Instant::now();
                assert_eq!(
                    q.get_timeout(Duration::ZERO),
                    Err(GetTimeoutError::ShutDown)
                );
                assert!(q.put_timeout(4, Duration::ZERO).unwrap_err().is_shut_down());
                assert!(q.put_timeout(5, Duration::MAX).unwrap_err().is_shut_down());
                assert_eq!(q.get_timeout(Duration::MAX), Err(GetTimeoutError::ShutDown));
                assert!(q.join_timeout(Duration::ZERO));
                assert!(q.join_timeout(Duration::MAX));
                assert!(start.elapsed() < Duration::from_millis(500));
            }

            // S-21: items discarded by an immediate shutdown are dropped outside the lock, so
            // their Drop may use the queue.
            #[test]
            fn dropping_discarded_items_may_use_the_queue() {
                use std::sync::Mutex;
                struct Reenter {
                    key: i32,
                    queue: Arc<Mutex<Option<Arc<Q<Reenter>>>>>,
                    log: Arc<Mutex<Vec<String>>>,
                }
                impl PartialEq for Reenter {
                    fn eq(&self, o: &Self) -> bool {
                        self.key == o.key
                    }
                }
                impl Eq for Reenter {}
                impl PartialOrd for Reenter {
                    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
                        Some(self.cmp(o))
                    }
                }
                impl Ord for Reenter {
                    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
                        self.key.cmp(&o.key)
                    }
                }
                impl Drop for Reenter {
                    fn drop(&mut self) {
                        let q = self.queue.lock().unwrap().clone();
                        if let Some(q) = q {
                            let len = q.len();
                            let refused = q
                                .try_put(Reenter {
                                    key: -1,
                                    queue: Arc::new(Mutex::new(None)),
                                    log: Arc::clone(&self.log),
                                })
                                .is_err();
                            self.log
                                .lock()
                                .unwrap()
                                .push(format!("{} len={len} refused={refused}", self.key));
                        }
                    }
                }
                let slot = Arc::new(Mutex::new(None));
                let log = Arc::new(Mutex::new(Vec::new()));
                let q = Arc::new(Q::unbounded());
                *slot.lock().unwrap() = Some(Arc::clone(&q));
                for key in 0..2 {
                    q.put(Reenter {
                        key,
                        queue: Arc::clone(&slot),
                        log: Arc::clone(&log),
                    })
                    .map_err(|_| ())
                    .unwrap();
                }
                q.shutdown_immediate();
                slot.lock().unwrap().take(); // break the cycle
                let mut log = log.lock().unwrap().clone();
                log.sort();
                assert_eq!(log, ["0 len=0 refused=true", "1 len=0 refused=true"]);
            }
        }
    };
}

shutdown_tests!(fifo, Queue);
shutdown_tests!(lifo, LifoQueue);
shutdown_tests!(priority, PriorityQueue);
