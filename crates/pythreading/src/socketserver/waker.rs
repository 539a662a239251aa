//! Waking an accept loop blocked in `accept()`, with the standard library alone.
//!
//! std has no way to interrupt a blocking `accept`, and no `poll`. Python's `serve_forever`
//! polls every half second; instead, the waker connects to the listening socket itself, so
//! `accept` returns at once. The loop recognises the waker's connection by its address (the
//! waker records the local address it connected from) and drops it without serving it.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::sync::Mutex;
use std::time::Duration;

use crate::sync::lock;

/// How long a wake-up connection may take; loopback connects at once unless the backlog is full,
/// and then the loop is busy accepting anyway.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// Wake-up connections not yet accepted are forgotten beyond this many (a bound, not a limit
/// anyone should reach: there is at most one pending wake-up per shutdown or timed-out request).
const MAX_PENDING: usize = 64;

pub(crate) struct Waker {
    target: SocketAddr,
    pending: Mutex<Vec<SocketAddr>>,
}

impl Waker {
    /// A waker for a listener bound to `local`. An unspecified address (`0.0.0.0`, `[::]`) is
    /// reached over loopback.
    pub(crate) fn new(local: SocketAddr) -> Self {
        let ip = match local.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        Waker {
            target: SocketAddr::new(ip, local.port()),
            pending: Mutex::new(Vec::new()),
        }
    }

    /// Makes a blocked `accept` return. Failure is not an error: the caller re-checks its flags
    /// and wakes again if the loop is still running.
    pub(crate) fn wake(&self) {
        // Hold the lock across the connect: the loop must not accept the connection before its
        // address is recorded, or it would take it for a client.
        let mut pending = lock(&self.pending);
        if let Ok(stream) = TcpStream::connect_timeout(&self.target, CONNECT_TIMEOUT)
            && let Ok(local) = stream.local_addr()
        {
            if pending.len() >= MAX_PENDING {
                pending.remove(0);
            }
            pending.push(local);
        }
    }

    /// Whether an accepted connection from `peer` is one of ours (and forgets it if so).
    pub(crate) fn is_wake(&self, peer: SocketAddr) -> bool {
        let mut pending = lock(&self.pending);
        match pending.iter().position(|p| *p == peer) {
            Some(i) => {
                pending.swap_remove(i);
                true
            }
            None => false,
        }
    }
}
