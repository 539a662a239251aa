//! `dump()`: a jstack-like picture of every thread: name, ident, native id, daemon flag, what
//! it waits for (and who holds that), since when, from where, and the locks it holds.

use std::fmt;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use super::json::escape;
use super::label::Resource;
use super::wait_graph::{Graph, Target, Waiting, graph};
use crate::threading::{self, Thread};

/// A snapshot of every thread, from [`dump`]. `Display` gives the text (as `jstack` or Go's
/// SIGQUIT dump), [`Dump::to_json`] the same as JSON.
///
/// # Examples
///
/// ```
/// let dump = pythreading::threading::dump();
/// assert!(dump.to_string().contains("MainThread"));
/// assert!(dump.to_json().starts_with('{'));
/// ```
#[derive(Debug, Clone)]
pub struct Dump {
    threads: Vec<ThreadDump>,
}

/// One thread in a [`Dump`].
///
/// # Examples
///
/// ```
/// let dump = pythreading::threading::dump();
/// let main = dump.threads().iter().find(|t| t.name() == "MainThread").unwrap();
/// assert!(main.waiting().is_none());
/// ```
#[derive(Debug, Clone)]
pub struct ThreadDump {
    name: String,
    ident: u64,
    native_id: Option<u64>,
    daemon: Option<bool>,
    waiting: Option<WaitInfo>,
    holds: Vec<Resource>,
}

/// What a parked thread waits for.
///
/// # Examples
///
/// ```
/// for t in pythreading::threading::dump().threads() {
///     if let Some(w) = t.waiting() {
///         println!("{} waits for {} at {}", t.name(), w.resource(), w.site());
///     }
/// }
/// ```
#[derive(Debug, Clone)]
pub struct WaitInfo {
    resource: Resource,
    /// (ident, name) of the holder or of the joined thread.
    blocker: Option<(u64, String)>,
    waited: Duration,
    site: String,
}

/// Takes a snapshot of every thread: Python has no such call; it is what `jstack` and Go's
/// SIGQUIT print. The CLI prints it on `SIGQUIT` (Ctrl-\).
///
/// Threads are those [`threading::enumerate`] lists plus any other thread parked in a
/// pythreading primitive. A thread that is not parked in one is shown as running (it may be
/// blocked elsewhere, in I/O or a `std` lock).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use pythreading::threading::{self, Event};
///
/// let ev = Arc::new(Event::named("ready"));
/// let e = Arc::clone(&ev);
/// let t = threading::Builder::new().name("waiter").spawn(move || e.wait()).unwrap();
/// while ev.n_waiting() == 0 {
///     std::thread::yield_now();
/// }
/// let text = threading::dump().to_string();
/// assert!(text.contains("\"waiter\""), "{text}");
/// assert!(text.contains("Event \"ready\""), "{text}");
/// ev.set();
/// t.join().unwrap();
/// ```
pub fn dump() -> Dump {
    let snapshot: Graph = graph().clone();
    let threads = threading::enumerate();
    let now = Instant::now();
    let mut out: Vec<ThreadDump> = threads
        .iter()
        .map(|t| ThreadDump {
            name: t.name().to_owned(),
            ident: t.ident(),
            native_id: Some(t.native_id()),
            daemon: Some(t.is_daemon()),
            waiting: None,
            holds: Vec::new(),
        })
        .collect();
    for w in &snapshot.waits {
        let info = wait_info(w, &snapshot, &threads, now);
        match out.iter_mut().find(|t| t.ident == w.ident) {
            Some(t) => t.waiting = Some(info),
            None => out.push(ThreadDump {
                name: thread_name(w.ident, &threads, Some(w)),
                ident: w.ident,
                native_id: None,
                daemon: None,
                waiting: Some(info),
                holds: Vec::new(),
            }),
        }
    }
    for h in &snapshot.held {
        if let Some(t) = out
            .iter_mut()
            .find(|t| t.ident == h.holder && h.holder != 0)
        {
            t.holds.push(h.resource.clone());
        }
    }
    out.sort_by_key(|t| t.ident);
    Dump { threads: out }
}

pub(crate) fn thread_name(ident: u64, threads: &[Thread], waiting: Option<&Waiting>) -> String {
    threads
        .iter()
        .find(|t| t.ident() == ident)
        .map(|t| t.name().to_owned())
        .or_else(|| waiting.and_then(|w| w.thread.name().map(str::to_owned)))
        .unwrap_or_else(|| format!("thread {ident}"))
}

/// `file:line` of a wait, with `dir/../` folded (sources included through `#[path]` carry them).
pub(crate) fn site(location: &std::panic::Location<'_>) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in location.file().split('/') {
        match part {
            ".." if parts.last().is_some_and(|p| *p != ".." && !p.is_empty()) => {
                parts.pop();
            }
            "." => {}
            _ => parts.push(part),
        }
    }
    format!("{}:{}", parts.join("/"), location.line())
}

pub(crate) fn blocker(w: &Waiting, g: &Graph) -> u64 {
    match w.target {
        Target::Anyone => 0,
        Target::LockHolder => g.holder_of(&w.resource),
        Target::Thread(ident) => ident,
    }
}

fn wait_info(w: &Waiting, g: &Graph, threads: &[Thread], now: Instant) -> WaitInfo {
    let b = blocker(w, g);
    let blocker = (b != 0).then(|| {
        let waiting = g.waits.iter().find(|x| x.ident == b);
        (b, thread_name(b, threads, waiting))
    });
    WaitInfo {
        resource: w.resource.clone(),
        blocker,
        waited: now.saturating_duration_since(w.since),
        site: super::dump::site(w.site),
    }
}

impl Dump {
    /// Every thread, by ident.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!pythreading::threading::dump().threads().is_empty());
    /// ```
    pub fn threads(&self) -> &[ThreadDump] {
        &self.threads
    }

    /// The dump as JSON: `{"threads":[{"name","ident","native_id","daemon","state","waiting":
    /// {"resource","kind","name","held_by","held_by_name","seconds","site"},"holds":[..]}]}`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(pythreading::threading::dump().to_json().contains("\"threads\""));
    /// ```
    pub fn to_json(&self) -> String {
        let mut out = String::from("{\"threads\":[");
        for (i, t) in self.threads.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let opt = |v: Option<String>| v.unwrap_or_else(|| "null".into());
            let _ = write!(
                out,
                r#"{{"name":"{}","ident":{},"native_id":{},"daemon":{},"state":"{}","waiting":"#,
                escape(&t.name),
                t.ident,
                opt(t.native_id.map(|n| n.to_string())),
                opt(t.daemon.map(|d| d.to_string())),
                if t.waiting.is_some() {
                    "waiting"
                } else {
                    "running"
                },
            );
            match &t.waiting {
                None => out.push_str("null"),
                Some(w) => {
                    let _ = write!(
                        out,
                        r#"{{"resource":"{}","kind":"{}","name":{},"held_by":{},"held_by_name":{},"seconds":{:.3},"site":"{}"}}"#,
                        escape(&w.resource.to_string()),
                        w.resource.kind(),
                        opt(w.resource.name().map(|n| format!("\"{}\"", escape(n)))),
                        opt(w.blocker.as_ref().map(|b| b.0.to_string())),
                        opt(w.blocker.as_ref().map(|b| format!("\"{}\"", escape(&b.1)))),
                        w.waited.as_secs_f64(),
                        escape(&w.site)
                    );
                }
            }
            out.push_str(",\"holds\":[");
            for (j, h) in t.holds.iter().enumerate() {
                if j > 0 {
                    out.push(',');
                }
                let _ = write!(out, "\"{}\"", escape(&h.to_string()));
            }
            out.push_str("]}");
        }
        out.push_str("]}");
        out
    }
}

impl ThreadDump {
    /// The thread's name.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(pythreading::threading::dump().threads().iter().any(|t| t.name() == "MainThread"));
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its [`get_ident`](crate::threading::get_ident) value.
    ///
    /// # Examples
    ///
    /// ```
    /// let me = pythreading::threading::get_ident();
    /// assert!(pythreading::threading::dump().threads().iter().any(|t| t.ident() == me));
    /// ```
    pub fn ident(&self) -> u64 {
        self.ident
    }

    /// What it is parked on, or `None` while it runs.
    ///
    /// # Examples
    ///
    /// ```
    /// let dump = pythreading::threading::dump();
    /// let me = pythreading::threading::get_ident();
    /// assert!(dump.threads().iter().find(|t| t.ident() == me).unwrap().waiting().is_none());
    /// ```
    pub fn waiting(&self) -> Option<&WaitInfo> {
        self.waiting.as_ref()
    }

    /// Locks it holds that some other thread waits for.
    ///
    /// # Examples
    ///
    /// ```
    /// for t in pythreading::threading::dump().threads() {
    ///     println!("{} holds {:?}", t.name(), t.holds());
    /// }
    /// ```
    pub fn holds(&self) -> &[Resource] {
        &self.holds
    }
}

impl WaitInfo {
    /// The primitive waited for.
    ///
    /// # Examples
    ///
    /// ```
    /// for t in pythreading::threading::dump().threads() {
    ///     if let Some(w) = t.waiting() { println!("{}", w.resource()); }
    /// }
    /// ```
    pub fn resource(&self) -> &Resource {
        &self.resource
    }

    /// The ident and name of the thread it waits on (a lock's holder, a joined thread).
    ///
    /// # Examples
    ///
    /// ```
    /// for t in pythreading::threading::dump().threads() {
    ///     if let Some((ident, name)) = t.waiting().and_then(|w| w.blocked_by()) {
    ///         println!("{ident} {name}");
    ///     }
    /// }
    /// ```
    pub fn blocked_by(&self) -> Option<(u64, &str)> {
        self.blocker.as_ref().map(|(i, n)| (*i, n.as_str()))
    }

    /// How long it has waited.
    ///
    /// # Examples
    ///
    /// ```
    /// for t in pythreading::threading::dump().threads() {
    ///     if let Some(w) = t.waiting() { println!("{:?}", w.waited()); }
    /// }
    /// ```
    pub fn waited(&self) -> Duration {
        self.waited
    }

    /// `file:line` of the blocking call.
    ///
    /// # Examples
    ///
    /// ```
    /// for t in pythreading::threading::dump().threads() {
    ///     if let Some(w) = t.waiting() { println!("{}", w.site()); }
    /// }
    /// ```
    pub fn site(&self) -> &str {
        &self.site
    }
}

impl fmt::Display for WaitInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "waiting for {}", self.resource)?;
        if let Some((ident, name)) = &self.blocker {
            let verb = if self.resource.kind() == super::Kind::Thread {
                "to finish"
            } else {
                "held by"
            };
            if verb == "held by" {
                write!(f, " held by {name:?} (ident {ident})")?;
            } else {
                write!(f, " {verb}")?;
            }
        }
        write!(
            f,
            " since {:.1} s at {}",
            self.waited.as_secs_f64(),
            self.site
        )
    }
}

impl fmt::Display for ThreadDump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} ident={}", self.name, self.ident)?;
        if let Some(n) = self.native_id {
            write!(f, " native_id={n}")?;
        }
        if let Some(d) = self.daemon {
            write!(f, " daemon={d}")?;
        }
        match &self.waiting {
            None => write!(f, "\n    running")?,
            Some(w) => write!(f, "\n    {w}")?,
        }
        for h in &self.holds {
            write!(f, "\n    holds {h}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Dump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "pythreading thread dump: {} threads", self.threads.len())?;
        for t in &self.threads {
            writeln!(f, "\n{t}")?;
        }
        Ok(())
    }
}
