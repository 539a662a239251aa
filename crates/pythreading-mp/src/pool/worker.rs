//! The pool worker's loop, in the child: run tasks until told to stop or retired.
//!
//! Protocol (after the bootstrap): one job frame in (a chunk of items for one function), one
//! reply frame out with every item's outcome, in order (see [`super::jobwire`]). A job is read
//! whole before any of it runs, so the parent's write of a job never waits on this worker.
//!
//! End of input (the parent closed the socket) ends the worker with exit code 0.

use std::cell::RefCell;
use std::os::unix::net::UnixStream;
use std::panic::{AssertUnwindSafe, catch_unwind};

use super::jobwire::{decode_job, put_u32};
use crate::pickle::{self, Value};
use crate::process::{Bootstrap, CallError, Lookup, call_entry, exit_flushed, lookup};
use crate::wire::Connection;

/// Reply status bytes.
pub(crate) const OK: u8 = 0;
pub(crate) const PANICKED: u8 = 1;
pub(crate) const BAD_ARGS: u8 = 2;
pub(crate) const BAD_RESULT: u8 = 3;
pub(crate) const NOT_REGISTERED: u8 = 4;
/// Ready-frame bytes.
pub(crate) const READY: u8 = 0;
pub(crate) const INIT_FAILED: u8 = 1;

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
    // Panics travel to the parent (initializer's and tasks'); keep them off this child's stderr.
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
    // Python's `initializer(*initargs)`, then the ready frame: `[READY]`, or `[INIT_FAILED]` and
    // why (then this worker exits 1), so the pool reports a broken initializer instead of
    // replacing workers forever as CPython's `Pool` does.
    if let Some(failure) = run_initializer(boot, init_args) {
        let mut frame = vec![INIT_FAILED];
        frame.extend_from_slice(failure.as_bytes());
        let _ = conn.send_bytes(&frame);
        exit_flushed(1);
    }
    if conn.send_bytes(&[READY]).is_err() {
        exit_flushed(0);
    }

    let mut done: u64 = 0;
    let mut reply = Vec::new();
    let mut one = Vec::new();
    loop {
        let frame = match conn.recv_bytes() {
            Ok(f) => f,
            Err(_) => exit_flushed(0), // the parent closed the pool (or died)
        };
        let Ok((name, items)) = decode_job(&frame) else {
            eprintln!("Process {}: malformed job from the parent", boot.name);
            exit_flushed(1);
        };
        let entry = lookup(name);
        reply.clear();
        for item in &items {
            one.clear();
            let status = run_item(&entry, name, item, &mut one);
            reply.push(status);
            put_u32(&mut reply, one.len());
            reply.extend_from_slice(&one);
        }
        if conn.send_bytes(&reply).is_err() {
            exit_flushed(0);
        }
        if reply.capacity() > 1 << 24 {
            reply = Vec::new();
        }
        done += items.len() as u64;
        if max_tasks.is_some_and(|m| done >= m) {
            // Retired (Python's `maxtasksperchild`): the parent never sends more than `m` items.
            exit_flushed(0);
        }
    }
}

/// Runs the initializer, if any; the failure's text if it failed.
fn run_initializer(boot: &Bootstrap, args: &Value) -> Option<String> {
    let init = boot.target.as_deref()?;
    let Lookup::Found(entry) = lookup(init) else {
        return Some(format!(
            "initializer `{init}` is not registered in the worker"
        ));
    };
    match catch_unwind(AssertUnwindSafe(|| call_entry(entry, args))) {
        Ok(Ok(_)) | Ok(Err(CallError::Result(_))) => None,
        Ok(Err(CallError::Args(e))) => {
            Some(format!("cannot decode the initializer's arguments: {e}"))
        }
        Err(_) => Some(
            LAST_PANIC
                .with(|p| p.borrow_mut().take())
                .unwrap_or_else(|| "the initializer panicked".to_owned()),
        ),
    }
}

/// Runs one item; its payload goes to `out`, its status is returned.
fn run_item(entry: &Lookup, name: &str, item: &[u8], out: &mut Vec<u8>) -> u8 {
    let Lookup::Found(entry) = entry else {
        out.extend_from_slice(format!("function `{name}` is not registered").as_bytes());
        return NOT_REGISTERED;
    };
    let args = match pickle::loads_with(
        item,
        &pickle::Limits::new()
            .with_max_input_len(FRAME_MAX)
            .with_max_expansion(FRAME_MAX),
    ) {
        Ok(a) => a,
        Err(e) => {
            out.extend_from_slice(e.to_string().as_bytes());
            return BAD_ARGS;
        }
    };
    match catch_unwind(AssertUnwindSafe(|| call_entry(entry, &args))) {
        Ok(Ok(v)) => {
            out.extend_from_slice(&pickle::dumps(&v));
            OK
        }
        Ok(Err(CallError::Args(e))) => {
            out.extend_from_slice(e.as_bytes());
            BAD_ARGS
        }
        Ok(Err(CallError::Result(e))) => {
            out.extend_from_slice(e.as_bytes());
            BAD_RESULT
        }
        Err(_) => {
            let msg = LAST_PANIC
                .with(|p| p.borrow_mut().take())
                .unwrap_or_else(|| "the task panicked".to_owned());
            out.extend_from_slice(msg.as_bytes());
            PANICKED
        }
    }
}
