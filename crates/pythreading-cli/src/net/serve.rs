//! `pythreading serve`: named queues and SyncManager types until Ctrl-C or a client's `shutdown`.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use pythreading_mp::managers::store::{DurableBackend, SyncPolicy};
use pythreading_mp::managers::{ServerBuilder, ServerConfig};
use pythreading_mp::pickle::Limits;
use pythreading_redis::{QueueOptions, RedisBackend};
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use super::broker::BrokerArg;
use super::{Endpoint, log_connection};
use crate::values;

/// Arguments of `pythreading serve`.
#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {
    #[command(flatten)]
    endpoint: Endpoint,
    /// A named queue to serve (repeatable), e.g. `get_task_queue`.
    #[arg(long = "queue", value_name = "TYPEID")]
    queues: Vec<String>,
    /// The most clients served at once (1 or more); more are closed on accept.
    #[arg(long, default_value_t = 512, value_parser = values::at_least_one, allow_negative_numbers = true)]
    max_connections: usize,
    /// The most connections not yet authenticated; when full, the oldest is closed.
    #[arg(long, default_value_t = 64)]
    max_unauthenticated: usize,
    /// The largest request accepted after authentication, in bytes.
    #[arg(long, default_value_t = 16 * 1024 * 1024)]
    max_frame: usize,
    /// The most memory decoding one request may take, in MiB.
    #[arg(long, default_value_t = 256)]
    max_decoded_mib: usize,
    /// The deepest nesting accepted in a request's values.
    #[arg(long, default_value_t = 1000)]
    max_depth: usize,
    /// Seconds a client may take to authenticate and send its first request.
    #[arg(long, default_value = "10", value_name = "SECONDS", value_parser = values::seconds, allow_negative_numbers = true)]
    handshake_timeout: Duration,
    /// Seconds an authenticated client may stay silent before it is disconnected (default:
    /// never, as CPython; a CPython proxy whose connection was closed fails its next call).
    #[arg(long, value_name = "SECONDS", value_parser = values::seconds, allow_negative_numbers = true)]
    idle_timeout: Option<Duration>,
    /// The most objects the server holds at once.
    #[arg(long, default_value_t = 100_000)]
    max_objects: usize,
    /// The most objects one connection may create.
    #[arg(long, default_value_t = 10_000)]
    max_objects_per_connection: usize,
    /// Refuse any value that references a global outside the protocol's own (a pickled
    /// `os.system` call, say), so Python consumers cannot be attacked through a queue.
    #[arg(long)]
    plain_data: bool,
    /// Lease every plain `get()` to its client until that client's `task_done()`: a worker
    /// that dies first has its item delivered again (at least once; work may run twice).
    #[arg(long)]
    at_least_once: bool,
    /// Seconds a leased item may stay unacked (client still connected) before it is
    /// delivered again (default: until the client disconnects).
    #[arg(long, value_name = "SECONDS", value_parser = values::seconds, allow_negative_numbers = true)]
    lease_timeout: Option<Duration>,
    /// Deliveries after which an unacked item goes to `<queue>_dead` instead.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    max_deliveries: u32,
    /// Keep the named queues (items and leases) in a database in DIR: they survive the
    /// server being killed and restarted on the same DIR.
    #[arg(long, value_name = "DIR")]
    data: Option<std::path::PathBuf>,
    /// With --data: `full` syncs every change to disk before answering (survives power loss;
    /// changes from clients arriving together share one sync); `normal` does not (survives the
    /// server being killed, not the machine losing power; much faster).
    #[arg(
        long,
        default_value = "full",
        value_name = "full|normal",
        requires = "data"
    )]
    data_sync: SyncPolicy,
    /// Also serve a status page on this address: `/` (refreshes itself), `/status.json`,
    /// `/metrics` (Prometheus). No authentication: use a loopback address, e.g. 127.0.0.1:8080.
    #[arg(long, value_name = "ADDRESS")]
    http: Option<String>,
    #[command(flatten)]
    broker: BrokerArg,
}

pub(crate) fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let authkey = args.endpoint.authkey()?;
    let mut seen = HashSet::new();
    if let Some(twice) = args.queues.iter().find(|q| !seen.insert(q.as_str())) {
        bail!("--queue {twice} is given twice");
    }
    let mut builder = ServerBuilder::new(authkey)
        .sync_manager()
        .config(
            ServerConfig::default()
                .with_max_connections(args.max_connections)
                .with_max_unauthenticated(args.max_unauthenticated)
                .with_max_frame(args.max_frame)
                .with_pickle_limits(
                    Limits::new()
                        .with_max_input_len(args.max_frame)
                        .with_max_decoded(args.max_decoded_mib.saturating_mul(1 << 20))
                        .with_max_depth(args.max_depth),
                )
                .with_handshake_timeout(args.handshake_timeout)
                .with_idle_timeout(args.idle_timeout)
                .with_max_objects(args.max_objects)
                .with_max_objects_per_connection(args.max_objects_per_connection)
                .with_plain_data(args.plain_data)
                .with_at_least_once(args.at_least_once)
                .with_lease_timeout(args.lease_timeout)
                .with_max_deliveries(args.max_deliveries),
        )
        .on_connection(log_connection);
    if args.data.is_some() && args.broker.broker.is_some() {
        bail!("--data and --broker both say where to keep the queues: give one of them");
    }
    if let Some(dir) = &args.data {
        let backend = DurableBackend::open_with(dir, args.data_sync)
            .with_context(|| format!("cannot open the queue database in {}", dir.display()))?;
        builder = builder.backend(std::sync::Arc::new(backend));
    }
    for q in &args.queues {
        builder = builder.queue(q);
    }
    if let Some(http) = &args.http {
        builder = builder.status_http(http.as_str());
    }
    if let Some(url) = &args.broker.broker {
        // Leases of a front-end that died are claimed by the others after the lease timeout
        // (30 s when none is given).
        let mut options = QueueOptions::new().with_max_deliveries(args.max_deliveries);
        if let Some(t) = args.lease_timeout {
            options = options.with_lease_time(t);
        }
        let backend = RedisBackend::connect(url, options)
            .with_context(|| format!("cannot reach the broker at {url}"))?;
        builder = builder.backend(Arc::new(backend));
    }
    let address = args.endpoint.address.as_str();
    let server = builder
        .bind(address)
        .with_context(|| format!("cannot listen on {address}"))?;
    // Ctrl-C (or SIGTERM) becomes a clean shutdown: the handler only wakes this thread.
    let mut signals =
        Signals::new([SIGINT, SIGTERM]).context("cannot install the signal handler")?;
    let signals_handle = signals.handle();
    {
        let handle = server.shutdown_handle();
        std::thread::spawn(move || {
            if signals.forever().next().is_some() {
                tracing::info!("interrupted, shutting down");
                handle.shutdown();
            }
        });
    }
    let names: Vec<&str> = args.queues.iter().map(String::as_str).collect();
    println!(
        "serving on {} (queues: {}{}; every SyncManager type but Pool)",
        server.local_addr(),
        if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        },
        match &args.broker.broker {
            Some(url) => format!(" in {url}"),
            None => String::new(),
        }
    );
    if let Some(page) = server.status_address() {
        println!("status page on http://{page}/ (also /status.json, /metrics)");
    }
    println!(
        "delivery: {}; named queues kept {}",
        if args.at_least_once {
            "at least once (a get is leased until its client's task_done)"
        } else {
            "at most once (as CPython)"
        },
        match &args.data {
            Some(dir) => format!("in {} (sync {:?})", dir.display(), args.data_sync),
            None => "in memory".to_string(),
        }
    );
    let served = server.serve_forever();
    signals_handle.close(); // ends the signal thread when a client's `shutdown` stopped us
    served.context("the server failed")?;
    println!("server stopped");
    Ok(())
}
