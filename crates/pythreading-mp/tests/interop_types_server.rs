//! The Rust client's proxies for `Value`, `Array`, `Namespace`, `Semaphore`,
//! `BoundedSemaphore`, `Condition` and `Barrier` against CPython's own `SyncManager` server
//! (3.11, 3.12, 3.13, started by the test), several threads blocked on one Condition and one
//! Barrier at once; and a CPython `BaseManager` serving a Python class to `RemoteObject`.
// MP-M01, MP-M04, MP-M15, MP-M18, MP-S05, MP-S06, MP-S07, MP-S08; spec §4, §6.4, §8

mod common;
mod types_exercise;

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use pythreading_mp::managers::Manager;

/// Stops the CPython server however the test ends: closing its stdin makes the script call
/// `manager.shutdown()`, which also ends the server process `start()` forked (killing the
/// script alone would orphan that one); a script that does not exit within 10 s is killed.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        drop(self.0.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `script` and reads its `listening on PORT` line.
fn start(version: &str, script: &str) -> Option<(KillOnDrop, u16)> {
    let mut py = common::python(version)?;
    py.arg(common::script(script))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut child = KillOnDrop(py.spawn().expect("spawn python3"));
    let mut line = String::new();
    BufReader::new(child.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line from {script}: {line:?}"))
        .parse()
        .unwrap();
    Some((child, port))
}

fn against(version: &str) {
    let Some((_server, port)) = start(version, "sync_server.py") else {
        return;
    };
    let m = Manager::connect(("127.0.0.1", port), "hello world").unwrap();
    types_exercise::all(&m);
    common::assert_all_released(&m);
}

#[test]
fn rust_client_cpython_311_sync_manager_types() {
    against("3.11");
}

#[test]
fn rust_client_cpython_312_sync_manager_types() {
    against("3.12");
}

#[test]
fn rust_client_cpython_313_sync_manager_types() {
    against("3.13");
}

/// A CPython `BaseManager.register('Counter', Counter)` of a Python class, used through
/// `RemoteObject`: positional and keyword arguments, a raised exception, the exposed list.
fn python_type(version: &str) {
    let Some((_server, port)) = start(version, "user_types_server.py") else {
        return;
    };
    let m = Manager::connect(("127.0.0.1", port), "hello world").unwrap();
    let c = m.create_object("Counter", (5,)).unwrap();
    assert_eq!(c.exposed(), ["increment", "value"]);
    assert_eq!(c.call::<_, i64>("increment", ()).unwrap(), 6);
    #[derive(serde::Serialize)]
    struct By {
        by: i64,
    }
    assert_eq!(c.call::<_, i64>("increment", By { by: 4 }).unwrap(), 10);
    let e = c.call::<_, i64>("increment", (-1,)).unwrap_err();
    assert!(e.as_exception().unwrap().is_builtin("ValueError"), "{e}");
    assert_eq!(c.call::<_, i64>("value", ()).unwrap(), 10);
    drop(c);
    assert_eq!(m.number_of_objects().unwrap(), 0);
}

#[test]
fn rust_client_cpython_311_registered_python_type() {
    python_type("3.11");
}

#[test]
fn rust_client_cpython_313_registered_python_type() {
    python_type("3.13");
}
