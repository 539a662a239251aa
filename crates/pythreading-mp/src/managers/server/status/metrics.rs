//! `/metrics`: the snapshot in the Prometheus text exposition format, version 0.0.4 (`# HELP`
//! and `# TYPE` before each family, label values escaped).

use std::fmt::Write as _;

use super::StatusSnapshot;

/// The `Content-Type` of this format.
pub(crate) const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// A label value with `\`, `"` and newlines escaped, as the format requires.
fn label(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn queue_family(
    out: &mut String,
    s: &StatusSnapshot,
    name: &str,
    help: &str,
    value: impl Fn(&super::QueueStatus) -> u64,
) {
    family(out, name, "gauge", help);
    for q in &s.queues {
        let _ = write!(out, "{name}{{queue=\"");
        label(out, &q.name);
        let _ = writeln!(out, "\"}} {}", value(q));
    }
}

pub(super) fn render(s: &StatusSnapshot) -> String {
    let mut out = String::with_capacity(1024 + 96 * s.queues.len());
    queue_family(
        &mut out,
        s,
        "pythreading_queue_depth",
        "Items waiting in a served queue.",
        |q| q.depth,
    );
    queue_family(
        &mut out,
        s,
        "pythreading_queue_leased",
        "Items handed to a client and not yet acknowledged.",
        |q| q.leased,
    );
    queue_family(
        &mut out,
        s,
        "pythreading_queue_dead_lettered",
        "Items waiting in the queue's dead-letter queue after too many deliveries.",
        |q| q.dead_lettered,
    );
    family(
        &mut out,
        "pythreading_clients_connected",
        "gauge",
        "Authenticated connections.",
    );
    let _ = writeln!(out, "pythreading_clients_connected {}", s.clients_connected);
    family(
        &mut out,
        "pythreading_clients_in_call",
        "gauge",
        "Listed connections whose thread is inside a method call (a blocking get waits here).",
    );
    let in_call = s.clients.iter().filter(|c| c.in_call.is_some()).count();
    let _ = writeln!(out, "pythreading_clients_in_call {in_call}");
    family(
        &mut out,
        "pythreading_connections_active",
        "gauge",
        "Connection threads alive, authenticated or not.",
    );
    let _ = writeln!(
        out,
        "pythreading_connections_active {}",
        s.connections_active
    );
    family(
        &mut out,
        "pythreading_connections_refused_total",
        "counter",
        "Connections refused since the server started, by reason.",
    );
    for (kind, n) in &s.refused {
        let _ = writeln!(
            out,
            "pythreading_connections_refused_total{{reason=\"{}\"}} {n}",
            kind.label()
        );
    }
    family(
        &mut out,
        "pythreading_objects",
        "gauge",
        "Objects in the server's table.",
    );
    let _ = writeln!(out, "pythreading_objects {}", s.objects);
    family(
        &mut out,
        "pythreading_uptime_seconds",
        "gauge",
        "Seconds since the server was bound.",
    );
    let _ = writeln!(
        out,
        "pythreading_uptime_seconds {:.3}",
        s.uptime.as_secs_f64()
    );
    out
}

#[cfg(test)]
mod tests {
    use super::label;

    #[test]
    fn label_values_are_escaped() {
        let mut out = String::new();
        label(&mut out, "a\\b\"c\nd");
        assert_eq!(out, "a\\\\b\\\"c\\nd");
    }
}
