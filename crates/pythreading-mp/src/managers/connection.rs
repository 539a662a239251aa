//! One client connection on the server: handshake, one server-level request, and for
//! `accept_connection`, the object-method loop until EOF. Each runs on its own thread, so a
//! blocking `get(timeout=…)` blocks only its caller.

use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;

use super::message::{
    self, ERROR, PROXY, RETURN, Request, UNSERIALIZABLE, decode_request, encode_reply,
};
use super::objects::{CallArgs, Outcome};
use super::pyvalue::{address, repr, token};
use super::server::{ConnectionEvent, Shared};
use crate::pickle::Value;
use crate::wire::{Connection, FrameError};

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
    // The first request must also come within the handshake timeout.
    let first = match conn.recv_bytes() {
        Ok(bytes) => bytes,
        Err(_) => return,
    };
    let request = match decode_request(&first) {
        Ok(r) => r,
        Err(line) => {
            let _ = conn.send_bytes(&message::traceback(&line));
            return;
        }
    };
    if request.ident.is_some() {
        let _ = conn.send_bytes(&message::traceback(
            "AssertionError: an object method needs accept_connection first",
        ));
        return;
    }
    let stream = conn.get_ref();
    if stream.set_read_timeout(None).is_err() || stream.set_write_timeout(None).is_err() {
        return;
    }
    let reply = public(&shared, request);
    match reply {
        Public::Reply(bytes) => {
            let _ = conn.send_bytes(&bytes);
        }
        Public::Serve => {
            if conn.send_bytes(&encode_reply(RETURN, Value::None)).is_ok() {
                serve_client(&shared, &mut conn);
            }
        }
        Public::Shutdown => {
            // CPython sends ('#RETURN', None) twice: once itself, once from the generic handler.
            let _ = conn.send_bytes(&encode_reply(RETURN, Value::None));
            let _ = conn.send_bytes(&encode_reply(RETURN, Value::None));
            shared.stop();
        }
    }
}

enum Public {
    Reply(Vec<u8>),
    Serve,
    Shutdown,
}

fn ok(v: Value) -> Public {
    Public::Reply(encode_reply(RETURN, v))
}

fn tb(line: String) -> Public {
    Public::Reply(message::traceback(&line))
}

fn ident_arg(args: &CallArgs) -> Option<&str> {
    match args.args.as_slice() {
        [Value::Str(s)] => Some(s),
        _ => None,
    }
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
            let id = match request.args.args.first().and_then(super::pyvalue::as_token) {
                Some((_, _, id)) => id.to_owned(),
                None => return tb("TypeError: get_methods expects a Token".into()),
            };
            match shared.table.get(&id) {
                Some(obj) => ok(Value::Tuple(
                    obj.exposed().iter().map(|m| Value::from(*m)).collect(),
                )),
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
    use super::registry::Factory;
    let object = match shared.registry.get(&typeid) {
        None => return tb(format!("KeyError: '{typeid}'")),
        Some(Factory::Shared(obj)) => Arc::clone(obj),
        Some(Factory::Construct(ctor)) => match ctor(args) {
            Ok(obj) => obj,
            Err(exc) => return tb(exception_line(&exc)),
        },
        Some(Factory::NoCallable) => {
            return tb("ValueError: Without callable, must have one non-keyword argument".into());
        }
    };
    let exposed = Value::Tuple(object.exposed().iter().map(|m| Value::from(*m)).collect());
    let ident = shared.table.create(&typeid, object);
    ok(Value::tuple([Value::from(ident), exposed]))
}

/// `Name: message` for an exception value, as the last line of a traceback.
fn exception_line(exc: &Value) -> String {
    match super::pyvalue::as_exception(exc) {
        Some((_, name, [Value::Str(msg)])) => format!("{name}: {msg}"),
        Some((_, name, args)) => format!("{name}: {}", repr(&Value::Tuple(args.to_vec()))),
        None => repr(exc),
    }
}

/// The object-method loop (`Server.serve_client`) until the client goes away or the frame is
/// unreadable.
fn serve_client<S: std::io::Read + std::io::Write>(shared: &Shared, conn: &mut Connection<S>) {
    loop {
        let bytes = match conn.recv_bytes() {
            Ok(b) => b,
            Err(FrameError::Eof) => return,
            Err(_) => return,
        };
        let reply = match decode_request(&bytes) {
            Ok(request) => call(shared, request),
            Err(line) => message::traceback(&line),
        };
        if conn.send_bytes(&reply).is_err() {
            return;
        }
        if shared.is_stopped() {
            return;
        }
    }
}

fn call(shared: &Shared, request: Request) -> Vec<u8> {
    let Some(ident) = request.ident else {
        return message::traceback("AssertionError: server-level call on an object connection");
    };
    let Some(object) = shared.table.get(&ident) else {
        return message::traceback(&format!("KeyError: '{ident}'"));
    };
    let method = request.method.as_str();
    if !object.exposed().contains(&method) {
        return match method {
            "__str__" | "__repr__" => encode_reply(RETURN, Value::from(object.repr())),
            "#GETVALUE" => match object.value() {
                Ok(v) => encode_reply(RETURN, v),
                Err(why) => encode_reply(
                    UNSERIALIZABLE,
                    Value::from(format!("Traceback (most recent call last):\n{why}\n")),
                ),
            },
            // CPython raises AttributeError, then fails to find a fallback for the name: the
            // client sees both, chained, the KeyError last.
            _ => message::traceback(&format!(
                "AttributeError: method {name} of <class '{}'> object is not in exposed={{{}}}\n\n\
                 During handling of the above exception, another exception occurred:\n\n\
                 Traceback (most recent call last):\n  File \"<pythreading manager server>\"\n\
                 KeyError: {name}",
                object.class(),
                object
                    .exposed()
                    .iter()
                    .map(|m| repr(&Value::from(*m)))
                    .collect::<Vec<_>>()
                    .join(", "),
                name = repr(&Value::from(method)),
            )),
        };
    }
    match object.call(method, request.args) {
        Outcome::Return(v) => encode_reply(RETURN, v),
        Outcome::Raise(e) => encode_reply(ERROR, e),
        Outcome::Proxy(typeid, new) => {
            let exposed = Value::Tuple(new.exposed().iter().map(|m| Value::from(*m)).collect());
            let id = shared.table.create(typeid, new);
            let addr = shared.address;
            let tok = token(typeid, address(&addr.ip().to_string(), addr.port()), &id);
            encode_reply(PROXY, Value::tuple([exposed, tok]))
        }
    }
}
