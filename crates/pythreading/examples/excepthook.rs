//! Scenario `excepthook`: a thread that fails is reported, not silent. The default hook prints
//! `Exception in thread NAME:` with the panic to stderr; a custom hook (`set_excepthook`) can
//! log it elsewhere; and `join()` hands the panic back either way.
//!
//! `cargo run -p pythreading --example excepthook` or `pythreading demo excepthook`.

use std::sync::{Arc, Mutex};

use pythreading::threading::{self, Builder};

fn parse_port(text: &str) -> u16 {
    text.parse()
        .unwrap_or_else(|e| panic!("bad port {text:?}: {e}"))
}

/// Runs the scenario.
pub(crate) fn run() {
    println!("1. default excepthook (the report goes to stderr):");
    let failing = Builder::new()
        .name("config-loader")
        .spawn(|| parse_port("80a"))
        .expect("spawn");
    match failing.join() {
        Ok(port) => println!("   port {port}"),
        Err(p) => println!("   join() also reports it: {p}"),
    }

    println!("2. custom excepthook collecting failures:");
    let failures = Arc::new(Mutex::new(Vec::new()));
    let log = failures.clone();
    let previous = threading::set_excepthook(move |args| {
        log.lock()
            .unwrap()
            .push(format!("{} failed: {}", args.thread_name(), args.message()));
    });
    let ports: Vec<_> = ["8080", "x", "443", "99999"]
        .into_iter()
        .map(|text| threading::spawn(move || parse_port(text)))
        .collect();
    let ok: Vec<u16> = ports.into_iter().filter_map(|h| h.join().ok()).collect();
    threading::restore_excepthook(previous);
    println!("   parsed: {ok:?}");
    for line in failures.lock().unwrap().iter() {
        println!("   hook saw: {line}");
    }
}

#[allow(dead_code)]
fn main() {
    run();
}
