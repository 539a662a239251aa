//! The worker process's loop: receive a connection, serve it with the registered handler,
//! report how it went, repeat until the parent closes the control socket.
//!
//! Protocol on the control socket, after the bootstrap: the worker sends one ready frame
//! (`[READY]`, or `[NOT_REGISTERED]` and exits 1); then, for each connection, the parent sends
//! one byte carrying the socket ([`super::fdpass`]) and the worker answers with one
//! [`Outcome`] frame once the handler has returned and the worker's copy of the socket is
//! closed. End of stream from the parent ends the worker with exit code 0.

use std::cell::RefCell;
use std::io;
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::panic::{AssertUnwindSafe, catch_unwind};

use pythreading::socketserver::Connection;

use super::fdpass::recv_fd;
use super::registry::{HandlerLookup, lookup_handler};
use crate::process::{Bootstrap, exit_flushed};
use crate::wire::write_frame;

/// Ready-frame bytes.
pub(crate) const READY: u8 = 0;
pub(crate) const NOT_REGISTERED: u8 = 1;

/// The largest outcome frame the parent accepts (an error's text is cut to fit).
pub(crate) const OUTCOME_MAX: usize = 4096;

thread_local! {
    /// The last panic's message and location, recorded by the worker's panic hook.
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// How serving one connection ended, as the worker reports it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The handler returned `Ok`.
    Served,
    /// The handler returned an I/O error (its kind, as far as the frame can carry it).
    Failed {
        kind: io::ErrorKind,
        message: String,
    },
    /// The handler panicked.
    Panicked { message: String },
}

const SERVED: u8 = 0;
const FAILED: u8 = 1;
const PANICKED: u8 = 2;

/// The error kinds a report keeps; any other becomes `Other` (its text still says what it was).
const KINDS: [io::ErrorKind; 8] = [
    io::ErrorKind::Other,
    io::ErrorKind::WouldBlock,
    io::ErrorKind::TimedOut,
    io::ErrorKind::ConnectionReset,
    io::ErrorKind::ConnectionAborted,
    io::ErrorKind::BrokenPipe,
    io::ErrorKind::UnexpectedEof,
    io::ErrorKind::InvalidData,
];

impl Outcome {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let (status, kind, message) = match self {
            Outcome::Served => (SERVED, 0, ""),
            Outcome::Failed { kind, message } => (
                FAILED,
                KINDS.iter().position(|k| k == kind).unwrap_or(0) as u8,
                message.as_str(),
            ),
            Outcome::Panicked { message } => (PANICKED, 0, message.as_str()),
        };
        let mut out = vec![status, kind];
        let mut cut = message.len().min(OUTCOME_MAX - 2);
        while !message.is_char_boundary(cut) {
            cut -= 1;
        }
        out.extend_from_slice(&message.as_bytes()[..cut]);
        out
    }

    /// Decodes a worker's report; `None` for a frame no worker of ours sends.
    pub(crate) fn decode(frame: &[u8]) -> Option<Outcome> {
        let [status, kind, text @ ..] = frame else {
            return None;
        };
        let message = String::from_utf8_lossy(text).into_owned();
        match *status {
            SERVED => Some(Outcome::Served),
            FAILED => Some(Outcome::Failed {
                kind: *KINDS.get(usize::from(*kind))?,
                message,
            }),
            PANICKED => Some(Outcome::Panicked { message }),
            _ => None,
        }
    }
}

/// The worker's whole life (called by `init()` in the child; never returns).
pub(crate) fn run(mut control: UnixStream, boot: &Bootstrap) -> ! {
    let target = boot.target.as_deref().unwrap_or("");
    let entry = match lookup_handler(target) {
        HandlerLookup::Found(entry) => entry,
        HandlerLookup::Missing | HandlerLookup::Ambiguous => {
            let mut frame = vec![NOT_REGISTERED];
            frame.extend_from_slice(format!("handler `{target}` is not registered").as_bytes());
            let _ = write_frame(&mut control, &frame);
            exit_flushed(1);
        }
    };
    // A handler's panic travels to the parent's error hook; keep it off this child's stderr.
    std::panic::set_hook(Box::new(|info| {
        let msg = if let Some(s) = info.payload().downcast_ref::<&'static str>() {
            (*s).to_owned()
        } else if let Some(s) = info.payload().downcast_ref::<String>() {
            s.clone()
        } else {
            "Box<dyn Any>".to_owned()
        };
        LAST_PANIC.with(|p| *p.borrow_mut() = Some(msg));
    }));
    if write_frame(&mut control, &[READY]).is_err() {
        exit_flushed(0);
    }
    loop {
        let fd = match recv_fd(&control) {
            Ok(Some(fd)) => fd,
            Ok(None) => exit_flushed(0), // the server closed (or died)
            Err(e) => {
                eprintln!("Process {}: bad control message: {e}", boot.name);
                exit_flushed(1);
            }
        };
        let outcome = serve(entry, TcpStream::from(fd));
        if write_frame(&mut control, &outcome.encode()).is_err() {
            exit_flushed(0);
        }
    }
}

/// Serves one connection; the worker's copy of the socket is closed when this returns.
fn serve(entry: &super::registry::HandlerEntry, stream: TcpStream) -> Outcome {
    let mut conn = match Connection::from_stream(stream) {
        Ok(conn) => conn,
        Err(e) => {
            return Outcome::Failed {
                kind: e.kind(),
                message: e.to_string(),
            };
        }
    };
    match catch_unwind(AssertUnwindSafe(|| entry.handle(&mut conn))) {
        Ok(Ok(())) => Outcome::Served,
        Ok(Err(e)) => Outcome::Failed {
            kind: e.kind(),
            message: e.to_string(),
        },
        Err(_) => Outcome::Panicked {
            message: LAST_PANIC
                .with(|p| p.borrow_mut().take())
                .unwrap_or_else(|| "the handler panicked".to_owned()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_round_trip_and_garbage_is_refused() {
        for outcome in [
            Outcome::Served,
            Outcome::Failed {
                kind: io::ErrorKind::WouldBlock,
                message: "timed out".into(),
            },
            Outcome::Panicked {
                message: "boom".into(),
            },
        ] {
            assert_eq!(Outcome::decode(&outcome.encode()), Some(outcome));
        }
        assert_eq!(Outcome::decode(&[]), None);
        assert_eq!(Outcome::decode(&[9, 0]), None);
        assert_eq!(Outcome::decode(&[FAILED, 200]), None);
        let long = Outcome::Panicked {
            message: "é".repeat(OUTCOME_MAX),
        };
        assert!(long.encode().len() <= OUTCOME_MAX);
    }
}
