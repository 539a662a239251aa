//! The timeline: per-thread event rings written out in the Chrome trace event format, which
//! Perfetto (<https://ui.perfetto.dev>) and `chrome://tracing` open.
//!
//! Off by default. Every event site first reads one process-wide flag with a relaxed load
//! ([`on`]); only when a [`Recording`] is live does it touch anything else. Each thread writes
//! into its own ring (its own mutex, taken by nobody else until the recording stops), so there
//! is no global lock on the hot path; a ring keeps the newest `capacity` events and counts the
//! ones it dropped, and the file says how many.
//!
//! What is recorded: one track per thread (named with `M` metadata); a slice for every wait on
//! a primitive (the same waits the wait-for graph sees, with the wait site); a flow arrow
//! (`s`/`f`) from a lock release that woke parked waiters to the slow-path acquire that
//! followed it, and from a `Condition` notify or an `Event` set to each thread it woke (ending
//! inside that thread's wait slice); queue depth as a `C` counter track per queue (named after
//! the queue, sampled: see [`DEPTH_SAMPLE_INTERVAL`]); executor tasks as slices on the
//! worker's track with an arrow from their submit; timer firings as instants.
//!
//! The file is written for the viewers of the Chrome trace event format (Perfetto,
//! `chrome://tracing`) and for the stricter trace engine of Chrome DevTools, which the CLI's
//! `trace_viewer` test loads it in: events in time order
//! after the thread names; a slice whose end was recorded is one complete `X` event (a wait
//! still open when the recording stopped stays a lone `B`); both ends of an arrow sit on a
//! zero-length slice of the arrow's category at the same time.
//!
//! Uncontended lock holds are not drawn: that would put a flag check on both halves of the
//! lock's fast path (measured with callgrind: 5 more instructions per acquire + release), and
//! a hold nobody waited for is not what a timeline of contention is for.
//!
//! JSON is written by hand: the core crate stays dependency-free, and the output is a handful
//! of fixed shapes whose strings are escaped by [`super::json`].

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::panic::Location;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU8, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::label::{Label, Resource};
use super::trace_file::Trace;
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

pub(super) struct Session {
    pub(super) generation: u64,
    pub(super) epoch: Instant,
    pub(super) capacity: usize,
    pub(super) rings: Vec<Arc<Local>>,
}

/// One thread's part of a recording: its ring, and the latest depths it did not write, of up to
/// two queues (as many as the depth gate follows, so that a thread moving items from one queue
/// to another keeps both aside without writing either).
pub(super) struct Local {
    pub(super) ring: Mutex<Ring>,
    pub(super) epoch: Instant,
    pub(super) pending: [PendingDepth; 2],
}

/// The newest depth sample of one queue the coalescing skipped (see [`queue_depth`]), kept
/// outside the ring's mutex so that a skipped sample costs three relaxed stores. Written only
/// by its thread; dropped when that thread writes a newer sample of the queue, written into
/// the ring when a third queue needs the slot or when the recording stops, so that every
/// queue's track ends on the depth the thread last saw.
pub(super) struct PendingDepth {
    /// Nanoseconds since the session started; 0: nothing pending.
    ts: AtomicU64,
    /// The queue's label id.
    queue: AtomicU32,
    depth: AtomicUsize,
}

impl PendingDepth {
    fn empty() -> PendingDepth {
        PendingDepth {
            ts: AtomicU64::new(0),
            queue: AtomicU32::new(0),
            depth: AtomicUsize::new(0),
        }
    }

    /// The queue whose depth is kept here, if any.
    fn holds(&self) -> Option<u32> {
        (self.ts.load(Ordering::Relaxed) != 0).then(|| self.queue.load(Ordering::Relaxed))
    }

    pub(super) fn take(&self) -> Option<(u64, u32, usize)> {
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

pub(super) struct Ring {
    pub(super) ident: u64,
    pub(super) name: String,
    pub(super) epoch: Instant,
    pub(super) capacity: usize,
    pub(super) events: VecDeque<Event>,
    pub(super) dropped: u64,
}

pub(super) struct Event {
    pub(super) ph: u8,
    /// Nanoseconds since the session started.
    pub(super) ts: u64,
    pub(super) what: What,
}

pub(super) enum What {
    Wait(Resource, &'static Location<'static>),
    /// The end of a wait slice, naming what was waited for: the end's name matches its
    /// begin's, which some viewers require (the DevTools trace engine fails on a nameless `E`).
    WaitEnd(Resource),
    Release(Resource, u64),
    /// A notify or set that woke `n` waiters: flows `first..first + n`.
    Wake(&'static str, Resource, u64, u64),
    Acquired(u64),
    Depth(Resource, usize),
    /// An executor task, drawn from its start (the event's time): see `task_slice`.
    TaskRun(super::task_slice::TaskRun),
    Instant(&'static str),
}

thread_local! {
    static MINE: RefCell<Option<(u64, Arc<Local>)>> = const { RefCell::new(None) };
    /// The depth gate's hot half, the only state a skipped operation touches: for the two
    /// queues this thread used last (their labels' addresses), how many more of its operations
    /// on each skip even the clock. Two entries, so that a thread passing items from one queue
    /// to the next (a pipeline stage) stays on the skip path. Const, no destructor: no lazy
    /// initialisation, so a skip is a load, a compare or two, a decrement and a store.
    static DEPTH_GATE: Cell<[(usize, u32); 2]> = const { Cell::new([(0, 0); 2]) };
    /// The gate's cold half, per entry of `DEPTH_GATE`: when the queue may be sampled again,
    /// when the clock was last looked at for it, and how many operations pass between looks.
    static DEPTH_LOOK: Cell<[Look; 2]> = const { Cell::new([Look::NEW; 2]) };
}

/// Appends an event that happened at `at` (the clock is read here when `None`: a site that
/// read the clock already, an executor task's start, does not read it again) to the calling
/// thread's ring, registering the ring on first use.
fn emit_at(ph: u8, what: What, at: Option<Instant>) {
    with_local(|local| {
        let mut r = local.ring.lock().unwrap_or_else(|p| p.into_inner());
        let since = match at {
            None => r.epoch.elapsed(),
            Some(at) => at.saturating_duration_since(r.epoch),
        };
        let ts = u64::try_from(since.as_nanos()).unwrap_or(u64::MAX);
        if let What::Depth(queue, _) = &what {
            // A depth of this queue kept aside is older than this sample: superseded.
            let id = queue.id();
            if let Some(slot) = local.pending.iter().find(|p| p.holds() == Some(id)) {
                slot.take();
            }
        }
        r.push(ph, ts, what);
    });
}

/// Runs `f` on the calling thread's part of the live recording, registering it (which names
/// the thread's track) on first use; nothing when no recording is live.
pub(super) fn with_local(f: impl FnOnce(&Local)) {
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
                pending: [PendingDepth::empty(), PendingDepth::empty()],
            });
            s.rings.push(Arc::clone(&local));
            *mine = Some((generation, local));
        }
        let Some((_, local)) = &*mine else { return };
        f(local);
    });
}

impl Ring {
    /// Queue `id` as this ring's samples of it name it (`Queue#id` if they were all dropped).
    pub(super) fn queue_named(&self, id: u32) -> Resource {
        self.events
            .iter()
            .rev()
            .find_map(|e| match &e.what {
                What::Depth(q, _) if q.id() == id => Some(q.clone()),
                _ => None,
            })
            .unwrap_or_else(|| Resource::queue(id))
    }

    /// The events to write, each slice begin with the time to its end when the ring holds it
    /// (written as one complete slice); the ends themselves are left out, and so is an end
    /// whose begin the ring dropped.
    pub(super) fn slices(&self) -> Vec<(&Event, Option<u64>)> {
        let mut out: Vec<(&Event, Option<u64>)> = Vec::with_capacity(self.events.len());
        let mut open: Vec<usize> = Vec::new();
        for e in &self.events {
            match (e.ph, &e.what) {
                (b'B', _) => {
                    open.push(out.len());
                    out.push((e, None));
                }
                (b'E', _) => {
                    if let Some(begin) = open.pop() {
                        out[begin].1 = Some(e.ts.saturating_sub(out[begin].0.ts));
                    }
                }
                _ => out.push((e, None)),
            }
        }
        out
    }

    pub(super) fn push(&mut self, ph: u8, ts: u64, what: What) {
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
            let id = queue.id();
            let held = |p: &PendingDepth| p.holds();
            // This queue's slot, else a free one, else the older of the two, whose depth goes
            // to the ring now (its track keeps it rather than losing it to this queue).
            let slot = match local.pending.iter().position(|p| held(p) == Some(id)) {
                Some(i) => &local.pending[i],
                None => match local.pending.iter().position(|p| held(p).is_none()) {
                    Some(i) => &local.pending[i],
                    None => {
                        let [a, b] = &local.pending;
                        let older = if a.ts.load(Ordering::Relaxed) <= b.ts.load(Ordering::Relaxed)
                        {
                            a
                        } else {
                            b
                        };
                        if let Some((at, other, depth)) = older.take() {
                            let mut r = local.ring.lock().unwrap_or_else(|p| p.into_inner());
                            let other = r.queue_named(other);
                            r.push(b'C', at, What::Depth(other, depth));
                        }
                        older
                    }
                },
            };
            let at = now.saturating_duration_since(local.epoch).as_nanos();
            slot.queue.store(id, Ordering::Relaxed);
            slot.depth.store(depth, Ordering::Relaxed);
            slot.ts.store(
                u64::try_from(at).unwrap_or(u64::MAX).max(1),
                Ordering::Relaxed,
            );
        }
    });
}

/// Whether an event site has anywhere to send its event: a live recording, or (with the
/// `tracing` feature) a `tracing` subscriber interested in `pythreading::diagnostics` at TRACE.
#[inline]
pub(super) fn live() -> bool {
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
    publish_at(ph, what, None);
}

/// [`publish`] for an event that happened at `at` (see `emit_at`).
pub(super) fn publish_at(ph: u8, what: What, at: Option<Instant>) {
    #[cfg(feature = "tracing")]
    if tracing_on() {
        super::to_tracing::to_tracing(ph, &what);
    }
    if on() {
        emit_at(ph, what, at);
    }
}

/// Start of a wait slice; `None` when not recording (then the end is not emitted either).
pub(crate) fn wait_begin(resource: &Resource, site: &'static Location<'static>) -> Option<WaitKey> {
    if !live() {
        return None;
    }
    publish(b'B', What::Wait(resource.clone(), site));
    Some(WaitKey(resource.clone()))
}

/// Proof that a wait slice was opened on this thread, and on what (the end names it too).
pub(crate) struct WaitKey(Resource);

pub(crate) fn wait_end(key: WaitKey) {
    publish(b'E', What::WaitEnd(key.0));
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
/// so many operations on the same queue, a period it adapts: doubled (up to
/// [`DEPTH_CLOCK_EVERY`]) while looks come less than a quarter interval apart, halved (down to
/// every operation) when they come more than an interval apart, so that a slow queue is
/// sampled on every operation that is due and a busy one reads the clock a few times per
/// interval. When a look finds it is not yet time to sample, the thread keeps that depth
/// aside, written with the thread's next sample of another queue or when the recording stops.
/// So a track ends at most `DEPTH_CLOCK_EVERY - 1` operations (per thread) short of the
/// queue's last depth; the first operation of a thread on a queue is always sampled.
///
/// # Examples
///
/// ```
/// use pythreading::{diagnostics, queue::Queue};
/// assert_eq!(diagnostics::DEPTH_SAMPLE_INTERVAL.as_micros(), 20);
/// let rec = diagnostics::record().unwrap();
/// let q = Queue::unbounded();
/// let start = std::time::Instant::now();
/// for i in 0..1000 {
///     q.put(i).unwrap();
/// }
/// let elapsed = start.elapsed();
/// let json = rec.stop().to_json().to_owned();
/// // The first put is sampled; then at most one sample per interval, and the depth kept aside.
/// assert!(json.contains("\"depth\":1}"));
/// let bound = elapsed.as_micros() / diagnostics::DEPTH_SAMPLE_INTERVAL.as_micros() + 2;
/// assert!(json.matches("queue depth").count() as u128 <= bound);
/// ```
pub const DEPTH_SAMPLE_INTERVAL: Duration = Duration::from_micros(20);

/// The most operations on the same queue a thread makes between two looks at the clock (see
/// [`DEPTH_SAMPLE_INTERVAL`]): a clock read (about 20 ns) every 256 operations costs a busy
/// queue less than a tenth of a nanosecond per operation.
///
/// # Examples
///
/// ```
/// assert_eq!(pythreading::diagnostics::DEPTH_CLOCK_EVERY, 256);
/// ```
pub const DEPTH_CLOCK_EVERY: u32 = 256;

/// A queue's depth changed (`queue` is its label, naming its counter track). One relaxed load
/// when nothing records; when something does, at most one sample per queue per thread per
/// [`DEPTH_SAMPLE_INTERVAL`], and most operations pay only the countdown of [`skips`] (inlined
/// into the queue's put and get, so a skip is not even a call; the depth closure runs only when
/// a sample or a kept-aside depth is due).
#[inline]
pub(crate) fn queue_depth(queue: &Label, depth: impl FnOnce() -> usize) {
    if live() && !skips(queue) {
        queue_depth_due(queue, depth);
    }
}

/// The hot half of the depth gate: whether this operation on `queue` skips the look at the
/// clock (one of the thread's two latest queues, its countdown not run out); counts it down if
/// so.
#[inline]
fn skips(queue: &Label) -> bool {
    let key = gate_key(queue);
    DEPTH_GATE
        .try_with(|gate| {
            let mut g = gate.get();
            for entry in &mut g {
                if entry.0 == key {
                    if entry.1 == 0 {
                        return false;
                    }
                    entry.1 -= 1;
                    gate.set(g);
                    return true;
                }
            }
            false
        })
        .unwrap_or(false)
}

/// The depth gate's name for `queue` in this recording: its label's address, with the
/// recording's generation in the high bits (addresses use the low 48), so that a thread's gate
/// entries from an earlier recording match nothing and its first operation on a queue in a new
/// recording is sampled. One more relaxed load of a word nobody writes while recording.
#[inline]
fn gate_key(queue: &Label) -> usize {
    let generation = GENERATION.load(Ordering::Relaxed) as usize;
    (std::ptr::from_ref(queue) as usize) ^ generation.wrapping_shl(48)
}

/// One entry of the gate's cold half (see `DEPTH_LOOK`).
#[derive(Clone, Copy)]
struct Look {
    /// When the queue may be sampled again (`None`: never sampled by this thread).
    next: Option<Instant>,
    /// The previous look at the clock.
    last: Option<Instant>,
    /// Operations between two looks, 1 to [`DEPTH_CLOCK_EVERY`].
    every: u32,
}

impl Look {
    const NEW: Look = Look {
        next: None,
        last: None,
        every: 1,
    };

    /// The look period after a look at `now`: see [`DEPTH_SAMPLE_INTERVAL`].
    fn adapt(&mut self, now: Instant) {
        if let Some(last) = self.last {
            let gap = now.saturating_duration_since(last);
            if gap < QUARTER_INTERVAL {
                self.every = (self.every * 2).min(DEPTH_CLOCK_EVERY);
            } else if gap > DEPTH_SAMPLE_INTERVAL {
                self.every = (self.every / 2).max(1);
            }
        }
        self.last = Some(now);
    }
}

/// Looks closer together than this double the look period (a constant: no division per look).
const QUARTER_INTERVAL: Duration =
    Duration::from_nanos(DEPTH_SAMPLE_INTERVAL.as_nanos() as u64 / 4);

/// What the gate says about an operation that did not skip.
enum Gate {
    /// Looked at the clock: not yet time; keep the depth aside.
    Aside(Instant),
    /// Sample it.
    Sample,
}

/// The cold half of the depth gate: an operation whose countdown ran out (a look at the
/// clock), or on a queue that is not one of the thread's two latest (it takes the place of
/// the older one, and is sampled: the first operation of a thread on a queue always is).
#[cold]
#[inline(never)]
fn queue_depth_due(queue: &Label, depth: impl FnOnce() -> usize) {
    let key = gate_key(queue);
    let now = Instant::now();
    let gate = DEPTH_GATE
        .try_with(|cell| {
            let mut g = cell.get();
            let mut looks = DEPTH_LOOK.with(Cell::get);
            let slot = match g.iter().position(|e| e.0 == key) {
                Some(slot) => slot,
                None => {
                    // Newest first: the entry that was the latest stays, the other goes.
                    g.swap(0, 1);
                    looks.swap(0, 1);
                    looks[0] = Look::NEW;
                    0
                }
            };
            let look = &mut looks[slot];
            look.adapt(now);
            let gate = match look.next {
                Some(at) if now < at => Gate::Aside(now),
                _ => {
                    look.next = Some(now + DEPTH_SAMPLE_INTERVAL);
                    Gate::Sample
                }
            };
            g[slot] = (key, look.every - 1);
            cell.set(g);
            DEPTH_LOOK.with(|l| l.set(looks));
            gate
        })
        .unwrap_or(Gate::Sample);
    match gate {
        Gate::Sample => publish(b'C', What::Depth(queue.resource(), depth())),
        Gate::Aside(now) => {
            if on() {
                skip_depth(queue, depth(), now);
            }
        }
    }
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
