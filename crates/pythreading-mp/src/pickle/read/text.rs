//! Protocol 0 text arguments: Python 2 names, `raw-unicode-escape`, quoted `repr` strings.

use crate::pickle::value::Value;

/// Python 2 module names that `pickle.loads(fix_imports=True)` maps for protocols 0 to 2.
pub(super) fn fix_import(module: &str) -> &str {
    match module {
        "__builtin__" | "exceptions" => "builtins",
        "copy_reg" => "copyreg",
        "Queue" => "queue",
        other => other,
    }
}

/// Decodes protocol 0 `UNICODE` text (`raw-unicode-escape`: `\uXXXX`, `\UXXXXXXXX`, else Latin-1).
pub(super) fn raw_unicode_escape(line: &[u8]) -> Option<Value> {
    let mut points = Vec::with_capacity(line.len());
    let mut i = 0;
    while i < line.len() {
        let c = line[i];
        let width = match (c, line.get(i + 1)) {
            (b'\\', Some(b'u')) => 4,
            (b'\\', Some(b'U')) => 8,
            _ => 0,
        };
        if width == 0 {
            points.push(u32::from(c));
            i += 1;
        } else {
            let hex = line.get(i + 2..i + 2 + width)?;
            let hex = std::str::from_utf8(hex).ok()?;
            points.push(u32::from_str_radix(hex, 16).ok()?);
            i += 2 + width;
        }
    }
    Value::from_code_points(&points)
}

/// Decodes protocol 0 `STRING` text: a quoted Python 2 `repr` with backslash escapes.
pub(super) fn string_escape(line: &[u8]) -> Option<Vec<u8>> {
    let line = line.trim_ascii_end();
    let (&q, rest) = line.split_first()?;
    if !(q == b'\'' || q == b'"') || rest.last() != Some(&q) {
        return None;
    }
    let body = &rest[..rest.len() - 1];
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        if body[i] != b'\\' {
            out.push(body[i]);
            i += 1;
            continue;
        }
        let e = *body.get(i + 1)?;
        i += 2;
        match e {
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'r' => out.push(b'\r'),
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'v' => out.push(11),
            b'\\' | b'\'' | b'"' => out.push(e),
            b'\n' => {}
            b'x' => {
                let hex = std::str::from_utf8(body.get(i..i + 2)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b'0'..=b'7' => {
                let mut v = u32::from(e - b'0');
                for _ in 0..2 {
                    match body.get(i) {
                        Some(&d @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(d - b'0');
                            i += 1;
                        }
                        _ => break,
                    }
                }
                out.push((v & 0xff) as u8);
            }
            other => out.extend([b'\\', other]),
        }
    }
    Some(out)
}
