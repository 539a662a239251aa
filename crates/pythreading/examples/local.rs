//! Scenario `local` from the seeds. (Being built.)

/// Runs the scenario.
pub(crate) fn run() {
    println!("(not built yet)");
}

#[allow(dead_code)]
fn main() {
    run();
}
