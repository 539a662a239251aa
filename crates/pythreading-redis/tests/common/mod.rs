//! A real `redis-server` for tests: each test starts its own on a free 127.0.0.1 port in a
//! temporary directory, waits until it answers `PING`, and kills it when dropped. When
//! `redis-server` is missing the test is skipped with a printed, counted `SKIPPED` notice
//! (through the interop tests' skip log), or fails when `CI` is set.
//!
//! Also used by `crates/pythreading-cli/tests/cli_broker.rs` (through `#[path]`).
#![allow(dead_code)]

#[path = "../../../pythreading-mp/tests/common/mod.rs"]
pub(crate) mod child;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

pub(crate) use child::{Guard, skip};

/// How long a fresh `redis-server` may take to answer `PING`.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// A `redis-server` child on 127.0.0.1, killed (and its directory removed) on drop.
pub(crate) struct RedisServer {
    guard: Option<Guard>,
    port: u16,
    dir: PathBuf,
    appendonly: bool,
}

/// Whether `redis-server` runs at all.
fn available() -> bool {
    Command::new("redis-server")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    l.local_addr().expect("local addr").port()
}

impl RedisServer {
    /// Starts a server (`appendonly`: every write logged and fsynced before its reply, so a
    /// kill -9 loses nothing acknowledged); `None` when the test was skipped.
    pub(crate) fn start(appendonly: bool) -> Option<RedisServer> {
        if !available() {
            skip("redis-server not found (apt-get install -y redis-server)");
            return None;
        }
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "pythreading-redis-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the redis directory");
        let mut s = RedisServer {
            guard: None,
            port: free_port(),
            dir,
            appendonly,
        };
        s.launch();
        Some(s)
    }

    fn launch(&mut self) {
        let mut cmd = Command::new("redis-server");
        cmd.arg("--port")
            .arg(self.port.to_string())
            .args(["--bind", "127.0.0.1", "--save", ""])
            .arg("--dir")
            .arg(&self.dir)
            .args(["--appendonly", if self.appendonly { "yes" } else { "no" }])
            .args(["--appendfsync", "always"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        self.guard = Some(Guard::spawn(&mut cmd));
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if self.ping() {
                return;
            }
            if let Some(status) = self
                .guard
                .as_mut()
                .and_then(|g| g.child().try_wait().ok().flatten())
            {
                panic!(
                    "redis-server on port {} exited at start: {status}",
                    self.port
                );
            }
            assert!(
                Instant::now() < deadline,
                "redis-server on port {} did not answer PING within {START_TIMEOUT:?}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn ping(&self) -> bool {
        let Ok(client) = redis::Client::open(self.url()) else {
            return false;
        };
        let Ok(mut c) = client.get_connection_with_timeout(Duration::from_millis(500)) else {
            return false;
        };
        redis::cmd("PING")
            .query::<String>(&mut c)
            .is_ok_and(|r| r == "PONG")
    }

    /// `redis://127.0.0.1:PORT/`.
    pub(crate) fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// The port it listens on.
    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// Kills the server with SIGKILL (no shutdown save).
    pub(crate) fn kill(&mut self) {
        self.guard = None;
    }

    /// Starts it again on the same port and directory (its AOF, if any, is read back).
    pub(crate) fn restart(&mut self) {
        self.kill();
        self.launch();
    }

    /// A plain connection, for raw commands.
    pub(crate) fn connection(&self) -> redis::Connection {
        redis::Client::open(self.url())
            .expect("client")
            .get_connection_with_timeout(Duration::from_secs(5))
            .expect("connect to the test redis-server")
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.guard = None;
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
