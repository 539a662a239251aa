//! Refused connections counted by a fixed set of reasons (never by the free-form reason text:
//! an attacker chooses what goes wrong, and must not choose how many counters we keep).

use std::sync::atomic::{AtomicU64, Ordering};

/// Why a connection was refused, as the status page and `/metrics` count it.
///
/// # Examples
///
/// ```
/// use pythreading_mp::managers::RefusalKind;
/// assert_eq!(RefusalKind::WrongAuthkey.label(), "wrong_authkey");
/// assert_eq!(RefusalKind::ALL.len(), 5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RefusalKind {
    /// The handshake's digest was wrong: the client does not know the authkey.
    WrongAuthkey,
    /// The handshake and first request did not arrive before the deadline.
    HandshakeTimeout,
    /// The handshake failed otherwise (garbage, a closed socket, an unsupported digest).
    HandshakeFailed,
    /// Closed unauthenticated because newer connections filled the unauthenticated pool.
    UnauthenticatedEvicted,
    /// Authenticated, but every connection slot was taken.
    TooManyConnections,
}

impl RefusalKind {
    /// Every kind, in the order the page and `/metrics` list them.
    pub const ALL: [RefusalKind; 5] = [
        RefusalKind::WrongAuthkey,
        RefusalKind::HandshakeTimeout,
        RefusalKind::HandshakeFailed,
        RefusalKind::UnauthenticatedEvicted,
        RefusalKind::TooManyConnections,
    ];

    /// The label value used in JSON and in `/metrics`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(pythreading_mp::managers::RefusalKind::TooManyConnections.label(), "too_many_connections");
    /// ```
    pub fn label(self) -> &'static str {
        match self {
            RefusalKind::WrongAuthkey => "wrong_authkey",
            RefusalKind::HandshakeTimeout => "handshake_timeout",
            RefusalKind::HandshakeFailed => "handshake_failed",
            RefusalKind::UnauthenticatedEvicted => "unauthenticated_evicted",
            RefusalKind::TooManyConnections => "too_many_connections",
        }
    }

    /// Sorts a refusal's logged reason (see `ConnectionEvent::Refused`) into its kind.
    pub(crate) fn of_reason(reason: &str) -> RefusalKind {
        if reason.starts_with("too many connections") {
            RefusalKind::TooManyConnections
        } else if reason.starts_with("not authenticated yet") {
            RefusalKind::UnauthenticatedEvicted
        } else if reason.contains("digest received was wrong") {
            RefusalKind::WrongAuthkey
        } else if reason.contains("deadline")
            || reason.contains("timed out")
            || reason.contains("temporarily unavailable")
        {
            RefusalKind::HandshakeTimeout
        } else {
            RefusalKind::HandshakeFailed
        }
    }

    fn index(self) -> usize {
        RefusalKind::ALL
            .iter()
            .position(|k| *k == self)
            .unwrap_or(0)
    }
}

/// One counter per [`RefusalKind`].
#[derive(Default)]
pub(crate) struct Refusals([AtomicU64; 5]);

impl Refusals {
    pub(crate) fn count(&self, reason: &str) {
        self.0[RefusalKind::of_reason(reason).index()].fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn counts(&self) -> Vec<(RefusalKind, u64)> {
        RefusalKind::ALL
            .iter()
            .map(|k| (*k, self.0[k.index()].load(Ordering::Relaxed)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_sort_into_kinds() {
        let cases = [
            (
                "too many connections (limit 4)",
                RefusalKind::TooManyConnections,
            ),
            (
                "not authenticated yet while 64 newer connections waited (the limit): closed",
                RefusalKind::UnauthenticatedEvicted,
            ),
            (
                "authentication failed: digest received was wrong",
                RefusalKind::WrongAuthkey,
            ),
            (
                "authentication failed: unsupported message length, missing digest prefix, or unsupported digest",
                RefusalKind::HandshakeFailed,
            ),
            (
                "i/o error: handshake deadline passed",
                RefusalKind::HandshakeTimeout,
            ),
            ("end of file before a frame", RefusalKind::HandshakeFailed),
        ];
        for (reason, kind) in cases {
            assert_eq!(RefusalKind::of_reason(reason), kind, "{reason}");
        }
        let r = Refusals::default();
        r.count("digest received was wrong");
        r.count("digest received was wrong");
        let counts = r.counts();
        assert_eq!(counts[0], (RefusalKind::WrongAuthkey, 2));
        assert!(counts[1..].iter().all(|(_, n)| *n == 0));
    }
}
