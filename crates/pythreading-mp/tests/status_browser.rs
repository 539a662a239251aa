//! Issue 9 §4: the status page in a real headless browser (Debian's `chromium`). A producer and
//! a consumer move tasks through a served queue (the producer twice as fast, so the depth
//! grows); the page is loaded twice while they run, its JavaScript fetches `/status.json` and
//! renders it, and the depths in the rendered DOM must differ between the loads and lie within
//! the server's own depths read just before and just after each load.
//!
//! Without `chromium` the test fails when `CI` is set and otherwise skips with a `SKIPPED`
//! notice (`PYTHREADING_SKIP_LOG`). `PYTHREADING_CHROMIUM` names another browser binary.
// MP-M10 (named queues)

mod common;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use pythreading_mp::managers::{Manager, ServerBuilder, ShutdownHandle};

/// The browser binary: `PYTHREADING_CHROMIUM`, else the first of `chromium`,
/// `chromium-browser` that runs `--version`.
fn chromium() -> Option<String> {
    let candidates: Vec<String> = match std::env::var("PYTHREADING_CHROMIUM") {
        Ok(path) => vec![path],
        Err(_) => vec!["chromium".into(), "chromium-browser".into()],
    };
    candidates.into_iter().find(|c| {
        Command::new(c)
            .arg("--version")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// A profile directory of this run's own, removed on drop.
struct Profile(PathBuf);

impl Drop for Profile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Loads `url` in headless chromium, lets its scripts run for a second of virtual time, and
/// returns the DOM as the scripts left it. The browser is killed if it takes over 60 s.
fn dump_dom(browser: &str, url: &str, profile: &Profile) -> String {
    let mut cmd = Command::new(browser);
    cmd.args([
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-extensions",
        "--virtual-time-budget=1500",
        "--dump-dom",
    ])
    .arg(format!("--user-data-dir={}", profile.0.display()))
    .arg(url)
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let out = common::Guard::spawn(&mut cmd).output_timeout(Duration::from_secs(60), "chromium");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("the DOM is UTF-8")
}

/// The number in the rendered depth cell of `queue` (`<td class="n depth" data-queue="…">N</td>`).
fn shown_depth(dom: &str, queue: &str) -> u64 {
    let marker = format!("class=\"n depth\" data-queue=\"{queue}\">");
    let at = dom.find(&marker).unwrap_or_else(|| {
        panic!("no rendered depth for {queue}; the page's script did not run? DOM:\n{dom}")
    });
    let rest = &dom[at + marker.len()..];
    rest[..rest.find('<').expect("cell end")]
        .parse()
        .unwrap_or_else(|_| {
            panic!(
                "depth cell is not a number: {}",
                &rest[..20.min(rest.len())]
            )
        })
}

/// How many times the page's script refreshed (`data-refreshes="N"` on `#state`).
fn refreshes(dom: &str) -> u64 {
    let marker = "data-refreshes=\"";
    let at = dom.find(marker).expect("the page never refreshed");
    let rest = &dom[at + marker.len()..];
    rest[..rest.find('"').unwrap()].parse().unwrap()
}

fn server_depth(handle: &ShutdownHandle) -> u64 {
    let status = handle.status();
    let q = status.queues.iter().find(|q| q.name == "get_task_queue");
    q.expect("get_task_queue in the snapshot").depth
}

#[test]
fn the_rendered_page_follows_the_queue_while_tasks_flow() {
    let Some(browser) = chromium() else {
        common::skip("chromium not found (apt-get install chromium)");
        return;
    };
    let server = ServerBuilder::new("k")
        .queue("get_task_queue")
        .status_http("127.0.0.1:0")
        .bind("127.0.0.1:0")
        .expect("bind");
    let url = format!("http://{}/", server.status_address().unwrap());
    let running = server.spawn().expect("spawn");
    let handle = running.handle();
    let address = running.address();
    let stop = Arc::new(AtomicBool::new(false));

    // Producer: 2 tasks per tick; consumer: 1 per tick. Handshake-free on purpose: the test
    // only needs the depth to move, and reads the server's own depth around each load.
    let producer = {
        let stop = Arc::clone(&stop);
        thread::spawn(move || {
            let m = Manager::connect(address, "k").expect("producer connects");
            let q = m.queue::<i64>("get_task_queue").unwrap();
            let mut n = 0;
            while !stop.load(Ordering::Acquire) {
                q.put(n).unwrap();
                q.put(n + 1).unwrap();
                n += 2;
                thread::sleep(Duration::from_millis(20));
            }
            n
        })
    };
    let consumer = {
        let stop = Arc::clone(&stop);
        thread::spawn(move || {
            let m = Manager::connect(address, "k").expect("consumer connects");
            let q = m.queue::<i64>("get_task_queue").unwrap();
            let mut got = 0u64;
            while !stop.load(Ordering::Acquire) {
                if q.get_timeout(Duration::from_millis(500)).is_ok() {
                    got += 1;
                }
                thread::sleep(Duration::from_millis(20));
            }
            got
        })
    };

    let profile = Profile(std::env::temp_dir().join(format!(
        "pythreading-chromium-{}-{}",
        std::process::id(),
        fastrand_suffix()
    )));
    let mut shown = Vec::new();
    for load in 0..2 {
        let before = server_depth(&handle);
        let dom = dump_dom(&browser, &url, &profile);
        let after = server_depth(&handle);
        let depth = shown_depth(&dom, "get_task_queue");
        assert!(refreshes(&dom) >= 1, "the script fetched /status.json");
        assert!(
            dom.contains("class=\"peer\">127.0.0.1:"),
            "the connected clients are listed"
        );
        // The consumer may dip the depth by one between the producer's ticks.
        assert!(
            before.saturating_sub(2) <= depth && depth <= after + 2,
            "load {load}: page shows {depth}, server had {before} before and {after} after"
        );
        println!("load {load}: page shows depth {depth} (server: {before} before, {after} after)");
        shown.push(depth);
        if load == 0 {
            // Let the depth move by a few dozen tasks before the second load.
            let target = after + 20;
            let deadline = std::time::Instant::now() + Duration::from_secs(30);
            while server_depth(&handle) < target {
                assert!(
                    std::time::Instant::now() < deadline,
                    "the depth did not grow in 30 s"
                );
                thread::sleep(Duration::from_millis(20));
            }
        }
    }
    stop.store(true, Ordering::Release);
    let produced = producer.join().unwrap();
    let consumed = consumer.join().unwrap();
    assert!(
        produced > 0 && consumed > 0,
        "tasks flowed: {produced} put, {consumed} taken"
    );
    assert!(
        shown[1] > shown[0],
        "the depth shown changed between loads: {shown:?}"
    );
    running.shutdown();
}

/// A few random hex digits, so parallel runs never share a browser profile.
fn fastrand_suffix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{nanos:x}")
}
