//! `Process` life cycle against the checklist: MP-P01..P11, P13, P16 (recursion, `Run`), P17, P18.
//!
//! Every test calls `pythreading_mp::init()` first: a child re-runs this binary with
//! `--exact <that test>` and is dispatched by that line. Children report through files in a
//! scratch directory; every child is held by a kill-on-drop guard.

mod process_common;

use std::time::{Duration, Instant};

use process_common::{Guard, Scratch, join_or_fail};
use pythreading_mp::process::{
    Process, ProcessError, Run, active_children, current_process, parent_process, run_object,
};
use serde::{Deserialize, Serialize};

/// Writes what the child knows about itself.
fn report(path: String, n: u64) {
    let me = current_process();
    let parent = parent_process().expect("a child has a parent");
    let text = format!(
        "{}|{}|{}|{}|{}|{n}",
        me.name(),
        me.pid(),
        parent.name(),
        parent.pid(),
        parent.is_alive()
    );
    std::fs::write(path, text).unwrap();
}

/// Waits (bounded) until `release` exists: a handshake, not a sleep.
fn wait_for_file(release: String) {
    let end = Instant::now() + Duration::from_secs(60);
    while !std::path::Path::new(&release).exists() && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn boom(msg: String) {
    panic!("{msg}");
}

fn exit_with(code: i32) {
    std::process::exit(code);
}

fn abort_now() {
    std::process::abort();
}

fn nothing() {}

/// Starts a grandchild and records the result (MP-P10, MP-P16).
fn spawn_grandchild(path: String) {
    let inner = Process::builder(report)
        .args((format!("{path}.grand"), 7))
        .build();
    let text = match inner.start() {
        Ok(()) => {
            inner.join().unwrap();
            format!("ok {}", inner.exitcode().unwrap().unwrap())
        }
        Err(e) => format!("err {e}"),
    };
    std::fs::write(path, text).unwrap();
}

#[derive(Serialize, Deserialize)]
struct Writer {
    path: String,
    text: String,
}

impl Run for Writer {
    fn run(self) {
        std::fs::write(
            self.path,
            format!("{} from {}", self.text, current_process().name()),
        )
        .unwrap();
    }
}

fn never_registered() {}

/// Starts a non-daemon thread that writes `slow` after 200 ms and a daemon thread that would
/// write `never` after 30 s, then returns at once (MP-P14).
fn leaves_threads(slow: String, never: String) {
    pythreading::threading::Builder::new()
        .daemon(false)
        .spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            std::fs::write(slow, b"done").unwrap();
        })
        .unwrap();
    pythreading::threading::Builder::new()
        .daemon(true)
        .spawn(move || {
            std::thread::sleep(Duration::from_secs(30));
            std::fs::write(never, b"done").unwrap();
        })
        .unwrap();
}
pythreading_mp::register!(leaves_threads, report_args);

/// Writes the child's command-line arguments.
fn report_args(path: String) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::fs::write(path, args.join(" ")).unwrap();
}

// A child of a test binary re-runs only the test that started it, never the suite.
#[test]
fn child_runs_only_its_test() {
    pythreading_mp::init();
    let s = Scratch::new("argv");
    let p = Guard(Process::builder(report_args).args((s.file("a"),)).build());
    p.start().unwrap();
    join_or_fail(&p, "argv");
    let args = std::fs::read_to_string(s.file("a")).unwrap();
    assert!(
        args.starts_with("--exact child_runs_only_its_test "),
        "{args}"
    );
}

// Dropping the last handle of a running daemonic process kills it (and it is reaped).
#[test]
fn dropping_a_daemon_kills_it() {
    pythreading_mp::init();
    let s = Scratch::new("drop");
    let p = Process::builder(wait_for_file)
        .daemon(true)
        .args((s.file("never"),))
        .build();
    p.start().unwrap();
    let pid = p.pid().unwrap().unwrap();
    drop(p);
    let t = Instant::now();
    // `active_children()` reaps finished orphans, as Python's does.
    while std::path::Path::new(&format!("/proc/{pid}")).exists()
        && t.elapsed() < Duration::from_secs(60)
    {
        let _ = active_children();
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(
        !std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "the dropped daemon {pid} is still there"
    );
}

// MP-P14: a child waits for its non-daemon threads before exiting; its daemon threads are killed.
#[test]
fn child_waits_for_non_daemon_threads_only() {
    pythreading_mp::init();
    let s = Scratch::new("threads");
    let p = Guard(
        Process::builder(leaves_threads)
            .args((s.file("slow"), s.file("never")))
            .build(),
    );
    let t = Instant::now();
    p.start().unwrap();
    join_or_fail(&p, "threads");
    assert_eq!(p.exitcode().unwrap(), Some(0));
    assert_eq!(
        std::fs::read(s.file("slow")).unwrap(),
        b"done",
        "non-daemon thread was waited for"
    );
    assert!(!std::path::Path::new(&s.file("never")).exists());
    assert!(
        t.elapsed() < Duration::from_secs(20),
        "daemon thread was waited for"
    );
}

pythreading_mp::register!(
    report,
    wait_for_file,
    boom,
    exit_with,
    abort_now,
    nothing,
    spawn_grandchild,
    run_object::<Writer>
);

// MP-P01, MP-P02, MP-P06, MP-P13: the child sees its args, its name and its parent.
#[test]
fn child_sees_args_name_and_parent() {
    pythreading_mp::init();
    let s = Scratch::new("args");
    let p = Guard(Process::builder(report).args((s.file("r"), 100)).build());
    let name = p.name().to_owned();
    assert!(name.starts_with("Process-"), "default name {name}");
    p.start().unwrap();
    join_or_fail(&p, "report");
    assert_eq!(p.exitcode().unwrap(), Some(0));
    assert!(!p.is_alive().unwrap());
    let text = std::fs::read_to_string(s.file("r")).unwrap();
    let f: Vec<&str> = text.split('|').collect();
    assert_eq!(f[0], name);
    assert_eq!(f[1], p.pid().unwrap().unwrap().to_string());
    assert_eq!(f[2], "MainProcess");
    assert_eq!(f[3], std::process::id().to_string());
    assert_eq!(f[4], "true");
    assert_eq!(f[5], "100");
    // MP-P02 in the parent.
    assert_eq!(current_process().name(), "MainProcess");
    assert!(parent_process().is_none());
}

// MP-P04, MP-P05, MP-P06, MP-P07: states before, during and after.
#[test]
fn states_before_during_after() {
    pythreading_mp::init();
    let s = Scratch::new("states");
    let release = s.file("go");
    let p = Guard(
        Process::builder(wait_for_file)
            .args((release.clone(),))
            .build(),
    );
    assert!(!p.is_alive().unwrap());
    assert_eq!(p.exitcode().unwrap(), None);
    assert_eq!(p.pid().unwrap(), None);
    assert!(matches!(p.join(), Err(ProcessError::NotStarted)));
    assert!(matches!(
        p.join_timeout(Duration::ZERO),
        Err(ProcessError::NotStarted)
    ));
    assert!(matches!(p.terminate(), Err(ProcessError::NotStarted)));
    assert_eq!(ProcessError::NotStarted.to_string(), "process not started");

    p.start().unwrap();
    assert!(p.is_alive().unwrap());
    assert_eq!(p.exitcode().unwrap(), None);
    let pid = p.pid().unwrap().expect("pid after start");
    assert!(
        active_children()
            .iter()
            .any(|c| c.pid().unwrap() == Some(pid))
    );
    assert!(matches!(p.start(), Err(ProcessError::AlreadyStarted)));
    assert_eq!(
        ProcessError::AlreadyStarted.to_string(),
        "cannot start a process twice"
    );

    // MP-P07: a zero timeout returns at once and the child stays alive.
    let t = Instant::now();
    assert!(!p.join_timeout(Duration::ZERO).unwrap());
    assert!(t.elapsed() < Duration::from_secs(1));
    // A short timeout waits about that long (0.6·T ≤ elapsed < 10·T).
    let t = Instant::now();
    assert!(!p.join_timeout(Duration::from_millis(100)).unwrap());
    let e = t.elapsed();
    assert!(
        e >= Duration::from_millis(60) && e < Duration::from_secs(1),
        "{e:?}"
    );
    assert!(p.is_alive().unwrap());

    std::fs::write(&release, b"").unwrap();
    join_or_fail(&p, "wait_for_file");
    assert_eq!(p.exitcode().unwrap(), Some(0));
    assert!(!p.is_alive().unwrap());
    assert!(
        !active_children()
            .iter()
            .any(|c| c.pid().unwrap() == Some(pid))
    );
}

// MP-P08, MP-P09, MP-X03: exit codes.
#[test]
fn exit_codes() {
    pythreading_mp::init();
    let s = Scratch::new("codes");
    let ok = Guard(Process::new(nothing));
    let panics = Guard(
        Process::builder(boom)
            .args(("on purpose".to_string(),))
            .build(),
    );
    let exits = Guard(Process::builder(exit_with).args((8,)).build());
    let aborts = Guard(Process::new(abort_now));
    let termed = Guard(
        Process::builder(wait_for_file)
            .args((s.file("never"),))
            .build(),
    );
    let killed = Guard(
        Process::builder(wait_for_file)
            .args((s.file("never"),))
            .build(),
    );
    for p in [&ok, &panics, &exits, &aborts, &termed, &killed] {
        p.start().unwrap();
    }
    termed.terminate().unwrap();
    killed.kill().unwrap();
    for p in [&ok, &panics, &exits, &aborts, &termed, &killed] {
        join_or_fail(p, p.name());
    }
    assert_eq!(ok.exitcode().unwrap(), Some(0));
    assert_eq!(panics.exitcode().unwrap(), Some(1));
    assert_eq!(exits.exitcode().unwrap(), Some(8));
    assert_eq!(aborts.exitcode().unwrap(), Some(-6));
    assert_eq!(termed.exitcode().unwrap(), Some(-15));
    assert_eq!(killed.exitcode().unwrap(), Some(-9));
    // Signalling an exited process is a no-op, as in Python.
    killed.kill().unwrap();
    for p in [&termed, &killed] {
        assert!(!p.is_alive().unwrap());
        let pid = p.pid().unwrap();
        assert!(!active_children().iter().any(|c| c.pid().unwrap() == pid));
    }
}

// MP-P08: "Process NAME:" and the panic message on the child's stderr. The child's stderr is
// inherited, so this runs a helper test in a fresh copy of this binary and reads its stderr.
#[test]
fn panic_prints_name_and_message_on_stderr() {
    pythreading_mp::init();
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "helper_panicking_child",
            "--nocapture",
            "--include-ignored",
            "--quiet",
        ])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "helper failed: {stderr}");
    assert!(
        stderr.contains("Process helper-child:"),
        "no 'Process NAME:' line in: {stderr}"
    );
    assert!(
        stderr.contains("exploded in the child"),
        "no message in: {stderr}"
    );
}

#[test]
#[ignore = "child-process entry point, run by its parent test"]
fn helper_panicking_child() {
    pythreading_mp::init();
    let p = Guard(
        Process::builder(boom)
            .name("helper-child")
            .args(("exploded in the child".to_string(),))
            .build(),
    );
    p.start().unwrap();
    join_or_fail(&p, "helper");
    assert_eq!(p.exitcode().unwrap(), Some(1));
}

// MP-P04, MP-P12: the sentinel is refused before start, not ready while the child runs, ready
// once it exits.
#[test]
fn sentinel() {
    pythreading_mp::init();
    let s = Scratch::new("sentinel");
    let p = Guard(
        Process::builder(wait_for_file)
            .args((s.file("go"),))
            .build(),
    );
    assert!(matches!(p.sentinel(), Err(ProcessError::NotStarted)));
    p.start().unwrap();
    let sentinel = p.sentinel().unwrap();
    assert!(!sentinel.is_ready());
    assert!(!sentinel.wait_timeout(Duration::from_millis(50)));
    std::fs::write(s.file("go"), b"").unwrap();
    assert!(
        sentinel.wait_timeout(Duration::from_secs(60)),
        "not ready after the child exited"
    );
    join_or_fail(&p, "sentinel");
    assert!(p.sentinel().unwrap().is_ready());
    p.close().unwrap();
    assert!(matches!(p.sentinel(), Err(ProcessError::Closed)));
}

// MP-P11: close.
#[test]
fn close_rules() {
    pythreading_mp::init();
    let s = Scratch::new("close");
    let p = Guard(
        Process::builder(wait_for_file)
            .args((s.file("go"),))
            .build(),
    );
    p.start().unwrap();
    assert!(matches!(p.close(), Err(ProcessError::StillRunning)));
    std::fs::write(s.file("go"), b"").unwrap();
    join_or_fail(&p, "close");
    p.close().unwrap();
    assert!(matches!(p.is_alive(), Err(ProcessError::Closed)));
    assert!(matches!(p.join(), Err(ProcessError::Closed)));
    assert!(matches!(p.terminate(), Err(ProcessError::Closed)));
    assert!(matches!(p.pid(), Err(ProcessError::Closed)));
    assert!(matches!(p.exitcode(), Err(ProcessError::Closed)));
    assert!(matches!(p.start(), Err(ProcessError::Closed)));
    assert_eq!(ProcessError::Closed.to_string(), "process object is closed");
    p.close().unwrap(); // a second close is a no-op
}

// MP-P03, MP-P10, MP-P16: nested children are named Process-N:M; a daemon may not have children.
#[test]
fn nested_and_daemon_children() {
    pythreading_mp::init();
    let s = Scratch::new("nested");
    let parent = Guard(
        Process::builder(spawn_grandchild)
            .args((s.file("n"),))
            .build(),
    );
    assert!(!parent.daemon());
    parent.start().unwrap();
    join_or_fail(&parent, "nested");
    assert_eq!(parent.exitcode().unwrap(), Some(0));
    assert_eq!(std::fs::read_to_string(s.file("n")).unwrap(), "ok 0");
    let grand = std::fs::read_to_string(s.file("n.grand")).unwrap();
    let f: Vec<&str> = grand.split('|').collect();
    assert_eq!(f[0], format!("{}:1", parent.name()), "grandchild name");
    assert_eq!(f[2], parent.name(), "grandchild's parent name");
    assert_eq!(f[3], parent.pid().unwrap().unwrap().to_string());

    let daemon = Guard(
        Process::builder(spawn_grandchild)
            .daemon(true)
            .args((s.file("d"),))
            .build(),
    );
    assert!(daemon.daemon());
    daemon.start().unwrap();
    join_or_fail(&daemon, "daemon");
    assert_eq!(
        std::fs::read_to_string(s.file("d")).unwrap(),
        "err daemonic processes are not allowed to have children"
    );
    assert!(!std::path::Path::new(&s.file("d.grand")).exists());
}

// MP-P16: the "subclass Process and override run()" form.
#[test]
fn run_trait_form() {
    pythreading_mp::init();
    let s = Scratch::new("run");
    let p = Guard(Process::from_run(Writer {
        path: s.file("w"),
        text: "hello".into(),
    }));
    p.start().unwrap();
    join_or_fail(&p, "run");
    assert_eq!(p.exitcode().unwrap(), Some(0));
    assert_eq!(
        std::fs::read_to_string(s.file("w")).unwrap(),
        format!("hello from {}", p.name())
    );
}

// Bad input is a typed error from start(), and nothing is spawned.
#[test]
fn unregistered_missing_args_and_unencodable() {
    pythreading_mp::init();
    let p = Process::new(never_registered);
    let err = p.start().unwrap_err();
    assert!(matches!(err, ProcessError::NotRegistered { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("add `pythreading_mp::register!(never_registered);`"),
        "{err}"
    );
    assert_eq!(p.pid().unwrap(), None);

    // A generic function: the suggested line uses the turbofish.
    #[derive(Serialize, Deserialize)]
    struct NotRegistered;
    impl Run for NotRegistered {
        fn run(self) {}
    }
    let err = Process::from_run(NotRegistered).start().unwrap_err();
    assert!(
        err.to_string()
            .contains("register!(run_object::<process_lifecycle::"),
        "{err}"
    );

    let p = Process::builder(exit_with).build(); // exit_with takes a parameter
    let err = p.start().unwrap_err();
    assert!(matches!(err, ProcessError::Encode(_)), "{err:?}");
    assert!(err.to_string().contains("no `.args(..)`"), "{err}");

    struct Refuses;
    impl Serialize for Refuses {
        fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
            Err(serde::ser::Error::custom("refuses to be encoded"))
        }
    }
    impl<'de> Deserialize<'de> for Refuses {
        fn deserialize<D: serde::Deserializer<'de>>(_: D) -> Result<Self, D::Error> {
            Ok(Refuses)
        }
    }
    fn takes_refuses(_: Refuses) {}
    let p = Process::builder(takes_refuses).args((Refuses,)).build();
    let err = p.start().unwrap_err();
    assert!(err.to_string().contains("refuses to be encoded"), "{err}");
}

// MP-P18: repr.
#[test]
fn debug_is_pythons_repr() {
    pythreading_mp::init();
    let p = Guard(Process::builder(nothing).name("Process-x").build());
    assert_eq!(format!("{:?}", *p), "<Process name='Process-x' initial>");
    p.start().unwrap();
    join_or_fail(&p, "repr");
    let pid = p.pid().unwrap().unwrap();
    assert_eq!(
        format!("{:?}", *p),
        format!(
            "<Process name='Process-x' pid={pid} parent={} stopped exitcode=0>",
            std::process::id()
        )
    );
}
