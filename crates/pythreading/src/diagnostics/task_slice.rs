//! Executor tasks on the timeline: one event per task, written by the worker when the task is
//! done, drawn as the task's slice on the worker's track and an arrow from its submit on the
//! submitter's track.
//!
//! Recording is meant to cost little next to a trivial task, and what a timeline event costs is
//! mostly the clock and the ring: the submit reads the clock once and keeps the time in the task
//! (no event, no ring); the worker reads it when the task starts and when it ends, and writes
//! the single event with all three times. The JSON writer turns that event back into the
//! submit's zero-length slice and arrow start (on the submitter's track, whose ring the submit
//! registered so that it is named) and the task's slice and arrow end (on the worker's).

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use super::trace::{What, live, on, publish_at, with_local};
use super::wait_graph::my_ident;

/// When and by whom a task was submitted, kept in the task until a worker runs it (only in
/// tasks submitted while something records).
#[derive(Clone, Copy, Debug)]
pub(crate) struct TaskSubmit {
    at: Instant,
    /// The submitting thread's ident.
    by: u64,
}

/// The payload of a task's event: the event's own time is the task's start.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TaskRun {
    /// The task's id (the address of its shared state), naming its arrow.
    pub(crate) id: u64,
    /// The submitting thread's ident, 0 if the submit was not recorded.
    pub(crate) submitter: u64,
    /// Submit to start in nanoseconds, `u64::MAX` if the submit was not recorded.
    queued_ns: u64,
    /// Start to finish in nanoseconds.
    pub(crate) dur_ns: u64,
}

impl TaskRun {
    /// Submit to start in nanoseconds, if the submit was recorded.
    pub(crate) fn queued_ns(&self) -> Option<u64> {
        (self.queued_ns != u64::MAX).then_some(self.queued_ns)
    }
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX - 1)
}

/// The submit of a task: `None` for one relaxed load when nothing records; otherwise one look
/// at the clock (and, the first time on this thread, the registration that names its track).
#[inline]
pub(crate) fn task_submitted() -> Option<TaskSubmit> {
    if live() { Some(submitted_live()) } else { None }
}

#[inline(never)]
fn submitted_live() -> TaskSubmit {
    if on() {
        // Only to name this thread's track: the arrow's start is drawn there.
        with_local(|_| ());
    }
    TaskSubmit {
        at: Instant::now(),
        by: my_ident(),
    }
}

/// Whether a task's run should be timed: one relaxed load when nothing records.
#[inline]
pub(crate) fn tracing_tasks() -> bool {
    live()
}

/// A task that started at `start` has finished: reads the clock once more and writes the
/// task's one event. A submit that happened before the recording began is dropped when the
/// event is written out (it has no place on the timeline).
pub(crate) fn task_ran(id: u64, submit: Option<TaskSubmit>, start: Instant) {
    let end = Instant::now();
    let (submitter, queued_ns) = submit.map_or((0, u64::MAX), |s| {
        (s.by, nanos(start.saturating_duration_since(s.at)))
    });
    let run = TaskRun {
        id,
        submitter,
        queued_ns,
        dur_ns: nanos(end.saturating_duration_since(start)),
    };
    publish_at(b'X', What::TaskRun(run), Some(start));
}

impl TaskRun {
    /// When the task was submitted (nanoseconds since the recording began), given its start
    /// `start_ns`: `None` when the submit was not recorded or came before the recording began
    /// (it has no place on this timeline).
    pub(super) fn submitted_at(&self, start_ns: u64) -> Option<u64> {
        self.queued_ns().and_then(|q| start_ns.checked_sub(q))
    }
}

/// The submit of a task (`at_ns` since the recording began, on the submitter's track `tid`): a
/// zero-length slice holding the start of the arrow to the task's slice. The timeline writes it
/// in time order among the other events, apart from the task's slice.
pub(super) fn write_submit_json(out: &mut String, pid: u32, tid: u64, at_ns: u64, run: &TaskRun) {
    let at = at_ns as f64 / 1000.0;
    let id = run.id;
    let _ = write!(
        out,
        r#"{{"ph":"X","cat":"task","name":"submit","pid":{pid},"tid":{tid},"ts":{at:.3},"dur":0}},
{{"ph":"s","cat":"task","name":"task","id":{id},"pid":{pid},"tid":{tid},"ts":{at:.3}}}"#
    );
}

/// The task's slice on the worker's track (`ts_ns`: its start, since the recording began), and
/// the end of the arrow from its submit when the submit is on this timeline.
pub(super) fn write_run_json(out: &mut String, pid: u32, tid: u64, ts_ns: u64, run: &TaskRun) {
    let us = |ns: u64| ns as f64 / 1000.0;
    let ts = us(ts_ns);
    let id = run.id;
    let dur = us(run.dur_ns);
    let _ = write!(
        out,
        r#"{{"ph":"X","cat":"task","name":"task","pid":{pid},"tid":{tid},"ts":{ts:.3},"dur":{dur:.3}"#
    );
    if let Some(q) = run.queued_ns() {
        let _ = write!(out, r#","args":{{"queued_us":{:.3}}}"#, us(q));
    }
    out.push('}');
    if run.submitted_at(ts_ns).is_some() {
        let _ = write!(
            out,
            r#",
{{"ph":"f","bp":"e","cat":"task","name":"task","id":{id},"pid":{pid},"tid":{tid},"ts":{ts:.3}}}"#
        );
    }
}
