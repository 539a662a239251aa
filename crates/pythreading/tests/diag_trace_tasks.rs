//! Executor tasks on the timeline (issue 10): each task is one event in the worker's ring,
//! written out as the task's slice on the worker's track (with its queueing time), the submit's
//! zero-length slice on the submitter's (named) track, and a flow arrow from the submit to the
//! task; a task submitted before the recording began has its slice but no arrow. No checklist
//! id: CPython has no timeline.
//!
//! A recording is process-wide, so the tests of this file take turns (`SERIAL`).

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pythreading::diagnostics;
use pythreading::futures::ThreadPoolExecutor;
use pythreading::threading;
use serde_json::Value;

static SERIAL: Mutex<()> = Mutex::new(());

fn events(json: &str) -> Vec<Value> {
    let doc: Value = serde_json::from_str(json).expect("the trace is valid JSON");
    doc["traceEvents"].as_array().expect("traceEvents").clone()
}

fn ph(e: &Value) -> &str {
    e["ph"].as_str().unwrap_or("")
}

fn track(list: &[Value], name: &str) -> Value {
    list.iter()
        .find(|e| ph(e) == "M" && e["args"]["name"] == name)
        .map(|e| e["tid"].clone())
        .unwrap_or_else(|| panic!("no thread_name metadata for {name}"))
}

#[test]
fn each_task_is_one_event_drawn_as_submit_arrow_and_slice() {
    let _turn = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    const SLEEP: Duration = Duration::from_millis(20);
    let rec = diagnostics::record().unwrap();
    let pool = Arc::new(
        ThreadPoolExecutor::builder()
            .max_workers(1)
            .thread_name_prefix("tt-pool")
            .build()
            .unwrap(),
    );
    // The submits come from a thread that records nothing else: its track exists because the
    // submit registered it.
    let p = Arc::clone(&pool);
    let submitter = threading::Builder::new()
        .name("tt-submitter")
        .spawn(move || {
            (0..3_u64)
                .map(|i| {
                    p.submit(move || {
                        if i == 0 {
                            std::thread::sleep(SLEEP);
                        }
                        i
                    })
                    .unwrap()
                })
                .collect::<Vec<_>>()
        })
        .unwrap();
    assert_eq!(submitter.join_timeout(Duration::from_secs(10)), Ok(true));
    let futures = submitter
        .join()
        .expect("the submitter returned its futures");
    for (i, f) in futures.iter().enumerate() {
        assert_eq!(f.result_timeout(Duration::from_secs(10)).unwrap(), i as u64);
    }
    pool.shutdown();
    let trace = rec.stop();
    let list = events(trace.to_json());
    // The submitter's track is named (its ring was registered by the submit).
    let submitter_tid = track(&list, "tt-submitter");
    let worker = track(&list, "tt-pool_0");
    let slices: Vec<&Value> = list
        .iter()
        .filter(|e| ph(e) == "X" && e["name"] == "task")
        .collect();
    assert_eq!(slices.len(), 3, "one slice per task: {slices:?}");
    for slice in &slices {
        assert_eq!(slice["tid"], worker, "{slice}");
        let start = slice["ts"].as_f64().unwrap();
        let dur = slice["dur"].as_f64().unwrap();
        let queued = slice["args"]["queued_us"].as_f64().expect("queued_us");
        assert!(dur >= 0.0 && queued >= 0.0, "{slice}");
        // The arrow ends at the slice's start, on the worker's track...
        let end = list
            .iter()
            .find(|e| ph(e) == "f" && e["cat"] == "task" && e["ts"] == slice["ts"])
            .unwrap_or_else(|| panic!("no arrow end for {slice}"));
        assert_eq!(end["tid"], worker);
        // ...and starts at the submit, queued_us earlier, on the submitter's track.
        let begin = list
            .iter()
            .find(|e| ph(e) == "s" && e["cat"] == "task" && e["id"] == end["id"])
            .unwrap_or_else(|| panic!("no arrow start for {end}"));
        assert_eq!(begin["tid"], submitter_tid);
        let submitted = begin["ts"].as_f64().unwrap();
        assert!(
            (submitted + queued - start).abs() < 0.01,
            "submit {submitted} + queued {queued} != start {start}"
        );
    }
    // The sleeping task's slice covers its sleep (0.6 T .. 10 T).
    let longest = slices
        .iter()
        .map(|s| s["dur"].as_f64().unwrap())
        .fold(0.0, f64::max);
    let t = SLEEP.as_micros() as f64;
    assert!(longest >= 0.6 * t && longest < 10.0 * t, "{longest} us");
    // Nothing else on the worker's and the submitter's tracks: the slices and the arrow ends;
    // the submits and the arrow starts.
    let on = |tid: &Value| {
        list.iter()
            .filter(|e| e["tid"] == *tid && ph(e) != "M")
            .map(|e| format!("{} {}", ph(e), e["name"].as_str().unwrap_or("")))
            .collect::<Vec<_>>()
    };
    let mut worker_events = on(&worker);
    worker_events.sort();
    assert_eq!(
        worker_events,
        ["X task", "X task", "X task", "f task", "f task", "f task"]
    );
    let mut submitter_events = on(&submitter_tid);
    submitter_events.sort();
    assert_eq!(
        submitter_events,
        [
            "X submit", "X submit", "X submit", "s task", "s task", "s task"
        ]
    );
    // And one ring event per task: the events kept are the three tasks plus what the other
    // threads recorded (this thread's waits for the results and the join), each of which is
    // written as one object (a wake's flow starts aside).
    let others = list
        .iter()
        .filter(|e| e["cat"] != "task" && ph(e) != "M")
        .filter(|e| !(ph(e) == "s" && e["cat"] == "wake"))
        .count();
    assert_eq!(trace.events(), 3 + others, "{}", trace.to_json());
}

#[test]
fn a_task_submitted_before_the_recording_has_a_slice_but_no_arrow() {
    let _turn = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let pool = ThreadPoolExecutor::new(1).unwrap();
    let (started_tx, started) = mpsc::channel::<()>();
    let (go, go_rx) = mpsc::channel::<()>();
    let blocker = pool
        .submit(move || {
            started_tx.send(()).unwrap();
            go_rx.recv_timeout(Duration::from_secs(10)).is_ok()
        })
        .unwrap();
    started
        .recv_timeout(Duration::from_secs(10))
        .expect("the first task started");
    // Queued behind the blocker, before anything records.
    let late = pool.submit(|| 5).unwrap();
    let rec = diagnostics::record().unwrap();
    go.send(()).unwrap();
    assert_eq!(late.result_timeout(Duration::from_secs(10)).unwrap(), 5);
    assert!(blocker.result_timeout(Duration::from_secs(10)).unwrap());
    let trace = rec.stop();
    pool.shutdown();
    let list = events(trace.to_json());
    let slices: Vec<&Value> = list
        .iter()
        .filter(|e| ph(e) == "X" && e["name"] == "task")
        .collect();
    // The blocker started before the recording: not timed. The late task ran inside it.
    assert_eq!(slices.len(), 1, "{slices:?}");
    assert!(slices[0]["args"]["queued_us"].is_null(), "{}", slices[0]);
    assert!(
        !list
            .iter()
            .any(|e| e["cat"] == "task" && (ph(e) == "s" || ph(e) == "f")),
        "an arrow from a submit that was not recorded"
    );
}
