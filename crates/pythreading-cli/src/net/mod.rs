//! `serve`, `master` and `worker`: the tutorials' distributed-queue chapter on the command line,
//! wire-compatible with CPython's `multiprocessing.managers` in every role.

mod broker;
mod echo_server;
mod interrupts;
mod master;
mod serve;
mod worker;

pub(crate) use echo_server::{EchoServerArgs, echo_server};
pub(crate) use master::{MasterArgs, master};
pub(crate) use serve::{ServeArgs, serve};
pub(crate) use worker::{WorkerArgs, worker};

use anyhow::{Context, bail};
use pythreading_mp::managers::ConnectionEvent;

use crate::values;

/// Address and key options shared by the three commands.
#[derive(Debug, clap::Args)]
pub(crate) struct Endpoint {
    /// HOST:PORT to listen on or connect to (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:5000", value_name = "HOST:PORT", value_parser = values::host_port)]
    address: String,
    /// The shared secret (CPython's `authkey`).
    #[arg(long, conflicts_with = "authkey_env")]
    authkey: Option<String>,
    /// Read the secret from this environment variable instead of the command line.
    #[arg(long, value_name = "VAR")]
    authkey_env: Option<String>,
}

impl Endpoint {
    fn authkey(&self) -> anyhow::Result<Vec<u8>> {
        match (&self.authkey, &self.authkey_env) {
            (Some(k), _) => Ok(k.clone().into_bytes()),
            (None, Some(var)) => std::env::var_os(var)
                .map(|v| v.into_encoded_bytes())
                .with_context(|| format!("environment variable {var} is not set")),
            (None, None) => bail!("an --authkey or --authkey-env is required"),
        }
    }
}

/// Logs a server's connection event: one `debug` line per accepted client, a `warn` line per
/// refusal (wrong key, too many connections, handshake timeout).
fn log_connection(event: &ConnectionEvent) {
    match event {
        ConnectionEvent::Authenticated { .. } => tracing::debug!("{event}"),
        _ => tracing::warn!("{event}"),
    }
}
