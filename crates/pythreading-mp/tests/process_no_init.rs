//! Forgetting `init()` is a typed error that names the fix, never a hang or a fork bomb.
//!
//! No test in this binary calls `pythreading_mp::init()` on purpose.

use pythreading_mp::process::{Process, ProcessError};

fn work() {}
pythreading_mp::register!(work);

#[test]
fn start_without_init_names_the_fix() {
    let p = Process::new(work);
    let err = p.start().unwrap_err();
    assert!(matches!(err, ProcessError::NotInitialized), "{err:?}");
    assert!(
        err.to_string()
            .contains("add `pythreading_mp::init();` as the first line of `main`"),
        "{err}"
    );
    assert_eq!(p.pid().unwrap(), None, "nothing was spawned");
}

// The fork-bomb guard: a process that carries the child marker but was never dispatched by
// `init()` refuses to start children. The helper below runs in a copy of this binary whose
// environment carries the marker.
#[test]
fn undispatched_child_refuses_to_spawn() {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "helper_undispatched",
            "--nocapture",
            "--include-ignored",
        ])
        .env("PYTHREADING_MP_SOCKET", "/nonexistent/pythreading-mp-test")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "helper failed: {stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("guard: UndispatchedChild"), "{stdout}");
}

#[test]
#[ignore = "child-process entry point, run by its parent test"]
fn helper_undispatched() {
    let err = Process::new(work).start().unwrap_err();
    assert!(matches!(err, ProcessError::UndispatchedChild), "{err:?}");
    assert!(err.to_string().contains("refusing to start another child"));
    println!("guard: {err:?}");
}

#[test]
fn pool_without_init_names_the_fix() {
    let err = pythreading_mp::pool::Pool::new(1).unwrap_err();
    assert!(
        err.to_string()
            .contains("add `pythreading_mp::init();` as the first line of `main`"),
        "{err}"
    );
}
