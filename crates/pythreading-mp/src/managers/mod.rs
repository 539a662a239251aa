//! The `managers` layer. (Being built: see the issue for this area.)
