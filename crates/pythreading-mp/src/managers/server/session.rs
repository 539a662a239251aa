//! One client connection on the server: handshake, one server-level request, and for
//! `accept_connection`, the object-method loop until EOF. Each runs on its own thread, so a
//! blocking `get(timeout=…)` blocks only its caller.

use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;

use super::registry::Factory;
use super::served::{Outcome, SharedObject};
use super::{ConnectionEvent, Shared};
use crate::managers::protocol::{CallArgs, Reply, Request, repr};
use crate::pickle::{Address, Limits, PyException, Token, Value};
use crate::wire::Connection;

pub(crate) fn handle(stream: TcpStream, peer: SocketAddr, shared: Arc<Shared>) {
    let _ = stream.set_nodelay(true);
    let timeout = Some(shared.config.handshake_timeout());
    if stream.set_read_timeout(timeout).is_err() || stream.set_write_timeout(timeout).is_err() {
        return;
    }
    let mut conn = Connection::new(stream);
    if let Err(e) = conn.server_handshake(&shared.authkey) {
        shared.log(ConnectionEvent::Refused {
            peer,
            reason: e.to_string(),
        });
        return;
    }
    shared.log(ConnectionEvent::Authenticated { peer });
    conn.set_max_frame(shared.config.max_frame());
    let limits = shared.config.pickle_limits();
    // The first request must also come within the handshake timeout.
    let first = match conn.recv_bytes() {
        Ok(bytes) => bytes,
        Err(_) => return,
    };
    let request = match Request::decode(&first, &limits) {
        Ok(r) => r,
        Err(line) => {
            let _ = conn.send_bytes(&Reply::traceback(&line).encode());
            return;
        }
    };
    if request.ident.is_some() {
        let _ = conn.send_bytes(
            &Reply::traceback("AssertionError: an object method needs accept_connection first")
                .encode(),
        );
        return;
    }
    let stream = conn.get_ref();
    if stream.set_read_timeout(None).is_err() || stream.set_write_timeout(None).is_err() {
        return;
    }
    match public(&shared, request) {
        Public::Reply(reply) => {
            let _ = conn.send_bytes(&reply.encode());
        }
        Public::Serve => {
            if conn
                .send_bytes(&Reply::Return(Value::None).encode())
                .is_ok()
            {
                serve_client(&shared, &mut conn, &limits);
            }
        }
        Public::Shutdown => {
            // CPython sends ('#RETURN', None) twice: once itself, once from the generic handler.
            let _ = conn.send_bytes(&Reply::Return(Value::None).encode());
            let _ = conn.send_bytes(&Reply::Return(Value::None).encode());
            shared.stop();
        }
    }
}

enum Public {
    Reply(Reply),
    Serve,
    Shutdown,
}

fn ok(v: Value) -> Public {
    Public::Reply(Reply::Return(v))
}

fn tb(line: String) -> Public {
    Public::Reply(Reply::traceback(&line))
}

fn ident_arg(args: &CallArgs) -> Option<&str> {
    match args.args.as_slice() {
        [Value::Str(s)] => Some(s),
        _ => None,
    }
}

fn exposed_value(object: &dyn SharedObject) -> Value {
    Value::Tuple(object.exposed().into_iter().map(Value::from).collect())
}

/// A server-level function (`ident = None`).
fn public(shared: &Shared, request: Request) -> Public {
    match request.method.as_str() {
        "dummy" => ok(Value::None),
        "accept_connection" => Public::Serve,
        "shutdown" => Public::Shutdown,
        "number_of_objects" => ok(Value::Int(shared.table.number_of_objects() as i64)),
        "debug_info" => ok(Value::from(shared.table.debug_info())),
        "incref" | "decref" => match ident_arg(&request.args) {
            Some(id) => {
                let r = if request.method == "incref" {
                    shared.table.incref(id)
                } else {
                    shared.table.decref(id)
                };
                match r {
                    Ok(()) => ok(Value::None),
                    Err(e) => tb(e.python_line()),
                }
            }
            None => tb("TypeError: expected one ident argument".into()),
        },
        "create" => create(shared, request.args),
        "get_methods" => {
            let id = match request.args.args.first().map(Token::from_value) {
                Some(Ok(token)) => token.id,
                _ => return tb("TypeError: get_methods expects a Token".into()),
            };
            match shared.table.get(&id) {
                Some(obj) => ok(exposed_value(&*obj)),
                None => tb(format!("KeyError: '{id}'")),
            }
        }
        other => tb(format!(
            "AssertionError: {} unrecognized",
            repr(&Value::from(other))
        )),
    }
}

fn create(shared: &Shared, mut args: CallArgs) -> Public {
    if args.args.is_empty() {
        return tb("TypeError: create() missing 1 required positional argument: 'typeid'".into());
    }
    let typeid = match args.args.remove(0) {
        Value::Str(s) => s,
        _ => return tb("TypeError: typeid must be a str".into()),
    };
    let object = match shared.registry.get(&typeid) {
        None => return tb(format!("KeyError: '{typeid}'")),
        Some(Factory::Shared(obj)) => Arc::clone(obj),
        Some(Factory::Construct(ctor)) => match ctor(args) {
            Ok(obj) => obj,
            Err(exc) => return tb(exception_line(&exc)),
        },
    };
    let exposed = exposed_value(&*object);
    let ident = shared.table.create(&typeid, object);
    ok(Value::tuple([Value::from(ident), exposed]))
}

/// `Name: message` for an exception, as the last line of a traceback.
fn exception_line(exc: &PyException) -> String {
    match exc.message() {
        Some(msg) => format!("{}: {msg}", exc.name),
        None => format!("{}: {}", exc.name, repr(&Value::Tuple(exc.args.clone()))),
    }
}

/// The object-method loop (`Server.serve_client`) until the client goes away or the frame is
/// unreadable.
fn serve_client<S: std::io::Read + std::io::Write>(
    shared: &Shared,
    conn: &mut Connection<S>,
    limits: &Limits,
) {
    loop {
        let Ok(bytes) = conn.recv_bytes() else {
            return;
        };
        let reply = match Request::decode(&bytes, limits) {
            Ok(request) => call(shared, request),
            Err(line) => Reply::traceback(&line),
        };
        if conn.send_bytes(&reply.encode()).is_err() {
            return;
        }
        if shared.is_stopped() {
            return;
        }
    }
}

fn call(shared: &Shared, request: Request) -> Reply {
    let Some(ident) = request.ident else {
        return Reply::traceback("AssertionError: server-level call on an object connection");
    };
    let Some(object) = shared.table.get(&ident) else {
        return Reply::traceback(&format!("KeyError: '{ident}'"));
    };
    let method = request.method.as_str();
    let exposed = object.exposed();
    if !exposed.contains(&method) {
        return match method {
            "__str__" | "__repr__" => Reply::Return(Value::from(object.repr())),
            "#GETVALUE" => match object.value() {
                Ok(v) => Reply::Return(v),
                Err(why) => {
                    Reply::Unserializable(format!("Traceback (most recent call last):\n{why}\n"))
                }
            },
            // CPython raises AttributeError, then fails to find a fallback for the name: the
            // client sees both, chained, the KeyError last.
            _ => Reply::traceback(&format!(
                "AttributeError: method {name} of <class '{}'> object is not in exposed={{{}}}\n\n\
                 During handling of the above exception, another exception occurred:\n\n\
                 Traceback (most recent call last):\n  File \"<pythreading manager server>\"\n\
                 KeyError: {name}",
                object.class(),
                exposed
                    .iter()
                    .map(|m| repr(&Value::from(*m)))
                    .collect::<Vec<_>>()
                    .join(", "),
                name = repr(&Value::from(method)),
            )),
        };
    }
    match object.call(method, request.args) {
        Ok(Outcome::Return(v)) => Reply::Return(v),
        Err(e) => Reply::Error(e),
        Ok(Outcome::Proxy(typeid, new)) => {
            let exposed = new.exposed().into_iter().map(str::to_owned).collect();
            let id = shared.table.create(typeid, new);
            let addr = shared.address;
            Reply::Proxy {
                exposed,
                token: Token {
                    typeid: typeid.to_owned(),
                    address: Address::Tcp {
                        host: addr.ip().to_string(),
                        port: addr.port(),
                    },
                    id,
                },
            }
        }
    }
}
