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
///
/// `ended`: for the begin of a wait or task slice, the nanoseconds until its end when the
/// thread's ring holds that end; the slice is then one complete `X` event. Begins and ends
/// written apart (`B`/`E`) are paired by viewers on a stack; the DevTools trace engine keeps
/// one stack for all threads, so the interleaved waits of several threads, in time order,
/// would not pair there. Only a wait still open when the recording stopped stays a lone `B`.
pub(super) fn write_event(out: &mut String, pid: u32, tid: u64, e: &Event, ended: Option<u64>) {
    let ts = e.ts as f64 / 1000.0;
    let (ph, dur) = match ended {
        Some(ns) => ("X", format!(r#","dur":{:.3}"#, ns as f64 / 1000.0)),
        None => ("B", String::new()),
    };
    let _ = match &e.what {
        What::Wait(resource, site) => write!(
            out,
            r#"{{"ph":"{ph}","cat":"wait","name":"wait {}","pid":{pid},"tid":{tid},"ts":{ts:.3}{dur},"args":{{"site":"{}"}}}}"#,
            escape(&resource.to_string()),
            escape(&super::dump::site(site)),
        ),
        What::WaitEnd(resource) => write!(
            out,
            r#"{{"ph":"E","cat":"wait","name":"wait {}","pid":{pid},"tid":{tid},"ts":{ts:.3}}}"#,
            escape(&resource.to_string())
        ),
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
        // The arrow's end, with a zero-length slice of its category at the same time: Perfetto
        // and catapult bind a flow end to the enclosing slice (the wait), the DevTools trace
        // engine only to a slice of the same timestamp, thread and category (as the start's
        // "release"/"notify" slice is).
        What::Acquired(flow) => write!(
            out,
            r#"{{"ph":"X","cat":"wake","name":"woken","pid":{pid},"tid":{tid},"ts":{ts:.3},"dur":0}},
{{"ph":"f","bp":"e","cat":"wake","name":"wake","id":{flow},"pid":{pid},"tid":{tid},"ts":{ts:.3}}}"#
        ),
        What::Depth(queue, depth) => write!(
            out,
            r#"{{"ph":"C","name":"queue depth {}","pid":{pid},"tid":{tid},"ts":{ts:.3},"args":{{"depth":{depth}}}}}"#,
            escape(&queue.to_string())
        ),
        What::TaskRun(run) => {
            super::task_slice::write_run_json(out, pid, tid, e.ts, run);
            Ok(())
        }
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
