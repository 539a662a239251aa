//! [`Address`]: where a [`Listener`](super::Listener) listens and a [`Client`](super::Client)
//! connects.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// A TCP address or a Unix socket path (Python's `('127.0.0.1', 6000)` / `'/tmp/sock'`,
/// families `AF_INET` and `AF_UNIX`).
///
/// Addresses are serializable, so one can travel to a child process as an argument.
///
/// # Examples
///
/// ```
/// use pythreading_mp::connection::Address;
/// let a: Address = "127.0.0.1:6000".parse()?;
/// assert_eq!(a, Address::Tcp("127.0.0.1:6000".parse()?));
/// let u: Address = "/tmp/app.sock".parse()?;
/// assert_eq!(u, Address::Unix("/tmp/app.sock".into()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[doc(alias = "family")]
pub enum Address {
    /// A TCP socket address (`AF_INET` / `AF_INET6`).
    Tcp(SocketAddr),
    /// A Unix domain socket path (`AF_UNIX`).
    Unix(PathBuf),
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Tcp(a) => write!(f, "{a}"),
            Address::Unix(p) => write!(f, "{}", p.display()),
        }
    }
}

/// A string that is neither a socket address nor a path.
///
/// # Examples
///
/// ```
/// use pythreading_mp::connection::Address;
/// let e = "no-port".parse::<Address>().unwrap_err();
/// assert_eq!(e.input(), "no-port");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressParseError {
    input: String,
}

impl AddressParseError {
    /// The refused text.
    ///
    /// # Examples
    ///
    /// ```
    /// let e = "x".parse::<pythreading_mp::connection::Address>().unwrap_err();
    /// assert_eq!(e.input(), "x");
    /// ```
    pub fn input(&self) -> &str {
        &self.input
    }
}

impl fmt::Display for AddressParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "not an address: {:?} (expected ip:port or a path containing '/')",
            self.input
        )
    }
}

impl std::error::Error for AddressParseError {}

impl std::str::FromStr for Address {
    type Err = AddressParseError;

    /// `ip:port` (e.g. `127.0.0.1:0`, `[::1]:6000`) is TCP; anything containing a `/` is a
    /// Unix socket path.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Ok(a) = s.parse::<SocketAddr>() {
            Ok(Address::Tcp(a))
        } else if s.contains('/') {
            Ok(Address::Unix(PathBuf::from(s)))
        } else {
            Err(AddressParseError {
                input: s.to_owned(),
            })
        }
    }
}

impl From<SocketAddr> for Address {
    fn from(a: SocketAddr) -> Self {
        Address::Tcp(a)
    }
}

impl From<PathBuf> for Address {
    fn from(p: PathBuf) -> Self {
        Address::Unix(p)
    }
}

impl From<&Path> for Address {
    fn from(p: &Path) -> Self {
        Address::Unix(p.to_path_buf())
    }
}
