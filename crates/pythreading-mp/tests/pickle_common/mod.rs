//! Helpers shared by the `pickle_*` tests.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::PathBuf;

use pythreading_mp::pickle::Value;

/// `crates/pythreading-mp/tests/fixtures/<rel>`.
pub(crate) fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

pub(crate) fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

/// The canonical text of a value; `tests/python/pickle_interop.py` renders Python objects the
/// same way (`canon()`), so the two sides compare as strings.
pub(crate) fn canon(v: &Value) -> String {
    let mut s = String::new();
    write_canon(&mut s, v);
    s
}

fn seq(out: &mut String, open: &str, items: &[Value], close: &str, sorted: bool) {
    let mut parts: Vec<String> = items.iter().map(canon).collect();
    if sorted {
        parts.sort();
    }
    out.push_str(open);
    out.push_str(&parts.join(","));
    out.push_str(close);
}

fn dict(out: &mut String, pairs: &[(Value, Value)]) {
    let parts: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}:{}", canon(k), canon(v)))
        .collect();
    out.push('{');
    out.push_str(&parts.join(","));
    out.push('}');
}

fn opt(out: &mut String, v: Option<&Value>) {
    match v {
        Some(v) => write_canon(out, v),
        None => out.push('-'),
    }
}

fn items(out: &mut String, list: &[Value], pairs: &[(Value, Value)]) {
    if list.is_empty() {
        out.push('-');
    } else {
        seq(out, "[", list, "]", false);
    }
    out.push(';');
    if pairs.is_empty() {
        out.push('-');
    } else {
        dict(out, pairs);
    }
}

fn write_canon(out: &mut String, v: &Value) {
    match v {
        Value::None => out.push('N'),
        Value::Bool(true) => out.push('T'),
        Value::Bool(false) => out.push('F'),
        Value::Int(i) => {
            let _ = write!(out, "i{i}");
        }
        Value::BigInt(b) => {
            let _ = write!(out, "i{b}");
        }
        Value::Float(f) => {
            let _ = write!(out, "f{:016x}", f.to_bits());
        }
        Value::Str(s) => {
            let _ = write!(out, "s:{}", hex(s.as_bytes()));
        }
        Value::SurrogateStr(s) => {
            let _ = write!(out, "s:{}", hex(s.as_bytes()));
        }
        Value::Bytes(b) => {
            let _ = write!(out, "b:{}", hex(b));
        }
        Value::ByteArray(b) => {
            let _ = write!(out, "ba:{}", hex(b));
        }
        Value::Tuple(t) => seq(out, "(", t, ")", false),
        Value::List(l) => seq(out, "[", l, "]", false),
        Value::Set(s) => seq(out, "set(", s, ")", true),
        Value::FrozenSet(s) => seq(out, "fs(", s, ")", true),
        Value::Dict(d) => dict(out, d),
        Value::Global { module, name } => {
            let _ = write!(out, "g:{module}:{name}");
        }
        Value::Reduce(r) => {
            out.push_str("red(");
            write_canon(out, &r.callable);
            out.push(';');
            write_canon(out, &r.args);
            out.push(';');
            opt(out, r.state.as_ref());
            out.push(';');
            items(out, &r.list_items, &r.dict_items);
            out.push(')');
        }
        Value::Object(o) => {
            out.push_str("obj(");
            write_canon(out, &o.class);
            out.push(';');
            write_canon(out, &o.args);
            out.push(';');
            match &o.kwargs {
                Some(Value::Dict(d)) if d.is_empty() => out.push('-'),
                kw => opt(out, kw.as_ref()),
            }
            out.push(';');
            opt(out, o.state.as_ref());
            out.push(';');
            items(out, &o.list_items, &o.dict_items);
            out.push(')');
        }
    }
}

/// Lines of a tab-separated fixture.
pub(crate) fn tsv(rel: &str) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(fixture(rel)).expect("fixture");
    text.lines()
        .filter(|l| !l.is_empty())
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect()
}
