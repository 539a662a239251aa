//! One client connection on the server: handshake, one server-level request, and for
//! `accept_connection`, the object-method loop until EOF. Each runs on its own thread, so a
//! blocking `get(timeout=…)` blocks only its caller.

use std::borrow::Cow;
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Instant;

use super::deadline::DeadlineStream;
use super::plain_data;
use super::registry::Factory;
use super::served::{Outcome, SharedObject};
use super::status::ClientGuard;
use super::table::Lookup;
use super::{ConnectionEvent, Shared, Slot};
use crate::managers::protocol::{
    CallArgs, ClientWatch, Reply, Request, encoded_size_over, memory_error, repr,
};
use crate::pickle::{Address, Limits, PyException, Token, Value};
use crate::wire::Connection;

pub(crate) fn handle(stream: TcpStream, peer: SocketAddr, shared: Arc<Shared>, mut slot: Slot) {
    let _ = stream.set_nodelay(true);
    let watch = stream
        .try_clone()
        .ok()
        .map(|s| Arc::new(ClientWatch::new(s)));
    // One deadline over the whole handshake and the first request: trickling bytes does not
    // extend it.
    let deadline = Instant::now() + shared.config.handshake_timeout();
    let mut conn = Connection::new(DeadlineStream::new(stream, deadline));
    if let Err(e) = conn.server_handshake(&shared.authkey) {
        shared.log(ConnectionEvent::Refused {
            peer,
            reason: e.to_string(),
        });
        return;
    }
    let admitted = slot.authenticate();
    conn.set_max_frame(shared.config.max_frame());
    let limits = shared.config.pickle_limits();
    // The first request must also come before the deadline.
    let Ok(first) = conn.recv_bytes() else {
        return;
    };
    if !admitted {
        // CPython's reply to a request the server cannot serve: a CPython client raises
        // `RemoteError` with this text instead of seeing a bare EOF.
        let max = shared.config.max_connections();
        // Logged first, so the log has it by the time the client reads the reply.
        shared.log(ConnectionEvent::Refused {
            peer,
            reason: format!("too many connections (limit {max})"),
        });
        let _ = conn.send_bytes(
            &Reply::traceback(&format!(
                "RuntimeError: too many connections (limit {max}); try again later"
            ))
            .encode(),
        );
        return;
    }
    shared.log(ConnectionEvent::Authenticated { peer });
    // Listed on the status page until this connection ends.
    let client = shared.clients.enter(slot.id, peer);
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
    conn.get_ref().authenticated(shared.config.idle_timeout());
    let mut session = Session {
        shared: &shared,
        limits,
        created: 0,
        watch,
        client,
        lookup: Lookup::default(),
    };
    match session.public(request) {
        Public::Reply(reply) => {
            let _ = conn.send_bytes(&reply.encode());
        }
        Public::Serve => {
            if conn
                .send_bytes(&Reply::Return(Value::None).encode())
                .is_ok()
            {
                session.serve_client(&mut conn);
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

/// One authenticated connection's state.
struct Session<'a> {
    shared: &'a Shared,
    limits: Limits,
    /// Objects this connection has made (`create`, `#PROXY` results).
    created: usize,
    /// The client's socket, for blocking methods to notice it closing.
    watch: Option<Arc<ClientWatch>>,
    /// This connection's entry on the status page (the call it is inside).
    client: ClientGuard,
    /// The object this connection called last.
    lookup: Lookup,
}

impl Drop for Session<'_> {
    /// The connection is over: the queue items it holds on lease go back to their queues.
    fn drop(&mut self) {
        if let Some(watch) = &self.watch {
            watch.connection_closed();
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

impl Session<'_> {
    /// A server-level function (`ident = None`).
    fn public(&mut self, request: Request) -> Public {
        let shared = self.shared;
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
            "create" => self.create(request.args),
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

    /// Counts one more object made by this connection; the error line if over its cap.
    fn count_created(&mut self) -> Result<(), String> {
        let max = self.shared.config.max_objects_per_connection();
        if self.created >= max {
            return Err(format!(
                "MemoryError: this connection has made {max} objects, the server's limit per connection"
            ));
        }
        self.created += 1;
        Ok(())
    }

    fn create(&mut self, mut args: CallArgs) -> Public {
        let shared = self.shared;
        if args.args.is_empty() {
            return tb(
                "TypeError: create() missing 1 required positional argument: 'typeid'".into(),
            );
        }
        let typeid = match args.args.remove(0) {
            Value::Str(s) => s,
            _ => return tb("TypeError: typeid must be a str".into()),
        };
        if let Err(e) = self.plain(&args) {
            return tb(exception_line(&e));
        }
        let object = match shared.registry.get(&typeid) {
            None => return tb(format!("KeyError: '{typeid}'")),
            Some(Factory::Shared(obj)) => Arc::clone(obj),
            Some(Factory::Construct(ctor)) => {
                if let Err(line) = self.count_created() {
                    return tb(line);
                }
                match ctor(args) {
                    Ok(obj) => obj,
                    Err(exc) => return tb(exception_line(&exc)),
                }
            }
        };
        let exposed = exposed_value(&*object);
        match shared
            .table
            .create(&typeid, object, shared.config.max_objects())
        {
            Ok(ident) => ok(Value::tuple([Value::from(ident), exposed])),
            Err(e) => tb(e.python_line()),
        }
    }

    /// In plain-data mode, refuses arguments that name a global outside the allow-list.
    fn plain(&self, args: &CallArgs) -> Result<(), PyException> {
        if !self.shared.config.plain_data() {
            return Ok(());
        }
        for v in args.args.iter().chain(args.kwargs.iter().map(|(_, v)| v)) {
            plain_data::check(v)?;
        }
        Ok(())
    }

    /// The object-method loop (`Server.serve_client`) until the client goes away, stays idle
    /// too long, or sends an unreadable frame.
    fn serve_client(&mut self, conn: &mut Connection<DeadlineStream>) {
        loop {
            let limits = &self.limits;
            let Ok(decoded) = conn.recv_bytes_with(|bytes| Request::decode(bytes, limits)) else {
                return;
            };
            let sent = match decoded {
                Ok(mut request) => {
                    request.args.caller = self.watch.clone();
                    let stop_can_end_it = STOP_ENDS_WITH_SUCCESS.contains(&request.method.as_str());
                    let called = self.call(request);
                    // A call the stop may have ended is not answered once the server is
                    // stopping: its client sees end of stream, as from a CPython server that
                    // exited. The stop ends a blocked call either with an error (a queue's
                    // `ShutDown`, "the manager server is stopping") or, for the waits in
                    // `STOP_ENDS_WITH_SUCCESS`, with what looks like success. Any other
                    // success happened (the stop shut only the read side), and is answered
                    // however late this thread looks: a worker whose `put` of the last result
                    // made the master stop its server learns that the put happened. Whether the
                    // stop came before or after the call returned cannot decide it: the put's
                    // item is visible to the master before this thread gets to look.
                    if self.shared.is_stopped() && (stop_can_end_it || called.is_error()) {
                        if let Called::Taken(object, value) = called {
                            object.give_back(value);
                        }
                        return;
                    }
                    match called {
                        Called::Reply(reply) => {
                            conn.send_bytes(&self.capped(reply).encode()).is_ok()
                        }
                        Called::Shared(items) => {
                            conn.send_bytes(&self.encode_shared(&items)).is_ok()
                        }
                        Called::Taken(object, value) => self.deliver(conn, &*object, value),
                    }
                }
                Err(line) => conn.send_bytes(&Reply::traceback(&line).encode()).is_ok(),
            };
            if !sent || self.shared.is_stopped() {
                return;
            }
        }
    }

    /// Sends a value taken from `object`; if its client is gone or the send fails, the value
    /// goes back to the object (a queue item is never lost to a dead client).
    fn deliver(
        &self,
        conn: &mut Connection<DeadlineStream>,
        object: &dyn SharedObject,
        value: Value,
    ) -> bool {
        if self.watch.as_ref().is_some_and(|w| w.gone()) {
            object.give_back(value);
            return false;
        }
        let (bytes, value) = Reply::encode_return(value);
        if conn.send_bytes(&bytes).is_err() {
            object.give_back(value);
            return false;
        }
        true
    }

    /// `('#RETURN', [items])`, each distinct item written once; a `MemoryError` instead if the
    /// pickle is over the reply limit.
    fn encode_shared(&self, items: &[Arc<Value>]) -> Vec<u8> {
        let bytes = crate::pickle::dumps_pair_of_shared_list("#RETURN", items);
        let max = self.shared.config.max_reply();
        if bytes.len() > max {
            return Reply::Error(memory_error(format!(
                "the reply would be over the server's limit of {max} bytes"
            )))
            .encode();
        }
        bytes
    }

    /// A `#RETURN` too large to send becomes a `MemoryError` (CPython would build it; we do
    /// not hold gigabytes for one client).
    fn capped(&self, reply: Reply) -> Reply {
        let max = self.shared.config.max_reply();
        match &reply {
            Reply::Return(v) if encoded_size_over(v, max) => Reply::Error(memory_error(format!(
                "the reply would be over the server's limit of {max} bytes"
            ))),
            _ => reply,
        }
    }

    fn call(&mut self, request: Request) -> Called {
        self.call_object(request).unwrap_or_else(Called::Reply)
    }

    /// Calls a method; `Err` is a reply that is not the method's own result.
    fn call_object(&mut self, request: Request) -> Result<Called, Reply> {
        let shared = self.shared;
        let Some(ident) = request.ident else {
            return Err(Reply::traceback(
                "AssertionError: server-level call on an object connection",
            ));
        };
        let Some((object, typeid)) = shared.table.get_typed_cached(&ident, &mut self.lookup) else {
            return Err(Reply::traceback(&format!("KeyError: '{ident}'")));
        };
        let method = request.method.as_str();
        let exposed = object.exposed();
        // Hidden methods (a queue's lease calls) are dispatched by name but never listed.
        let shown_name: Cow<'static, str> = match exposed.iter().copied().find(|m| *m == method) {
            Some(name) => Cow::Borrowed(name),
            None if object.has_hidden(method) => Cow::Owned(method.to_owned()),
            None => {
                return Err(match method {
                    "__str__" | "__repr__" => Reply::Return(Value::from(object.repr())),
                    "#GETVALUE" => match object.value() {
                        Ok(v) => Reply::Return(v),
                        Err(why) => Reply::Unserializable(format!(
                            "Traceback (most recent call last):\n{why}\n"
                        )),
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
                });
            }
        };
        if let Err(e) = self.plain(&request.args) {
            return Err(Reply::Error(e));
        }
        self.client.call_started(shown_name, typeid);
        let result = object.call(method, request.args);
        self.client.call_ended();
        Ok(Called::Reply(match result {
            Ok(Outcome::Return(v)) => Reply::Return(v),
            Ok(Outcome::Taken(v)) => return Ok(Called::Taken(object, v)),
            Ok(Outcome::ReturnShared(items)) => return Ok(Called::Shared(items)),
            Err(e) => Reply::Error(e),
            Ok(Outcome::Proxy(typeid, new)) => {
                self.count_created()
                    .map_err(|line| Reply::traceback(&line))?;
                let exposed = new.exposed().into_iter().map(str::to_owned).collect();
                let id = shared
                    .table
                    .create(typeid, new, shared.config.max_objects())
                    .map_err(|e| Reply::traceback(&e.python_line()))?;
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
        }))
    }
}

/// What an object-method call produced.
enum Called {
    /// A reply to send.
    Reply(Reply),
    /// A value taken from the object, to send or give back.
    Taken(Arc<dyn SharedObject>, Value),
    /// Items the object shares, to send with each distinct item once.
    Shared(Vec<Arc<Value>>),
}

impl Called {
    /// Whether the call failed (the method raised, or the server could not call it).
    fn is_error(&self) -> bool {
        matches!(
            self,
            Called::Reply(Reply::Error(_) | Reply::Traceback(_) | Reply::Unserializable(_))
        )
    }
}

/// The waits a server stop ends with a success of their own: `Event.wait` (the stop sets the
/// event), `Condition.wait`/`wait_for` (the stop wakes every waiter) and `Queue.join` (the stop
/// ends every join). Their replies are not sent once the server is stopping.
const STOP_ENDS_WITH_SUCCESS: &[&str] = &["wait", "wait_for", "join"];

/// `Name: message` for an exception, as the last line of a traceback.
fn exception_line(exc: &PyException) -> String {
    match exc.message() {
        Some(msg) => format!("{}: {msg}", exc.name),
        None => format!("{}: {}", exc.name, repr(&Value::Tuple(exc.args.clone()))),
    }
}
