//! The `managers` group. (Being built: see the issue for this area.)

use crate::report::{Measurement, Opts};

pub(crate) fn run(_opts: &Opts) -> Vec<Measurement> {
    Vec::new()
}
