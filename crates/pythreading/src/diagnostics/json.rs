//! JSON by hand: a string escaper and the timeline's event objects. The diagnostics write their
//! few fixed JSON shapes themselves, so the core crate needs no serialization dependency for
//! output it never reads back.

use std::fmt::Write as _;

use super::trace::{Event, What};

/// `s` with JSON string escapes applied (quotes, backslashes, control characters).
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// One timeline event as a Chrome trace event object (or two: a slice and its flow end).
pub(super) fn write_event(out: &mut String, pid: u32, tid: u64, e: &Event) {
    let ts = e.ts as f64 / 1000.0;
    let _ = match &e.what {
        What::Wait(resource, site) => write!(
            out,
            r#"{{"ph":"B","cat":"wait","name":"wait {}","pid":{pid},"tid":{tid},"ts":{ts:.3},"args":{{"site":"{}"}}}}"#,
            escape(&resource.to_string()),
            escape(&super::dump::site(site)),
        ),
        What::WaitEnd => write!(out, r#"{{"ph":"E","pid":{pid},"tid":{tid},"ts":{ts:.3}}}"#),
        What::Release(resource, flow) => write!(
            out,
            r#"{{"ph":"X","cat":"wake","name":"release {0}","pid":{pid},"tid":{tid},"ts":{ts:.3},"dur":0}},
{{"ph":"s","cat":"wake","name":"wake","id":{flow},"pid":{pid},"tid":{tid},"ts":{ts:.3}}}"#,
            escape(&resource.to_string())
        ),
        What::Wake(verb, resource, first, n) => {
            let _ = write!(
                out,
                r#"{{"ph":"X","cat":"wake","name":"{verb} {}","pid":{pid},"tid":{tid},"ts":{ts:.3},"dur":0}}"#,
                escape(&resource.to_string())
            );
            for flow in *first..first + n {
                let _ = write!(
                    out,
                    r#",
{{"ph":"s","cat":"wake","name":"wake","id":{flow},"pid":{pid},"tid":{tid},"ts":{ts:.3}}}"#
                );
            }
            Ok(())
        }
        What::Acquired(flow) => write!(
            out,
            r#"{{"ph":"f","bp":"e","cat":"wake","name":"wake","id":{flow},"pid":{pid},"tid":{tid},"ts":{ts:.3}}}"#
        ),
        What::Depth(queue, depth) => write!(
            out,
            r#"{{"ph":"C","name":"queue depth {}","pid":{pid},"tid":{tid},"ts":{ts:.3},"args":{{"depth":{depth}}}}}"#,
            escape(&queue.to_string())
        ),
        // Submit: a zero-length slice on the submitter holding the start of a flow arrow that
        // ends in the task's slice on the worker.
        What::Task(name, id) if e.ph == b's' => write!(
            out,
            r#"{{"ph":"X","cat":"task","name":"submit","pid":{pid},"tid":{tid},"ts":{ts:.3},"dur":0}},
{{"ph":"s","cat":"task","name":"{name}","id":{id},"pid":{pid},"tid":{tid},"ts":{ts:.3}}}"#
        ),
        What::Task(name, id) => write!(
            out,
            r#"{{"ph":"B","cat":"task","name":"{name}","pid":{pid},"tid":{tid},"ts":{ts:.3}}},
{{"ph":"f","bp":"e","cat":"task","name":"{name}","id":{id},"pid":{pid},"tid":{tid},"ts":{ts:.3}}}"#
        ),
        What::Instant(name) => write!(
            out,
            r#"{{"ph":"i","s":"t","name":"{name}","pid":{pid},"tid":{tid},"ts":{ts:.3}}}"#
        ),
    };
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_quotes_backslashes_and_controls() {
        assert_eq!(super::escape("a\"b\\c\n\u{1}"), "a\\\"b\\\\c\\n\\u0001");
    }
}
