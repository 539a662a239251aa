//! Starting a child: re-execute the current executable in worker mode and wait for it to
//! connect back over a private Unix socket.
//!
//! Why each step is the way it is:
//! * **One long-lived spawner thread** runs every `Command::spawn`. A child asks the kernel to
//!   kill it when its parent dies (`PR_SET_PDEATHSIG`), and Linux ties that to the *thread* that
//!   forked it: spawning from a short-lived thread would kill the child when that thread ends.
//! * **A fresh `0700` directory per start** holds the listening socket, removed as soon as the
//!   child has connected (or the start failed), so nothing is left in the temp dir. The child
//!   proves it is ours with a 32-byte random token, compared in constant time; the read of the
//!   token is bounded in size and time.
//! * **The child's stdout/stderr are inherited** (children print, as the tutorials' children
//!   print their pid); the control channel never uses them. Stdin is `/dev/null`, as in Python.
//! * **The re-execution arguments**: from a plain `main`, the parent's own arguments (Python's
//!   children see the same `sys.argv`); from a test binary, `--exact <test> --nocapture`, so the
//!   child runs the one test whose first line is `init()` and never the suite.

use std::ffi::OsString;
use std::io::{self, Write};
use std::os::unix::fs::DirBuilderExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags, Timespec, poll};
use subtle::ConstantTimeEq;

use super::error::ProcessError;
use super::init::{self, Reexec};
use crate::wire::{read_frame, write_frame};

/// Environment variable carrying the rendezvous socket path to the child.
pub(crate) const ENV_SOCKET: &str = "PYTHREADING_MP_SOCKET";
/// Environment variable carrying the hex token the child must present.
pub(crate) const ENV_TOKEN: &str = "PYTHREADING_MP_TOKEN";
/// Environment variable carrying the parent's pid (the child exits if its parent is already gone).
pub(crate) const ENV_PARENT: &str = "PYTHREADING_MP_PARENT";

const TOKEN_LEN: usize = 32;
/// How long a child may take to exec and connect back (a loaded CI machine can be slow).
const CONNECT_DEADLINE: Duration = Duration::from_secs(60);
/// How long the child may take to send its token once connected.
const TOKEN_READ_TIMEOUT: Duration = Duration::from_secs(5);

/// A child that has started and connected back.
#[derive(Debug)]
pub(crate) struct Launched {
    pub(crate) child: Child,
    pub(crate) stream: UnixStream,
}

type SpawnRequest = (Command, mpsc::Sender<io::Result<Child>>);

/// Runs `cmd.spawn()` on the process-wide spawner thread (see the module docs for why).
fn spawn_on_spawner(cmd: Command) -> io::Result<Child> {
    static SPAWNER: OnceLock<mpsc::Sender<SpawnRequest>> = OnceLock::new();
    let tx = SPAWNER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<SpawnRequest>();
        std::thread::Builder::new()
            .name("pythreading-mp-spawner".into())
            .spawn(move || {
                for (mut cmd, reply) in rx {
                    let _ = reply.send(cmd.spawn());
                }
            })
            .expect("cannot start the pythreading-mp spawner thread");
        tx
    });
    let (reply_tx, reply_rx) = mpsc::channel();
    tx.send((cmd, reply_tx))
        .map_err(|_| io::Error::other("the spawner thread is gone"))?;
    reply_rx
        .recv()
        .map_err(|_| io::Error::other("the spawner thread is gone"))?
}

/// The private directory and socket of one start; removed on drop.
struct Rendezvous {
    dir: PathBuf,
    path: PathBuf,
    listener: UnixListener,
}

impl Rendezvous {
    fn new() -> io::Result<Rendezvous> {
        let mut rnd = [0u8; 8];
        getrandom::fill(&mut rnd).map_err(io::Error::other)?;
        let dir = std::env::temp_dir().join(format!(
            "pythreading-mp-{}-{}",
            std::process::id(),
            hex(&rnd)
        ));
        std::fs::DirBuilder::new().mode(0o700).create(&dir)?;
        let path = dir.join("s");
        let listener = match UnixListener::bind(&path) {
            Ok(l) => l,
            Err(e) => {
                let _ = std::fs::remove_dir(&dir);
                return Err(e);
            }
        };
        listener.set_nonblocking(true)?;
        Ok(Rendezvous {
            dir,
            path,
            listener,
        })
    }
}

impl Drop for Rendezvous {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        let _ = std::fs::remove_dir(&self.dir);
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Kills and reaps a child unless disarmed: no child outlives a failed start.
struct KillOnDrop(Option<Child>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(mut c) = self.0.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Exit code of a finished child, Python style: the code, or −signal.
pub(crate) fn exit_code(status: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(c), _) => c,
        (None, Some(s)) => -s,
        (None, None) => 1,
    }
}

/// Starts a child and returns it connected; the caller sends the bootstrap frames.
pub(crate) fn launch() -> Result<Launched, ProcessError> {
    init::check_may_start()?;
    let reexec = init::reexec()?;
    let rendezvous = Rendezvous::new()?;
    let mut token = [0u8; TOKEN_LEN];
    getrandom::fill(&mut token).map_err(io::Error::other)?;

    let exe = std::env::current_exe()?;
    let mut cmd = Command::new(exe);
    let args: Vec<OsString> = match reexec {
        Reexec::Main => std::env::args_os().skip(1).collect(),
        Reexec::Test(name) => vec![
            "--exact".into(),
            name.into(),
            "--nocapture".into(),
            "--quiet".into(),
            "--test-threads=1".into(),
            "--include-ignored".into(),
        ],
    };
    cmd.args(args)
        .env(ENV_SOCKET, &rendezvous.path)
        .env(ENV_TOKEN, hex(&token))
        .env(ENV_PARENT, std::process::id().to_string())
        .stdin(Stdio::null());
    let mut guard = KillOnDrop(Some(spawn_on_spawner(cmd)?));

    let deadline = Instant::now() + CONNECT_DEADLINE;
    let stream = loop {
        match rendezvous.listener.accept() {
            Ok((stream, _)) => {
                if check_token(&stream, &token) {
                    break stream;
                }
                // Not our child (or a garbled one): drop it and keep waiting.
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
        let child = guard.0.as_mut().expect("guard holds the child");
        if let Some(status) = child.try_wait()? {
            guard.0 = None;
            return Err(ProcessError::ExitedBeforeConnect {
                code: exit_code(status),
            });
        }
        if Instant::now() >= deadline {
            return Err(ProcessError::ConnectTimeout);
        }
        let tick = Timespec::try_from(Duration::from_millis(20)).expect("20 ms fits a timespec");
        let mut fds = [PollFd::new(&rendezvous.listener, PollFlags::IN)];
        match poll(&mut fds, Some(&tick)) {
            Ok(_) | Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(io::Error::from(e).into()),
        }
    };
    drop(rendezvous);
    stream.set_nonblocking(false)?;
    let child = guard.0.take().expect("guard holds the child");
    Ok(Launched { child, stream })
}

fn check_token(stream: &UnixStream, token: &[u8; TOKEN_LEN]) -> bool {
    if stream.set_nonblocking(false).is_err()
        || stream.set_read_timeout(Some(TOKEN_READ_TIMEOUT)).is_err()
    {
        return false;
    }
    let mut s = stream;
    let ok = match read_frame(&mut s, TOKEN_LEN) {
        Ok(got) => got.len() == TOKEN_LEN && bool::from(got.ct_eq(token)),
        Err(_) => false,
    };
    ok && stream.set_read_timeout(None).is_ok()
}

/// The child's side: connect to the parent's rendezvous socket and present the token.
pub(crate) fn connect_back(path: &str, token_hex: &str) -> io::Result<UnixStream> {
    let token = unhex(token_hex).ok_or_else(|| io::Error::other("malformed token"))?;
    let mut stream = UnixStream::connect(path)?;
    write_frame(&mut stream, &token)?;
    stream.flush()?;
    Ok(stream)
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}
