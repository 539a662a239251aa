//! Golden replay: requests captured from CPython clients, sent to our server after a fresh
//! handshake; our replies have the captured shape (exposed lists, `_queue.Empty`, `#RETURN None`).
// MP-M02, MP-M08, MP-X06; spec §4, §6.2, §7, §8

use std::net::TcpStream;
use std::path::{Path, PathBuf};

use pythreading_mp::managers::ServerBuilder;
use pythreading_mp::pickle::{self, Value};
use pythreading_mp::wire::{self, Connection, FrameError};

fn session(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sessions")
        .join(name)
}

fn frames(path: &Path) -> Vec<Vec<u8>> {
    let bytes = std::fs::read(path).unwrap();
    let mut r = &bytes[..];
    let mut out = Vec::new();
    loop {
        match wire::read_frame(&mut r, 1 << 20) {
            Ok(f) => out.push(f),
            Err(FrameError::Eof) => return out,
            Err(e) => panic!("{e}"),
        }
    }
}

/// One server-level call on a fresh connection. Spec §11.6: one request per connection, and
/// the server closes first (the reply is followed by EOF).
fn replay(addr: std::net::SocketAddr, request: &[u8]) -> Vec<u8> {
    let mut c = Connection::new(TcpStream::connect(addr).unwrap());
    c.client_handshake(b"hello world").unwrap();
    c.send_bytes(request).unwrap();
    let reply = c.recv_bytes().unwrap();
    c.get_ref()
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    assert!(
        c.recv_bytes().unwrap_err().is_eof(),
        "the server closes a server-level connection after its reply"
    );
    reply
}

#[test]
fn captured_dummy_and_create_get_the_captured_replies() {
    let server = ServerBuilder::new("hello world")
        .queue("get_task_queue")
        .queue("get_result_queue")
        .bind("127.0.0.1:0")
        .unwrap()
        .spawn()
        .unwrap();
    // conn 1: dummy → ('#RETURN', None), byte for byte.
    let dir = session("modern_313");
    let c2s = frames(&dir.join("conn01.c2s.bin"));
    let s2c = frames(&dir.join("conn01.s2c.bin"));
    assert_eq!(replay(server.address(), &c2s[3]), s2c[3]);
    // conn 2: create('get_task_queue') → (ident, exposed): the 3.13 exposed tuple exactly.
    let c2s = frames(&dir.join("conn02.c2s.bin"));
    let s2c = frames(&dir.join("conn02.s2c.bin"));
    let ours = pickle::loads(&replay(server.address(), &c2s[3])).unwrap();
    let theirs = pickle::loads(&s2c[3]).unwrap();
    let exposed = |v: &Value| v.as_tuple().unwrap()[1].as_tuple().unwrap()[1].clone();
    assert_eq!(exposed(&ours), exposed(&theirs));
    assert_eq!(ours.as_tuple().unwrap()[0], Value::from("#RETURN"));
}

#[test]
fn captured_get_on_an_empty_queue_gets_queue_empty_byte_for_byte() {
    let server = ServerBuilder::new("hello world")
        .queue("get_task_queue")
        .bind("127.0.0.1:0")
        .unwrap()
        .spawn()
        .unwrap();
    let addr = server.address();
    let mut c = Connection::new(TcpStream::connect(addr).unwrap());
    c.client_handshake(b"hello world").unwrap();
    // Create the queue, then speak on a persistent connection as the 3.11 worker did.
    let created = pickle::loads(&replay(
        addr,
        &pickle::dumps(&Value::tuple([
            Value::None,
            Value::from("create"),
            Value::tuple([Value::from("get_task_queue")]),
            Value::dict([]),
        ])),
    ))
    .unwrap();
    let ident = created.as_tuple().unwrap()[1].as_tuple().unwrap()[0].clone();
    let dir = session("empty_311");
    let c2s = frames(&dir.join("conn08.c2s.bin"));
    let s2c = frames(&dir.join("conn08.s2c.bin"));
    c.send_bytes(&c2s[3]).unwrap(); // accept_connection('MainProcess')
    assert_eq!(c.recv_bytes().unwrap(), s2c[3]);
    // ('<ident>', 'get', (), {'timeout': 1}) with our ident in place of the captured one.
    let mut get = pickle::loads(&c2s[4]).unwrap();
    if let Value::Tuple(t) = &mut get {
        t[0] = ident;
    }
    c.send_bytes(&pickle::dumps(&get)).unwrap();
    let reply = c.recv_bytes().unwrap();
    let empty_reply = s2c
        .iter()
        .find(|f| f.windows(6).any(|w| w == b"_queue"))
        .expect("a captured _queue.Empty reply");
    assert_eq!(&reply, empty_reply);
}

// `shutdown` is answered by two identical ('#RETURN', None) frames, as CPython does (spec §4).
#[test]
fn shutdown_sends_two_return_frames() {
    let server = ServerBuilder::new("hello world")
        .bind("127.0.0.1:0")
        .unwrap()
        .spawn()
        .unwrap();
    let mut c = Connection::new(TcpStream::connect(server.address()).unwrap());
    c.client_handshake(b"hello world").unwrap();
    c.send_bytes(&pickle::dumps(&Value::tuple([
        Value::None,
        Value::from("shutdown"),
        Value::tuple([]),
        Value::dict([]),
    ])))
    .unwrap();
    let ret = b"\x80\x04\x95\x0e\0\0\0\0\0\0\0\x8c\x07#RETURN\x94N\x86\x94.";
    assert_eq!(c.recv_bytes().unwrap(), ret);
    assert_eq!(c.recv_bytes().unwrap(), ret);
    server.join().unwrap();
}

// `get_methods(token)` (what CPython's `AutoProxy` asks when it has no exposed list): the captured
// 3.13 request, with our object's id, gets the captured method names (CPython sends them in set
// order, so they are compared as sets). MP-M02.
#[test]
fn captured_get_methods_gets_the_captured_names() {
    let server = ServerBuilder::new("hello world")
        .queue("get_task_queue")
        .bind("127.0.0.1:0")
        .unwrap()
        .spawn()
        .unwrap();
    let addr = server.address();
    let create = pickle::dumps(&Value::tuple([
        Value::None,
        Value::from("create"),
        Value::tuple([Value::from("get_task_queue")]),
        Value::dict([]),
    ]));
    let created = pickle::loads(&replay(addr, &create)).unwrap();
    let ident = created.as_tuple().unwrap()[1].as_tuple().unwrap()[0].clone();
    let Value::Str(ident) = ident else {
        panic!("ident is a str: {ident:?}")
    };
    let dir = session("extras_313");
    let c2s = frames(&dir.join("conn11.c2s.bin"));
    let s2c = frames(&dir.join("conn11.s2c.bin"));
    let mut request = pickle::loads(&c2s[3]).unwrap();
    {
        let Value::Tuple(t) = &mut request else {
            panic!("a request tuple")
        };
        assert_eq!(t[1], Value::from("get_methods"));
        let Value::Tuple(args) = &mut t[2] else {
            panic!("an args tuple")
        };
        let mut token = pickle::Token::from_value(&args[0]).unwrap();
        token.id = ident.to_string();
        args[0] = token.to_value();
    }
    let ours = pickle::loads(&replay(addr, &pickle::dumps(&request))).unwrap();
    let theirs = pickle::loads(&s2c[3]).unwrap();
    let names = |v: &Value| {
        let t = v.as_tuple().unwrap();
        assert_eq!(t[0], Value::from("#RETURN"));
        let mut n: Vec<String> = t[1]
            .as_tuple()
            .unwrap()
            .iter()
            .map(|m| format!("{m:?}"))
            .collect();
        n.sort();
        n
    };
    assert_eq!(names(&ours), names(&theirs));
    assert_eq!(
        names(&ours).len(),
        10,
        "3.13's Queue methods, shutdown included"
    );
}

// On a persistent connection, as in the captured 3.13 session: an unknown method name gets a
// `#TRACEBACK` ending in `KeyError`, `__str__` falls back to the repr, and `#GETVALUE` of a
// queue is `#UNSERIALIZABLE` with CPython's last line. MP-M02.
#[test]
fn captured_fallbacks_and_unknown_methods_get_the_captured_kinds() {
    let server = ServerBuilder::new("hello world")
        .queue("get_task_queue")
        .bind("127.0.0.1:0")
        .unwrap()
        .spawn()
        .unwrap();
    let addr = server.address();
    let create = pickle::dumps(&Value::tuple([
        Value::None,
        Value::from("create"),
        Value::tuple([Value::from("get_task_queue")]),
        Value::dict([]),
    ]));
    let created = pickle::loads(&replay(addr, &create)).unwrap();
    let ident = created.as_tuple().unwrap()[1].as_tuple().unwrap()[0].clone();
    let dir = session("extras_313");
    let c2s = frames(&dir.join("conn05.c2s.bin"));
    let s2c = frames(&dir.join("conn05.s2c.bin"));
    let mut c = Connection::new(TcpStream::connect(addr).unwrap());
    c.client_handshake(b"hello world").unwrap();
    c.send_bytes(&c2s[3]).unwrap(); // accept_connection
    assert_eq!(c.recv_bytes().unwrap(), s2c[3]);
    let mut checked = 0;
    for (request, reply) in c2s.iter().zip(&s2c).skip(4) {
        let mut request = pickle::loads(request).unwrap();
        let Value::Tuple(t) = &mut request else {
            panic!("a request tuple")
        };
        let method = t[1].clone();
        if ![
            Value::from("no_such_method"),
            Value::from("__str__"),
            Value::from("#GETVALUE"),
        ]
        .contains(&method)
        {
            continue;
        }
        t[0] = ident.clone();
        c.send_bytes(&pickle::dumps(&request)).unwrap();
        let ours = pickle::loads(&c.recv_bytes().unwrap()).unwrap();
        let theirs = pickle::loads(reply).unwrap();
        let (ours, theirs) = (ours.as_tuple().unwrap(), theirs.as_tuple().unwrap());
        assert_eq!(ours[0], theirs[0], "reply kind for {method:?}");
        let text = |v: &Value| match v {
            Value::Str(s) => s.to_string(),
            other => panic!("a str: {other:?}"),
        };
        let (o, t) = (text(&ours[1]), text(&theirs[1]));
        if method == Value::from("__str__") {
            assert!(o.starts_with("<queue.Queue object at 0x"), "{o}");
        } else {
            let last = |s: &str| s.trim_end().lines().last().unwrap_or("").to_owned();
            assert_eq!(last(&o), last(&t), "last traceback line for {method:?}");
            // The chained AttributeError, up to the exposed set (whose order is set order).
            let attr = |s: &str| {
                s.lines()
                    .find(|l| l.starts_with("AttributeError"))
                    .map(|l| l.split("exposed=").next().unwrap_or("").to_owned())
            };
            assert_eq!(attr(&o), attr(&t), "{o}");
        }
        checked += 1;
    }
    assert_eq!(checked, 3);
}
