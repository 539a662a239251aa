//! The written timeline: a stopped recording's events of every thread as one Chrome trace event
//! file (thread names first, then every event in time order).

use std::fmt::Write as _;
use std::path::Path;
use std::{fs, io};

use super::json::{escape, write_event};
use super::trace::{Event, PendingDepth, Session, What};

/// One object (or pair) of the written timeline: a ring's event, or the submit an executor
/// task's event stands for.
enum Written<'a> {
    /// An event, with the time to its end when it begins a slice whose end the ring holds.
    Event(&'a Event, Option<u64>),
    Submit(&'a super::task_slice::TaskRun),
}

/// A stopped recording: the events of every thread, ready to be written.
///
/// # Examples
///
/// ```
/// let trace = pythreading::diagnostics::record().unwrap().stop();
/// let path = std::env::temp_dir().join("pythreading-doc-trace.json");
/// trace.write(&path).unwrap();
/// # std::fs::remove_file(&path).unwrap();
/// ```
#[derive(Debug)]
pub struct Trace {
    json: String,
    events: usize,
    dropped: u64,
}

impl Trace {
    pub(super) fn collect(session: Option<Session>) -> Trace {
        let mut out = String::from("{\"traceEvents\":[\n");
        let mut events = 0;
        let mut dropped = 0;
        let pid = std::process::id();
        let capacity = session.as_ref().map_or(0, |s| s.capacity);
        let names: Vec<_> = crate::threading::enumerate();
        let mut first = true;
        let mut sep = |out: &mut String| {
            if !first {
                out.push_str(",\n");
            }
            first = false;
        };
        // Every thread's name first, then the events of all threads in time order: a viewer
        // that reads the file as a stream (the DevTools trace engine pairs flow starts and ends
        // in file order) sees a flow's start before its end on another thread.
        let mut rings = Vec::new();
        for local in session.into_iter().flat_map(|s| s.rings) {
            let mut r = local.ring.lock().unwrap_or_else(|p| p.into_inner());
            for (at, id, depth) in local.pending.iter().filter_map(PendingDepth::take) {
                // The thread's last view of the queue.
                let queue = r.queue_named(id);
                r.push(b'C', at, What::Depth(queue, depth));
            }
            dropped += r.dropped;
            let tid = r.ident;
            // A rename after the ring was made (Python allows `t.name = ...`) wins.
            let name = names
                .iter()
                .find(|t| t.ident() == tid)
                .map_or_else(|| r.name.clone(), |t| t.name().to_owned());
            sep(&mut out);
            let _ = write!(
                out,
                r#"{{"ph":"M","name":"thread_name","pid":{pid},"tid":{tid},"args":{{"name":"{}"}}}}"#,
                escape(&name)
            );
            drop(r);
            rings.push(local);
        }
        let guards: Vec<_> = rings
            .iter()
            .map(|l| l.ring.lock().unwrap_or_else(|p| p.into_inner()))
            .collect();
        let mut all: Vec<(u64, u64, Written<'_>)> = Vec::new();
        for r in &guards {
            for (e, ended) in r.slices() {
                // A task's one event also stands for its submit, on the submitter's track at
                // the submit's time (its arrow's start must come before its end in the file).
                if let What::TaskRun(run) = &e.what
                    && let Some(at) = run.submitted_at(e.ts)
                {
                    all.push((at, run.submitter, Written::Submit(run)));
                }
                all.push((e.ts, r.ident, Written::Event(e, ended)));
            }
        }
        // Stable: a thread's events at the same nanosecond keep their order.
        all.sort_by_key(|(ts, _, _)| *ts);
        for (ts, tid, item) in all {
            sep(&mut out);
            match item {
                Written::Event(e, ended) => {
                    events += 1;
                    write_event(&mut out, pid, tid, e, ended);
                }
                Written::Submit(run) => {
                    super::task_slice::write_submit_json(&mut out, pid, tid, ts, run)
                }
            }
        }
        let _ = write!(
            out,
            "\n],\"displayTimeUnit\":\"ms\",\"otherData\":{{\"producer\":\"pythreading\",\
             \"events\":{events},\"dropped_events\":{dropped},\"capacity_per_thread\":{capacity}}}}}\n"
        );
        Trace {
            json: out,
            events,
            dropped,
        }
    }

    /// The Chrome trace event JSON (object form: `traceEvents` plus `otherData` with the counts).
    ///
    /// # Examples
    ///
    /// ```
    /// let trace = pythreading::diagnostics::record().unwrap().stop();
    /// assert!(trace.to_json().contains("\"dropped_events\":0"));
    /// ```
    pub fn to_json(&self) -> &str {
        &self.json
    }

    /// How many events were kept.
    ///
    /// # Examples
    ///
    /// ```
    /// let trace = pythreading::diagnostics::record().unwrap().stop();
    /// assert_eq!(trace.events(), 0);
    /// ```
    pub fn events(&self) -> usize {
        self.events
    }

    /// How many events the per-thread rings dropped (oldest first) to stay bounded.
    ///
    /// # Examples
    ///
    /// ```
    /// let trace = pythreading::diagnostics::record().unwrap().stop();
    /// assert_eq!(trace.dropped(), 0);
    /// ```
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Writes the JSON to `path`.
    ///
    /// # Errors
    ///
    /// Any I/O error creating or writing the file.
    ///
    /// # Examples
    ///
    /// ```
    /// let trace = pythreading::diagnostics::record().unwrap().stop();
    /// assert!(trace.write("/nonexistent-dir/t.json").is_err());
    /// ```
    pub fn write(&self, path: impl AsRef<Path>) -> io::Result<()> {
        fs::write(path, &self.json)
    }
}
