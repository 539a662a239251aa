//! A closed stdout (`pythreading demo | head`) ends the command quietly, as Unix tools do,
//! instead of a "failed printing to stdout: Broken pipe" panic.
//!
//! Rust ignores `SIGPIPE`, so a write to a closed pipe fails and `println!` panics with that
//! message. The panic can happen in the main thread or in any thread a scenario starts, so it is
//! caught at both places a panic is reported: the process's panic hook (main and `std::thread`
//! threads) and the excepthook (threads started by `pythreading::threading`).

use std::panic::{self, PanicHookInfo};

use pythreading::threading::{self, ExceptHookArgs};

/// Whether a panic message is `println!`'s report of a closed stdout.
fn is_closed_stdout(message: &str) -> bool {
    message.contains("failed printing to stdout") && message.contains("Broken pipe")
}

/// Installs the panic hook. Call first thing in `main`, before any thread starts, so that the
/// hook `pythreading` installs at its first spawn chains to this one.
pub(crate) fn install_panic_hook() {
    let previous = panic::take_hook();
    panic::set_hook(Box::new(move |info: &PanicHookInfo<'_>| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if is_closed_stdout(message) {
            std::process::exit(0);
        }
        previous(info);
    }));
}

/// Installs an excepthook that ends the process quietly on a closed stdout and otherwise
/// reports as the default hook does, with the location's `dir/../` steps resolved (the
/// scenarios are compiled into this binary through `#[path]`) and without a backtrace even when
/// `RUST_BACKTRACE` is set: the `excepthook` scenario shows what a user's program prints.
pub(crate) fn install_demo_excepthook() {
    threading::set_excepthook(|args: &ExceptHookArgs<'_>| {
        if is_closed_stdout(args.message()) {
            std::process::exit(0);
        }
        let mut text = format!("Exception in thread {}:\n", args.thread_name());
        if let Some(location) = args.location() {
            text.push_str(&format!("panicked at {}:\n", resolve_dot_dot(location)));
        }
        text.push_str(args.message());
        text.push('\n');
        eprint!("{text}");
    });
}

/// `a/b/../c/x.rs:1:2` → `a/c/x.rs:1:2`: `..` steps removed by text, as a user would read it.
fn resolve_dot_dot(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            "." => {}
            _ => parts.push(part),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_dot_steps_are_resolved() {
        assert_eq!(
            resolve_dot_dot(
                "crates/pythreading-cli/src/demo/../../../pythreading/examples/excepthook.rs:13:29"
            ),
            "crates/pythreading/examples/excepthook.rs:13:29"
        );
        assert_eq!(resolve_dot_dot("../x.rs:1:1"), "../x.rs:1:1");
        assert_eq!(resolve_dot_dot("src/main.rs:3:4"), "src/main.rs:3:4");
    }

    #[test]
    fn only_a_closed_stdout_is_quiet() {
        assert!(is_closed_stdout(
            "failed printing to stdout: Broken pipe (os error 32)"
        ));
        assert!(!is_closed_stdout("bad port \"80a\""));
    }
}
