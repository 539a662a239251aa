//! `serve`, `master` and `worker`: the tutorials' distributed-queue chapter on the command line,
//! wire-compatible with CPython's `multiprocessing.managers` in every role.

mod master;
mod serve;
mod worker;

pub(crate) use master::{MasterArgs, master};
pub(crate) use serve::{ServeArgs, serve};
pub(crate) use worker::{WorkerArgs, worker};

/// Address and key options shared by the three commands.
#[derive(Debug, clap::Args)]
pub(crate) struct Endpoint {
    /// HOST:PORT to listen on or connect to.
    #[arg(long, default_value = "127.0.0.1:5000")]
    address: String,
    /// The shared secret (CPython's `authkey`).
    #[arg(long, conflicts_with = "authkey_env")]
    authkey: Option<String>,
    /// Read the secret from this environment variable instead of the command line.
    #[arg(long, value_name = "VAR")]
    authkey_env: Option<String>,
}

impl Endpoint {
    fn authkey(&self) -> Result<Vec<u8>, String> {
        match (&self.authkey, &self.authkey_env) {
            (Some(k), _) => Ok(k.clone().into_bytes()),
            (None, Some(var)) => std::env::var_os(var)
                .map(|v| v.into_encoded_bytes())
                .ok_or_else(|| format!("environment variable {var} is not set")),
            (None, None) => Err("an --authkey or --authkey-env is required".into()),
        }
    }
}
