//! `/status.json`: the snapshot as one JSON object, written by hand (a few fields, no
//! dependency), every string escaped.

use std::fmt::Write as _;

use super::StatusSnapshot;

/// `s` as a JSON string literal.
fn string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // `<` too, so the text can never close a `<script>` it is pasted into.
            c if (c as u32) < 0x20 || c == '<' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

pub(super) fn render(s: &StatusSnapshot) -> String {
    let mut out = String::with_capacity(256 + 96 * (s.queues.len() + s.clients.len()));
    out.push_str("{\"address\":");
    string(&mut out, &s.address.to_string());
    let _ = write!(
        out,
        ",\"uptime_seconds\":{:.3},\"objects\":{},\"clients_connected\":{},\"connections_active\":{}",
        s.uptime.as_secs_f64(),
        s.objects,
        s.clients_connected,
        s.connections_active
    );
    out.push_str(",\"queues\":[");
    for (i, q) in s.queues.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"name\":");
        string(&mut out, &q.name);
        let _ = write!(
            out,
            ",\"depth\":{},\"leased\":{},\"dead_lettered\":{}}}",
            q.depth, q.leased, q.dead_lettered
        );
    }
    out.push_str("],\"clients\":[");
    for (i, c) in s.clients.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"peer\":");
        string(&mut out, &c.peer.to_string());
        let _ = write!(
            out,
            ",\"connected_seconds\":{:.3},\"in_call\":",
            c.connected_for.as_secs_f64()
        );
        match &c.in_call {
            None => out.push_str("null"),
            Some(call) => {
                out.push_str("{\"method\":");
                string(&mut out, &call.method);
                out.push_str(",\"typeid\":");
                string(&mut out, &call.typeid);
                let _ = write!(
                    out,
                    ",\"seconds\":{:.3},\"since_unix\":{:.3}}}",
                    call.elapsed.as_secs_f64(),
                    call.since_unix
                );
            }
        }
        out.push('}');
    }
    out.push_str("],\"refused\":{");
    for (i, (kind, n)) in s.refused.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        string(&mut out, kind.label());
        let _ = write!(out, ":{n}");
    }
    out.push_str("}}");
    out
}

#[cfg(test)]
mod tests {
    use super::string;

    #[test]
    fn strings_are_escaped() {
        let mut out = String::new();
        string(&mut out, "a\"b\\c\nd\u{1}</script>é");
        assert_eq!(out, r#""a\"b\\c\nd\u0001\u003c/script>é""#);
    }
}
