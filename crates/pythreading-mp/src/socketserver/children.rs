//! The parent's side of the worker processes: start them on demand up to `max_children`, hand
//! each an accepted socket, learn from its report (or its death) when it is free again, and
//! close them all with a deadline.
//!
//! Each worker has a supervising thread that reads its reports. A report makes the worker idle
//! again and drops the parent's copy of the connection (the worker closed its own first, so
//! the client sees the end of the connection at once). End of stream means the worker died:
//! the supervisor reaps it, drops the copy of the connection it was serving, so that client is
//! not left hanging, reports [`ForkingError::WorkerDied`] and frees the worker's place, so the
//! next connection starts a replacement. The parent keeps its copy of every connection being
//! served so that `server_close` can end them (`shutdown(2)` acts on the socket, in every
//! process that holds it).

use std::collections::HashMap;
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::process::Child;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rustix::process::{Pid, PidfdFlags, Signal, pidfd_open, pidfd_send_signal};

use super::error::ForkingError;
use super::fdpass::send_fd;
use super::worker::{NOT_REGISTERED, OUTCOME_MAX, Outcome, READY};
use crate::pickle::Value;
use crate::process::{
    Bootstrap, ProcessError, Role, current, exit_code, launch, next_child_identity, send_bootstrap,
};
use crate::wire::read_frame;

/// The hook every failure goes to.
pub(crate) type ErrorHook = Arc<dyn Fn(&ForkingError) + Send + Sync>;

/// How long a new worker may take to say it is ready (a loaded CI machine can be slow).
const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// How many workers an accepted connection is offered to before it is given up.
const HAND_OFF_ATTEMPTS: usize = 3;
/// How long `close` waits for workers to exit once their control sockets are shut, before it
/// kills the rest; and then for the killed ones to be reaped.
const EXIT_GRACE: Duration = Duration::from_secs(5);

/// One worker process, as the accept loop and `close` see it.
struct Worker {
    id: u64,
    pid: u32,
    /// Kills the right process even after its pid was reused (`pidfd_send_signal`).
    pidfd: Option<OwnedFd>,
    /// The parent's end of the control socket (the supervisor reads a clone of it).
    control: UnixStream,
}

impl Worker {
    fn kill(&self) {
        if let Some(pidfd) = &self.pidfd {
            let _ = pidfd_send_signal(pidfd, Signal::KILL);
        }
    }
}

#[derive(Default)]
struct State {
    /// Workers waiting for a connection.
    idle: Vec<Arc<Worker>>,
    /// Every live worker, by id.
    live: HashMap<u64, Arc<Worker>>,
    /// Workers alive or being started: never above `max_children`.
    count: usize,
    /// Connections being served: worker id → the client and the parent's copy of its socket.
    busy: HashMap<u64, (SocketAddr, Arc<TcpStream>)>,
    next_id: u64,
    closing: bool,
}

/// What [`Children::take`] found.
enum Take {
    Idle(Arc<Worker>),
    /// A place was reserved: start a worker in it.
    Start,
    Stopped,
}

/// How `close` went: connections it had to cut, workers it had to kill.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Closed {
    pub(crate) cut: usize,
    pub(crate) killed: usize,
}

/// The worker processes of one server.
pub(crate) struct Children {
    handler: &'static str,
    max_children: usize,
    on_error: ErrorHook,
    state: Mutex<State>,
    /// Signalled when a worker becomes idle or dies, a connection ends, or a stop is asked.
    changed: Condvar,
}

fn lock(m: &Mutex<State>) -> MutexGuard<'_, State> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Children {
    pub(crate) fn new(handler: &'static str, max_children: usize, on_error: ErrorHook) -> Self {
        Children {
            handler,
            max_children: max_children.max(1),
            on_error,
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
        }
    }

    pub(crate) fn report(&self, error: &ForkingError) {
        (self.on_error)(error);
    }

    /// Wakes every thread waiting in [`wait_for_capacity`](Self::wait_for_capacity) so it
    /// re-checks its stop flag (taking the lock first, so no waiter misses it).
    pub(crate) fn wake(&self) {
        let _state = lock(&self.state);
        self.changed.notify_all();
    }

    /// Waits until a connection could be handed to a worker (one is idle, or another may be
    /// started): the back-pressure on `accept`. False when `stop` is set or `deadline` passed.
    pub(crate) fn wait_for_capacity(&self, stop: &AtomicBool, deadline: Option<Instant>) -> bool {
        let mut state = lock(&self.state);
        loop {
            if stop.load(Ordering::SeqCst) {
                return false;
            }
            if !state.idle.is_empty() || state.count < self.max_children {
                return true;
            }
            state = match deadline {
                None => self.changed.wait(state).unwrap_or_else(|e| e.into_inner()),
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return false;
                    }
                    self.changed
                        .wait_timeout(state, left)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
            };
        }
    }

    fn take(&self, stop: &AtomicBool) -> Take {
        let mut state = lock(&self.state);
        loop {
            if stop.load(Ordering::SeqCst) && state.closing {
                return Take::Stopped;
            }
            if let Some(worker) = state.idle.pop() {
                return Take::Idle(worker);
            }
            if state.count < self.max_children {
                state.count += 1;
                return Take::Start;
            }
            if stop.load(Ordering::SeqCst) {
                return Take::Stopped;
            }
            state = self.changed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Gives an accepted connection to a worker (an idle one, or a new one), trying another
    /// if the first cannot take it. On failure the connection is closed and the hook told.
    pub(crate) fn hand_off(
        self: &Arc<Self>,
        stream: TcpStream,
        peer: SocketAddr,
        stop: &AtomicBool,
    ) {
        let stream = Arc::new(stream);
        let mut last_error = None;
        for _ in 0..HAND_OFF_ATTEMPTS {
            let worker = match self.take(stop) {
                Take::Idle(worker) => worker,
                Take::Start => match self.start() {
                    Ok(worker) => worker,
                    Err(error) => {
                        lock(&self.state).count -= 1;
                        self.changed.notify_all();
                        self.report(&ForkingError::Start { peer, error });
                        return;
                    }
                },
                Take::Stopped => return,
            };
            // Recorded before sending: the worker's report may come back at once.
            lock(&self.state)
                .busy
                .insert(worker.id, (peer, Arc::clone(&stream)));
            match send_fd(&worker.control, stream.as_fd()) {
                Ok(()) => return,
                Err(error) => {
                    lock(&self.state).busy.remove(&worker.id);
                    // The worker cannot be reached: make sure its supervisor sees the end.
                    let _ = worker.control.shutdown(Shutdown::Both);
                    worker.kill();
                    last_error = Some(error);
                }
            }
        }
        if let Some(error) = last_error {
            self.report(&ForkingError::HandOff { peer, error });
        }
    }

    /// Starts a worker in a place already reserved by `take`.
    fn start(self: &Arc<Self>) -> Result<Arc<Worker>, ProcessError> {
        let me = current();
        let (identity, name) = next_child_identity("ForkingServerWorker");
        let boot = Bootstrap {
            role: Role::ConnectionWorker,
            name,
            identity,
            daemon: true,
            parent_name: me.name.clone(),
            parent_pid: std::process::id(),
            target: Some(self.handler.to_owned()),
        };
        let mut launched = launch()?;
        let mut child = KillOnDrop(Some(launched.child));
        send_bootstrap(&mut launched.stream, &boot, &Value::None)?;
        launched.stream.set_read_timeout(Some(READY_TIMEOUT))?;
        let ready = read_frame(&mut launched.stream, OUTCOME_MAX)
            .map_err(|e| ProcessError::Io(std::io::Error::other(e.to_string())))?;
        match ready.split_first() {
            Some((&READY, [])) => {}
            Some((&NOT_REGISTERED, why)) => {
                return Err(ProcessError::Io(std::io::Error::other(
                    String::from_utf8_lossy(why).into_owned(),
                )));
            }
            _ => {
                return Err(ProcessError::Io(std::io::Error::other(
                    "the worker sent a malformed ready frame",
                )));
            }
        }
        launched.stream.set_read_timeout(None)?;
        let reader = launched.stream.try_clone()?;
        let pid = launched_pid(&child);
        let pidfd = Pid::from_raw(pid as i32).and_then(|p| pidfd_open(p, PidfdFlags::empty()).ok());
        let id = {
            let mut state = lock(&self.state);
            state.next_id += 1;
            state.next_id
        };
        let worker = Arc::new(Worker {
            id,
            pid,
            pidfd,
            control: launched.stream,
        });
        let children = Arc::clone(self);
        let supervised = Arc::clone(&worker);
        let process = child.0.take().expect("the guard holds the child");
        lock(&self.state).live.insert(id, Arc::clone(&worker));
        let spawned = std::thread::Builder::new()
            .name(format!("forking-server-worker-{pid}"))
            .spawn(move || children.supervise(supervised, reader, process));
        if let Err(e) = spawned {
            // The closure (and the child in it) is gone with the failed spawn: nobody reaps it,
            // so kill it and forget it.
            worker.kill();
            lock(&self.state).live.remove(&id);
            return Err(ProcessError::Io(e));
        }
        Ok(worker)
    }

    /// The supervising thread of one worker: its reports, then its death.
    fn supervise(self: Arc<Self>, worker: Arc<Worker>, mut reader: UnixStream, mut child: Child) {
        let mut garbled = false;
        while let Ok(frame) = read_frame(&mut reader, OUTCOME_MAX) {
            let Some(outcome) = Outcome::decode(&frame) else {
                garbled = true;
                break;
            };
            let served = {
                let mut state = lock(&self.state);
                let served = state.busy.remove(&worker.id);
                if !state.closing {
                    state.idle.push(Arc::clone(&worker));
                }
                served
            };
            self.changed.notify_all();
            // The parent's copy closes here; the worker closed its own before reporting.
            if let Some((peer, _stream)) = served {
                match outcome {
                    Outcome::Served => {}
                    Outcome::Failed { kind, message } => self.report(&ForkingError::Io {
                        peer,
                        error: std::io::Error::new(kind, message),
                    }),
                    Outcome::Panicked { message } => {
                        self.report(&ForkingError::Panicked { peer, message })
                    }
                }
            }
        }
        if garbled {
            let _ = child.kill();
        }
        let exitcode = child.wait().map(exit_code).unwrap_or(-1);
        let (served, closing) = {
            let mut state = lock(&self.state);
            state.count -= 1;
            state.live.remove(&worker.id);
            state.idle.retain(|w| w.id != worker.id);
            (state.busy.remove(&worker.id), state.closing)
        };
        self.changed.notify_all();
        let peer = served.map(|(peer, stream)| {
            // Whatever the dead worker had not finished is cut, not left hanging.
            let _ = stream.shutdown(Shutdown::Both);
            peer
        });
        if peer.is_some() || !closing {
            self.report(&ForkingError::WorkerDied {
                peer,
                pid: worker.pid,
                exitcode,
            });
        }
    }

    /// The pids of the live workers (Python's `ForkingMixIn.active_children`).
    pub(crate) fn pids(&self) -> Vec<u32> {
        let mut pids: Vec<u32> = lock(&self.state).live.values().map(|w| w.pid).collect();
        pids.sort_unstable();
        pids
    }

    /// Connections being served now.
    pub(crate) fn busy(&self) -> usize {
        lock(&self.state).busy.len()
    }

    /// Ends every connection and every worker: read sides shut at once; with `block`, waits up
    /// to `timeout` for the handlers, then cuts what is left, closes every control socket,
    /// gives the workers [`EXIT_GRACE`] to exit and kills the rest. Without `block`, cuts and
    /// closes at once and does not wait (the supervisors reap the workers as they exit).
    pub(crate) fn close(&self, block: bool, timeout: Duration) -> Closed {
        let mut closed = Closed::default();
        let busy: Vec<Arc<TcpStream>> = {
            let mut state = lock(&self.state);
            state.closing = true;
            state.idle.clear();
            state.busy.values().map(|(_, s)| Arc::clone(s)).collect()
        };
        self.changed.notify_all();
        // A handler waiting for its client sees end of file; one mid-request can still reply.
        for stream in &busy {
            let _ = stream.shutdown(Shutdown::Read);
        }
        drop(busy);
        if block {
            self.wait_until(Instant::now() + timeout, |s| s.busy.is_empty());
        }
        let (left, workers): (Vec<Arc<TcpStream>>, Vec<Arc<Worker>>) = {
            let state = lock(&self.state);
            (
                state.busy.values().map(|(_, s)| Arc::clone(s)).collect(),
                state.live.values().cloned().collect(),
            )
        };
        closed.cut = left.len();
        for stream in &left {
            let _ = stream.shutdown(Shutdown::Both);
        }
        // End of stream on its control socket makes an idle worker exit 0.
        for worker in &workers {
            let _ = worker.control.shutdown(Shutdown::Both);
        }
        if !block {
            return closed;
        }
        if !self.wait_until(Instant::now() + EXIT_GRACE, |s| s.count == 0) {
            let stragglers: Vec<Arc<Worker>> = lock(&self.state).live.values().cloned().collect();
            closed.killed = stragglers.len();
            for worker in &stragglers {
                worker.kill();
            }
            self.wait_until(Instant::now() + EXIT_GRACE, |s| s.count == 0);
        }
        closed
    }

    /// Waits until `done(state)` or `deadline`; whether it became done.
    fn wait_until(&self, deadline: Instant, done: impl Fn(&State) -> bool) -> bool {
        let mut state = lock(&self.state);
        loop {
            if done(&state) {
                return true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            state = self
                .changed
                .wait_timeout(state, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

fn launched_pid(child: &KillOnDrop) -> u32 {
    child.0.as_ref().map_or(0, Child::id)
}

/// Kills and reaps a worker whose start failed half-way.
struct KillOnDrop(Option<Child>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
