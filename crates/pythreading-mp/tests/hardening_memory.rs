//! Issue 15 §0, attacks 2 and 3: small authenticated requests that made the server allocate
//! hundreds of times their size. The server runs in this process; its peak resident memory is
//! read from `/proc/self/status` (`VmHWM`). One test, so nothing else runs meanwhile.
// spec §4 (#TRACEBACK, #ERROR), §9 (pickle limits)

mod raw_client;
mod server_stats;

use std::net::TcpStream;

use pythreading_mp::managers::{ServerBuilder, ServerConfig};
use pythreading_mp::pickle::{self, Value};
use pythreading_mp::wire::Connection;
use raw_client::{reply, send};

const KEY: &[u8] = b"hello world";

/// `(kind, text)` of a reply: the traceback text, or the exception's name and message.
fn kind_and_text(r: &[Value]) -> (String, String) {
    let kind = r[0].as_str().unwrap().to_owned();
    let text = match &r[1] {
        Value::Str(s) => s.clone(),
        other => pythreading_mp::pickle::PyException::from_value(other)
            .map(|e| e.to_string())
            .unwrap_or_else(|_| format!("a {}", other.type_name())),
    };
    (kind, text)
}

#[test]
fn hostile_requests_cost_memory_in_proportion() {
    let _serial = server_stats::serial();
    let server = ServerBuilder::new(KEY)
        .sync_manager()
        .config(ServerConfig::default())
        .bind("127.0.0.1:0")
        .unwrap()
        .spawn()
        .unwrap();
    let addr = server.address();

    // Attack 2: `[256 KiB str] * 600` used to be deep-copied (150 MiB) and pickled again
    // (150 MiB more) for a 300 KB request. The items are now shared, as in CPython: the reply
    // holds the string once and 599 memo references to it.
    let mut once = Connection::new(TcpStream::connect(addr).unwrap());
    once.client_handshake(KEY).unwrap();
    send(
        &mut once,
        None,
        "create",
        vec![
            Value::from("list"),
            Value::list([Value::from("x".repeat(256 << 10))]),
        ],
    );
    let created = reply(&mut once);
    let ident = created[1].as_tuple().unwrap()[0]
        .as_str()
        .unwrap()
        .to_owned();
    let mut c = Connection::new(TcpStream::connect(addr).unwrap());
    c.client_handshake(KEY).unwrap();
    send(&mut c, None, "accept_connection", vec![Value::from("x")]);
    reply(&mut c);
    let peak0 = server_stats::peak_rss_mib();
    send(&mut c, Some(&ident), "__mul__", vec![Value::Int(600)]);
    let shared_reply = c.recv_bytes().unwrap();
    let frame = &shared_reply;
    let grew = server_stats::peak_rss_mib().saturating_sub(peak0);
    eprintln!(
        "list * 600: a {} byte reply, peak grew {grew} MiB",
        frame.len()
    );
    assert!(frame.len() < 300 << 10, "a {} byte reply", frame.len());
    assert!(
        grew < 100,
        "peak memory grew by {grew} MiB for `list * 600`"
    );
    // `*=` keeps references too; past the item limit it is a MemoryError.
    send(&mut c, Some(&ident), "__imul__", vec![Value::Int(600)]);
    let frame = c.recv_bytes().unwrap();
    assert!(frame.len() < 300 << 10, "a {} byte reply", frame.len());
    send(&mut c, Some(&ident), "__len__", Vec::new());
    assert_eq!(reply(&mut c)[1], Value::Int(600));
    send(&mut c, Some(&ident), "__mul__", vec![Value::Int(1 << 20)]);
    let (kind, text) = kind_and_text(&reply(&mut c));
    assert_eq!(kind, "#ERROR", "{text}");
    assert!(text.contains("MemoryError"), "{text}");
    send(
        &mut c,
        Some(&ident),
        "__delitem__",
        vec![Value::reduce(
            Value::global("builtins", "slice"),
            Value::tuple([Value::Int(1), Value::None, Value::None]),
        )],
    );
    reply(&mut c);

    // Attack 3: an 8 MiB frame of one-byte opcodes (a list of 8 Mi `None`s) used to take
    // ~860 MiB to decode. Decoding is now capped (256 MiB by default) and the request refused.
    let mut hostile = b"\x80\x04(".to_vec();
    hostile.extend(std::iter::repeat_n(b'N', 8 << 20));
    hostile.extend(b"l.");
    let peak0 = server_stats::peak_rss_mib();
    c.send_bytes(&hostile).unwrap();
    let (kind, text) = kind_and_text(&reply(&mut c));
    let grew = server_stats::peak_rss_mib().saturating_sub(peak0);
    eprintln!("8 MiB of one-byte opcodes: {kind}, peak grew {grew} MiB");
    assert_eq!(kind, "#TRACEBACK", "{text}");
    assert!(text.contains("more memory than the limit"), "{text}");
    assert!(
        grew < 400,
        "peak memory grew by {grew} MiB for an 8 MiB frame"
    );
    // The connection and the server still work.
    send(&mut c, Some(&ident), "__len__", Vec::new());
    assert_eq!(reply(&mut c)[1], Value::Int(1));
    // Last (it allocates 150 MiB in this process, which would hide later peaks):
    // It reads back as 600 equal strings (with a budget for the copies our tree model makes).
    let v = pickle::loads_with(
        &shared_reply,
        &pythreading_mp::pickle::Limits::new().with_max_expansion(256 << 20),
    )
    .unwrap();
    let items = v.as_tuple().unwrap()[1].as_list().unwrap().to_vec();
    assert_eq!(items.len(), 600);
    assert!(
        items
            .iter()
            .all(|s| s.as_str().is_some_and(|s| s.len() == 256 << 10))
    );
    drop(v);
    drop(items);
}
