//! The live connections the status page lists: a registry written only when a connection is
//! admitted or ends, plus one small slot per connection that its own thread writes at the start
//! and end of each call (uncontended except while a snapshot reads it).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A call a connection's thread is inside: the method, the object's typeid, and since when.
#[derive(Clone)]
pub(crate) struct InCall {
    /// Borrowed for exposed methods (no allocation on the request path), owned for hidden ones.
    pub(crate) method: Cow<'static, str>,
    pub(crate) typeid: Arc<str>,
    pub(crate) since: Instant,
}

/// One authenticated connection, shared by its thread and the registry.
pub(crate) struct ClientState {
    pub(crate) peer: SocketAddr,
    pub(crate) connected: Instant,
    in_call: Mutex<Option<InCall>>,
}

/// Every authenticated connection, by connection id.
#[derive(Default)]
pub(crate) struct Clients {
    live: Mutex<BTreeMap<u64, Arc<ClientState>>>,
}

impl Clients {
    /// Lists connection `id` until the returned guard drops.
    pub(crate) fn enter(self: &Arc<Self>, id: u64, peer: SocketAddr) -> ClientGuard {
        let state = Arc::new(ClientState {
            peer,
            connected: Instant::now(),
            in_call: Mutex::new(None),
        });
        lock(&self.live).insert(id, Arc::clone(&state));
        ClientGuard {
            clients: Arc::clone(self),
            id,
            state,
        }
    }

    /// How many connections are listed.
    pub(crate) fn len(&self) -> usize {
        lock(&self.live).len()
    }

    /// The first `max` connections (oldest first) with what each is inside right now.
    pub(crate) fn snapshot(&self, max: usize) -> Vec<(SocketAddr, Duration, Option<InCall>)> {
        let states: Vec<Arc<ClientState>> = lock(&self.live).values().take(max).cloned().collect();
        states
            .iter()
            .map(|s| (s.peer, s.connected.elapsed(), lock(&s.in_call).clone()))
            .collect()
    }
}

/// A connection's entry in [`Clients`]; removed on drop.
pub(crate) struct ClientGuard {
    clients: Arc<Clients>,
    id: u64,
    state: Arc<ClientState>,
}

impl ClientGuard {
    /// Records that the connection's thread entered `method` of an object of `typeid`.
    pub(crate) fn call_started(&self, method: Cow<'static, str>, typeid: Arc<str>) {
        *lock(&self.state.in_call) = Some(InCall {
            method,
            typeid,
            since: Instant::now(),
        });
    }

    /// Records that the call returned.
    pub(crate) fn call_ended(&self) {
        *lock(&self.state.in_call) = None;
    }
}

impl Drop for ClientGuard {
    fn drop(&mut self) {
        lock(&self.clients.live).remove(&self.id);
    }
}

/// Seconds since the Unix epoch of an instant `ago` before now (for "since when").
pub(crate) fn unix_seconds_ago(ago: Duration) -> f64 {
    SystemTime::now()
        .checked_sub(ago)
        .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
        .map_or(0.0, |d| d.as_secs_f64())
}
