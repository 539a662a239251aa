//! The `managers` layer: a `multiprocessing.managers`-compatible server and client.
//!
//! The server ([`ServerBuilder`] → [`Server`]) serves named queues (the seeds' `get_task_queue`)
//! and SyncManager's `Queue`, `JoinableQueue`, `Event`, `Lock`, `RLock`, `dict` and `list` to
//! unmodified CPython 3.8+ clients and to our own [`Manager`] client, whose typed proxies
//! ([`RemoteQueue`], [`RemoteDict`], ...) also work against CPython servers.
//!
//! | Python | Rust |
//! |---|---|
//! | `BaseManager(address, authkey).get_server().serve_forever()` | `ServerBuilder::new(key).queue(..).bind(addr)?.serve_forever()` |
//! | `manager.start()` | `ServerBuilder::...bind(addr)?.spawn()` |
//! | `BaseManager(address, authkey).connect()` | [`Manager::connect`] |
//! | `m.get_task_queue()` | [`Manager::queue`] |
//! | `m.Queue()`, `m.Event()`, `m.Lock()`, `m.RLock()`, `m.dict()`, `m.list()` | [`Manager::new_queue`], [`Manager::event`], [`Manager::lock`], [`Manager::rlock`], [`Manager::dict`], [`Manager::list`] |
//! | `m.shutdown()` | [`Manager::shutdown`] |
//! | `queue.Empty` / `queue.Full` | [`RemoteGetError::Empty`] / [`RemotePutError::Full`] |
//! | `RemoteError` | [`ManagerError::Remote`] |
//! | `AuthenticationError` | [`ManagerError::as_authentication`] |
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

mod client;
mod codec;
mod config;
mod connection;
mod error;
mod message;
mod objects;
mod proxy;
mod pyvalue;
mod registry;
mod server;
mod table;

pub use client::Manager;
pub use codec::RemoteValue;
pub use config::ServerConfig;
pub use error::{ManagerError, RemoteException, RemoteGetError, RemotePutError};
pub use proxy::{RemoteDict, RemoteEvent, RemoteList, RemoteLock, RemoteQueue, RemoteRLock};
pub use server::{ConnectionEvent, RunningServer, Server, ServerBuilder, ShutdownHandle};
