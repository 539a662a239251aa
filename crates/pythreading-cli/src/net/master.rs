//! `pythreading master`: the tutorials' `task_master.py` — serve two queues, put N random tasks,
//! print N results.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pythreading_mp::managers::{Manager, ServerBuilder};

use super::Endpoint;

/// Arguments of `pythreading master`.
#[derive(Debug, clap::Args)]
pub(crate) struct MasterArgs {
    #[command(flatten)]
    endpoint: Endpoint,
    /// How many tasks to hand out.
    #[arg(long, default_value_t = 10)]
    tasks: usize,
    /// Seconds to wait for each result.
    #[arg(long, default_value_t = 10.0)]
    timeout: f64,
}

/// A small xorshift generator: random enough for task numbers, no dependency.
fn random_numbers(n: usize) -> Vec<i64> {
    let mut x = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0x9e37_79b9, |d| d.as_nanos() as u64)
        | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % 10_001) as i64
        })
        .collect()
}

pub(crate) fn master(args: MasterArgs) -> Result<(), String> {
    let authkey = args.endpoint.authkey()?;
    let server = ServerBuilder::new(authkey.clone())
        .queue("get_task_queue")
        .queue("get_result_queue")
        .on_connection(|e| eprintln!("master: {e}"))
        .bind(args.endpoint.address.as_str())
        .map_err(|e| format!("cannot listen on {}: {e}", args.endpoint.address))?
        .spawn()
        .map_err(|e| format!("cannot start the server: {e}"))?;
    println!("listening on {}", server.address());
    // Like the tutorial's master, talk to our own server through proxies.
    let manager = Manager::connect(server.address(), authkey).map_err(|e| e.to_string())?;
    let task = manager
        .queue::<i64>("get_task_queue")
        .map_err(|e| e.to_string())?;
    let result = manager
        .queue::<String>("get_result_queue")
        .map_err(|e| e.to_string())?;
    for n in random_numbers(args.tasks) {
        println!("Put task {n}...");
        task.put(n).map_err(|e| e.to_string())?;
    }
    println!("Try get results...");
    let timeout = Duration::try_from_secs_f64(args.timeout).unwrap_or(Duration::MAX);
    for _ in 0..args.tasks {
        match result.get_timeout(timeout) {
            Ok(r) => println!("Result: {r}"),
            Err(e) => {
                server.shutdown();
                return Err(format!("no result within {:.1} s: {e}", args.timeout));
            }
        }
    }
    drop((task, result));
    server.shutdown();
    println!("master exit.");
    Ok(())
}
