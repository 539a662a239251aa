//! `pythreading serve`: named queues and SyncManager types until Ctrl-C or a client's `shutdown`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use pythreading_mp::managers::{ServerBuilder, ServerConfig};
use pythreading_mp::pickle::Limits;

use super::Endpoint;

/// Arguments of `pythreading serve`.
#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {
    #[command(flatten)]
    endpoint: Endpoint,
    /// A named queue to serve (repeatable), e.g. `get_task_queue`.
    #[arg(long = "queue", value_name = "TYPEID")]
    queues: Vec<String>,
    /// The most authenticated clients served at once; more get an error reply.
    #[arg(long, default_value_t = 512)]
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
    /// Seconds a client has for the whole handshake and its first request.
    #[arg(long, default_value_t = 10.0)]
    handshake_timeout: f64,
    /// Seconds an authenticated client may stay silent before it is disconnected (default:
    /// never, as CPython; a CPython proxy whose connection was closed fails its next call).
    #[arg(long, value_name = "SECS")]
    idle_timeout: Option<f64>,
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
}

fn seconds(flag: &str, secs: f64) -> Result<Duration, String> {
    Duration::try_from_secs_f64(secs).map_err(|e| format!("bad --{flag}: {e}"))
}

pub(crate) fn serve(args: ServeArgs) -> Result<(), String> {
    let authkey = args.endpoint.authkey()?;
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
                .with_handshake_timeout(seconds("handshake-timeout", args.handshake_timeout)?)
                .with_idle_timeout(
                    args.idle_timeout
                        .map(|s| seconds("idle-timeout", s))
                        .transpose()?,
                )
                .with_max_objects(args.max_objects)
                .with_max_objects_per_connection(args.max_objects_per_connection)
                .with_plain_data(args.plain_data),
        )
        .on_connection(|e| eprintln!("serve: {e}"));
    for q in &args.queues {
        builder = builder.queue(q);
    }
    let server = builder
        .bind(args.endpoint.address.as_str())
        .map_err(|e| format!("cannot listen on {}: {e}", args.endpoint.address))?;
    let handle = server.shutdown_handle();
    let interrupted = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, Arc::clone(&interrupted))
            .map_err(|e| format!("cannot install the signal handler: {e}"))?;
    }
    // A watcher turns Ctrl-C into a clean shutdown (the handler itself only sets a flag).
    {
        let handle = handle.clone();
        let interrupted = Arc::clone(&interrupted);
        std::thread::spawn(move || {
            while !handle.is_shut_down() {
                if interrupted.load(Ordering::Relaxed) {
                    eprintln!("serve: interrupted, shutting down");
                    handle.shutdown();
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        });
    }
    let names: Vec<&str> = args.queues.iter().map(String::as_str).collect();
    println!(
        "serving on {} (queues: {}; SyncManager types: Queue, JoinableQueue, Event, Lock, RLock, dict, list)",
        server.local_addr(),
        if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        }
    );
    server
        .serve_forever()
        .map_err(|e| format!("server failed: {e}"))?;
    println!("server stopped");
    Ok(())
}
