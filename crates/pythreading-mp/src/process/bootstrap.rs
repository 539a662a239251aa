//! The first two frames a parent sends a new child: who it is and what to run.

use std::io::{Read, Write};

use serde::{Deserialize, Serialize};

use crate::pickle::{self, Value};
use crate::wire::{FrameError, read_frame, write_frame};

/// The largest bootstrap header a child accepts (it is a few hundred bytes).
const HEADER_MAX: usize = 1 << 20;
/// The largest argument pickle a child accepts.
pub(crate) const PAYLOAD_MAX: usize = 1 << 30;

/// What the child is for.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub(crate) enum Role {
    /// Run `target(*args)` once and exit (`Process`).
    Process,
    /// Run `target(*args)` as the initializer (if any), then serve tasks (`Pool` worker).
    PoolWorker {
        /// Exit after this many tasks (Python's `maxtasksperchild`).
        max_tasks: Option<u64>,
    },
    /// Serve connections passed over the control socket with the registered handler `target`
    /// (a `ForkingTcpServer` worker).
    ConnectionWorker,
}

/// The child's identity and its job.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub(crate) struct Bootstrap {
    pub(crate) role: Role,
    pub(crate) name: String,
    pub(crate) identity: Vec<u32>,
    pub(crate) daemon: bool,
    pub(crate) parent_name: String,
    pub(crate) parent_pid: u32,
    /// The registry name of the function to run (for a pool: the initializer).
    pub(crate) target: Option<String>,
}

/// Errors reading the bootstrap in the child.
#[derive(Debug)]
pub(crate) enum BootError {
    Frame(FrameError),
    Decode(String),
}

impl std::fmt::Display for BootError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BootError::Frame(e) => write!(f, "cannot read the bootstrap: {e}"),
            BootError::Decode(e) => write!(f, "cannot decode the bootstrap: {e}"),
        }
    }
}

pub(crate) fn send<W: Write>(w: &mut W, boot: &Bootstrap, args: &Value) -> std::io::Result<()> {
    let header = pickle::to_value(boot).map_err(std::io::Error::other)?;
    write_frame(w, &pickle::dumps(&header))?;
    write_frame(w, &pickle::dumps(args))?;
    w.flush()
}

pub(crate) fn recv<R: Read>(r: &mut R) -> Result<(Bootstrap, Value), BootError> {
    let header = read_frame(r, HEADER_MAX).map_err(BootError::Frame)?;
    let header = pickle::loads(&header).map_err(|e| BootError::Decode(e.to_string()))?;
    let boot: Bootstrap =
        pickle::from_value(&header).map_err(|e| BootError::Decode(e.to_string()))?;
    let args = read_frame(r, PAYLOAD_MAX).map_err(BootError::Frame)?;
    let args = pickle::loads_with(
        &args,
        &pickle::Limits::new()
            .with_max_input_len(PAYLOAD_MAX)
            .with_max_expansion(PAYLOAD_MAX),
    )
    .map_err(|e| BootError::Decode(e.to_string()))?;
    Ok((boot, args))
}
