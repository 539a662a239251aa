//! `pythreading worker`: the tutorials' `task_worker.py` — connect, take tasks (waiting up to a
//! second for each, and trying again when none came, as the tutorial's worker does), put the
//! squares as results.

use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use pythreading_mp::managers::{Manager, ManagerError, RemoteGetTimeoutError, RemoteQueue};

use super::Endpoint;
use super::broker::{self, BrokerArg};
use crate::values;

/// Arguments of `pythreading worker`.
#[derive(Debug, clap::Args)]
pub(crate) struct WorkerArgs {
    #[command(flatten)]
    endpoint: Endpoint,
    /// Seconds to wait for each task (the tutorial's `task.get(timeout=1)`).
    #[arg(long, default_value = "1", value_name = "SECONDS", value_parser = values::seconds, allow_negative_numbers = true)]
    wait: Duration,
    /// Empty waits in a row before the worker stops (the tutorial's worker tries 10 times).
    #[arg(long, default_value = "10", value_name = "N", value_parser = values::at_least_one, allow_negative_numbers = true)]
    tries: usize,
    /// Seconds the server may take to accept the connection and answer the handshake.
    #[arg(long, default_value = "10", value_name = "SECONDS", value_parser = values::seconds, allow_negative_numbers = true)]
    connect_timeout: Duration,
    /// With --broker: seconds a taken task stays leased to this worker before another may
    /// take it (a worker killed mid-task has its task done by another after this long).
    #[arg(long, default_value = "30", value_name = "SECONDS", value_parser = values::seconds, allow_negative_numbers = true)]
    lease: Duration,
    /// Take tasks from the queues in Redis, acknowledging each once its result is put.
    #[command(flatten)]
    broker: BrokerArg,
}

type Queues = (RemoteQueue<i64>, RemoteQueue<String>);

pub(crate) fn worker(args: WorkerArgs) -> anyhow::Result<()> {
    if let Some(url) = &args.broker.broker {
        return broker::worker(url, args.wait, args.tries, args.lease);
    }
    let authkey = args.endpoint.authkey()?;
    let address = args.endpoint.address.clone();
    println!("Connect to server {address}...");
    let (task, result) = connect(&address, authkey, args.connect_timeout)?;
    let mut done = 0usize;
    let mut empty_in_a_row = 0;
    while empty_in_a_row < args.tries {
        match task.get_timeout(args.wait) {
            Ok(n) => {
                empty_in_a_row = 0;
                println!("run task {n} * {n}...");
                let r = format!("{n} * {n} = {}", n.wrapping_mul(n));
                result.put(r).context("cannot put a result")?;
                done += 1;
            }
            Err(RemoteGetTimeoutError::Timeout) => {
                println!("task queue is empty.");
                empty_in_a_row += 1;
            }
            Err(RemoteGetTimeoutError::ShutDown) => {
                println!("task queue was shut down.");
                break;
            }
            // A master (ours or the tutorial's) stops its server as soon as it has every
            // result, so a connection closed between calls is the normal end of the work (a
            // second worker may have had no task left to take).
            Err(RemoteGetTimeoutError::Failed(ManagerError::Io(_) | ManagerError::Frame(_))) => {
                if done > 0 {
                    println!("the master closed its server: all done.");
                } else {
                    println!("the server closed the connection before any task came.");
                }
                break;
            }
            Err(e) => return Err(anyhow!(e).context(format!("lost the server at {address}"))),
        }
    }
    println!("worker exit. ({done} tasks done)");
    Ok(())
}

/// Connects and looks up both queues within `timeout`. The client library has no timeout of
/// its own, so the attempt runs on a helper thread; on a timeout it is left behind (blocked in a
/// read) and ends with the process.
fn connect(address: &str, authkey: Vec<u8>, timeout: Duration) -> anyhow::Result<Queues> {
    let (tx, rx) = mpsc::channel();
    let target = address.to_owned();
    std::thread::Builder::new()
        .name("connect".into())
        .spawn(move || {
            let attempt = (|| -> Result<Queues, ManagerError> {
                let m = Manager::connect(target.as_str(), authkey)?;
                Ok((m.queue("get_task_queue")?, m.queue("get_result_queue")?))
            })();
            let _ = tx.send(attempt);
        })
        .context("cannot start the connecting thread")?;
    match rx.recv_timeout(timeout) {
        Ok(Ok(queues)) => Ok(queues),
        Ok(Err(ManagerError::Remote(traceback))) if traceback.contains("KeyError") => bail!(
            "the server at {address} has no get_task_queue and get_result_queue; \
             run `pythreading master`, or start `pythreading serve` with \
             `--queue get_task_queue --queue get_result_queue`"
        ),
        Ok(Err(e)) => Err(anyhow!(e).context(format!("cannot connect to {address}"))),
        Err(_) => bail!(
            "no answer from {address} within {:.1} s (is it a manager server?); \
             --connect-timeout sets the limit",
            timeout.as_secs_f64()
        ),
    }
}
