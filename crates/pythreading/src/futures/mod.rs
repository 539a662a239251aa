//! Python's `futures` module. (Being built: see the issue for this area.)
