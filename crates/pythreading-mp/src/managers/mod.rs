//! The `managers` layer: a `multiprocessing.managers`-compatible server and client.
//!
//! The server ([`ServerBuilder`] → [`Server`]) serves named queues (the tutorials' `get_task_queue`),
//! every SyncManager typeid (`Queue`, `JoinableQueue`, `Event`, `Lock`, `RLock`, `Semaphore`,
//! `BoundedSemaphore`, `Condition`, `Barrier`, `Value`, `Array`, `Namespace`, `dict`, `list`;
//! `Pool` is refused with an error naming what is missing) and the program's own Rust types
//! ([`ServedType`]) to unmodified CPython 3.8+ clients and to our own [`Manager`] client, whose
//! typed proxies ([`RemoteQueue`], [`RemoteDict`], [`RemoteCondition`], [`RemoteObject`], ...)
//! also work against CPython servers.
//!
//! | Python | Rust |
//! |---|---|
//! | `BaseManager(address, authkey).get_server().serve_forever()` | `ServerBuilder::new(key).queue(..).bind(addr)?.serve_forever()` |
//! | `manager.start()` | `ServerBuilder::...bind(addr)?.spawn()` |
//! | `BaseManager(address, authkey).connect()` | [`Manager::connect`] |
//! | `m.get_task_queue()` | [`Manager::queue`] |
//! | `m.Queue()`, `m.Event()`, `m.Lock()`, `m.RLock()`, `m.dict()`, `m.list()` | [`Manager::new_queue`], [`Manager::event`], [`Manager::lock`], [`Manager::rlock`], [`Manager::dict`], [`Manager::list`] |
//! | `m.Semaphore(n)`, `m.BoundedSemaphore(n)`, `m.Condition()`, `m.Barrier(n)` | [`Manager::semaphore`], [`Manager::bounded_semaphore`], [`Manager::condition`], [`Manager::barrier`] |
//! | `m.Value(typecode, v)`, `m.Array(typecode, items)`, `m.Namespace()` | [`Manager::value`] ([`RemoteCell`]), [`Manager::array`], [`Manager::namespace`] |
//! | `BaseManager.register(typeid, callable, exposed=...)` (serving) | [`ServedType`] + [`ServerBuilder::register`] |
//! | `m.Typeid(*args)` of any registered typeid (`AutoProxy`) | [`Manager::create_object`] → [`RemoteObject`] |
//! | `threading.BrokenBarrierError` | [`RemoteBarrierError::Broken`] |
//! | `m.shutdown()` | [`Manager::shutdown`] |
//! | `queue.Empty` / `queue.Full` | [`RemoteTryGetError::Empty`], [`RemoteGetTimeoutError::Timeout`] / [`RemoteTryPutError::Full`], [`RemotePutTimeoutError::Timeout`] |
//! | `RemoteError` | [`ManagerError::Remote`] |
//! | an exception a remote method raised | [`ManagerError::Exception`] ([`PyException`](crate::pickle::PyException)) |
//! | `AuthenticationError` | [`ManagerError::as_authentication`] |
//!
//! # Layout
//!
//! The modules follow the protocol's shape:
//!
//! * `protocol/`: the messages both directions (requests, replies) and the Python values they
//!   carry, on [`pickle`](crate::pickle)'s one model of each object
//!   ([`PyException`](crate::pickle::PyException), [`Token`](crate::pickle::Token)).
//! * `server/`: the accept loop, the per-connection session, the object table and the served
//!   types (its module docs say how to add one: one file and one registration line).
//! * `client/`: [`Manager`], its factories and the typed proxies.
//!
//! # Compatibility
//!
//! * Wire: the handshake of 3.12+ (accepting 3.11's legacy MD5), protocol-4 pickles, CPython's
//!   reply kinds (`#RETURN`, `#ERROR` with `_queue.Empty`, `#TRACEBACK`, `#PROXY` for
//!   `iter(dict)`, `#UNSERIALIZABLE`), two `#RETURN` frames for `shutdown`. Tested against CPython
//!   3.11, 3.12 and 3.13 in both roles.
//! * Refcounts: `create` +1, `incref` +1, `decref` −1, dropped at 0. Our proxies take one
//!   reference at `create` and drop it on `Drop`; method calls share one persistent connection
//!   per thread and server, closed with the last proxy.
//! * Limits ([`ServerConfig`]), where CPython has none: one deadline over the handshake and the
//!   first request; a small pool of unauthenticated connections of its own (the oldest is
//!   closed when it is full), so a client with the key is always served; a cap on
//!   authenticated connections (the client over it gets an error reply, a `RemoteError` in
//!   CPython); an optional idle timeout; caps on the frame size, on the memory decoding a
//!   request may take, on nesting depth, on reply size, on `list * n`, on objects per server
//!   and per connection. Handshake frames are capped at 256 bytes. Pickles never execute
//!   anything (unknown globals stay inert values); [`ServerConfig::with_plain_data`] also
//!   refuses values that a CPython consumer would execute when it unpickles them.
//! * More reliable than CPython: a `get()` (or `acquire()`, `wait()`, `join()`) whose client has
//!   gone stops waiting and frees its thread; an item taken for a client that went away before
//!   the reply was sent goes back to the head of its queue instead of being lost.
//! * A served `list` shares its items as CPython does (`l * 1000` holds references, and its
//!   reply pickles each distinct item once); `*`/`*=` beyond 16 Mi items raise `MemoryError`.
//! * Also more reliable than CPython: a `Condition` waiter whose client was killed swallows no
//!   notification and does not keep the lock; a `Barrier` party whose client was killed breaks
//!   the barrier instead of counting as arrived.
//! * Not served: SyncManager's `Pool` (it runs Python functions in worker processes; `create`
//!   fails with a `NotImplementedError` saying so, where an unknown typeid is a `KeyError`), a
//!   `Barrier` action and `Condition(lock)` with a lock proxy (both refused with a `TypeError`;
//!   the latter fails on CPython's server too for `connect()` clients), `list.sort(key=…)`. A
//!   proxy passed as an argument (a pickled `RebuildProxy`) is stored as an inert value, not
//!   re-linked to the object it names.
//!
//! # Examples
//!
//! ```
//! use pythreading_mp::managers::{Manager, ServerBuilder};
//! use std::time::Duration;
//!
//! let server = ServerBuilder::new("hello world")
//!     .queue("get_task_queue")
//!     .queue("get_result_queue")
//!     .bind("127.0.0.1:0")?
//!     .spawn()?;
//! let m = Manager::connect(server.address(), "hello world")?;
//! let tasks = m.queue::<i64>("get_task_queue")?;
//! let results = m.queue::<String>("get_result_queue")?;
//! tasks.put(7).unwrap();
//! let n = tasks.get_timeout(Duration::from_secs(1)).unwrap();
//! results.put(format!("{n} * {n} = {}", n * n)).unwrap();
//! assert_eq!(results.get().unwrap(), "7 * 7 = 49");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Serving your own Rust types
//!
//! CPython's `BaseManager.register(typeid, callable, exposed=...)` serves a Python class; a
//! [`ServedType`] serves a Rust type the same way. It states the typeid, the constructor and the
//! exposed methods once; arguments and results are serde values (a tuple for positional
//! arguments, a struct to accept keywords too), and a method raises a Python exception by
//! returning `Err(PyException)`. Objects are shared by every client connection, each served on
//! its own thread, so methods take `&self`: keep the state in atomics or behind a lock.
//!
//! ```
//! use std::sync::Mutex;
//! use pythreading_mp::managers::{Manager, RemoteObject, ServedType, ServerBuilder, ManagerError};
//! use pythreading_mp::pickle::PyException;
//!
//! /// The served type: a stack of strings.
//! struct Stack(Mutex<Vec<String>>);
//!
//! let stack = ServedType::new("Stack", |()| Ok(Stack(Mutex::new(Vec::new()))))
//!     .method("push", |s: &Stack, item: String| {
//!         s.0.lock().unwrap().push(item);
//!         Ok(())
//!     })
//!     .method("pop", |s: &Stack, ()| {
//!         s.0.lock().unwrap().pop().ok_or_else(|| {
//!             PyException::builtin("IndexError", vec!["pop from empty stack".into()])
//!         })
//!     });
//! let server = ServerBuilder::new("key").register(stack).bind("127.0.0.1:0")?.spawn()?;
//!
//! // A CPython client: `M.register('Stack'); m = M(address, b'key'); m.connect();
//! // s = m.Stack(); s.push('a'); s.pop()`. Ours, through a typed proxy of our own:
//! struct StackProxy(RemoteObject);
//! impl StackProxy {
//!     fn push(&self, item: &str) -> Result<(), ManagerError> { self.0.call("push", (item,)) }
//!     fn pop(&self) -> Result<String, ManagerError> { self.0.call("pop", ()) }
//! }
//! let m = Manager::connect(server.address(), "key")?;
//! let s = StackProxy(m.create_object("Stack", ())?);
//! s.push("a")?;
//! assert_eq!(s.pop()?, "a");
//! assert!(s.pop().unwrap_err().as_exception().unwrap().is_builtin("IndexError"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The `shared_counter` and `kv_cache` examples (`cargo run -p pythreading-mp --example
//! shared_counter -- --serve 127.0.0.1:50000`) are complete programs, each with the Python
//! client lines in its header; the tests run unmodified CPython 3.11–3.13 clients against them.

mod client;
mod protocol;
mod server;

pub use client::{
    Lease, LeaseError, Manager, ManagerError, RemoteArray, RemoteBarrier, RemoteBarrierError,
    RemoteBoundedSemaphore, RemoteCell, RemoteCondition, RemoteDict, RemoteEvent, RemoteGetError,
    RemoteGetTimeoutError, RemoteList, RemoteLock, RemoteNamespace, RemoteObject, RemotePutError,
    RemotePutTimeoutError, RemoteQueue, RemoteRLock, RemoteSemaphore, RemoteTryGetError,
    RemoteTryPutError, RemoteValue,
};
pub use server::store;
pub use server::{
    ConnectionEvent, RunningServer, ServedType, Server, ServerBuilder, ServerConfig, ShutdownHandle,
};
