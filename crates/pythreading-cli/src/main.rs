//! The `pythreading` command.
//!
//! ```text
//! pythreading demo                 # every scenario from the tutorials, in order
//! pythreading demo bank            # one of them
//! pythreading demo --list          # their names
//! pythreading demo producer-consumer --trace /tmp/t.json   # its timeline, for Perfetto
//! pythreading master --address 127.0.0.1:5000 --authkey 'hello world' --tasks 10
//! pythreading worker --address 127.0.0.1:5000 --authkey 'hello world'
//! pythreading echo-server --address 127.0.0.1:9000   # the tutorials' socket echo server
//! pythreading serve --address 127.0.0.1:5000 --authkey 'hello world' \
//!     --queue get_task_queue --queue get_result_queue
//! ```

mod demo;
mod logging;
mod net;
mod quiet_exit;
mod sigquit;
mod values;

use std::process::ExitCode;

use clap::{ArgAction, Parser, Subcommand};

/// Python's concurrency toolkit rebuilt in Rust: the tutorials' scenarios, and manager servers.
///
/// `demo` runs every scenario of the tutorials (five Python tutorials on threads, locks, queues,
/// pools and distributed processes) in Rust. `master`, `worker` and `serve` speak CPython's
/// `multiprocessing.managers` protocol, so each works with the tutorials' Python scripts.
#[derive(Debug, Parser)]
#[command(name = "pythreading", version)]
struct Cli {
    /// More diagnostics on stderr (-v: one line per connection; -vv: everything).
    #[arg(short, long, action = ArgAction::Count, global = true, conflicts_with = "quiet", display_order = 100)]
    verbose: u8,
    /// Fewer diagnostics on stderr (-q: warnings only; -qq: errors only). Without -v or -q,
    /// RUST_LOG chooses (default: info).
    #[arg(short, long, action = ArgAction::Count, global = true, display_order = 101)]
    quiet: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the tutorials' scenarios: all of them in order, or the one named.
    Demo {
        /// A scenario name (see `--list`); every scenario when omitted.
        name: Option<String>,
        /// List the scenarios and what each shows.
        #[arg(long)]
        list: bool,
        /// Write the timeline of the run to PATH (Chrome trace JSON: open it in Perfetto or
        /// chrome://tracing).
        #[arg(long, value_name = "PATH")]
        trace: Option<std::path::PathBuf>,
    },
    /// Serve named queues to CPython or pythreading clients until Ctrl-C.
    ///
    /// Also serves SyncManager types (Queue, Event, Lock, RLock, dict, list). Tasks get into its
    /// queues from clients (e.g. a CPython `BaseManager.connect()` that calls `put`); to run the
    /// tutorials' master and workers, use `master` instead, which is itself a server.
    Serve(net::ServeArgs),
    /// The tutorials' task master: serve two queues, hand out tasks, print the results.
    ///
    /// Like `task_master.py`, it is itself the server: start it first, then run workers
    /// (`pythreading worker` or the tutorial's `task_worker.py`) against its address.
    Master(net::MasterArgs),
    /// The tutorials' task worker: connect, take tasks, put their squares as results.
    ///
    /// Like `task_worker.py`, it connects to a running master (or a `serve` with the queues
    /// get_task_queue and get_result_queue) and stops after 10 empty one-second waits in a row,
    /// or when the master closes its server.
    Worker(net::WorkerArgs),
    /// The tutorials' threaded echo server: print each message, send it back upper-cased.
    ///
    /// For the tutorials' Python client (`sock.connect(('127.0.0.1', 9000))` and an `input()`
    /// loop). Handlers run on a bounded thread pool; Ctrl-C stops it.
    EchoServer(net::EchoServerArgs),
}

fn main() -> ExitCode {
    // First: a child process started by the `process` demos runs its function here and exits
    // (the CLI re-executes itself for children).
    pythreading_mp::init();
    quiet_exit::install_panic_hook();
    sigquit::install();
    let cli = Cli::parse();
    logging::init(cli.verbose, cli.quiet);
    let result = match cli.command {
        Command::Demo { name, list, trace } => demo::main(name.as_deref(), list, trace.as_deref()),
        Command::Serve(args) => net::serve(args),
        Command::Master(args) => net::master(args),
        Command::Worker(args) => net::worker(args),
        Command::EchoServer(args) => net::echo_server(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("pythreading: {}", one_line(&error));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes on one line ("cannot connect to ...: connection refused"), leaving
/// out a cause whose text its parent already printed.
fn one_line(error: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in error.chain() {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&cause);
        }
    }
    text
}
