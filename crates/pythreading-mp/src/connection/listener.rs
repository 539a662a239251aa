//! [`Listener`] and [`Client`]: authenticated links between processes, speaking CPython's
//! `multiprocessing.connection` framing and HMAC handshake.

use std::fmt;
use std::net::{TcpListener, TcpStream};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::address::Address;
use super::conn::{Connection, DEFAULT_MAX_FRAME};
use super::error::ConnectionError;
use super::stream::{DeadlineStream, Stream};
use crate::wire::{client_handshake, server_handshake};

/// How long a whole handshake may take, from the first byte to the verdict, unless changed:
/// 10 seconds. A peer that has not authenticated by then is dropped.
///
/// # Examples
///
/// ```
/// assert_eq!(pythreading_mp::connection::DEFAULT_HANDSHAKE_TIMEOUT.as_secs(), 10);
/// ```
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

enum Socket {
    Tcp(TcpListener),
    Unix(UnixListener, PathBuf),
}

/// A socket that accepts authenticated [`Connection`]s (Python's
/// `multiprocessing.connection.Listener`).
///
/// Each [`accept`](Listener::accept) runs CPython's mutual HMAC handshake (challenge the client,
/// then answer its challenge; 3.12+'s `{sha256}` digests, 3.11's legacy MD5 accepted), so a
/// CPython `Client(address, authkey=...)` can connect. Before authentication every frame is
/// capped at 256 bytes and the whole handshake at [`DEFAULT_HANDSHAKE_TIMEOUT`]; after it, at
/// [`max_frame`](Listener::max_frame).
///
/// A Unix socket file is removed when the listener is dropped.
///
/// # Examples
///
/// ```
/// use pythreading_mp::connection::{Client, Listener};
///
/// let listener = Listener::bind("127.0.0.1:0".parse()?, b"secret")?;
/// let address = listener.address().clone();
/// let t = std::thread::spawn(move || {
///     let conn = Client::connect(&address, b"secret").unwrap();
///     conn.send(&"hello").unwrap();
/// });
/// let conn = listener.accept()?;
/// assert_eq!(conn.recv::<String>()?, "hello");
/// t.join().unwrap();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Listener {
    socket: Socket,
    address: Address,
    authkey: Vec<u8>,
    handshake_timeout: Duration,
    max_frame: usize,
}

impl fmt::Debug for Listener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The authkey is a secret: never printed.
        f.debug_struct("Listener")
            .field("address", &self.address)
            .field("handshake_timeout", &self.handshake_timeout)
            .field("max_frame", &self.max_frame)
            .finish_non_exhaustive()
    }
}

impl Listener {
    /// Listens on `address` (`127.0.0.1:0` picks a free port; see
    /// [`address`](Listener::address)), authenticating every client with `authkey`.
    ///
    /// # Errors
    ///
    /// [`ConnectionError::Io`] when the address cannot be bound (in use, a path that exists).
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::connection::{Address, Listener};
    /// let dir = std::env::temp_dir().join(format!("pythreading-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("listener.sock");
    /// let l = Listener::bind(Address::Unix(path.clone()), b"key")?;
    /// assert!(path.exists());
    /// drop(l);
    /// assert!(!path.exists());
    /// # std::fs::remove_dir(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn bind(address: Address, authkey: &[u8]) -> Result<Listener, ConnectionError> {
        let (socket, address) = match address {
            Address::Tcp(a) => {
                let l = TcpListener::bind(a)?;
                let bound = l.local_addr()?;
                (Socket::Tcp(l), Address::Tcp(bound))
            }
            Address::Unix(p) => {
                let l = UnixListener::bind(&p)?;
                (Socket::Unix(l, p.clone()), Address::Unix(p))
            }
        };
        Ok(Listener {
            socket,
            address,
            authkey: authkey.to_vec(),
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
            max_frame: DEFAULT_MAX_FRAME,
        })
    }

    /// The bound address (with the actual port when bound to port 0).
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::connection::{Address, Listener};
    /// let l = Listener::bind("127.0.0.1:0".parse()?, b"k")?;
    /// let Address::Tcp(a) = l.address() else { unreachable!() };
    /// assert_ne!(a.port(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn address(&self) -> &Address {
        &self.address
    }

    /// The deadline for a whole handshake ([`DEFAULT_HANDSHAKE_TIMEOUT`] unless changed).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let mut l = pythreading_mp::connection::Listener::bind("127.0.0.1:0".parse()?, b"k")?;
    /// l.set_handshake_timeout(Duration::from_secs(2));
    /// assert_eq!(l.handshake_timeout(), Duration::from_secs(2));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn handshake_timeout(&self) -> Duration {
        self.handshake_timeout
    }

    /// Sets the deadline for a whole handshake.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let mut l = pythreading_mp::connection::Listener::bind("127.0.0.1:0".parse()?, b"k")?;
    /// l.set_handshake_timeout(Duration::from_millis(500));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_handshake_timeout(&mut self, timeout: Duration) {
        self.handshake_timeout = timeout;
    }

    /// The largest payload accepted connections take ([`DEFAULT_MAX_FRAME`] unless changed).
    ///
    /// # Examples
    ///
    /// ```
    /// let l = pythreading_mp::connection::Listener::bind("127.0.0.1:0".parse()?, b"k")?;
    /// assert_eq!(l.max_frame(), pythreading_mp::connection::DEFAULT_MAX_FRAME);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn max_frame(&self) -> usize {
        self.max_frame
    }

    /// Sets the largest payload accepted connections take.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut l = pythreading_mp::connection::Listener::bind("127.0.0.1:0".parse()?, b"k")?;
    /// l.set_max_frame(1 << 20);
    /// assert_eq!(l.max_frame(), 1 << 20);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_max_frame(&mut self, max: usize) {
        self.max_frame = max;
    }

    /// Waits for a client and authenticates it (Python's `accept`).
    ///
    /// The handshake runs on the calling thread, bounded by the
    /// [`handshake_timeout`](Listener::handshake_timeout); a client that fails it is
    /// disconnected and reported as an error, and the listener stays usable (call `accept`
    /// again), as in CPython.
    ///
    /// # Errors
    ///
    /// [`ConnectionError::Authentication`] for a wrong key,
    /// [`ConnectionError::HandshakeTimeout`] for a client too slow to authenticate, a frame error
    /// for a malformed handshake, [`ConnectionError::Io`] when accepting fails.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::connection::{Client, ConnectionError, Listener};
    /// let listener = Listener::bind("127.0.0.1:0".parse()?, b"right")?;
    /// let address = listener.address().clone();
    /// let t = std::thread::spawn(move || Client::connect(&address, b"wrong").is_err());
    /// assert!(matches!(listener.accept(), Err(ConnectionError::Authentication(_))));
    /// assert!(t.join().unwrap());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn accept(&self) -> Result<Connection, ConnectionError> {
        let stream = match &self.socket {
            Socket::Tcp(l) => {
                let (s, _) = l.accept()?;
                let _ = s.set_nodelay(true);
                Stream::Tcp(s)
            }
            Socket::Unix(l, _) => Stream::Unix(l.accept()?.0),
        };
        authenticate(
            stream,
            &self.authkey,
            self.handshake_timeout,
            true,
            self.max_frame,
        )
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        if let Socket::Unix(_, path) = &self.socket {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Runs the handshake under one deadline, then wraps the stream.
pub(crate) fn authenticate(
    mut stream: Stream,
    authkey: &[u8],
    timeout: Duration,
    server: bool,
    max_frame: usize,
) -> Result<Connection, ConnectionError> {
    let deadline = Instant::now()
        .checked_add(timeout)
        .unwrap_or_else(|| Instant::now() + Duration::from_secs(86_400 * 365));
    let mut bounded = DeadlineStream {
        stream: &mut stream,
        deadline,
    };
    let r = if server {
        server_handshake(&mut bounded, authkey)
    } else {
        client_handshake(&mut bounded, authkey)
    };
    r.map_err(ConnectionError::from_handshake)?;
    stream.set_read_timeout(None)?;
    stream.set_write_timeout(None)?;
    let conn = Connection::from_stream(stream, true, true)?;
    conn.set_max_frame(max_frame);
    Ok(conn)
}

/// Connects to a [`Listener`] (ours or CPython's) and authenticates (Python's
/// `multiprocessing.connection.Client(address, authkey=...)`).
///
/// # Examples
///
/// ```
/// use pythreading_mp::connection::{Client, Listener};
///
/// let listener = Listener::bind("127.0.0.1:0".parse()?, b"k")?;
/// let address = listener.address().clone();
/// let t = std::thread::spawn(move || listener.accept().unwrap().recv_bytes().unwrap());
/// Client::connect(&address, b"k")?.send_bytes(b"hi")?;
/// assert_eq!(t.join().unwrap(), b"hi");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Client;

impl Client {
    /// Connects and runs the client's half of the handshake (answer the server's challenge,
    /// then challenge it), within [`DEFAULT_HANDSHAKE_TIMEOUT`].
    ///
    /// # Errors
    ///
    /// [`ConnectionError::Authentication`] when the server refuses our key or fails our
    /// challenge, [`ConnectionError::HandshakeTimeout`], [`ConnectionError::Io`] when nothing
    /// listens there.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::connection::{Client, ConnectionError};
    /// let nowhere = std::env::temp_dir().join("pythreading-no-such.sock");
    /// assert!(matches!(Client::connect(&nowhere.as_path().into(), b"k"), Err(ConnectionError::Io(_))));
    /// ```
    pub fn connect(address: &Address, authkey: &[u8]) -> Result<Connection, ConnectionError> {
        Client::connect_timeout(address, authkey, DEFAULT_HANDSHAKE_TIMEOUT)
    }

    /// As [`connect`](Client::connect), with the connect and handshake bounded by `timeout`.
    ///
    /// # Errors
    ///
    /// As [`connect`](Client::connect).
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::connection::{Client, Listener};
    /// use std::time::Duration;
    /// let listener = Listener::bind("127.0.0.1:0".parse()?, b"k")?;
    /// let address = listener.address().clone();
    /// let t = std::thread::spawn(move || listener.accept().map(|_| ()));
    /// Client::connect_timeout(&address, b"k", Duration::from_secs(5))?;
    /// t.join().unwrap()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn connect_timeout(
        address: &Address,
        authkey: &[u8],
        timeout: Duration,
    ) -> Result<Connection, ConnectionError> {
        let stream = match address {
            Address::Tcp(a) => {
                let s = TcpStream::connect_timeout(a, timeout)?;
                let _ = s.set_nodelay(true);
                Stream::Tcp(s)
            }
            Address::Unix(p) => Stream::Unix(UnixStream::connect(p)?),
        };
        authenticate(stream, authkey, timeout, false, DEFAULT_MAX_FRAME)
    }
}
