//! `find_deadlocks()`: the cycles of the wait-for graph.
//!
//! Nodes are threads; a thread parked on a `Lock` or `RLock` points at the lock's holder, a
//! thread in `join` points at the thread it joins (a `Condition` waiter being notified re-takes
//! its lock, and is then an ordinary lock waiter). Every thread has at most one outgoing edge,
//! so cycles are found by walking from each thread until a walk meets itself. Waits anyone can
//! end (events, conditions, queues, semaphores) are never edges: they are not reported, because
//! a thread that could set the event may yet do so.

use std::fmt;
use std::time::{Duration, Instant};

use super::dump::{blocker, thread_name};
use super::label::Resource;
use super::wait_graph::{Graph, graph};
use crate::threading;

/// One deadlock: a cycle of threads, each waiting for the next.
///
/// `Display` prints it in the shape of Java's `jstack` report, with sites:
///
/// ```text
/// Found a deadlock of 2 threads:
///   "alice" (ident 2) waits for Lock "b" at examples/deadlock.rs:30 (1.0 s), held by "bob" (ident 3)
///   "bob" (ident 3) waits for Lock "a" at examples/deadlock.rs:40 (1.0 s), held by "alice" (ident 2)
/// ```
///
/// # Examples
///
/// ```
/// for cycle in pythreading::threading::find_deadlocks() {
///     eprintln!("{cycle}");
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadlock {
    steps: Vec<Step>,
}

/// One thread of a [`Deadlock`]: who waits, for what, where, and who holds it.
///
/// # Examples
///
/// ```
/// for cycle in pythreading::threading::find_deadlocks() {
///     for step in cycle.steps() {
///         println!("{} waits at {} for {}", step.thread_name(), step.site(), step.resource());
///     }
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    ident: u64,
    name: String,
    resource: Resource,
    site: String,
    waited: Duration,
    holder: u64,
    holder_name: String,
}

impl Step {
    /// The waiting thread's ident.
    ///
    /// # Examples
    ///
    /// ```
    /// for c in pythreading::threading::find_deadlocks() { for s in c.steps() { println!("{}", s.ident()); } }
    /// ```
    pub fn ident(&self) -> u64 {
        self.ident
    }

    /// The waiting thread's name.
    ///
    /// # Examples
    ///
    /// ```
    /// for c in pythreading::threading::find_deadlocks() { for s in c.steps() { println!("{}", s.thread_name()); } }
    /// ```
    pub fn thread_name(&self) -> &str {
        &self.name
    }

    /// The lock (or thread, for a join) it waits for.
    ///
    /// # Examples
    ///
    /// ```
    /// for c in pythreading::threading::find_deadlocks() { for s in c.steps() { println!("{}", s.resource()); } }
    /// ```
    pub fn resource(&self) -> &Resource {
        &self.resource
    }

    /// `file:line` of the blocking call.
    ///
    /// # Examples
    ///
    /// ```
    /// for c in pythreading::threading::find_deadlocks() { for s in c.steps() { println!("{}", s.site()); } }
    /// ```
    pub fn site(&self) -> &str {
        &self.site
    }

    /// How long it has waited when the cycle was found.
    ///
    /// # Examples
    ///
    /// ```
    /// for c in pythreading::threading::find_deadlocks() { for s in c.steps() { println!("{:?}", s.waited()); } }
    /// ```
    pub fn waited(&self) -> Duration {
        self.waited
    }

    /// The ident of the thread it waits on (the next step's thread).
    ///
    /// # Examples
    ///
    /// ```
    /// for c in pythreading::threading::find_deadlocks() { for s in c.steps() { println!("{}", s.holder()); } }
    /// ```
    pub fn holder(&self) -> u64 {
        self.holder
    }
}

impl Deadlock {
    /// The threads of the cycle, starting from the lowest ident, each waiting for the next
    /// (the last for the first).
    ///
    /// # Examples
    ///
    /// ```
    /// for c in pythreading::threading::find_deadlocks() { assert!(!c.steps().is_empty()); }
    /// ```
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// The idents of the threads in the cycle, in order.
    ///
    /// # Examples
    ///
    /// ```
    /// for c in pythreading::threading::find_deadlocks() { println!("{:?}", c.idents()); }
    /// ```
    pub fn idents(&self) -> Vec<u64> {
        self.steps.iter().map(|s| s.ident).collect()
    }
}

impl fmt::Display for Deadlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.steps.len() {
            1 => writeln!(f, "Found a deadlock of 1 thread (it waits for itself):")?,
            n => writeln!(f, "Found a deadlock of {n} threads:")?,
        }
        for s in &self.steps {
            let relation = if s.resource.kind() == super::Kind::Thread {
                "which is"
            } else {
                "held by"
            };
            writeln!(
                f,
                "  {:?} (ident {}) waits for {} at {} ({:.1} s), {relation} {:?} (ident {})",
                s.name,
                s.ident,
                s.resource,
                s.site,
                s.waited.as_secs_f64(),
                s.holder_name,
                s.holder
            )?;
        }
        Ok(())
    }
}

/// The deadlocks now: every cycle of threads parked on `Lock`/`RLock` holders and `join`s.
/// Like Java's `ThreadMXBean.findDeadlockedThreads()`, it finds partial deadlocks too (the
/// rest of the program may run on), and it only looks: nothing is woken or broken.
///
/// # Examples
///
/// ```
/// use std::sync::{Arc, Barrier};
/// use std::time::{Duration, Instant};
/// use pythreading::threading::{self, Lock};
///
/// let a = Arc::new(Lock::named("a"));
/// let b = Arc::new(Lock::named("b"));
/// let both = Arc::new(Barrier::new(2));
/// for (first, second, name) in [(&a, &b, "alice"), (&b, &a, "bob")] {
///     let (first, second, both) = (Arc::clone(first), Arc::clone(second), Arc::clone(&both));
///     // Daemon threads: left parked forever, they do not keep the program alive.
///     threading::Builder::new().name(name).daemon(true).spawn(move || {
///         let _one = first.lock();
///         both.wait();
///         let _two = second.lock();
///     }).unwrap();
/// }
/// let start = Instant::now();
/// let cycles = loop {
///     let found = threading::find_deadlocks();
///     if !found.is_empty() || start.elapsed() > Duration::from_secs(10) {
///         break found;
///     }
///     std::thread::sleep(Duration::from_millis(5));
/// };
/// assert_eq!(cycles.len(), 1);
/// let text = cycles[0].to_string();
/// assert!(text.contains("\"alice\"") && text.contains("Lock \"b\""), "{text}");
/// ```
pub fn find_deadlocks() -> Vec<Deadlock> {
    let g: Graph = graph().clone();
    let threads = threading::enumerate();
    let now = Instant::now();
    let next = |ident: u64| -> Option<u64> {
        let w = g.waits.iter().find(|w| w.ident == ident)?;
        match blocker(w, &g) {
            0 => None,
            // A joined thread that is no longer waiting here may be running: a join edge only
            // closes a cycle through threads that are parked, like every other edge.
            b => Some(b),
        }
    };
    let mut cycles: Vec<Deadlock> = Vec::new();
    let mut done: Vec<u64> = Vec::new();
    for start in g.waits.iter().map(|w| w.ident) {
        if done.contains(&start) {
            continue;
        }
        let mut path = vec![start];
        let mut at = start;
        while let Some(n) = next(at) {
            if let Some(i) = path.iter().position(|&p| p == n) {
                let cycle = &path[i..];
                if !cycles.iter().any(|c| c.steps.iter().any(|s| s.ident == n)) {
                    cycles.push(build(cycle, &g, &threads, now));
                }
                break;
            }
            if done.contains(&n) {
                break;
            }
            path.push(n);
            at = n;
        }
        done.extend(path);
    }
    cycles
}

fn build(cycle: &[u64], g: &Graph, threads: &[threading::Thread], now: Instant) -> Deadlock {
    let lowest = cycle
        .iter()
        .enumerate()
        .min_by_key(|(_, i)| **i)
        .map_or(0, |(at, _)| at);
    let mut steps = Vec::with_capacity(cycle.len());
    for k in 0..cycle.len() {
        let ident = cycle[(lowest + k) % cycle.len()];
        let holder = cycle[(lowest + k + 1) % cycle.len()];
        let Some(w) = g.waits.iter().find(|w| w.ident == ident) else {
            continue;
        };
        let holder_wait = g.waits.iter().find(|w| w.ident == holder);
        steps.push(Step {
            ident,
            name: thread_name(ident, threads, Some(w)),
            resource: w.resource.clone(),
            site: super::dump::site(w.site),
            waited: now.saturating_duration_since(w.since),
            holder,
            holder_name: thread_name(holder, threads, holder_wait),
        });
    }
    Deadlock { steps }
}
