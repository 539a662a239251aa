//! The `connection` layer: [`Pipe`], [`Connection`], [`Listener`] and [`Client`] (Python's
//! `multiprocessing.Pipe` and `multiprocessing.connection`).
//!
//! | Python | Rust |
//! |---|---|
//! | `a, b = Pipe()` / `Pipe(duplex=False)` | [`Pipe::new`] / [`Pipe::duplex`] |
//! | `conn.send(obj)` / `conn.recv()` | [`Connection::send`] / [`Connection::recv`] (any serde value, pickled as CPython pickles) |
//! | `conn.send_bytes(b)` / `send_bytes(b, offset, size)` / `recv_bytes()` / `recv_bytes_into(buf)` | [`Connection::send_bytes`] / [`Connection::send_bytes_range`] / [`Connection::recv_bytes`] / [`Connection::recv_bytes_into`] |
//! | `conn.poll(timeout)` / `conn.close()` | [`Connection::poll`] / [`Connection::close`] |
//! | `Listener(address, authkey=k)` / `accept()` | [`Listener::bind`] / [`Listener::accept`] |
//! | `Client(address, authkey=k)` | [`Client::connect`] |
//! | `EOFError`, `AuthenticationError`, `OSError` | [`ConnectionError`] |
//!
//! Frames and the handshake are those of the [`wire`](crate::wire) layer, so either end of a
//! `Listener`/`Client` link may be a CPython 3.8+ process (tested with 3.11, 3.12 and 3.13 in
//! both roles). Before authentication nothing larger than 256 bytes is read and the whole
//! handshake has one deadline; afterwards each connection refuses frames above its
//! [`max_frame`](Connection::max_frame). Received pickles are decoded by the crate's
//! [`pickle`](crate::pickle) reader, which never executes anything.
//!
//! # Examples
//!
//! ```
//! use pythreading_mp::connection::Pipe;
//! use std::time::Duration;
//!
//! let (parent, child) = Pipe::new()?;
//! std::thread::spawn(move || child.send(&[42, 0]).unwrap());
//! assert!(parent.poll(Duration::from_secs(10))?);
//! assert_eq!(parent.recv::<Vec<i32>>()?, [42, 0]);
//! # Ok::<(), pythreading_mp::connection::ConnectionError>(())
//! ```

mod address;
mod conn;
mod error;
mod listener;
mod pipe;
mod stream;

pub(crate) use listener::authenticate;
pub(crate) use stream::Stream;

pub use address::{Address, AddressParseError};
pub use conn::{Connection, DEFAULT_MAX_FRAME};
pub use error::ConnectionError;
pub use listener::{Client, DEFAULT_HANDSHAKE_TIMEOUT, Listener};
pub use pipe::Pipe;
