//! What the server is doing, for people and for monitoring: a [`StatusSnapshot`] (each served
//! queue's depth, the connected clients and the call each is inside, refused connections by
//! reason, the object count), rendered as JSON, as Prometheus text, and served over a small
//! HTTP server with a self-refreshing page (`ServerBuilder::status_http`).
//!
//! | file | what |
//! |---|---|
//! | `mod.rs` | [`StatusSnapshot`] and its parts; gathering one from the server |
//! | `clients.rs` | the live connections and the call each is inside |
//! | `refusals.rs` | [`RefusalKind`] and its counters |
//! | `json.rs` | `/status.json` |
//! | `metrics.rs` | `/metrics` (Prometheus text exposition format 0.0.4) |
//! | `http.rs` | the bounded HTTP/1.1 server: GET only, small requests, short deadlines |
//! | `page.html` | `/`: a self-contained page that fetches `/status.json` every 500 ms |
//!
//! Nothing here slows the request path: a connection's thread writes its own slot (one atomic
//! word, no lock) at the start and end of each call, the registry of connections changes only
//! when one is admitted or ends, refusals are atomic counters, and the queue depths are read
//! only when a snapshot is taken.

mod clients;
pub(crate) mod http;
mod json;
mod metrics;
mod refusals;

use std::net::SocketAddr;
use std::time::Duration;

use super::Shared;
pub(crate) use clients::{ClientGuard, Clients};
pub use refusals::RefusalKind;
pub(crate) use refusals::Refusals;

/// The most clients and queues one snapshot lists (the counts are always complete).
const MAX_LISTED: usize = 1000;

/// The server at one moment: what `/status.json` and `/metrics` show.
///
/// # Examples
///
/// ```
/// use pythreading_mp::managers::ServerBuilder;
/// let running = ServerBuilder::new("k").queue("get_task_queue").bind("127.0.0.1:0").unwrap().spawn().unwrap();
/// let status = running.handle().status();
/// assert_eq!(status.queues[0].name, "get_task_queue");
/// assert_eq!(status.queues[0].depth, 0);
/// assert!(status.to_json().starts_with('{'));
/// assert!(status.to_prometheus().contains("pythreading_queue_depth{queue=\"get_task_queue\"} 0"));
/// running.shutdown();
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct StatusSnapshot {
    /// The manager server's address.
    pub address: SocketAddr,
    /// How long the server has been bound.
    pub uptime: Duration,
    /// The served queues by name: the named ones, their dead-letter queues (`<typeid>_dead`)
    /// and those clients created (SyncManager's `Queue`, `JoinableQueue`, as `Typeid ident`),
    /// at most 1000.
    pub queues: Vec<QueueStatus>,
    /// The authenticated connections, oldest first, at most 1000.
    pub clients: Vec<ClientStatus>,
    /// How many connections are authenticated (all of them, even past the listed 1000).
    pub clients_connected: usize,
    /// How many connection threads are alive, authenticated or not.
    pub connections_active: usize,
    /// Refused connections since the server started, by reason, every reason listed.
    pub refused: Vec<(RefusalKind, u64)>,
    /// How many objects the server's table holds (`number_of_objects()`).
    pub objects: usize,
}

/// One served queue.
///
/// # Examples
///
/// ```
/// use pythreading_mp::managers::ServerBuilder;
/// let running = ServerBuilder::new("k").queue("q").bind("127.0.0.1:0").unwrap().spawn().unwrap();
/// let q = &running.handle().status().queues[0];
/// assert_eq!((q.name.as_str(), q.depth, q.leased, q.dead_lettered), ("q", 0, 0, 0));
/// running.shutdown();
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct QueueStatus {
    /// The typeid of a named queue, or `typeid ident` for one a client created.
    pub name: String,
    /// Items waiting (`qsize()`).
    pub depth: u64,
    /// Items handed to a client under a lease and not acknowledged yet (at-least-once
    /// delivery; always 0 for CPython's at-most-once `get`).
    pub leased: u64,
    /// Items waiting in this queue's dead-letter queue (delivered too many times).
    pub dead_lettered: u64,
}

/// One authenticated connection.
///
/// # Examples
///
/// ```
/// use pythreading_mp::managers::{Manager, ServerBuilder};
/// let running = ServerBuilder::new("k").queue("q").bind("127.0.0.1:0").unwrap().spawn().unwrap();
/// let m = Manager::connect(running.address(), "k").unwrap();
/// let _q = m.queue::<i64>("q").unwrap();
/// let status = running.handle().status();
/// assert!(status.clients.iter().all(|c| c.peer.ip().is_loopback()));
/// running.shutdown();
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ClientStatus {
    /// The client's address.
    pub peer: SocketAddr,
    /// How long it has been connected.
    pub connected_for: Duration,
    /// The call its thread is inside right now (a blocking `get` shows here while it waits).
    pub in_call: Option<CallStatus>,
}

/// A method call in progress on behalf of a client.
///
/// # Examples
///
/// ```
/// # use pythreading_mp::managers::StatusSnapshot;
/// fn blocked(s: &StatusSnapshot) -> Vec<String> {
///     s.clients.iter().filter_map(|c| c.in_call.as_ref())
///         .map(|c| format!("{} on {} for {:?}", c.method, c.typeid, c.elapsed))
///         .collect()
/// }
/// # let _ = blocked;
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CallStatus {
    /// The method's name (`get`, `put`, `wait`, ...).
    pub method: String,
    /// The typeid of the object it was called on.
    pub typeid: String,
    /// How long the call has been running.
    pub elapsed: Duration,
    /// When it started, in seconds since the Unix epoch.
    pub since_unix: f64,
}

impl StatusSnapshot {
    /// Gathers a snapshot of `shared`.
    pub(crate) fn gather(shared: &Shared) -> StatusSnapshot {
        let queues = shared
            .queue_stats()
            .into_iter()
            .take(MAX_LISTED)
            .map(|(name, stats)| QueueStatus {
                name,
                depth: stats.depth as u64,
                leased: stats.leased as u64,
                dead_lettered: stats.dead_lettered as u64,
            })
            .collect();
        let clients = shared
            .clients
            .snapshot(MAX_LISTED)
            .into_iter()
            .map(|(peer, connected_for, in_call)| ClientStatus {
                peer,
                connected_for,
                in_call: in_call.map(|c| {
                    let elapsed = c.since.elapsed();
                    CallStatus {
                        method: c.method.into_owned(),
                        typeid: c.typeid.to_string(),
                        elapsed,
                        since_unix: clients::unix_seconds_ago(elapsed),
                    }
                }),
            })
            .collect();
        StatusSnapshot {
            address: shared.address,
            uptime: shared.started.elapsed(),
            queues,
            clients,
            clients_connected: shared.clients.len(),
            connections_active: shared.active_connections(),
            refused: shared.refusals.counts(),
            objects: shared.table.number_of_objects(),
        }
    }

    /// The snapshot as the JSON object `/status.json` serves.
    ///
    /// # Examples
    ///
    /// ```
    /// let r = pythreading_mp::managers::ServerBuilder::new("k").queue("q").bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// let json = r.handle().status().to_json();
    /// assert!(json.contains(r#"{"name":"q","depth":0,"leased":0,"dead_lettered":0}"#));
    /// r.shutdown();
    /// ```
    pub fn to_json(&self) -> String {
        json::render(self)
    }

    /// The snapshot in the Prometheus text exposition format (version 0.0.4), as `/metrics`
    /// serves it.
    ///
    /// # Examples
    ///
    /// ```
    /// let r = pythreading_mp::managers::ServerBuilder::new("k").bind("127.0.0.1:0").unwrap().spawn().unwrap();
    /// let text = r.handle().status().to_prometheus();
    /// assert!(text.contains("# TYPE pythreading_connections_refused_total counter"));
    /// r.shutdown();
    /// ```
    pub fn to_prometheus(&self) -> String {
        metrics::render(self)
    }
}
