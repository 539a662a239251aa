//! `serve`, `master` and `worker`: the seeds' distributed-queue chapter on the command line.
//! (Being built: see the managers issue.)

/// Arguments of `pythreading serve`.
#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {}

/// Arguments of `pythreading master`.
#[derive(Debug, clap::Args)]
pub(crate) struct MasterArgs {}

/// Arguments of `pythreading worker`.
#[derive(Debug, clap::Args)]
pub(crate) struct WorkerArgs {}

pub(crate) fn serve(_args: ServeArgs) -> Result<(), String> {
    Err("serve is not built yet".into())
}

pub(crate) fn master(_args: MasterArgs) -> Result<(), String> {
    Err("master is not built yet".into())
}

pub(crate) fn worker(_args: WorkerArgs) -> Result<(), String> {
    Err("worker is not built yet".into())
}
