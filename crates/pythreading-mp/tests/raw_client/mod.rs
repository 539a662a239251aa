//! A raw manager client for the hardening tests: a server with the usual key, an authenticated
//! connection made by hand, and requests and replies as bare pickles, so a test can send what
//! the typed client never would and read exactly what came back.
#![allow(dead_code)]

use std::net::{SocketAddr, TcpStream};

use pythreading_mp::managers::{RunningServer, ServerBuilder, ServerConfig};
use pythreading_mp::pickle::{self, Value};
use pythreading_mp::wire::Connection;

/// The authentication key of every server these tests start.
pub(crate) const KEY: &str = "hello world";

/// A server with a queue `q` and the `SyncManager` types, under `config`, on a free port.
pub(crate) fn server_with(config: ServerConfig) -> RunningServer {
    ServerBuilder::new(KEY)
        .queue("q")
        .sync_manager()
        .config(config)
        .bind("127.0.0.1:0")
        .unwrap()
        .spawn()
        .unwrap()
}

/// An authenticated raw connection on which object methods can be called.
pub(crate) fn persistent(addr: SocketAddr) -> Connection<TcpStream> {
    let mut c = Connection::new(TcpStream::connect(addr).unwrap());
    c.client_handshake(KEY.as_bytes()).unwrap();
    send(&mut c, None, "accept_connection", vec![Value::from("x")]);
    assert_eq!(reply(&mut c)[0], Value::from("#RETURN"));
    c
}

/// Sends the request `(ident, method, args, {})`.
pub(crate) fn send(
    c: &mut Connection<TcpStream>,
    ident: Option<&str>,
    method: &str,
    args: Vec<Value>,
) {
    c.send_bytes(&pickle::dumps(&Value::tuple([
        ident.map_or(Value::None, Value::from),
        Value::from(method),
        Value::Tuple(args),
        Value::dict([]),
    ])))
    .unwrap();
}

/// Reads one reply, as the items of its tuple (`['#RETURN', value]`, …).
pub(crate) fn reply(c: &mut Connection<TcpStream>) -> Vec<Value> {
    let v = pickle::loads(&c.recv_bytes().unwrap()).unwrap();
    v.as_tuple().unwrap().to_vec()
}
