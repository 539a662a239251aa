//! `pythreading worker`: the tutorials' `task_worker.py` — connect, take tasks until the queue stays
//! empty for a second, put results.

use std::time::Duration;

use pythreading_mp::managers::{Manager, RemoteGetError};

use super::Endpoint;

/// Arguments of `pythreading worker`.
#[derive(Debug, clap::Args)]
pub(crate) struct WorkerArgs {
    #[command(flatten)]
    endpoint: Endpoint,
}

pub(crate) fn worker(args: WorkerArgs) -> Result<(), String> {
    let authkey = args.endpoint.authkey()?;
    println!("Connect to server {}...", args.endpoint.address);
    let m = Manager::connect(args.endpoint.address.as_str(), authkey)
        .map_err(|e| format!("cannot connect to {}: {e}", args.endpoint.address))?;
    let task = m
        .queue::<i64>("get_task_queue")
        .map_err(|e| e.to_string())?;
    let result = m
        .queue::<String>("get_result_queue")
        .map_err(|e| e.to_string())?;
    let mut done = 0;
    loop {
        match task.get_timeout(Duration::from_secs(1)) {
            Ok(n) => {
                println!("run task {n} * {n}...");
                let r = format!("{n} * {n} = {}", n.wrapping_mul(n));
                result.put(r).map_err(|e| e.to_string())?;
                done += 1;
            }
            Err(RemoteGetError::Empty) => {
                println!("task queue is empty.");
                break;
            }
            // A CPython master shuts its server down as soon as it has every result.
            Err(RemoteGetError::Failed(e)) if done > 0 => {
                println!("server went away ({e}).");
                break;
            }
            Err(e) => return Err(e.to_string()),
        }
    }
    println!("worker exit. ({done} tasks done)");
    Ok(())
}
