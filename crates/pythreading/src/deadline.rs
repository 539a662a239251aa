//! Turning a `Duration` into a deadline without overflow.
//!
//! `Instant::now() + timeout` panics on `Duration::MAX`, which is exactly what callers pass to mean
//! "forever". Every timed operation in the crate goes through [`Deadline`] instead: an overflowing
//! deadline is simply "no deadline".

use std::time::{Duration, Instant};

/// When a timed wait gives up: never, or at an instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Deadline {
    /// Wait until woken, however long that takes.
    Never,
    /// Give up at this instant.
    At(Instant),
}

// Not every area uses every helper.
#[allow(dead_code)]
impl Deadline {
    /// The deadline `timeout` from now; `Never` if that instant is not representable.
    pub(crate) fn after(timeout: Duration) -> Self {
        match Instant::now().checked_add(timeout) {
            Some(at) => Deadline::At(at),
            None => Deadline::Never,
        }
    }

    /// A deadline at a fixed instant.
    pub(crate) fn at(instant: Instant) -> Self {
        Deadline::At(instant)
    }

    /// Time left before the deadline: `None` for `Never`, `Some(ZERO)` once it has passed.
    pub(crate) fn remaining(self) -> Option<Duration> {
        match self {
            Deadline::Never => None,
            Deadline::At(at) => Some(at.saturating_duration_since(Instant::now())),
        }
    }

    /// Whether the deadline has passed.
    pub(crate) fn has_passed(self) -> bool {
        self.remaining() == Some(Duration::ZERO)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_duration_means_never() {
        assert_eq!(Deadline::after(Duration::MAX), Deadline::Never);
        assert_eq!(Deadline::after(Duration::MAX).remaining(), None);
        assert!(!Deadline::Never.has_passed());
    }

    #[test]
    fn zero_duration_has_passed_at_once() {
        assert!(Deadline::after(Duration::ZERO).has_passed());
    }

    #[test]
    fn remaining_never_exceeds_the_timeout() {
        let d = Deadline::after(Duration::from_secs(5));
        let left = d.remaining().expect("finite deadline");
        assert!(left <= Duration::from_secs(5));
        assert!(left > Duration::from_secs(4));
    }
}
