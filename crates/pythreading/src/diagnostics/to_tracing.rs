//! The timeline's events as `tracing` events, for users who already have a subscriber (the
//! `tracing` feature).

use super::trace::What;

/// The same events as `tracing` events (target `pythreading::diagnostics`, level TRACE), with
/// the Chrome phase, the primitive, the site and the ids as fields.
#[cfg(feature = "tracing")]
pub(super) fn to_tracing(ph: u8, what: &What) {
    let ph = char::from(ph).to_string();
    match what {
        What::Wait(resource, site) => tracing::trace!(
            target: "pythreading::diagnostics",
            ph, resource = %resource, site = %super::dump::site(site),
            "wait begins"
        ),
        What::WaitEnd(resource) => tracing::trace!(
            target: "pythreading::diagnostics",
            ph, resource = %resource, "wait ends"
        ),
        What::Release(resource, flow) => tracing::trace!(
            target: "pythreading::diagnostics",
            ph, resource = %resource, flow, "release wakes a waiter"
        ),
        What::Wake(verb, resource, first, n) => tracing::trace!(
            target: "pythreading::diagnostics",
            ph, verb = *verb, resource = %resource, flow = *first, woken = *n, "wakes waiters"
        ),
        What::Acquired(flow) => tracing::trace!(
            target: "pythreading::diagnostics",
            ph, flow, "woken waiter acquires"
        ),
        What::Depth(queue, depth) => tracing::trace!(
            target: "pythreading::diagnostics",
            ph, queue = %queue, depth, "queue depth"
        ),
        What::TaskRun(run) => tracing::trace!(
            target: "pythreading::diagnostics",
            ph, id = run.id, submitter = run.submitter, queued_ns = run.queued_ns(),
            dur_ns = run.dur_ns, "task"
        ),
        What::Instant(name) => tracing::trace!(target: "pythreading::diagnostics", ph, "{name}"),
    }
}
