//! The timeline: per-thread event rings written out in the Chrome trace event format, which
//! Perfetto (<https://ui.perfetto.dev>) and `chrome://tracing` open.
//!
//! Off by default. Every event site first reads one process-wide flag with a relaxed load
//! ([`on`]); only when a [`Recording`] is live does it touch anything else. Each thread writes
//! into its own ring (its own mutex, taken by nobody else until the recording stops), so there
//! is no global lock on the hot path; a ring keeps the newest `capacity` events and counts the
//! ones it dropped, and the file says how many.
//!
//! What is recorded: one track per thread (named with `M` metadata); a `B`/`E` slice for every
//! wait on a primitive (the same waits the wait-for graph sees, with the wait site); a flow
//! arrow (`s`/`f`) from a lock release that woke parked waiters to the slow-path acquire that
//! followed it, and from a `Condition` notify or an `Event` set to each thread it woke (ending
//! inside that thread's wait slice); queue depth as a `C` counter track per queue (named after
//! the queue, sampled: see [`DEPTH_SAMPLE_INTERVAL`]); executor tasks as slices on the
//! worker's track with an arrow from their submit; timer firings as instants.
//!
//! Uncontended lock holds are not drawn: that would put a flag check on both halves of the
//! lock's fast path (measured with callgrind: 5 more instructions per acquire + release), and
//! a hold nobody waited for is not what a timeline of contention is for.
//!
//! JSON is written by hand: the core crate stays dependency-free, and the output is a handful
//! of fixed shapes whose strings are escaped by [`super::json`].

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt::Write as _;
use std::panic::Location;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU8, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use std::{fmt, fs, io};

use super::json::{escape, write_event};
use super::label::{Label, Resource};
use super::wait_graph::my_ident;

/// The one thing every event site reads when recording is off: `RECORDING`, `OFF`, or
/// `UNCHECKED` until the first event site has looked at `PYTHREADING_TRACE` (see `from_env`).
static STATE: AtomicU8 = AtomicU8::new(UNCHECKED);
const UNCHECKED: u8 = 0;
const OFF: u8 = 1;
const RECORDING: u8 = 2;
/// The live session, if any; also bumps on every start so stale per-thread rings re-register.
static SESSION: Mutex<Option<Session>> = Mutex::new(None);
static GENERATION: AtomicU64 = AtomicU64::new(0);
static NEXT_FLOW: AtomicU64 = AtomicU64::new(1);

/// Events each thread keeps by default (the newest win).
pub const DEFAULT_CAPACITY: usize = 1 << 16;

fn session() -> MutexGuard<'static, Option<Session>> {
    SESSION.lock().unwrap_or_else(|p| p.into_inner())
}

/// Whether a recording is live: the one relaxed load every event site pays when it is not.
/// The first call in the process reads `PYTHREADING_TRACE` (and may start a recording).
#[inline]
pub(crate) fn on() -> bool {
    match STATE.load(Ordering::Relaxed) {
        RECORDING => true,
        UNCHECKED => env_checked(),
        _ => false,
    }
}

#[cold]
fn env_checked() -> bool {
    super::from_env::first_use();
    // Nothing recorded from the variable (unset, or a recording was live): looked at, off.
    let _ = STATE.compare_exchange(UNCHECKED, OFF, Ordering::AcqRel, Ordering::Relaxed);
    STATE.load(Ordering::Relaxed) == RECORDING
}

struct Session {
    generation: u64,
    epoch: Instant,
    capacity: usize,
    rings: Vec<Arc<Local>>,
}

/// One thread's part of a recording: its ring, and the latest queue depth it did not write.
struct Local {
    ring: Mutex<Ring>,
    epoch: Instant,
    pending: PendingDepth,
}

/// The newest depth sample the coalescing skipped (see [`queue_depth`]), kept outside the
/// ring's mutex so that a skipped sample costs three relaxed stores. Written only by its
/// thread; read when the next sample of this thread is written, or when the recording stops,
/// so that every queue's track ends on the depth the thread last saw.
struct PendingDepth {
    /// Nanoseconds since the session started; 0: nothing pending.
    ts: AtomicU64,
    /// The queue's label id.
    queue: AtomicU32,
    depth: AtomicUsize,
}

impl PendingDepth {
    fn take(&self) -> Option<(u64, u32, usize)> {
        let ts = self.ts.swap(0, Ordering::Relaxed);
        (ts != 0).then(|| {
            (
                ts,
                self.queue.load(Ordering::Relaxed),
                self.depth.load(Ordering::Relaxed),
            )
        })
    }
}

struct Ring {
    ident: u64,
    name: String,
    epoch: Instant,
    capacity: usize,
    events: VecDeque<Event>,
    dropped: u64,
}

pub(super) struct Event {
    pub(super) ph: u8,
    /// Nanoseconds since the session started.
    pub(super) ts: u64,
    pub(super) what: What,
}

pub(super) enum What {
    Wait(Resource, &'static Location<'static>),
    WaitEnd,
    Release(Resource, u64),
    /// A notify or set that woke `n` waiters: flows `first..first + n`.
    Wake(&'static str, Resource, u64, u64),
    Acquired(u64),
    Depth(Resource, usize),
    Task(&'static str, u64),
    Instant(&'static str),
}

thread_local! {
    static MINE: RefCell<Option<(u64, Arc<Local>)>> = const { RefCell::new(None) };
    /// The depth-sample gate: the queue (its label's address) this thread sampled last, when
    /// it may sample it again, and how many of its operations were skipped since the clock
    /// was last read.
    static DEPTH_GATE: Cell<(usize, Option<Instant>, u32)> = const { Cell::new((0, None, 0)) };
}

/// Appends an event to the calling thread's ring (registering the ring on first use).
fn emit(ph: u8, what: What) {
    let generation = GENERATION.load(Ordering::Acquire);
    let _ = MINE.try_with(|mine| {
        let mut mine = mine.borrow_mut();
        // The common case borrows the ring: no reference-count traffic per event.
        if !matches!(&*mine, Some((g, _)) if *g == generation) {
            let mut s = session();
            let Some(s) = s.as_mut().filter(|s| s.generation == generation) else {
                return;
            };
            let ident = my_ident();
            // The name now, while the thread is registered (it may be gone at the end).
            let name = crate::threading::enumerate()
                .into_iter()
                .find(|t| t.ident() == ident)
                .map(|t| t.name().to_owned())
                .or_else(|| std::thread::current().name().map(str::to_owned))
                .unwrap_or_else(|| format!("thread {ident}"));
            let local = Arc::new(Local {
                ring: Mutex::new(Ring {
                    ident,
                    name,
                    epoch: s.epoch,
                    capacity: s.capacity,
                    events: VecDeque::new(),
                    dropped: 0,
                }),
                epoch: s.epoch,
                pending: PendingDepth {
                    ts: AtomicU64::new(0),
                    queue: AtomicU32::new(0),
                    depth: AtomicUsize::new(0),
                },
            });
            s.rings.push(Arc::clone(&local));
            *mine = Some((generation, local));
        }
        let Some((_, local)) = &*mine else { return };
        let mut r = local.ring.lock().unwrap_or_else(|p| p.into_inner());
        let ts = u64::try_from(r.epoch.elapsed().as_nanos()).unwrap_or(u64::MAX);
        if let What::Depth(queue, _) = &what
            && let Some((at, id, depth)) = local.pending.take()
            && id != queue.id()
        {
            // A skipped sample of another queue: its track keeps the depth this thread saw.
            let queue = r.queue_named(id);
            r.push(b'C', at, What::Depth(queue, depth));
        }
        r.push(ph, ts, what);
    });
}

impl Ring {
    /// Queue `id` as this ring's samples of it name it (`Queue#id` if they were all dropped).
    fn queue_named(&self, id: u32) -> Resource {
        self.events
            .iter()
            .rev()
            .find_map(|e| match &e.what {
                What::Depth(q, _) if q.id() == id => Some(q.clone()),
                _ => None,
            })
            .unwrap_or_else(|| Resource::queue(id))
    }

    fn push(&mut self, ph: u8, ts: u64, what: What) {
        if self.events.len() >= self.capacity {
            self.events.pop_front();
            self.dropped += 1;
        }
        self.events.push_back(Event { ph, ts, what });
    }
}

/// Keeps a depth sample the gate skipped, for the end of the queue's track.
fn skip_depth(queue: &Label, depth: usize, now: Instant) {
    let generation = GENERATION.load(Ordering::Acquire);
    let _ = MINE.try_with(|mine| {
        if let Some((g, local)) = &*mine.borrow()
            && *g == generation
        {
            let at = now.saturating_duration_since(local.epoch).as_nanos();
            local.pending.queue.store(queue.id(), Ordering::Relaxed);
            local.pending.depth.store(depth, Ordering::Relaxed);
            local.pending.ts.store(
                u64::try_from(at).unwrap_or(u64::MAX).max(1),
                Ordering::Relaxed,
            );
        }
    });
}

/// Whether an event site has anywhere to send its event: a live recording, or (with the
/// `tracing` feature) a `tracing` subscriber interested in `pythreading::diagnostics` at TRACE.
#[inline]
fn live() -> bool {
    on() || tracing_on()
}

#[cfg(feature = "tracing")]
#[inline]
fn tracing_on() -> bool {
    tracing::enabled!(target: "pythreading::diagnostics", tracing::Level::TRACE)
}

#[cfg(not(feature = "tracing"))]
#[inline]
fn tracing_on() -> bool {
    false
}

/// Sends an event to the recording's ring and/or to `tracing`.
fn publish(ph: u8, what: What) {
    #[cfg(feature = "tracing")]
    if tracing_on() {
        to_tracing(ph, &what);
    }
    if on() {
        emit(ph, what);
    }
}

/// The same events as `tracing` events (target `pythreading::diagnostics`, level TRACE), with
/// the Chrome phase, the primitive, the site and the ids as fields.
#[cfg(feature = "tracing")]
fn to_tracing(ph: u8, what: &What) {
    let ph = char::from(ph).to_string();
    match what {
        What::Wait(resource, site) => tracing::trace!(
            target: "pythreading::diagnostics",
            ph, resource = %resource, site = %super::dump::site(site),
            "wait begins"
        ),
        What::WaitEnd => tracing::trace!(target: "pythreading::diagnostics", ph, "slice ends"),
        What::Release(resource, flow) => tracing::trace!(
            target: "pythreading::diagnostics",
            ph, resource = %resource, flow, "release wakes a waiter"
        ),
        What::Wake(verb, resource, first, n) => tracing::trace!(
            target: "pythreading::diagnostics",
            ph, verb = *verb, resource = %resource, flow = *first, woken = *n, "wakes waiters"
        ),
        What::Acquired(flow) => tracing::trace!(
            target: "pythreading::diagnostics",
            ph, flow, "woken waiter acquires"
        ),
        What::Depth(queue, depth) => tracing::trace!(
            target: "pythreading::diagnostics",
            ph, queue = %queue, depth, "queue depth"
        ),
        What::Task(name, id) => tracing::trace!(
            target: "pythreading::diagnostics",
            ph, task = *name, id, "task"
        ),
        What::Instant(name) => tracing::trace!(target: "pythreading::diagnostics", ph, "{name}"),
    }
}

/// Start of a wait slice; `None` when not recording (then the end is not emitted either).
pub(crate) fn wait_begin(resource: &Resource, site: &'static Location<'static>) -> Option<WaitKey> {
    if !live() {
        return None;
    }
    publish(b'B', What::Wait(resource.clone(), site));
    Some(WaitKey)
}

/// Proof that a wait slice was opened on this thread.
pub(crate) struct WaitKey;

pub(crate) fn wait_end(_: WaitKey) {
    publish(b'E', What::WaitEnd);
}

/// A release that will wake a parked waiter: the start of a flow arrow.
pub(crate) fn lock_released(label: &Label) {
    if live() {
        let flow = NEXT_FLOW.fetch_add(1, Ordering::Relaxed);
        LAST_FLOW.store(flow, Ordering::Relaxed);
        publish(b's', What::Release(label.resource(), flow));
    }
}

/// The flow of the latest contended release. One slot for the process is enough for arrows:
/// an arrow drawn to the wrong one of two simultaneous hand-offs is a cosmetic error only.
static LAST_FLOW: AtomicU64 = AtomicU64::new(0);

/// A `notify` or `set` on `label` that wakes `n` waiters it knows: starts `n` flow arrows and
/// returns the first id (the waiters end them with [`woken`]); 0 when nothing records.
pub(crate) fn wake_flows(verb: &'static str, label: &Label, n: usize) -> u64 {
    if n == 0 || !live() {
        return 0;
    }
    let n = n as u64;
    let first = NEXT_FLOW.fetch_add(n, Ordering::Relaxed);
    publish(b's', What::Wake(verb, label.resource(), first, n));
    first
}

/// A waiter woken by a [`wake_flows`] call: the end of its arrow (`flow` 0: none).
pub(crate) fn woken(flow: u64) {
    if flow != 0 && live() {
        publish(b'f', What::Acquired(flow));
    }
}

/// A slow-path acquire: the end of the flow arrow from the release that woke it.
pub(crate) fn lock_acquired() {
    if live() {
        let flow = LAST_FLOW.swap(0, Ordering::Relaxed);
        if flow != 0 {
            publish(b'f', What::Acquired(flow));
        }
    }
}

/// The shortest gap between two depth samples of one queue written by one thread.
///
/// A counter event per put and get made recording cost 3.85x on a busy queue (4 producers,
/// 4 consumers); sampling each thread's view of a queue at most every 20 µs keeps the depth
/// track's shape in Perfetto (a busy queue still gets tens of thousands of samples a second)
/// at a fraction of the cost. Reading the clock and the queue's length on every operation
/// would still cost more than the operation itself, so a thread looks at the clock only every
/// [`DEPTH_CLOCK_EVERY`] operations on the same queue; when it is not yet time to sample, it
/// keeps that depth aside, written with the thread's next sample of another queue or when the
/// recording stops. So a track ends at most `DEPTH_CLOCK_EVERY - 1` operations (per thread)
/// short of the queue's last depth; the first operation of a thread on a queue is always
/// sampled.
///
/// # Examples
///
/// ```
/// use pythreading::{diagnostics, queue::Queue};
/// assert_eq!(diagnostics::DEPTH_SAMPLE_INTERVAL.as_micros(), 20);
/// let rec = diagnostics::record().unwrap();
/// let q = Queue::unbounded();
/// for i in 0..1000 {
///     q.put(i).unwrap();
/// }
/// let json = rec.stop().to_json().to_owned();
/// // The first put is sampled; far fewer samples than puts.
/// assert!(json.contains("\"depth\":1}"));
/// assert!(json.matches("queue depth").count() <= 1000 / 16 + 1);
/// ```
pub const DEPTH_SAMPLE_INTERVAL: Duration = Duration::from_micros(20);

/// How many operations on the same queue a thread makes between two looks at the clock (see
/// [`DEPTH_SAMPLE_INTERVAL`]).
///
/// # Examples
///
/// ```
/// assert_eq!(pythreading::diagnostics::DEPTH_CLOCK_EVERY, 16);
/// ```
pub const DEPTH_CLOCK_EVERY: u32 = 16;

/// A queue's depth changed (`queue` is its label, naming its counter track). One relaxed load
/// when nothing records; when something does, at most one sample per queue per thread per
/// [`DEPTH_SAMPLE_INTERVAL`].
#[inline]
pub(crate) fn queue_depth(queue: &Label, depth: impl FnOnce() -> usize) {
    if live() {
        queue_depth_live(queue, depth);
    }
}

/// What the gate says about one operation.
enum Gate {
    /// Not even a look at the clock.
    Skip,
    /// Looked: not yet time; keep the depth aside.
    Aside(Instant),
    /// Sample it.
    Sample,
}

#[inline(never)]
fn queue_depth_live(queue: &Label, depth: impl FnOnce() -> usize) {
    let key = std::ptr::from_ref(queue) as usize;
    let gate = DEPTH_GATE
        .try_with(|gate| {
            let (last, next, skipped) = gate.get();
            if let (true, Some(next)) = (last == key, next) {
                if skipped + 1 < DEPTH_CLOCK_EVERY {
                    gate.set((key, Some(next), skipped + 1));
                    return Gate::Skip;
                }
                let now = Instant::now();
                if now < next {
                    gate.set((key, Some(next), 0));
                    return Gate::Aside(now);
                }
                gate.set((key, Some(now + DEPTH_SAMPLE_INTERVAL), 0));
                return Gate::Sample;
            }
            gate.set((key, Some(Instant::now() + DEPTH_SAMPLE_INTERVAL), 0));
            Gate::Sample
        })
        .unwrap_or(Gate::Sample);
    match gate {
        Gate::Skip => {}
        Gate::Sample => publish(b'C', What::Depth(queue.resource(), depth())),
        Gate::Aside(now) => {
            if on() {
                skip_depth(queue, depth(), now);
            }
        }
    }
}

/// An executor task was submitted (`s`), started (`b`) or finished (`e`); `id` names the task.
#[inline]
pub(crate) fn task(ph: u8, name: &'static str, id: u64) {
    if live() {
        publish(ph, What::Task(name, id));
    }
}

/// Runs an executor task inside a `task` slice on the worker's track, the end of the flow arrow
/// from its submit.
pub(crate) fn traced_task<R>(id: u64, run: impl FnOnce() -> R) -> R {
    if !live() {
        return run();
    }
    publish(b'B', What::Task("task", id));
    let out = run();
    publish(b'E', What::WaitEnd);
    out
}

/// A task's id for the timeline: the address of its shared state (unique while it lives).
pub(crate) fn job_id<T: ?Sized>(job: &Arc<T>) -> u64 {
    Arc::as_ptr(job).cast::<()>() as usize as u64
}

/// A point event on the calling thread's track (a timer firing).
#[inline]
pub(crate) fn instant(name: &'static str) {
    if live() {
        publish(b'i', What::Instant(name));
    }
}

/// A second recording was asked for while one is live.
///
/// # Examples
///
/// ```
/// use pythreading::diagnostics::{self, AlreadyRecording};
/// let first = diagnostics::record().unwrap();
/// assert_eq!(diagnostics::record().err(), Some(AlreadyRecording));
/// drop(first.stop());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlreadyRecording;

impl fmt::Display for AlreadyRecording {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a recording is already running")
    }
}

impl std::error::Error for AlreadyRecording {}

/// Starts recording the timeline of every thread; [`Recording::stop`] returns it.
///
/// # Errors
///
/// [`AlreadyRecording`] if a recording is live (there is one timeline per process).
///
/// # Examples
///
/// ```
/// use pythreading::{diagnostics, queue::Queue};
/// let rec = diagnostics::record().unwrap();
/// let q = Queue::unbounded();
/// q.put(1).unwrap();
/// let trace = rec.stop();
/// assert!(trace.to_json().contains("queue depth"));
/// ```
pub fn record() -> Result<Recording, AlreadyRecording> {
    record_with_capacity(DEFAULT_CAPACITY)
}

/// As [`record`], keeping at most `capacity` events per thread (the newest).
///
/// # Errors
///
/// [`AlreadyRecording`] if a recording is live.
///
/// # Examples
///
/// ```
/// use pythreading::{diagnostics, queue::Queue};
/// let rec = diagnostics::record_with_capacity(4).unwrap();
/// let queues: Vec<Queue<u8>> = (0..10).map(|_| Queue::unbounded()).collect();
/// for q in &queues {
///     q.put(1).unwrap(); // the first depth sample of each queue is always written
/// }
/// assert_eq!(rec.stop().dropped(), 6);
/// ```
pub fn record_with_capacity(capacity: usize) -> Result<Recording, AlreadyRecording> {
    // An explicit recording before any event site: the variable is not looked at any more.
    super::from_env::settle();
    start(capacity)
}

/// Starts a session (the one place that does).
pub(super) fn start(capacity: usize) -> Result<Recording, AlreadyRecording> {
    let mut s = session();
    if s.is_some() {
        return Err(AlreadyRecording);
    }
    let generation = GENERATION.fetch_add(1, Ordering::AcqRel) + 1;
    *s = Some(Session {
        generation,
        epoch: Instant::now(),
        capacity: capacity.max(1),
        rings: Vec::new(),
    });
    STATE.store(RECORDING, Ordering::Release);
    Ok(Recording {
        path: None,
        live: true,
    })
}

/// Records to `path`, written when the returned guard drops (or by [`Recording::stop`]).
///
/// # Errors
///
/// [`AlreadyRecording`] if a recording is live.
///
/// # Examples
///
/// ```
/// let path = std::env::temp_dir().join("pythreading-doc-record-to.json");
/// {
///     let _rec = pythreading::diagnostics::record_to(&path).unwrap();
///     pythreading::queue::Queue::unbounded().put(1).unwrap();
/// }
/// assert!(std::fs::read_to_string(&path).unwrap().contains("traceEvents"));
/// # std::fs::remove_file(&path).unwrap();
/// ```
pub fn record_to(path: impl AsRef<Path>) -> Result<Recording, AlreadyRecording> {
    let mut rec = record()?;
    rec.path = Some(path.as_ref().to_path_buf());
    Ok(rec)
}

/// As [`record_to`], without settling `PYTHREADING_TRACE` (the variable's own start).
pub(super) fn start_to(path: PathBuf) -> Result<Recording, AlreadyRecording> {
    let mut rec = start(DEFAULT_CAPACITY)?;
    rec.path = Some(path);
    Ok(rec)
}

/// A live recording. Dropping it stops recording (and writes the file for [`record_to`]).
///
/// # Examples
///
/// ```
/// let rec = pythreading::diagnostics::record().unwrap();
/// let trace = rec.stop();
/// assert_eq!(trace.dropped(), 0);
/// ```
#[must_use = "recording stops when the guard drops"]
#[derive(Debug)]
pub struct Recording {
    path: Option<PathBuf>,
    live: bool,
}

impl Recording {
    /// Stops recording and returns the timeline (the file of [`record_to`] is written too; an
    /// error writing it is printed to stderr, as the guard's drop would).
    ///
    /// # Examples
    ///
    /// ```
    /// let trace = pythreading::diagnostics::record().unwrap().stop();
    /// assert!(trace.to_json().starts_with('{'));
    /// ```
    pub fn stop(mut self) -> Trace {
        self.finish()
    }

    fn finish(&mut self) -> Trace {
        self.live = false;
        STATE.store(OFF, Ordering::Release);
        let taken = session().take();
        let trace = Trace::collect(taken);
        if let Some(path) = self.path.take()
            && let Err(err) = trace.write(&path)
        {
            eprintln!(
                "pythreading: cannot write the trace to {}: {err}",
                path.display()
            );
        }
        trace
    }
}

impl Drop for Recording {
    fn drop(&mut self) {
        if self.live {
            self.finish();
        }
    }
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
    fn collect(session: Option<Session>) -> Trace {
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
        for local in session.into_iter().flat_map(|s| s.rings) {
            let mut r = local.ring.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((at, id, depth)) = local.pending.take() {
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
            for e in &r.events {
                sep(&mut out);
                events += 1;
                write_event(&mut out, pid, tid, e);
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

/// Whether an event would go anywhere now (a live recording, or a `tracing` subscriber): lets
/// the executor run a task without the [`traced_task`] wrapper for the price of one relaxed
/// load.
#[inline]
pub(crate) fn tracing_tasks() -> bool {
    live()
}
