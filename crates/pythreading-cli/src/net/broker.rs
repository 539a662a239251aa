//! `--broker redis://HOST:PORT/`: the tutorials' queues kept in Redis. `serve --broker` serves
//! them to CPython clients; `master --broker` and `worker --broker` use them directly.

use std::time::Duration;

use anyhow::{Context, bail};
use pythreading_redis::{QueueOptions, RedisGetError, RedisQueue};

/// The `--broker` option.
#[derive(Debug, clap::Args)]
pub(crate) struct BrokerArg {
    /// Keep the queues in Redis Streams at this URL (`redis://HOST:PORT/`), shared with every
    /// other `serve`, `master` and `worker` given the same URL.
    #[arg(long, value_name = "redis://HOST:PORT/", value_parser = redis_url)]
    pub(crate) broker: Option<String>,
}

/// A `redis://` or `rediss://` URL (checked further when connecting).
fn redis_url(text: &str) -> Result<String, String> {
    if text.starts_with("redis://") || text.starts_with("rediss://") {
        Ok(text.to_owned())
    } else {
        Err(format!(
            "expected a Redis URL such as redis://127.0.0.1:6379/, not {text:?}"
        ))
    }
}

fn open<T: pythreading_mp::managers::RemoteValue>(
    url: &str,
    name: &str,
    lease: Duration,
) -> anyhow::Result<RedisQueue<T>> {
    RedisQueue::connect_with(url, name, QueueOptions::new().with_lease_time(lease))
        .with_context(|| format!("cannot open {name} on {url}"))
}

/// `master --broker`: put `tasks` random tasks into Redis, then print as many results.
pub(crate) fn master(url: &str, tasks: usize, timeout: Duration) -> anyhow::Result<()> {
    let task = open::<i64>(url, "get_task_queue", Duration::from_secs(30))?;
    let result = open::<String>(url, "get_result_queue", Duration::from_secs(30))?;
    println!("using the queues in {url}");
    for _ in 0..tasks {
        let n = fastrand::i64(0..=10_000); // the tutorial's random.randint(0, 10000)
        println!("Put task {n}...");
        task.put(n)
            .map_err(|e| e.error)
            .context("cannot put a task")?;
    }
    println!("Try get results...");
    for _ in 0..tasks {
        match result.get_timeout(timeout) {
            Ok(r) => println!("Result: {r}"),
            Err(RedisGetError::Timeout) => bail!(
                "no result within {:.1} s; is a worker running against {url}?",
                timeout.as_secs_f64()
            ),
            Err(e) => return Err(e).context("cannot get a result"),
        }
    }
    println!("master exit.");
    Ok(())
}

/// `worker --broker`: take tasks under leases (acknowledged once the result is put, so a
/// worker killed mid-task has its task redelivered after `lease`), put the squares.
pub(crate) fn worker(
    url: &str,
    wait: Duration,
    tries: usize,
    lease: Duration,
) -> anyhow::Result<()> {
    println!("Connect to {url}...");
    let task = open::<i64>(url, "get_task_queue", lease)?;
    let result = open::<String>(url, "get_result_queue", lease)?;
    let mut done = 0usize;
    let mut empty_in_a_row = 0;
    // The next task, taken in the same round trip as the previous one's acknowledgement.
    let mut next = None;
    while empty_in_a_row < tries {
        let taken = match next.take() {
            Some(taken) => taken,
            None => task.get_leased_timeout(wait),
        };
        match taken {
            Ok(lease) => {
                empty_in_a_row = 0;
                let n = *lease.item();
                println!("run task {n} * {n}...");
                let r = format!("{n} * {n} = {}", n.wrapping_mul(n));
                result
                    .put(r)
                    .map_err(|e| e.error)
                    .context("cannot put a result")?;
                let (acked, following) = lease.ack_and_get_leased_timeout(wait);
                acked.context("cannot acknowledge a task")?;
                next = Some(following);
                done += 1;
            }
            Err(RedisGetError::Timeout) => {
                println!("task queue is empty.");
                empty_in_a_row += 1;
            }
            Err(e) => return Err(e).context(format!("lost the queues at {url}")),
        }
    }
    println!("worker exit. ({done} tasks done)");
    Ok(())
}
