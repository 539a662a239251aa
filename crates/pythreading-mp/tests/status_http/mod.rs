//! A bounded HTTP/1.1 client for the status page's tests, and a parser of the Prometheus text
//! exposition format.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// One reply: status code, headers (names lowercased), body.
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: HashMap<String, String>,
    pub(crate) body: String,
}

/// Sends `request` as is and reads the reply to the server's close, every wait bounded.
pub(crate) fn raw(addr: SocketAddr, request: &[u8]) -> Reply {
    try_raw(addr, request).expect("send the request and read the reply within 10 s")
}

/// [`raw`], with a reset or timeout returned instead of failing the test.
pub(crate) fn try_raw(addr: SocketAddr, request: &[u8]) -> std::io::Result<Reply> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    s.set_write_timeout(Some(Duration::from_secs(10)))?;
    s.write_all(request)?;
    let mut bytes = Vec::new();
    s.read_to_end(&mut bytes)?;
    let reply = parse(&bytes);
    if let Some(len) = reply.headers.get("content-length")
        && !request.starts_with(b"HEAD ")
    {
        assert_eq!(
            len.parse::<usize>().unwrap(),
            reply.body.len(),
            "Content-Length matches the body"
        );
    }
    Ok(reply)
}

pub(crate) fn parse(bytes: &[u8]) -> Reply {
    let text = String::from_utf8(bytes.to_vec()).expect("reply is UTF-8");
    let (head, body) = text.split_once("\r\n\r\n").expect("a reply head");
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let status = status_line
        .strip_prefix("HTTP/1.1 ")
        .and_then(|r| r.get(..3))
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let headers: HashMap<String, String> = lines
        .map(|l| {
            let (n, v) = l.split_once(':').expect("header line");
            (n.trim().to_ascii_lowercase(), v.trim().to_owned())
        })
        .collect();
    Reply {
        status,
        headers,
        body: body.to_owned(),
    }
}

/// `GET path`.
pub(crate) fn get(addr: SocketAddr, path: &str) -> Reply {
    raw(
        addr,
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes(),
    )
}

/// `/status.json`, parsed.
pub(crate) fn status_json(addr: SocketAddr) -> serde_json::Value {
    let r = get(addr, "/status.json");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.headers["content-type"], "application/json");
    serde_json::from_str(&r.body).expect("/status.json is JSON")
}

/// A queue's depth in a `/status.json` document.
pub(crate) fn json_depth(doc: &serde_json::Value, queue: &str) -> u64 {
    doc["queues"]
        .as_array()
        .expect("queues array")
        .iter()
        .find(|q| q["name"] == queue)
        .unwrap_or_else(|| panic!("no queue {queue} in {doc}"))["depth"]
        .as_u64()
        .expect("depth is a number")
}

/// One sample of the exposition format.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Sample {
    pub(crate) name: String,
    pub(crate) labels: Vec<(String, String)>,
    pub(crate) value: f64,
}

/// Parses the text exposition format (0.0.4) strictly enough to catch what a scraper rejects:
/// every sample's family has `# HELP` and `# TYPE` lines before it, a family's samples are
/// together, label values are quoted with only `\\`, `\"` and `\n` escapes, values parse.
/// Returns the samples and each family's type.
pub(crate) fn parse_exposition(text: &str) -> (Vec<Sample>, HashMap<String, String>) {
    let mut help = HashMap::new();
    let mut types: HashMap<String, String> = HashMap::new();
    let mut samples = Vec::new();
    let mut finished: Vec<String> = Vec::new();
    let mut current: Option<String> = None;
    assert!(text.ends_with('\n'), "ends with a newline");
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, h) = rest.split_once(' ').expect("HELP name text");
            assert!(
                help.insert(name.to_owned(), h.to_owned()).is_none(),
                "one HELP for {name}"
            );
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, t) = rest.split_once(' ').expect("TYPE name type");
            assert!(
                ["counter", "gauge", "histogram", "summary", "untyped"].contains(&t),
                "type {t}"
            );
            assert!(help.contains_key(name), "HELP before TYPE for {name}");
            assert!(
                types.insert(name.to_owned(), t.to_owned()).is_none(),
                "one TYPE for {name}"
            );
            continue;
        }
        assert!(
            !line.starts_with('#') && !line.is_empty(),
            "unexpected line {line:?}"
        );
        let (name, rest) = match line.find(['{', ' ']) {
            Some(i) => line.split_at(i),
            None => panic!("no value in {line:?}"),
        };
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "metric name {name:?}"
        );
        assert!(
            types.contains_key(name),
            "TYPE before the samples of {name}"
        );
        if current.as_deref() != Some(name) {
            assert!(
                !finished.contains(&name.to_owned()),
                "samples of {name} are together"
            );
            if let Some(c) = current.take() {
                finished.push(c);
            }
            current = Some(name.to_owned());
        }
        let mut labels = Vec::new();
        let mut rest = rest;
        if let Some(after) = rest.strip_prefix('{') {
            let mut chars = after.char_indices();
            let mut end = None;
            loop {
                // label name
                let mut lname = String::new();
                for (i, c) in chars.by_ref() {
                    if c == '=' {
                        break;
                    }
                    if c == '}' && lname.is_empty() {
                        end = Some(i);
                        break;
                    }
                    lname.push(c);
                }
                if end.is_some() {
                    break;
                }
                assert_eq!(
                    chars.next().map(|(_, c)| c),
                    Some('"'),
                    "quoted label value"
                );
                let mut value = String::new();
                loop {
                    match chars.next().expect("unterminated label value") {
                        (_, '\\') => match chars.next().expect("escape").1 {
                            '\\' => value.push('\\'),
                            '"' => value.push('"'),
                            'n' => value.push('\n'),
                            other => panic!("bad escape \\{other}"),
                        },
                        (_, '"') => break,
                        (_, '\n') => panic!("raw newline in a label value"),
                        (_, c) => value.push(c),
                    }
                }
                labels.push((lname, value));
                match chars.next().expect("after a label") {
                    (_, ',') => {}
                    (i, '}') => {
                        end = Some(i);
                        break;
                    }
                    (_, c) => panic!("unexpected {c:?} after a label"),
                }
            }
            rest = &after[end.unwrap() + 1..];
        }
        let value_text = rest.strip_prefix(' ').expect("space before the value");
        let value: f64 = value_text
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap_or_else(|_| panic!("value of {line:?}"));
        samples.push(Sample {
            name: name.to_owned(),
            labels,
            value,
        });
    }
    (samples, types)
}

/// The value of the sample `name` whose labels include `label` (`None`: no label).
pub(crate) fn sample(samples: &[Sample], name: &str, label: Option<(&str, &str)>) -> f64 {
    samples
        .iter()
        .find(|s| {
            s.name == name
                && match label {
                    None => s.labels.is_empty(),
                    Some((k, v)) => s.labels.iter().any(|(lk, lv)| lk == k && lv == v),
                }
        })
        .unwrap_or_else(|| panic!("no sample {name} {label:?}"))
        .value
}
