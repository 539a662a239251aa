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

    // The waiter's wait slice, with its site, balanced by an end on the same track.
    let begin = list
        .iter()
        .find(|e| ph(e) == "B" && e["tid"] == waiter_tid && name(e) == "wait Lock \"tr-lock\"")
        .expect("the waiter's wait slice");
    assert!(
        begin["args"]["site"]
            .as_str()
            .unwrap()
            .contains("diag_trace.rs:"),
        "{begin}"
    );
    assert!(list.iter().any(|e| ph(e) == "E" && e["tid"] == waiter_tid));
    // Every track's B/E slices balance.
    for tid in list
        .iter()
        .filter(|e| ph(e) == "M")
        .map(|e| e["tid"].clone())
    {
        let opened = list
            .iter()
            .filter(|e| e["tid"] == tid && ph(e) == "B")
            .count();
        let closed = list
            .iter()
            .filter(|e| e["tid"] == tid && ph(e) == "E")
            .count();
        assert_eq!(opened, closed, "unbalanced slices on track {tid}");
    }
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
    // One sample per interval at most (the first at once), plus the last depth kept aside;
    // and the clock is looked at only every DEPTH_CLOCK_EVERY puts.
    let every = u128::from(diagnostics::DEPTH_CLOCK_EVERY);
    let bound = elapsed.as_micros() / diagnostics::DEPTH_SAMPLE_INTERVAL.as_micros() + 2;
    let n = samples.len() as u128;
    assert!(n <= bound, "{n} samples in {elapsed:?}");
    assert!(n <= 20_000 / every + 2, "{n} samples: not coalesced");
    assert_eq!(samples.first(), Some(&1));
    // The clock was last looked at on put 1 + 16k <= 20,000: the depth then is kept.
    let last_look = 1 + (20_000 - 1) / every * every;
    assert_eq!(
        samples.iter().max().map(|&d| u128::from(d)),
        Some(last_look),
        "the depth at the last look is kept"
    );
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
    let begin = list
        .iter()
        .filter(|e| on(e, "B", tid) && e["ts"].as_f64().unwrap() <= ts)
        .map(|e| e["ts"].as_f64().unwrap())
        .fold(f64::NEG_INFINITY, f64::max);
    let close = list
        .iter()
        .filter(|e| on(e, "E", tid) && e["ts"].as_f64().unwrap() >= ts)
        .map(|e| e["ts"].as_f64().unwrap())
        .fold(f64::INFINITY, f64::min);
    assert!(
        begin.is_finite() && close.is_finite(),
        "arrow {id} ends outside a wait slice on track {tid}"
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
