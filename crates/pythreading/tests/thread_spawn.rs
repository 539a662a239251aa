//! Spawning, joining and the `Thread` handle (spec group J; B-11..B-13 for the handle).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex, mpsc};
use std::time::{Duration, Instant};

use pythreading::threading::{self, Builder, JoinError, JoinHandle, Panicked, Run, Thread};

mod timing;

fn quiet_hook() {
    // Panicking threads in this file are expected; keep stderr readable. Every test installs the
    // same silent hook, so parallel tests cannot disturb each other.
    threading::set_excepthook(|_| {});
}

// J-01: an explicit name is kept.
#[test]
fn explicit_name_is_kept() {
    let h = Builder::new().name("myname1").spawn(|| ()).unwrap();
    assert_eq!(h.thread().name(), "myname1");
    h.join().unwrap();
}

// J-02: default names are Thread-N from one increasing counter; an empty name means default.
#[test]
fn default_names_count_up() {
    let a = threading::spawn(|| ());
    let b = Builder::new().name("").spawn(|| ()).unwrap();
    let n = |t: &Thread| -> usize { t.name().strip_prefix("Thread-").unwrap().parse().unwrap() };
    assert!(n(b.thread()) > n(a.thread()));
    a.join().unwrap();
    b.join().unwrap();
}

// J-22, S-23: the OS-level name follows the thread's name (what std reports inside the thread).
#[test]
fn os_thread_name_is_set() {
    let h = Builder::new()
        .name("osname")
        .spawn(|| std::thread::current().name().map(str::to_owned))
        .unwrap();
    assert_eq!(h.join().unwrap().as_deref(), Some("osname"));
    #[cfg(target_os = "linux")]
    {
        let (tx, rx) = mpsc::channel();
        let (done_tx, done_rx) = mpsc::channel::<()>();
        let h = Builder::new()
            .name("a-very-long-thread-name")
            .spawn(move || {
                let comm = std::fs::read_to_string("/proc/thread-self/comm").unwrap();
                tx.send(comm).unwrap();
                let _ = done_rx.recv();
            })
            .unwrap();
        let comm = rx.recv().unwrap();
        assert_eq!(comm.trim_end(), "a-very-long-thr"); // 15 bytes
        done_tx.send(()).unwrap();
        h.join().unwrap();
    }
}

// J-04: daemon is inherited from the creating thread unless given.
#[test]
fn daemon_flag_is_inherited_or_explicit() {
    let h = Builder::new()
        .daemon(false)
        .spawn(|| {
            let inner_default = threading::spawn(|| threading::current_thread().is_daemon());
            let inner_daemon = Builder::new().daemon(true).spawn(|| ()).unwrap();
            (
                inner_default.join().unwrap(),
                inner_daemon.thread().is_daemon(),
            )
        })
        .unwrap();
    assert_eq!(h.join().unwrap(), (false, true));
    let h = Builder::new()
        .daemon(true)
        .spawn(|| threading::spawn(|| ()).thread().is_daemon())
        .unwrap();
    assert!(h.join().unwrap());
}

// The three ways the tutorials create threads: closure, callable object, "subclass with run()".
struct Counter {
    to: u64,
}

impl Run for Counter {
    type Output = u64;
    fn run(self) -> u64 {
        (0..self.to).sum()
    }
}

#[test]
fn closure_callable_and_run_type() {
    let closure = threading::spawn(|| 1 + 1);
    let object = Builder::new()
        .name("runner")
        .spawn(Counter { to: 5 })
        .unwrap();
    fn free_function() -> &'static str {
        "fn item"
    }
    let function = threading::spawn(free_function);
    assert_eq!(closure.join().unwrap(), 2);
    assert_eq!(object.join().unwrap(), 10);
    assert_eq!(function.join().unwrap(), "fn item");
}

// J-09, J-11: after spawn returns, ident is set, native_id is distinct, and enumerate lists it.
#[test]
fn started_thread_is_registered_with_ids() {
    let release = Arc::new(Barrier::new(11));
    let handles: Vec<JoinHandle<()>> = (0..10)
        .map(|_| {
            let release = release.clone();
            threading::spawn(move || {
                release.wait();
            })
        })
        .collect();
    let listed = threading::enumerate();
    let mut natives = vec![threading::get_native_id()];
    for h in &handles {
        assert!(h.thread().ident() != 0);
        assert!(listed.contains(h.thread()));
        natives.push(h.thread().native_id());
    }
    natives.sort_unstable();
    natives.dedup();
    assert_eq!(natives.len(), 11);
    release.wait();
    let idents: Vec<u64> = handles.iter().map(|h| h.thread().ident()).collect();
    for h in handles {
        h.join().unwrap();
    }
    // J-11: kept after exit.
    assert!(idents.iter().all(|&i| i != 0));
}

// J-19, A-08, J-16: is_alive through the life; join_timeout reports and can be repeated.
#[test]
fn is_alive_and_join_timeout() {
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let h = threading::spawn(move || {
        go_rx.recv().unwrap();
    });
    let t = h.thread().clone();
    assert!(t.is_alive());
    let start = Instant::now();
    assert_eq!(t.join_timeout(Duration::from_millis(100)), Ok(false));
    let waited = start.elapsed();
    assert!(waited >= Duration::from_millis(60), "{waited:?}");
    assert!(t.is_alive());
    assert_eq!(t.join_timeout(Duration::ZERO), Ok(false));
    assert_eq!(h.join_timeout(Duration::ZERO), Ok(false));
    go_tx.send(()).unwrap();
    assert_eq!(t.join_timeout(Duration::MAX), Ok(true));
    assert!(!t.is_alive());
    assert!(h.is_finished());
    t.join().unwrap();
    t.join().unwrap();
    h.join().unwrap();
}

// J-17, B-11: many threads join the same worker at once; joining an exited thread works.
#[test]
fn join_from_many_threads() {
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let worker = threading::spawn(move || go_rx.recv().unwrap());
    let t = worker.thread().clone();
    let joined = Arc::new(AtomicUsize::new(0));
    let joiners: Vec<_> = (0..10)
        .map(|_| {
            let t = t.clone();
            let joined = joined.clone();
            // Each joiner is parked in join() before the worker may end (observed, not slept on).
            timing::spawn_parked(move || {
                t.join().unwrap();
                joined.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();
    assert_eq!(joined.load(Ordering::SeqCst), 0);
    go_tx.send(()).unwrap();
    for j in joiners {
        j.join().unwrap();
    }
    assert_eq!(joined.load(Ordering::SeqCst), 10);
    worker.join().unwrap();
    t.join().unwrap(); // already exited
}

// J-15, B-12: joining oneself is an error, not a deadlock; others can still join afterwards.
#[test]
fn self_join_is_an_error() {
    let h = threading::spawn(|| {
        let me = threading::current_thread();
        (me.join(), me.join_timeout(Duration::from_secs(1)))
    });
    let t = h.thread().clone();
    assert_eq!(
        h.join().unwrap(),
        (Err(JoinError::CurrentThread), Err(JoinError::CurrentThread))
    );
    t.join().unwrap();
    assert_eq!(
        threading::main_thread().join_timeout(Duration::ZERO),
        if threading::get_ident() == threading::main_thread().ident() {
            Err(JoinError::CurrentThread)
        } else {
            Ok(false)
        }
    );
}

// J-23, S-04: a panic reaches join() with its payload; the thread still ends normally.
#[test]
fn panic_reaches_join() {
    quiet_hook();
    let h = Builder::new()
        .name("panicker")
        .spawn(|| -> u8 { panic!("run failed") })
        .unwrap();
    let t = h.thread().clone();
    let err: Panicked = h.join().unwrap_err();
    assert_eq!(err.message(), "run failed");
    assert!(!err.is_exit());
    assert!(err.to_string().contains("run failed"));
    assert!(!t.is_alive());
    let typed = threading::spawn(|| std::panic::panic_any(7_u32))
        .join()
        .unwrap_err();
    assert_eq!(typed.into_payload().downcast_ref::<u32>(), Some(&7));
    let resumed = std::panic::catch_unwind(|| {
        threading::spawn(|| panic!("again"))
            .join()
            .unwrap_err()
            .resume()
    });
    assert!(resumed.is_err());
}

// J-13: threads that create threads; 100 threads one after another; small and large stacks.
#[test]
fn workloads_that_must_work() {
    let nested = threading::spawn(|| {
        let inner: Vec<_> = (0..5).map(|i| threading::spawn(move || i * 2)).collect();
        inner.into_iter().map(|h| h.join().unwrap()).sum::<i32>()
    });
    assert_eq!(nested.join().unwrap(), 20);
    for i in 0..100 {
        assert_eq!(threading::spawn(move || i).join().unwrap(), i);
    }
    for size in [256 * 1024, 1 << 20] {
        let h = Builder::new()
            .stack_size(size)
            .spawn(|| {
                let buf = [1u8; 64 * 1024];
                std::hint::black_box(buf)
                    .iter()
                    .map(|&b| b as u32)
                    .sum::<u32>()
            })
            .unwrap();
        assert_eq!(h.join().unwrap(), 64 * 1024);
    }
}

// J-12 / S-06: the body and what it captured are dropped once the thread ended.
#[test]
fn body_is_dropped_after_run() {
    let captured = Arc::new(());
    let inside = captured.clone();
    let h = threading::spawn(move || {
        let _keep = inside;
    });
    h.join().unwrap();
    assert_eq!(Arc::strong_count(&captured), 1);
}

// J-05: Debug has Python's repr shape; "stopped" once finished without join.
#[test]
fn debug_shows_status() {
    let (tx, rx) = mpsc::channel::<()>();
    let h = Builder::new()
        .name("reprd")
        .daemon(true)
        .spawn(move || {
            let _ = rx.recv();
        })
        .unwrap();
    let t = h.thread().clone();
    let running = format!("{t:?}");
    assert!(
        running.starts_with("<Thread(reprd, started daemon "),
        "{running}"
    );
    drop(tx);
    let deadline = Instant::now() + Duration::from_secs(5);
    while t.is_alive() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    assert!(format!("{t:?}").contains("stopped"));
    let h2 = Builder::new().daemon(false).spawn(|| ()).unwrap();
    assert!(!format!("{:?}", h2.thread()).contains("daemon"));
    h.join().unwrap();
    h2.join().unwrap();
}

// Duration::MAX waits forever and never panics; ZERO polls.
#[test]
fn extreme_timeouts_do_not_panic() {
    let h = threading::spawn(|| std::thread::sleep(Duration::from_millis(30)));
    assert_eq!(h.join_timeout(Duration::ZERO), Ok(false));
    assert_eq!(h.join_timeout(Duration::MAX), Ok(true));
    assert_eq!(h.thread().join_timeout(Duration::MAX), Ok(true));
    h.join().unwrap();
}

#[test]
fn handles_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<Thread>();
    send_sync::<Builder>();
    send_sync::<JoinHandle<u32>>();
    send_sync::<JoinError>();
    send::<Panicked>();
    send_sync::<threading::StopFlag>();
    send_sync::<threading::Timer>();
    send_sync::<threading::RepeatingTimer>();
    send_sync::<threading::Local<String>>();
    send_sync::<threading::ExceptHook>();
    send_sync::<threading::AtexitError>();
    fn error<E: std::error::Error + Send + Sync + 'static>() {}
    error::<JoinError>();
    error::<threading::AtexitError>();
    error::<threading::StackSizeError>();
}

// Cooperative stop: the tutorials' kill_received loop ends promptly when stop() is called.
#[test]
fn stop_flag_ends_workers_promptly() {
    let stop = threading::StopFlag::new();
    let rounds = Arc::new(Mutex::new(Vec::new()));
    let (tids_tx, tids) = mpsc::channel();
    let workers: Vec<_> = (0..4)
        .map(|i| {
            let stop = stop.clone();
            let rounds = rounds.clone();
            let tids_tx = tids_tx.clone();
            threading::spawn(move || {
                tids_tx.send(timing::thread_id()).unwrap();
                let mut n = 0;
                while !stop.is_stopped() {
                    n += 1;
                    let _ = stop.wait_timeout(Duration::from_secs(30));
                }
                rounds.lock().unwrap().push((i, n));
            })
        })
        .collect();
    // Every worker is parked in its wait (observed, not slept on).
    for _ in 0..4 {
        timing::wait_parked(tids.recv_timeout(Duration::from_secs(10)).unwrap());
    }
    let start = Instant::now();
    stop.stop();
    for w in workers {
        w.join().unwrap();
    }
    assert!(start.elapsed() < Duration::from_secs(5));
    assert_eq!(rounds.lock().unwrap().len(), 4);
    assert!(stop.wait_timeout(Duration::ZERO));
}

// J-10, B-16: when the OS refuses the thread, spawn returns the error and nothing stays
// registered (no "limbo" entry, no non-daemon count that would hang shutdown).
#[test]
fn refused_spawn_leaves_nothing_behind() {
    let before: Vec<u64> = threading::enumerate().iter().map(Thread::ident).collect();
    let result = Builder::new()
        .name("too-big")
        .stack_size(1 << 50)
        .spawn(|| ());
    assert!(result.is_err());
    assert!(
        !threading::enumerate()
            .iter()
            .any(|t| t.name() == "too-big" && !before.contains(&t.ident()))
    );
}

// J-15, B-12 through the handle: a thread holding its own JoinHandle cannot wait for itself —
// `join_timeout(Duration::MAX)` and `join()` both refuse at once with the one typed error,
// `JoinError::CurrentThread`, as `Thread::join` does; the owner of a `Thread` clone can still
// join it.
#[test]
fn own_handle_cannot_wait_for_itself() {
    quiet_hook();
    let (tx, rx) = mpsc::channel::<JoinHandle<()>>();
    let (res_tx, res_rx) = mpsc::channel();
    let h = threading::spawn(move || {
        let own = rx.recv().unwrap();
        let start = Instant::now();
        let waited = own.join_timeout(Duration::MAX);
        let joined = own
            .join()
            .map_err(|e| (e.join_error(), e.message().to_owned()));
        res_tx.send((waited, start.elapsed(), joined)).unwrap();
    });
    let t = h.thread().clone();
    tx.send(h).unwrap();
    let (waited, elapsed, joined) = res_rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(waited, Err(JoinError::CurrentThread));
    assert!(elapsed < Duration::from_secs(5));
    assert_eq!(
        joined,
        Err((
            Some(JoinError::CurrentThread),
            "cannot join current thread".to_owned()
        ))
    );
    assert_eq!(t.join_timeout(Duration::MAX), Ok(true));
}

// The timeout convention for StopFlag: ZERO polls, MAX waits (never panicking) until stop().
#[test]
fn stop_flag_zero_polls_and_max_waits() {
    let stop = threading::StopFlag::new();
    let start = Instant::now();
    assert!(!stop.wait_timeout(Duration::ZERO));
    assert!(start.elapsed() < Duration::from_millis(500));
    let s = stop.clone();
    let (tid_tx, tid) = mpsc::channel();
    let h = threading::spawn(move || {
        tid_tx.send(timing::thread_id()).unwrap();
        s.wait_timeout(Duration::MAX)
    });
    timing::wait_parked(tid.recv_timeout(Duration::from_secs(10)).unwrap());
    assert!(!h.is_finished());
    stop.stop();
    assert!(h.join().unwrap());
}

// S-01: failures are typed values, not strings: one error type per operation shape, with
// lowercase `Display` (Python's messages), `std::error::Error`, and the variants of one enum
// distinguishable; a panic payload comes back inside `Panicked`.
#[test]
fn thread_errors_are_typed() {
    fn is_error<E: std::error::Error + Send + Sync + 'static>(_: &E) {}
    // (In a test-harness thread current_thread() is a dummy, whose join is DummyThread.)
    let err = threading::spawn(|| threading::current_thread().join())
        .join()
        .unwrap()
        .unwrap_err();
    is_error(&err);
    assert_eq!(err, JoinError::CurrentThread);
    assert_ne!(err, JoinError::DummyThread);
    assert_eq!(err.to_string(), "cannot join current thread");
    assert_eq!(
        JoinError::DummyThread.to_string(),
        "cannot join a dummy thread"
    );
    quiet_hook();
    let p: Panicked = threading::spawn(|| -> u8 { panic!("boom") })
        .join()
        .unwrap_err();
    assert!(p.to_string().starts_with("the thread panicked"));
    assert_eq!(p.message(), "boom");
    assert!(!p.is_exit());
    assert_eq!(p.into_payload().downcast_ref::<&str>(), Some(&"boom"));
    let size = threading::low_level::set_stack_size(1).unwrap_err();
    is_error(&size);
    assert_eq!(size.size(), 1);
    assert!(size.to_string().chars().next().unwrap().is_lowercase());
}
