//! The `pythreading` command.
//!
//! ```text
//! pythreading demo                 # every scenario from the tutorials, in order
//! pythreading demo bank            # one of them
//! pythreading demo --list          # their names
//! pythreading serve --address 127.0.0.1:5000 --authkey 'hello world' \
//!     --queue get_task_queue --queue get_result_queue
//! pythreading master --address 127.0.0.1:5000 --authkey 'hello world' --tasks 10
//! pythreading worker --address 127.0.0.1:5000 --authkey 'hello world'
//! ```

mod demo;
mod net;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Python's concurrency toolkit, rebuilt in Rust: the tutorials' scenarios and a
/// CPython-compatible manager server.
#[derive(Debug, Parser)]
#[command(name = "pythreading", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the tutorials' scenarios: all of them, or the one named.
    Demo {
        /// A scenario name (see `--list`); every scenario when omitted.
        name: Option<String>,
        /// List the scenarios and what each shows.
        #[arg(long)]
        list: bool,
    },
    /// Serve named queues to CPython or pythreading clients (`BaseManager` protocol).
    Serve(net::ServeArgs),
    /// The tutorials' task master: serve two queues, hand out tasks, print the results.
    Master(net::MasterArgs),
    /// The tutorials' task worker: connect, take tasks, put results.
    Worker(net::WorkerArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo { name, list } => demo::main(name.as_deref(), list),
        Command::Serve(args) => net::serve(args),
        Command::Master(args) => net::master(args),
        Command::Worker(args) => net::worker(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("pythreading: {message}");
            ExitCode::FAILURE
        }
    }
}
