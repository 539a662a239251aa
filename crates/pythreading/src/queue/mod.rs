//! Python's `queue` module. (Being built: see the issue for this area.)
