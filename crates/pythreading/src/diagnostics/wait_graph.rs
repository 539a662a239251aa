//! The wait-for graph: who waits for what, since when, from where, and who holds the locks
//! someone waits for.
//!
//! Everything here runs on the slow path only, when a thread is about to park (a park and its
//! wake-up cost two system calls; one uncontended process-wide mutex next to them is noise).
//! The one fast-path cost is in the `Lock` itself: its state word holds the holder's ident,
//! written by the compare-exchange that takes the lock (the ident is read from a `const`
//! thread-local), so that a thread that parks on a lock can name the lock's holder even when the
//! holder took it without contention; the release's swap clears it with the lock.
//!
//! How the holder table stays exact (no false cycles): the holder a parker records is the one
//! its re-check of the state word read, so it never names a thread that already let go. A waiter registers
//! (under the process-wide `GRAPH` mutex) only after it has marked the lock contended, so every
//! later release goes through the lock's contended path, which clears the holder here before it
//! wakes anyone; whoever then takes the lock through the slow path records itself, and a waiter
//! that re-parks records what the lock says (0 when it cannot tell, never an older entry). A
//! thread that took the lock in the plain locked state is not recorded: its release may take
//! the fast path, which would leave the entry stale. The one gap is a miss, never a false
//! report: a thread that takes the lock without marking it contended while the waiters stay
//! parked is not seen until one of them re-parks.

use std::cell::Cell;
use std::panic::Location;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use super::label::{Kind, Label, Resource};
use super::trace;

/// The process-wide graph. Only ever the innermost lock: nothing else is locked while it is held.
static GRAPH: Mutex<Graph> = Mutex::new(Graph {
    waits: Vec::new(),
    held: Vec::new(),
});

pub(crate) fn graph() -> MutexGuard<'static, Graph> {
    GRAPH.lock().unwrap_or_else(|p| p.into_inner())
}

/// Waiting threads and the holders of the locks they wait for (short vectors: one entry per
/// parked thread, one per lock with a parked waiter).
#[derive(Clone)]
pub(crate) struct Graph {
    pub(crate) waits: Vec<Waiting>,
    pub(crate) held: Vec<Held>,
}

/// One parked thread.
#[derive(Clone)]
pub(crate) struct Waiting {
    pub(crate) ident: u64,
    /// For the name of threads the registry does not know (plain `std::thread`s).
    pub(crate) thread: std::thread::Thread,
    pub(crate) resource: Resource,
    pub(crate) target: Target,
    pub(crate) site: &'static Location<'static>,
    pub(crate) since: Instant,
}

/// Whom a wait depends on: the edge of the wait-for graph.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Target {
    /// Nobody in particular (a condition, an event, a queue: anyone may wake it).
    Anyone,
    /// The holder of the lock, looked up in `Graph::held`.
    LockHolder,
    /// A thread being joined.
    Thread(u64),
}

/// A lock somebody waits for, and who holds it (0: not known right now).
#[derive(Clone)]
pub(crate) struct Held {
    pub(crate) resource: Resource,
    pub(crate) holder: u64,
    waiters: usize,
}

impl Graph {
    pub(crate) fn holder_of(&self, resource: &Resource) -> u64 {
        self.held
            .iter()
            .find(|h| h.resource.key() == resource.key())
            .map_or(0, |h| h.holder)
    }

    fn held_mut(&mut self, key: (Kind, u32)) -> Option<&mut Held> {
        self.held.iter_mut().find(|h| h.resource.key() == key)
    }
}

thread_local! {
    /// The calling thread's `get_ident()`, cached where the lock fast path can read it with one
    /// load (`const`, no destructor: no lazy-init check, never fails during teardown).
    static MY_IDENT: Cell<u64> = const { Cell::new(0) };
}

/// The calling thread's ident (as [`get_ident`](crate::threading::get_ident)).
#[inline]
pub(crate) fn my_ident() -> u64 {
    let id = MY_IDENT.with(Cell::get);
    if id != 0 { id } else { my_ident_slow() }
}

#[cold]
fn my_ident_slow() -> u64 {
    let id = crate::threading::get_ident();
    MY_IDENT.with(|c| c.set(id));
    id
}

/// The diagnostics a `Lock` (and through it an `RLock`) carries: its label (the holder is in
/// the lock's state word).
pub(crate) struct LockDiag {
    label: Label,
}

impl LockDiag {
    pub(crate) const fn new(kind: Kind) -> Self {
        LockDiag {
            label: Label::new(kind),
        }
    }

    pub(crate) fn named(kind: Kind, name: impl Into<Arc<str>>) -> Self {
        LockDiag {
            label: Label::named(kind, name),
        }
    }

    pub(crate) fn name(&self) -> Option<&str> {
        self.label.name()
    }

    /// The thread is about to park on the lock (it has marked it contended); `holder` is the
    /// ident its re-check of the state word read.
    #[track_caller]
    pub(crate) fn park(&self, holder: u64) -> WaitGuard {
        let resource = self.label.resource();
        let key = resource.key();
        let mut g = graph();
        match g.held_mut(key) {
            Some(h) => {
                // What the lock says now, 0 included: keeping an older entry when the holder
                // is unknown could name a thread that let go (even this one: a false cycle).
                h.holder = holder;
                h.waiters += 1;
            }
            None => g.held.push(Held {
                resource: resource.clone(),
                holder,
                waiters: 1,
            }),
        }
        push_wait(g, resource, Target::LockHolder, true)
    }

    /// The thread took the lock on the slow path: record it as the holder (inline, and in the
    /// graph if others wait and `marked_contended`).
    ///
    /// Only a lock taken in the contended state is recorded in the graph: its release is
    /// certain to go through [`released_contended`](Self::released_contended) while anyone is
    /// registered, which clears the entry again. A lock taken in the plain locked state (a
    /// `try_acquire` after spinning, while a woken waiter has not yet unregistered) may be
    /// released through the fast path, which never touches the graph: recording it would
    /// leave the entry naming a thread that let go, and that thread, parking on the lock
    /// again, would be reported waiting for itself.
    #[cold]
    pub(crate) fn acquired_slow(&self, marked_contended: bool) {
        let id = self.label.id_if_any();
        if id != 0 {
            if marked_contended {
                let me = my_ident();
                if let Some(h) = graph().held_mut((self.label_kind(), id)) {
                    h.holder = me;
                }
            }
            trace::lock_acquired();
        }
    }

    /// A release found parked waiters: the lock has no holder until one of them (or a barging
    /// thread) takes it.
    #[cold]
    pub(crate) fn released_contended(&self) {
        let id = self.label.id_if_any();
        if id != 0 {
            if let Some(h) = graph().held_mut((self.label_kind(), id)) {
                h.holder = 0;
            }
            trace::lock_released(&self.label);
        }
    }

    fn label_kind(&self) -> Kind {
        self.label.resource_kind()
    }
}

/// Registers the calling thread as parked; the returned guard unregisters it.
#[track_caller]
fn push_wait(
    mut g: MutexGuard<'_, Graph>,
    resource: Resource,
    target: Target,
    lock_holder: bool,
) -> WaitGuard {
    let site = Location::caller();
    let ident = my_ident();
    let trace_key = trace::wait_begin(&resource, site);
    let key = lock_holder.then(|| resource.key());
    g.waits.push(Waiting {
        ident,
        thread: std::thread::current(),
        resource,
        target,
        site,
        since: Instant::now(),
    });
    WaitGuard {
        ident,
        key,
        trace_key,
    }
}

/// A wait with no owner to blame (condition, event, semaphore, barrier, queue, future).
#[track_caller]
pub(crate) fn waiting(label: &Label) -> WaitGuard {
    let resource = label.resource();
    push_wait(graph(), resource, Target::Anyone, false)
}

/// As [`waiting`], for primitives that carry no label (the queues).
#[track_caller]
pub(crate) fn waiting_for(kind: Kind) -> WaitGuard {
    push_wait(graph(), Resource::anonymous(kind), Target::Anyone, false)
}

/// A `join` of thread `ident`.
#[track_caller]
pub(crate) fn joining(ident: u64, name: &str) -> WaitGuard {
    let resource = Resource::thread(ident, name);
    push_wait(graph(), resource, Target::Thread(ident), false)
}

/// Unregisters a parked thread when dropped (also when the wait unwinds).
#[must_use = "the wait is unregistered when the guard drops"]
pub(crate) struct WaitGuard {
    ident: u64,
    key: Option<(Kind, u32)>,
    trace_key: Option<trace::WaitKey>,
}

impl Drop for WaitGuard {
    fn drop(&mut self) {
        {
            let mut g = graph();
            if let Some(i) = g.waits.iter().rposition(|w| w.ident == self.ident) {
                g.waits.swap_remove(i);
            }
            if let Some(key) = self.key
                && let Some(i) = g.held.iter().position(|h| h.resource.key() == key)
            {
                g.held[i].waiters -= 1;
                if g.held[i].waiters == 0 {
                    g.held.swap_remove(i);
                }
            }
        }
        if let Some(key) = self.trace_key.take() {
            trace::wait_end(key);
        }
    }
}

/// Runs `park` (the call that blocks) registered as waiting on `label`: the one-line hook of
/// the primitives that park on a wait-list slot.
#[track_caller]
pub(crate) fn parked<R>(label: &Label, park: impl FnOnce() -> R) -> R {
    let _waiting = waiting(label);
    park()
}
