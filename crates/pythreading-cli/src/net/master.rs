//! `pythreading master`: the tutorials' `task_master.py` — serve two queues, put N random tasks,
//! print N results. The master is itself the server: workers connect to its address.

use std::time::Duration;

use anyhow::{Context, bail};
use pythreading_mp::managers::{Manager, ServerBuilder};

use super::broker::{self, BrokerArg};
use super::{Endpoint, log_connection};
use crate::values;

/// Arguments of `pythreading master`.
#[derive(Debug, clap::Args)]
pub(crate) struct MasterArgs {
    #[command(flatten)]
    endpoint: Endpoint,
    /// How many tasks to hand out.
    #[arg(long, default_value_t = 10)]
    tasks: usize,
    /// Seconds to wait for each result.
    #[arg(long, default_value = "10", value_name = "SECONDS", value_parser = values::seconds, allow_negative_numbers = true)]
    timeout: Duration,
    /// Use the queues in Redis instead of serving them (no --address or key needed).
    #[command(flatten)]
    broker: BrokerArg,
}

pub(crate) fn master(args: MasterArgs) -> anyhow::Result<()> {
    if let Some(url) = &args.broker.broker {
        return broker::master(url, args.tasks, args.timeout);
    }
    let authkey = args.endpoint.authkey()?;
    let address = args.endpoint.address.as_str();
    let server = ServerBuilder::new(authkey.clone())
        .queue("get_task_queue")
        .queue("get_result_queue")
        .on_connection(log_connection)
        .bind(address)
        .with_context(|| format!("cannot listen on {address}"))?
        .spawn()
        .context("cannot start the server")?;
    println!("listening on {}", server.address());
    // Like the tutorial's master, talk to our own server through proxies.
    let manager = Manager::connect(server.address(), authkey)?;
    let task = manager.queue::<i64>("get_task_queue")?;
    let result = manager.queue::<String>("get_result_queue")?;
    for _ in 0..args.tasks {
        let n = fastrand::i64(0..=10_000); // the tutorial's random.randint(0, 10000)
        println!("Put task {n}...");
        task.put(n)?;
    }
    println!("Try get results...");
    for _ in 0..args.tasks {
        match result.get_timeout(args.timeout) {
            Ok(r) => println!("Result: {r}"),
            Err(e) => {
                server.shutdown();
                bail!(
                    "no result within {:.1} s ({e}); is a worker running against {}?",
                    args.timeout.as_secs_f64(),
                    address
                );
            }
        }
    }
    drop((task, result));
    server.shutdown();
    println!("master exit.");
    Ok(())
}
