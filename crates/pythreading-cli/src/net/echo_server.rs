//! `pythreading echo-server`: the tutorials' threaded echo server, for the tutorials' Python
//! client (`sock.connect(('127.0.0.1', 9000))`, then an `input()` loop of `send` and
//! `recv(1024)`).
//!
//! Each message is printed and sent back upper-cased, as the tutorials' `action(conn)` does,
//! on a bounded `socketserver::TcpServer`: at most `--max-handlers` clients are served at once,
//! and a client silent for `--read-timeout` seconds is disconnected. Ctrl-C (or SIGTERM) stops
//! it: the accept loop ends, idle clients are disconnected, and busy ones get a moment.
//!
//! `--forking` serves each client in a worker process instead (Python's `ForkingTCPServer`,
//! here pythreading-mp's `ForkingTcpServer`): at most `--max-handlers` workers, each this
//! program started again, receiving accepted sockets from the parent.

use std::io::{Read, Write};
use std::time::Duration;

use anyhow::Context;
use pythreading::socketserver::{Connection, HandlerError, TcpServer};
use pythreading_mp::socketserver::{ForkingError, ForkingTcpServer};
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use crate::values;

/// Arguments of `pythreading echo-server`.
#[derive(Debug, clap::Args)]
pub(crate) struct EchoServerArgs {
    /// HOST:PORT to listen on (port 0: any free port). The tutorials use 127.0.0.1:9000.
    #[arg(long, default_value = "127.0.0.1:9000", value_name = "HOST:PORT", value_parser = values::host_port)]
    address: String,
    /// The most clients served at once; more wait to be accepted.
    #[arg(long, default_value_t = 256, value_parser = values::at_least_one)]
    max_handlers: usize,
    /// Seconds a client may stay silent before it is disconnected.
    #[arg(long, default_value = "300", value_name = "SECONDS", value_parser = values::seconds)]
    read_timeout: Duration,
    /// Do not print each message (for load tests).
    #[arg(long)]
    no_print: bool,
    /// Serve each client in a worker process (Python's ForkingTCPServer): at most
    /// --max-handlers worker processes, reused from client to client.
    #[arg(long)]
    forking: bool,
}

/// The tutorials' `BUFSIZE`.
const BUFSIZE: usize = 1024;

pub(crate) fn echo_server(args: EchoServerArgs) -> anyhow::Result<()> {
    if args.forking {
        return forking_echo_server(args);
    }
    let print = !args.no_print;
    let address = args.address.as_str();
    let server = TcpServer::bind(address)
        .max_handlers(args.max_handlers)
        .read_timeout(nonzero(args.read_timeout))
        .thread_name_prefix("echo")
        .handle_error(|e: &HandlerError| {
            if e.is_timeout() {
                tracing::info!("{e} (disconnected)");
            } else {
                tracing::warn!("{e}");
            }
        })
        .build_fn(move |conn| action(conn, print))
        .with_context(|| format!("cannot listen on {address}"))?;
    // Ctrl-C (or SIGTERM) becomes a clean shutdown: the signal thread calls `shutdown`, which
    // returns once `serve_forever` has.
    let mut signals =
        Signals::new([SIGINT, SIGTERM]).context("cannot install the signal handler")?;
    let signals_handle = signals.handle();
    println!(
        "echo server listening on {} (at most {} clients at once)",
        server.server_address(),
        args.max_handlers
    );
    std::thread::scope(|s| {
        s.spawn(|| {
            if signals.forever().next().is_some() {
                tracing::info!("interrupted, shutting down");
                server.shutdown();
            }
        });
        let served = server.serve_forever();
        signals_handle.close();
        served.context("the server failed")
    })?;
    let report = server.server_close();
    println!(
        "server stopped ({} connections served{})",
        server.stats().handled(),
        if report.forced() > 0 {
            format!(", {} busy ones cut at the deadline", report.forced())
        } else {
            String::new()
        }
    );
    Ok(())
}

/// `echo-server --forking`: the same service, each client in a worker process.
fn forking_echo_server(args: EchoServerArgs) -> anyhow::Result<()> {
    let address = args.address.as_str();
    let builder = ForkingTcpServer::bind(address)
        .max_children(args.max_handlers)
        .read_timeout(nonzero(args.read_timeout))
        .handle_error(|e: &ForkingError| {
            if e.is_timeout() {
                tracing::info!("{e} (disconnected)");
            } else {
                tracing::warn!("{e}");
            }
        });
    // A worker runs a registered function, so the printing choice is two functions.
    let built = if args.no_print {
        builder.build(action_quiet)
    } else {
        builder.build(action_printing)
    };
    let server = built.with_context(|| format!("cannot listen on {address}"))?;
    let mut signals =
        Signals::new([SIGINT, SIGTERM]).context("cannot install the signal handler")?;
    let signals_handle = signals.handle();
    println!(
        "echo server listening on {} (at most {} worker processes at once)",
        server.server_address(),
        args.max_handlers
    );
    std::thread::scope(|s| {
        s.spawn(|| {
            if signals.forever().next().is_some() {
                tracing::info!("interrupted, shutting down");
                server.shutdown();
            }
        });
        let served = server.serve_forever();
        signals_handle.close();
        served.context("the server failed")
    })?;
    let report = server.server_close();
    println!(
        "server stopped ({} worker processes left{})",
        server.active_children().len(),
        if report.cut > 0 {
            format!(", {} busy clients cut at the deadline", report.cut)
        } else {
            String::new()
        }
    );
    Ok(())
}

fn action_printing(conn: &mut Connection) -> std::io::Result<()> {
    action(conn, true)
}

fn action_quiet(conn: &mut Connection) -> std::io::Result<()> {
    action(conn, false)
}

pythreading_mp::register_handler!(action_printing, action_quiet);

/// The tutorials' `action(conn)`: print each message, reply with it upper-cased.
fn action(conn: &mut Connection, print: bool) -> std::io::Result<()> {
    let mut buf = [0u8; BUFSIZE];
    loop {
        let n = conn.read(&mut buf)?;
        if n == 0 {
            tracing::debug!("{} hung up", conn.peer_addr());
            return Ok(());
        }
        if print {
            println!("{}", String::from_utf8_lossy(&buf[..n]));
        }
        conn.write_all(&buf[..n].to_ascii_uppercase())?;
    }
}

/// `--read-timeout 0` means no timeout (the socket layer refuses a zero timeout).
fn nonzero(t: Duration) -> Duration {
    if t.is_zero() { Duration::MAX } else { t }
}
