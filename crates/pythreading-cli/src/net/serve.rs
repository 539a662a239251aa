//! `pythreading serve`: named queues and SyncManager types until Ctrl-C or a client's `shutdown`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use pythreading_mp::managers::{ServerBuilder, ServerConfig};

use super::Endpoint;

/// Arguments of `pythreading serve`.
#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {
    #[command(flatten)]
    endpoint: Endpoint,
    /// A named queue to serve (repeatable), e.g. `get_task_queue`.
    #[arg(long = "queue", value_name = "TYPEID")]
    queues: Vec<String>,
    /// The most clients served at once; more are closed on accept.
    #[arg(long, default_value_t = 512)]
    max_connections: usize,
    /// The largest request accepted after authentication, in bytes.
    #[arg(long, default_value_t = 64 * 1024 * 1024)]
    max_frame: usize,
    /// Seconds a client may take to authenticate and send its first request.
    #[arg(long, default_value_t = 10.0)]
    handshake_timeout: f64,
}

pub(crate) fn serve(args: ServeArgs) -> Result<(), String> {
    let authkey = args.endpoint.authkey()?;
    let mut builder = ServerBuilder::new(authkey)
        .sync_manager()
        .config(
            ServerConfig::default()
                .with_max_connections(args.max_connections)
                .with_max_frame(args.max_frame)
                .with_handshake_timeout(
                    Duration::try_from_secs_f64(args.handshake_timeout)
                        .map_err(|e| format!("bad --handshake-timeout: {e}"))?,
                ),
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
