//! The pool worker's loop, in the child: run tasks until told to stop or retired.
//!
//! Protocol (after the bootstrap), every message one `wire` frame:
//! * parent → worker: a job header, the pickle of `(function name, item count)`, then one frame
//!   per item holding the pickle of that item's argument tuple;
//! * worker → parent: one frame **per item**, in order: a status byte then the payload (the
//!   result's pickle, or a UTF-8 message). Replying per item is what lets the parent know
//!   exactly which task a dead worker was running: the first one without a reply.
//!
//! End of input (the parent closed the socket) ends the worker with exit code 0.

use std::cell::RefCell;
use std::os::unix::net::UnixStream;
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::pickle::{self, Value};
use crate::process::{Bootstrap, CallError, Lookup, call_entry, exit_flushed, lookup};
use crate::wire::Connection;

/// Reply status bytes.
pub(crate) const OK: u8 = 0;
pub(crate) const PANICKED: u8 = 1;
pub(crate) const BAD_ARGS: u8 = 2;
pub(crate) const BAD_RESULT: u8 = 3;
pub(crate) const NOT_REGISTERED: u8 = 4;

/// The largest job frame a worker accepts.
const FRAME_MAX: usize = 1 << 30;

thread_local! {
    /// The last panic's message and location, recorded by the worker's panic hook.
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

pub(crate) fn run(
    stream: UnixStream,
    boot: &Bootstrap,
    init_args: &Value,
    max_tasks: Option<u64>,
) -> ! {
    let mut conn = Connection::new(stream);
    conn.set_max_frame(FRAME_MAX);
    if let Some(init) = boot.target.as_deref() {
        // Python's `initializer(*initargs)`: a failure ends this worker (exit code 1).
        let Lookup::Found(entry) = lookup(init) else {
            eprintln!(
                "Process {}:\ninitializer `{init}` is not registered",
                boot.name
            );
            exit_flushed(1);
        };
        match catch_unwind(AssertUnwindSafe(|| call_entry(entry, init_args))) {
            Ok(Ok(_)) | Ok(Err(CallError::Result(_))) => {}
            Ok(Err(CallError::Args(e))) => {
                eprintln!(
                    "Process {}:\ncannot decode the initializer's arguments: {e}",
                    boot.name
                );
                exit_flushed(1);
            }
            Err(_) => exit_flushed(1),
        }
    }
    // Task panics travel to the parent; keep them off this child's stderr.
    std::panic::set_hook(Box::new(|info| {
        let msg = if let Some(s) = info.payload().downcast_ref::<&'static str>() {
            (*s).to_owned()
        } else if let Some(s) = info.payload().downcast_ref::<String>() {
            s.clone()
        } else {
            "Box<dyn Any>".to_owned()
        };
        let located = match info.location() {
            Some(l) => format!("{msg} (at {}:{}:{})", l.file(), l.line(), l.column()),
            None => msg,
        };
        LAST_PANIC.with(|p| *p.borrow_mut() = Some(located));
    }));

    let mut done: u64 = 0;
    let mut reply = Vec::new();
    loop {
        let header = match conn.recv_bytes() {
            Ok(h) => h,
            Err(_) => exit_flushed(0), // the parent closed the pool (or died)
        };
        let Some((name, count)) = pickle::loads(&header).ok().and_then(|v| parse_header(&v)) else {
            eprintln!("Process {}: malformed job header", boot.name);
            exit_flushed(1);
        };
        let entry = lookup(&name);
        // Read the whole job before running any of it: the parent writes a job in one go, and
        // must never block on a write while this worker blocks writing replies.
        let mut items = Vec::with_capacity(count.min(1 << 16) as usize);
        for _ in 0..count {
            match conn.recv_bytes() {
                Ok(i) => items.push(i),
                Err(_) => exit_flushed(0),
            }
        }
        for item in items {
            reply.clear();
            run_item(&entry, &name, &item, &mut reply);
            if conn.send_bytes(&reply).is_err() {
                exit_flushed(0);
            }
            done += 1;
            if max_tasks.is_some_and(|m| done >= m) {
                // Retired (Python's `maxtasksperchild`): the parent sends no more than `m` items.
                exit_flushed(0);
            }
        }
    }
}

fn parse_header(v: &Value) -> Option<(String, u64)> {
    let t = v.as_tuple()?;
    let [name, count] = t else { return None };
    Some((
        name.as_str()?.to_owned(),
        u64::try_from(count.as_int()?).ok()?,
    ))
}

fn run_item(entry: &Lookup, name: &str, item: &[u8], reply: &mut Vec<u8>) {
    let Lookup::Found(entry) = entry else {
        reply.push(NOT_REGISTERED);
        reply.extend_from_slice(format!("function `{name}` is not registered").as_bytes());
        return;
    };
    let args = match pickle::loads_with(
        item,
        &pickle::Limits::new()
            .with_max_input_len(FRAME_MAX)
            .with_max_expansion(FRAME_MAX),
    ) {
        Ok(a) => a,
        Err(e) => {
            reply.push(BAD_ARGS);
            reply.extend_from_slice(e.to_string().as_bytes());
            return;
        }
    };
    match catch_unwind(AssertUnwindSafe(|| call_entry(entry, &args))) {
        Ok(Ok(v)) => {
            reply.push(OK);
            reply.extend_from_slice(&pickle::dumps(&v));
        }
        Ok(Err(CallError::Args(e))) => {
            reply.push(BAD_ARGS);
            reply.extend_from_slice(e.as_bytes());
        }
        Ok(Err(CallError::Result(e))) => {
            reply.push(BAD_RESULT);
            reply.extend_from_slice(e.as_bytes());
        }
        Err(_) => {
            let msg = LAST_PANIC
                .with(|p| p.borrow_mut().take())
                .unwrap_or_else(|| "the task panicked".to_owned());
            reply.push(PANICKED);
            reply.extend_from_slice(msg.as_bytes());
        }
    }
}
