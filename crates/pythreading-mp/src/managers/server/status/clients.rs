//! The live connections the status page lists: a registry written only when a connection is
//! admitted or ends, plus one slot per connection that its own thread writes at the start and
//! end of each call without taking a lock.
//!
//! The slot is one atomic word: zero between calls, else which call (an index into the
//! connection's append-only table of the `(method, typeid)` pairs it has called) and since when
//! (microseconds since the connection was admitted). A call to a pair the connection has called
//! before costs a clock read and two atomic stores; only a pair's first call takes the table's
//! lock, to append it. A snapshot loads the word, then looks the index up under that lock.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Bits of the slot word that hold the microseconds (about 8.9 years of connection).
const SINCE_BITS: u32 = 48;
const SINCE_MASK: u64 = (1 << SINCE_BITS) - 1;
/// The most `(method, typeid)` pairs one connection's table holds. The pairs are bounded by the
/// registry (typeids times their methods), so this is never reached in practice; past it, a call
/// still shows as in progress, under [`UNRECORDED`].
const MAX_NAMES: usize = 4096;
/// The index stored for a call whose pair did not fit in the table.
const UNRECORDED: u64 = 0xffff;

/// A call a connection's thread is inside: the method, the object's typeid, and since when.
#[derive(Clone)]
pub(crate) struct InCall {
    /// Borrowed for exposed methods (no allocation on the request path), owned for hidden ones.
    pub(crate) method: Cow<'static, str>,
    pub(crate) typeid: Arc<str>,
    pub(crate) since: Instant,
}

type Name = (Cow<'static, str>, Arc<str>);

/// One authenticated connection, shared by its thread and the registry.
pub(crate) struct ClientState {
    pub(crate) peer: SocketAddr,
    pub(crate) connected: Instant,
    /// Zero: not in a call. Else `(index + 1) << 48 | micros since connected`.
    call: AtomicU64,
    /// The pairs the slot's indexes name; append-only, so an index never changes meaning.
    names: Mutex<Vec<Name>>,
}

impl ClientState {
    /// The call the connection is inside, if any.
    fn in_call(&self) -> Option<InCall> {
        let word = self.call.load(Ordering::Acquire);
        if word == 0 {
            return None;
        }
        let index = (word >> SINCE_BITS) - 1;
        let since = self.connected + Duration::from_micros(word & SINCE_MASK);
        let (method, typeid) = match lock(&self.names).get(index as usize) {
            Some((m, t)) => (m.clone(), Arc::clone(t)),
            None => (Cow::Borrowed("(unrecorded)"), Arc::from("(unrecorded)")),
        };
        Some(InCall {
            method,
            typeid,
            since,
        })
    }
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
            call: AtomicU64::new(0),
            names: Mutex::new(Vec::new()),
        });
        lock(&self.live).insert(id, Arc::clone(&state));
        ClientGuard {
            clients: Arc::clone(self),
            id,
            state,
            names: Vec::new(),
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
            .map(|s| (s.peer, s.connected.elapsed(), s.in_call()))
            .collect()
    }
}

/// A connection's entry in [`Clients`]; removed on drop. Owned by the connection's thread.
pub(crate) struct ClientGuard {
    clients: Arc<Clients>,
    id: u64,
    state: Arc<ClientState>,
    /// This thread's copy of `state.names`, searched without the lock.
    names: Vec<Name>,
}

impl ClientGuard {
    /// The table index of `(method, typeid)`, appending the pair on its first call.
    fn index_of(&mut self, method: Cow<'static, str>, typeid: Arc<str>) -> u64 {
        let found = self
            .names
            .iter()
            .position(|(m, t)| *m == method && **t == *typeid);
        if let Some(i) = found {
            return i as u64;
        }
        if self.names.len() >= MAX_NAMES {
            return UNRECORDED;
        }
        let pair = (method, typeid);
        lock(&self.state.names).push(pair.clone());
        self.names.push(pair);
        (self.names.len() - 1) as u64
    }

    /// Records that the connection's thread entered `method` of an object of `typeid`.
    pub(crate) fn call_started(&mut self, method: Cow<'static, str>, typeid: Arc<str>) {
        let index = self.index_of(method, typeid);
        let micros = self.state.connected.elapsed().as_micros() as u64;
        let word = ((index + 1) << SINCE_BITS) | micros.min(SINCE_MASK);
        self.state.call.store(word, Ordering::Release);
    }

    /// Records that the call returned.
    pub(crate) fn call_ended(&self) {
        self.state.call.store(0, Ordering::Release);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn peer() -> SocketAddr {
        "127.0.0.1:9".parse().unwrap()
    }

    #[test]
    fn the_slot_shows_the_call_in_progress_and_nothing_between_calls() {
        let clients = Arc::new(Clients::default());
        let mut guard = clients.enter(1, peer());
        let typeid: Arc<str> = Arc::from("Queue");
        assert!(clients.snapshot(10)[0].2.is_none());
        let before = Instant::now();
        guard.call_started(Cow::Borrowed("get"), Arc::clone(&typeid));
        let call = clients.snapshot(10)[0].2.clone().expect("in a call");
        assert_eq!((&*call.method, &*call.typeid), ("get", "Queue"));
        // Microsecond resolution: `since` may read up to 1 µs before the clock read.
        assert!(call.since + Duration::from_micros(1) >= before);
        assert!(call.since <= Instant::now());
        guard.call_ended();
        assert!(clients.snapshot(10)[0].2.is_none());
    }

    #[test]
    fn pairs_are_recorded_once_and_keep_their_meaning() {
        let clients = Arc::new(Clients::default());
        let mut guard = clients.enter(1, peer());
        let q: Arc<str> = Arc::from("Queue");
        let d: Arc<str> = Arc::from("dict");
        for round in 0..3 {
            for (m, t) in [("put", &q), ("get", &q), ("get", &d)] {
                guard.call_started(Cow::Borrowed(m), Arc::clone(t));
                let call = clients.snapshot(10)[0].2.clone().expect("in a call");
                assert_eq!((&*call.method, &*call.typeid), (m, &**t), "round {round}");
                guard.call_ended();
            }
        }
        // Another object of the same typeid (its own `Arc`) and a hidden method's owned name
        // match their earlier entries.
        guard.call_started(Cow::Borrowed("put"), Arc::from("Queue"));
        guard.call_started(Cow::Owned("_lease_get".into()), Arc::clone(&q));
        guard.call_started(Cow::Owned("_lease_get".into()), Arc::clone(&q));
        assert_eq!(lock(&guard.state.names).len(), 4);
        assert_eq!(guard.names.len(), 4);
    }

    #[test]
    fn the_guard_removes_its_connection() {
        let clients = Arc::new(Clients::default());
        let guard = clients.enter(7, peer());
        assert_eq!(clients.len(), 1);
        drop(guard);
        assert_eq!(clients.len(), 0);
    }
}
