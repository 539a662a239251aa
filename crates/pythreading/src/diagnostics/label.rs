//! What a primitive says about itself in a dump: its kind, its name, or a stable `Lock#3` id.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

/// The kind of thing a thread can wait for, as it is printed in a dump (`Lock "accounts"`,
/// `Queue#2`, `Thread "worker-1"`).
///
/// # Examples
///
/// ```
/// use pythreading::diagnostics::Kind;
/// assert_eq!(Kind::RLock.to_string(), "RLock");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Kind {
    /// [`threading::Lock`](crate::threading::Lock).
    Lock,
    /// [`threading::RLock`](crate::threading::RLock).
    RLock,
    /// [`threading::Condition`](crate::threading::Condition) (waiting to be notified).
    Condition,
    /// [`threading::Semaphore`](crate::threading::Semaphore).
    Semaphore,
    /// [`threading::BoundedSemaphore`](crate::threading::BoundedSemaphore).
    BoundedSemaphore,
    /// [`threading::Event`](crate::threading::Event).
    Event,
    /// [`threading::Barrier`](crate::threading::Barrier).
    Barrier,
    /// A queue of [`queue`](crate::queue) (a blocking `get`, `put` or `join`).
    Queue,
    /// A thread being joined.
    Thread,
    /// A [`TaskFuture`](crate::futures::TaskFuture) whose result is awaited.
    Future,
}

impl Kind {
    fn index(self) -> usize {
        self as usize
    }

    fn as_str(self) -> &'static str {
        match self {
            Kind::Lock => "Lock",
            Kind::RLock => "RLock",
            Kind::Condition => "Condition",
            Kind::Semaphore => "Semaphore",
            Kind::BoundedSemaphore => "BoundedSemaphore",
            Kind::Event => "Event",
            Kind::Barrier => "Barrier",
            Kind::Queue => "Queue",
            Kind::Thread => "Thread",
            Kind::Future => "TaskFuture",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A primitive's name: a thin pointer (one word, not `Arc<str>`'s two), so that a label adds
/// little to every primitive and queue.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Name(Arc<String>);

impl Name {
    fn new(name: impl Into<Arc<str>>) -> Self {
        Name(Arc::new(String::from(&*name.into())))
    }
}

/// One counter per kind, so unnamed primitives print as `Lock#1`, `Lock#2`, `Event#1`.
static NEXT_ID: [AtomicU32; 10] = [const { AtomicU32::new(1) }; 10];

/// The name/id field every primitive carries. The id is handed out lazily, the first time the
/// primitive is waited on, so constructors stay `const` and primitives nobody waits on never
/// touch the counters; once given it never changes.
#[derive(Debug)]
pub(crate) struct Label {
    kind: Kind,
    id: AtomicU32,
    name: Option<Name>,
}

impl Label {
    /// An unnamed label (`const`: primitives can be statics).
    pub(crate) const fn new(kind: Kind) -> Self {
        Label {
            kind,
            id: AtomicU32::new(0),
            name: None,
        }
    }

    /// A label with a user-given name.
    pub(crate) fn named(kind: Kind, name: impl Into<Arc<str>>) -> Self {
        Label {
            kind,
            id: AtomicU32::new(0),
            name: Some(Name::new(name)),
        }
    }

    pub(crate) fn name(&self) -> Option<&str> {
        self.name.as_ref().map(|n| n.0.as_str())
    }

    /// Gives the primitive a name (builders that name a value after construction).
    pub(crate) fn rename(&mut self, name: impl Into<Arc<str>>) {
        self.name = Some(Name::new(name));
    }

    /// The id if one was handed out already (0: never waited on).
    pub(crate) fn id_if_any(&self) -> u32 {
        self.id.load(Ordering::Relaxed)
    }

    /// The id, handed out now if this is the first time it is needed.
    pub(crate) fn id(&self) -> u32 {
        let id = self.id.load(Ordering::Relaxed);
        if id != 0 {
            return id;
        }
        let fresh = NEXT_ID[self.kind.index()].fetch_add(1, Ordering::Relaxed);
        match self
            .id
            .compare_exchange(0, fresh, Ordering::Relaxed, Ordering::Relaxed)
        {
            Ok(_) => fresh,
            Err(taken) => taken,
        }
    }

    /// A snapshot for the wait graph.
    pub(crate) fn resource(&self) -> Resource {
        Resource {
            kind: self.kind,
            id: self.id(),
            name: self.name.clone(),
        }
    }
}

/// A primitive as it appears in a dump or a deadlock report: kind, id and optional name.
///
/// Displays as `Lock "accounts"` when named, `Lock#3` otherwise.
///
/// # Examples
///
/// ```
/// use pythreading::diagnostics::{Kind, find_deadlocks};
/// // Resources are only produced by the diagnostics; see `find_deadlocks` for a full example.
/// assert!(find_deadlocks().is_empty());
/// # let _ = Kind::Lock;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    kind: Kind,
    id: u32,
    name: Option<Name>,
}

impl Resource {
    pub(crate) fn thread(ident: u64, name: &str) -> Self {
        Resource {
            kind: Kind::Thread,
            id: u32::try_from(ident).unwrap_or(u32::MAX),
            name: Some(Name::new(name)),
        }
    }

    /// An unnamed queue by its id (a name is known only from a label).
    pub(crate) fn queue(id: u32) -> Self {
        Resource {
            kind: Kind::Queue,
            id,
            name: None,
        }
    }

    pub(crate) fn anonymous(kind: Kind) -> Self {
        Resource {
            kind,
            id: 0,
            name: None,
        }
    }

    pub(crate) fn key(&self) -> (Kind, u32) {
        (self.kind, self.id)
    }

    /// What kind of primitive it is.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::diagnostics::find_deadlocks;
    /// for cycle in find_deadlocks() {
    ///     for step in cycle.steps() {
    ///         println!("{}", step.resource().kind());
    ///     }
    /// }
    /// ```
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The name given with `named(..)`, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::diagnostics::find_deadlocks;
    /// for cycle in find_deadlocks() {
    ///     for step in cycle.steps() {
    ///         println!("{:?}", step.resource().name());
    ///     }
    /// }
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.name.as_ref().map(|n| n.0.as_str())
    }

    /// The stable per-kind id (`3` in `Lock#3`); 0 for futures, which carry none.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading::diagnostics::find_deadlocks;
    /// for cycle in find_deadlocks() {
    ///     for step in cycle.steps() {
    ///         println!("{}", step.resource().id());
    ///     }
    /// }
    /// ```
    pub fn id(&self) -> u32 {
        self.id
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.name, self.id) {
            (Some(name), _) => write!(f, "{} {:?}", self.kind, name.0.as_str()),
            (None, 0) => write!(f, "{}", self.kind),
            (None, id) => write!(f, "{}#{id}", self.kind),
        }
    }
}

impl Label {
    pub(crate) fn resource_kind(&self) -> Kind {
        self.kind
    }
}
