//! The timeline (issue 10): the Chrome trace JSON of a small scenario parses (serde_json) and
//! has the expected tracks (thread-name metadata), wait slices, queue depth counters (named
//! after the queue, sampled at most every `DEPTH_SAMPLE_INTERVAL` per thread, keeping the
//! depth at the thread's last look at the clock) and flow arrows; recording 4 threads x 100k lock operations (each around a
//! queue put and get, which record the queue's depth) stays bounded and says how many events
//! it dropped. No checklist id: CPython has no timeline.
//!
//! A recording is process-wide, so the tests of this file take turns (`SERIAL`).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use pythreading::diagnostics;
use pythreading::futures::ThreadPoolExecutor;
use pythreading::queue::Queue;
use pythreading::threading::{self, Lock};
use serde_json::Value;

static SERIAL: Mutex<()> = Mutex::new(());

fn events(json: &str) -> (Vec<Value>, Value) {
    let doc: Value = serde_json::from_str(json).expect("the trace is valid JSON");
    let list = doc["traceEvents"].as_array().expect("traceEvents").clone();
    (list, doc["otherData"].clone())
}

#[test]
fn producer_consumer_trace_has_tracks_slices_counters_and_flows() {
    let _turn = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let rec = diagnostics::record().unwrap();

    // A bounded queue between a producer and a consumer: puts and gets park and change depth.
    let q = Arc::new(Queue::<u32>::bounded(2).with_name("tr-queue"));
    let (qp, qc) = (Arc::clone(&q), Arc::clone(&q));
    let producer = threading::Builder::new()
        .name("tr-producer")
        .spawn(move || {
            for i in 0..200 {
                qp.put(i).unwrap();
            }
        })
        .unwrap();
    let consumer = threading::Builder::new()
        .name("tr-consumer")
        .spawn(move || {
            for _ in 0..200 {
                qc.get().unwrap();
            }
        })
        .unwrap();
    // A named lock the main thread holds while another thread waits for it: a wait slice on
    // the waiter's track and a flow arrow from the release to its acquire.
    let lock = Arc::new(Lock::named("tr-lock"));
    let guard = lock.lock();
    let l = Arc::clone(&lock);
    let waiter = threading::Builder::new()
        .name("tr-waiter")
        .spawn(move || drop(l.lock()))
        .unwrap();
    while !threading::dump()
        .threads()
        .iter()
        .any(|t| t.name() == "tr-waiter" && t.waiting().is_some())
    {
        std::thread::sleep(Duration::from_millis(1));
    }
    drop(guard);
    // Executor tasks: submit -> task slice on a worker.
    let pool = ThreadPoolExecutor::new(1).unwrap();
    let f = pool.submit(|| 7).unwrap();
    assert_eq!(f.result().unwrap(), 7);
    pool.shutdown();
    for h in [producer, consumer, waiter] {
        assert_eq!(h.join_timeout(Duration::from_secs(10)), Ok(true));
    }
    let trace = rec.stop();

    let (list, other) = events(trace.to_json());
    assert_eq!(other["dropped_events"], 0);
    assert_eq!(other["events"].as_u64(), Some(trace.events() as u64));
    let ph = |e: &Value| e["ph"].as_str().unwrap_or("").to_owned();
    let name = |e: &Value| e["name"].as_str().unwrap_or("").to_owned();

    // Tracks: one named thread track per thread that recorded.
    let track = |n: &str| {
        list.iter()
            .find(|e| ph(e) == "M" && e["args"]["name"] == n)
            .and_then(|e| e["tid"].as_u64())
            .unwrap_or_else(|| panic!("no thread_name metadata for {n}"))
    };
    let waiter_tid = track("tr-waiter");
    track("tr-producer");
    track("tr-consumer");

    // The waiter's wait slice, with its site: one complete slice (its end was recorded).
    let begin = list
        .iter()
        .find(|e| ph(e) == "X" && e["tid"] == waiter_tid && name(e) == "wait Lock \"tr-lock\"")
        .expect("the waiter's wait slice");
    assert!(begin["dur"].as_f64().is_some_and(|d| d >= 0.0), "{begin}");
    assert!(
        begin["args"]["site"]
            .as_str()
            .unwrap()
            .contains("diag_trace.rs:"),
        "{begin}"
    );
    // Every wait ended before the recording stopped: no slice is left open (`B`), and ends
    // are folded into their slices (no `E`).
    assert!(
        list.iter().all(|e| ph(e) != "B" && ph(e) != "E"),
        "open or separate slice ends"
    );
    // The file is in time order (thread names first), as stream readers need.
    let times: Vec<f64> = list.iter().filter_map(|e| e["ts"].as_f64()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "not in time order");
    // The release that handed the lock over, on the main thread's track.
    assert!(
        list.iter()
            .any(|e| ph(e) == "X" && name(e) == "release Lock \"tr-lock\"")
    );
    // The queue's depth counter track, named after the queue, never above its capacity.
    let depths: Vec<(f64, u64)> = list
        .iter()
        .filter(|e| ph(e) == "C" && name(e) == "queue depth Queue \"tr-queue\"")
        .map(|e| {
            (
                e["ts"].as_f64().unwrap(),
                e["args"]["depth"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(depths.len() >= 3, "depth samples: {depths:?}");
    assert!(depths.iter().all(|&(_, d)| d <= 2), "{depths:?}");
    // Flows: the lock hand-off and the task's submit -> run, each start matched by an end.
    let flow_ids = |p: &str, cat: &str| -> Vec<u64> {
        list.iter()
            .filter(|e| ph(e) == p && e["cat"] == cat)
            .map(|e| e["id"].as_u64().unwrap())
            .collect()
    };
    let wake_ends = flow_ids("f", "wake");
    assert!(!wake_ends.is_empty(), "no lock hand-off arrow");
    assert!(
        wake_ends
            .iter()
            .all(|id| flow_ids("s", "wake").contains(id))
    );
    let task_starts = flow_ids("s", "task");
    let task_ends = flow_ids("f", "task");
    assert_eq!(task_starts.len(), 1);
    assert_eq!(task_starts, task_ends);
    // Timestamps are microseconds from the start, non-negative.
    assert!(
        list.iter()
            .filter(|e| ph(e) != "M")
            .all(|e| e["ts"].as_f64().is_some_and(|t| t >= 0.0))
    );
}

#[test]
fn four_threads_100k_lock_ops_stay_bounded() {
    let _turn = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    const CAP: usize = 64;
    let rec = diagnostics::record_with_capacity(CAP).unwrap();
    let lock = Arc::new(Lock::new());
    let q = Arc::new(Queue::<u32>::unbounded());
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let (lock, q) = (Arc::clone(&lock), Arc::clone(&q));
            threading::Builder::new()
                .name(format!("bounded-{i}"))
                .spawn(move || {
                    for n in 0..100_000 {
                        let _held = lock.lock();
                        q.put(n).unwrap();
                        q.get().unwrap();
                    }
                })
                .unwrap()
        })
        .collect();
    for h in handles {
        assert_eq!(h.join_timeout(Duration::from_secs(60)), Ok(true));
    }
    let trace = rec.stop();
    // Depth samples (one per DEPTH_SAMPLE_INTERVAL per thread at most) and the waits of the
    // contended lock overflow rings this small. Five rings (four workers and this thread,
    // whose joins park) of at most CAP events each, plus the one depth sample per ring kept
    // aside by the sampling.
    assert!(
        trace.events() <= 5 * (CAP + 1),
        "kept {} events",
        trace.events()
    );
    assert!(trace.dropped() > 0, "kept {} events", trace.events());
    let (list, other) = events(trace.to_json());
    assert_eq!(other["dropped_events"].as_u64(), Some(trace.dropped()));
    assert_eq!(other["capacity_per_thread"].as_u64(), Some(CAP as u64));
    // Events plus one thread-name record per ring; a lock release that woke a waiter writes
    // two entries (the release and its arrow).
    assert!(
        list.len() <= 2 * 5 * (CAP + 1) + 5,
        "{} entries",
        list.len()
    );
}

#[test]
fn depth_samples_are_coalesced_per_thread_and_queue() {
    let _turn = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let rec = diagnostics::record().unwrap();
    let q = Queue::<u32>::unbounded().with_name("coalesced");
    let start = std::time::Instant::now();
    for n in 0..20_000 {
        q.put(n).unwrap();
    }
    let elapsed = start.elapsed();
    let trace = rec.stop();
    let (list, _) = events(trace.to_json());
    let samples: Vec<u64> = list
        .iter()
        .filter(|e| e["ph"] == "C" && e["name"] == "queue depth Queue \"coalesced\"")
        .map(|e| e["args"]["depth"].as_u64().unwrap())
        .collect();
    // One sample per interval at most (the first at once), plus the last depth kept aside.
    let bound = elapsed.as_micros() / diagnostics::DEPTH_SAMPLE_INTERVAL.as_micros() + 2;
    let n = samples.len() as u128;
    assert!(n <= bound, "{n} samples in {elapsed:?}");
    assert_eq!(samples.first(), Some(&1));
    // The clock is looked at at least every DEPTH_CLOCK_EVERY puts: the depth of the last
    // look is kept, so the track ends at most that many puts short of 20,000.
    let every = u64::from(diagnostics::DEPTH_CLOCK_EVERY);
    let last = samples.iter().max().copied();
    assert!(
        last.is_some_and(|d| d <= 20_000 && d > 20_000 - every),
        "the track ends at {last:?}, not within {every} puts of 20,000"
    );
}

#[test]
fn a_thread_moving_items_between_two_queues_is_sampled_on_both_and_coalesced() {
    let _turn = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let inbox = Queue::<u32>::unbounded().with_name("inbox");
    let outbox = Queue::<u32>::unbounded().with_name("outbox");
    for n in 0..20_000 {
        inbox.put(n).unwrap();
    }
    let rec = diagnostics::record().unwrap();
    // A pipeline stage: every get from one queue is followed by a put to the other.
    let start = std::time::Instant::now();
    for _ in 0..20_000 {
        outbox.put(inbox.get().unwrap()).unwrap();
    }
    let elapsed = start.elapsed();
    let trace = rec.stop();
    let (list, _) = events(trace.to_json());
    let track = |name: &str| -> Vec<(f64, u64)> {
        list.iter()
            .filter(|e| e["ph"] == "C" && e["name"] == format!("queue depth Queue \"{name}\""))
            .map(|e| {
                (
                    e["ts"].as_f64().unwrap(),
                    e["args"]["depth"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let every = u64::from(diagnostics::DEPTH_CLOCK_EVERY);
    let bound = elapsed.as_micros() / diagnostics::DEPTH_SAMPLE_INTERVAL.as_micros() + 4;
    let (ins, outs) = (track("inbox"), track("outbox"));
    // Alternating between the two queues does not defeat the coalescing.
    assert!(
        ins.len() as u128 <= bound,
        "{} inbox samples in {elapsed:?}: not coalesced",
        ins.len()
    );
    assert!(
        outs.len() as u128 <= bound,
        "{} outbox samples in {elapsed:?}: not coalesced",
        outs.len()
    );
    // Both tracks end near the queues' final depths: the inbox drained, the outbox full.
    let last = |t: &[(f64, u64)]| t.iter().max_by(|a, b| a.0.total_cmp(&b.0)).map(|s| s.1);
    assert!(
        last(&ins).is_some_and(|d| d < every),
        "inbox track ends at {:?}",
        last(&ins)
    );
    assert!(
        last(&outs).is_some_and(|d| d > 20_000 - every),
        "outbox track ends at {:?}",
        last(&outs)
    );
}

#[test]
fn a_new_recording_samples_the_first_operation_of_a_thread_again() {
    let _turn = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let q = Queue::<u32>::unbounded().with_name("again");
    let depths = |json: &str| -> Vec<u64> {
        let (list, _) = events(json);
        list.iter()
            .filter(|e| e["ph"] == "C" && e["name"] == "queue depth Queue \"again\"")
            .map(|e| e["args"]["depth"].as_u64().unwrap())
            .collect()
    };
    // The first recording leaves this thread's gate in the middle of a countdown.
    let first = diagnostics::record().unwrap();
    for n in 0..1_000 {
        q.put(n).unwrap();
    }
    assert_eq!(depths(first.stop().to_json()).first(), Some(&1));
    // The same thread, the same queue, a new recording: its first put is sampled.
    let second = diagnostics::record().unwrap();
    q.put(1_000).unwrap();
    assert_eq!(depths(second.stop().to_json()), vec![1_001]);
}

#[test]
fn one_recording_at_a_time_and_nothing_when_off() {
    let _turn = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let rec = diagnostics::record().unwrap();
    assert_eq!(
        diagnostics::record().err(),
        Some(diagnostics::AlreadyRecording)
    );
    drop(rec);
    // Off: queue operations leave no events in the next recording's rings.
    let q = Queue::unbounded();
    for n in 0..1000 {
        q.put(n).unwrap();
    }
    let trace = diagnostics::record().unwrap().stop();
    assert_eq!(trace.events(), 0);
}

/// Polls the dump (at most 10 s) until every thread of `names` is parked.
fn until_parked(names: &[&str]) {
    let start = std::time::Instant::now();
    while !names.iter().all(|n| {
        threading::dump()
            .threads()
            .iter()
            .any(|t| t.name() == *n && t.waiting().is_some())
    }) {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{names:?} not parked within 10 s:\n{}",
            threading::dump()
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// The wake arrow ending on track `tid`: its id, checked to start on track `from` at the
/// `X` slice named `slice`, and to end inside the woken thread's wait slice.
fn wake_arrow(list: &[Value], from: u64, slice: &str, tid: u64) -> u64 {
    let on = |e: &Value, ph: &str, track: u64| e["ph"] == ph && e["tid"].as_u64() == Some(track);
    let end = list
        .iter()
        .find(|e| on(e, "f", tid) && e["cat"] == "wake")
        .unwrap_or_else(|| panic!("no wake arrow ends on track {tid}"));
    let id = end["id"].as_u64().unwrap();
    let start = list
        .iter()
        .find(|e| on(e, "s", from) && e["id"].as_u64() == Some(id))
        .unwrap_or_else(|| panic!("arrow {id} does not start on track {from}"));
    assert!(
        list.iter()
            .any(|e| on(e, "X", from) && e["name"] == slice && e["ts"] == start["ts"]),
        "no {slice:?} slice where arrow {id} starts"
    );
    let ts = end["ts"].as_f64().unwrap();
    // Inside a wait slice of the woken thread (timestamps are in µs with 3 decimals).
    let inside = list.iter().any(|e| {
        on(e, "X", tid)
            && e["cat"] == "wait"
            && e["ts"].as_f64().unwrap() <= ts
            && ts <= e["ts"].as_f64().unwrap() + e["dur"].as_f64().unwrap() + 0.002
    });
    assert!(
        inside,
        "arrow {id} ends outside a wait slice on track {tid}"
    );
    // And on a zero-length slice of its own category at the same time (what the DevTools trace
    // engine binds a flow end to).
    assert!(
        list.iter()
            .any(|e| on(e, "X", tid) && e["cat"] == "wake" && e["ts"] == end["ts"]),
        "no slice where arrow {id} ends"
    );
    id
}

fn track_of(list: &[Value], name: &str) -> u64 {
    list.iter()
        .find(|e| e["ph"] == "M" && e["args"]["name"] == name)
        .and_then(|e| e["tid"].as_u64())
        .unwrap_or_else(|| panic!("no track named {name}"))
}

#[test]
fn condition_notify_and_event_set_draw_arrows_to_the_threads_they_wake() {
    let _turn = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let rec = diagnostics::record().unwrap();
    let me = threading::get_ident();

    // A Condition waiter, woken by notify from this thread.
    let cond = Arc::new(threading::Condition::named("tr-cond"));
    let c = Arc::clone(&cond);
    let cond_waiter = threading::Builder::new()
        .name("tr-cond-waiter")
        .spawn(move || {
            let mut g = c.lock();
            c.wait(&mut g);
        })
        .unwrap();
    until_parked(&["tr-cond-waiter"]);
    {
        let _g = cond.lock();
        assert_eq!(cond.notify_one(), 1);
    }

    // Two Event waiters, both released by one set.
    let ev = Arc::new(threading::Event::named("tr-event"));
    let ev_waiters: Vec<_> = ["tr-ev-1", "tr-ev-2"]
        .into_iter()
        .map(|name| {
            let e = Arc::clone(&ev);
            threading::Builder::new()
                .name(name)
                .spawn(move || e.wait())
                .unwrap()
        })
        .collect();
    until_parked(&["tr-ev-1", "tr-ev-2"]);
    ev.set();
    for h in ev_waiters.into_iter().chain([cond_waiter]) {
        assert_eq!(h.join_timeout(Duration::from_secs(10)), Ok(true));
    }
    let trace = rec.stop();

    let (list, _) = events(trace.to_json());
    let notified = wake_arrow(
        &list,
        me,
        "notify Condition \"tr-cond\"",
        track_of(&list, "tr-cond-waiter"),
    );
    let set_1 = wake_arrow(
        &list,
        me,
        "set Event \"tr-event\"",
        track_of(&list, "tr-ev-1"),
    );
    let set_2 = wake_arrow(
        &list,
        me,
        "set Event \"tr-event\"",
        track_of(&list, "tr-ev-2"),
    );
    assert_ne!(set_1, set_2, "each released thread has its own arrow");
    assert_ne!(notified, set_1);
}
