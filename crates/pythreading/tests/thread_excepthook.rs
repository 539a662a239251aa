//! `set_excepthook` and the default report (spec group L, J-23, S-04).
//!
//! The hook is process-wide, so the in-process cases run one after another inside one test;
//! the default hook's exact stderr is checked in a child process.

use std::sync::{Arc, Mutex};

use pythreading::threading::{self, Builder};

mod child_process;

use child_process::CHILD;

type Seen = Arc<Mutex<Vec<(Option<String>, String, bool)>>>;

fn recording_hook(seen: &Seen) {
    let seen = seen.clone();
    threading::set_excepthook(move |args| {
        seen.lock().unwrap().push((
            args.thread().map(|t| t.name().to_owned()),
            args.message().to_owned(),
            args.location()
                .is_some_and(|l| l.contains("thread_excepthook.rs")),
        ));
    });
}

// L-01, J-23: a custom hook receives the thread and the panic; the thread ends normally and
// join() still reports the panic. L-06: set_excepthook returns the previous hook, and
// restoring it works. L-05: a panicking hook falls back to the default report.
#[test]
fn custom_hooks() {
    let seen: Seen = Arc::default();
    recording_hook(&seen);
    let h = Builder::new()
        .name("failing")
        .spawn(|| -> () { panic!("run failed") })
        .unwrap();
    let t = h.thread().clone();
    let err = h.join().unwrap_err();
    assert_eq!(err.message(), "run failed");
    assert!(!t.is_alive());
    assert_eq!(
        *seen.lock().unwrap(),
        [(Some("failing".to_owned()), "run failed".to_owned(), true)]
    );

    // The hook is not called for a thread that ends with low_level::exit() (SystemExit, L-02).
    let h = threading::spawn(|| threading::low_level::exit());
    assert!(h.join().unwrap_err().is_exit());
    assert_eq!(seen.lock().unwrap().len(), 1);

    // Replacing returns the recording hook; restoring it makes it active again.
    let previous = threading::set_excepthook(|_| {});
    let _ = threading::spawn(|| panic!("silent")).join();
    assert_eq!(seen.lock().unwrap().len(), 1);
    threading::restore_excepthook(previous);
    let _ = threading::spawn(|| panic!("recorded")).join();
    assert_eq!(seen.lock().unwrap().len(), 2);
    assert_eq!(seen.lock().unwrap()[1].1, "recorded");

    // A hook that panics does not break the thread or lose the join.
    threading::set_excepthook(|_| panic!("hook failed"));
    let err = threading::spawn(|| panic!("body failed"))
        .join()
        .unwrap_err();
    assert_eq!(err.message(), "body failed");

    // Timer callbacks are reported too, with no thread (L-04's thread=None).
    recording_hook(&seen);
    let timer = threading::Timer::new(std::time::Duration::ZERO, || panic!("timer failed")).start();
    timer.join();
    let last = seen.lock().unwrap().last().cloned().unwrap();
    assert_eq!((last.0, last.1.as_str()), (None, "timer failed"));
    let names = Arc::new(Mutex::new(Vec::new()));
    let n = names.clone();
    threading::set_excepthook(move |args| n.lock().unwrap().push(args.thread_name()));
    let timer = threading::Timer::new(std::time::Duration::ZERO, || panic!("again")).start();
    timer.join();
    assert_eq!(*names.lock().unwrap(), [timer.name().to_owned()]);

    threading::set_excepthook(threading::default_excepthook);
}

#[test]
#[ignore = "child-process entry point, run by its parent test"]
fn child_default_report() {
    if std::env::var(CHILD).as_deref() != Ok("child_default_report") {
        return;
    }
    let _ = Builder::new()
        .name("worker-7")
        .spawn(|| panic!("ValueError: run failed"))
        .unwrap()
        .join();
    threading::set_excepthook(|_| panic!("the hook itself"));
    let _ = Builder::new()
        .name("worker-8")
        .spawn(|| panic!("second"))
        .unwrap()
        .join();
    eprintln!("END");
}

// L-03: the default hook prints "Exception in thread NAME:", the location and the message, once
// (Rust's own panic message is not printed a second time); L-05: a failing hook prints
// "Exception in threading.excepthook:" and the default report of its panic.
#[test]
fn default_report_on_stderr() {
    let mut cmd = child_process::libtest_case("child_default_report");
    let out = child_process::output_within_limit(
        cmd.env_remove("RUST_BACKTRACE"),
        "child_default_report",
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("Exception in thread worker-7:\npanicked at "),
        "{stderr}"
    );
    assert!(stderr.contains("ValueError: run failed\n"), "{stderr}");
    assert_eq!(stderr.matches("run failed").count(), 1, "{stderr}");
    assert!(!stderr.contains("thread 'worker-7' panicked"), "{stderr}");
    assert!(
        stderr.contains("Exception in threading.excepthook:\nException in thread worker-8:"),
        "{stderr}"
    );
    assert!(stderr.contains("the hook itself"), "{stderr}");
    assert!(!stderr.contains("Unhandled exception"));
    assert!(stderr.contains("END"));
}
