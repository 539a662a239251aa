//! Issue 9 §4: the manager server's status page, `/status.json` and `/metrics` — their content
//! as items flow, clients block and connections are refused, and the HTTP server's bounds
//! against hostile clients (raw sockets on 127.0.0.1, bounded in count and time).
// MP-M10 (named queues); issue 15 §0 (bounded before authentication) applied to the page

mod common;
mod server_stats;
mod status_http;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use pythreading_mp::managers::{Manager, RunningServer, ServerBuilder};
use status_http::{get, json_depth, parse_exposition, raw, sample, status_json};

const WEIRD: &str = "odd \"name\" \\ with\nnewline";

fn server() -> (RunningServer, SocketAddr) {
    let server = ServerBuilder::new("k")
        .queue("get_task_queue")
        .queue("idle")
        .queue(WEIRD)
        .status_http("127.0.0.1:0")
        .bind("127.0.0.1:0")
        .expect("bind");
    let page = server.status_address().expect("a status address");
    (server.spawn().expect("spawn"), page)
}

/// Polls `/status.json` until `ok` holds, at most 10 s.
fn wait_json(
    page: SocketAddr,
    what: &str,
    ok: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let doc = status_json(page);
        if ok(&doc) {
            return doc;
        }
        assert!(Instant::now() < deadline, "{what} within 10 s; last: {doc}");
        thread::sleep(Duration::from_millis(20));
    }
}

fn metrics(page: SocketAddr) -> Vec<status_http::Sample> {
    let r = get(page, "/metrics");
    assert_eq!(r.status, 200);
    assert_eq!(
        r.headers["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let (samples, types) = parse_exposition(&r.body);
    assert_eq!(types["pythreading_queue_depth"], "gauge");
    assert_eq!(types["pythreading_connections_refused_total"], "counter");
    samples
}

#[test]
fn json_and_metrics_follow_the_items_as_they_flow() {
    let (running, page) = server();
    let m = Manager::connect(running.address(), "k").expect("connect");
    let tasks = m.queue::<i64>("get_task_queue").unwrap();
    let weird = m.queue::<i64>(WEIRD).unwrap();

    let doc = status_json(page);
    assert_eq!(json_depth(&doc, "get_task_queue"), 0);
    assert_eq!(doc["address"], running.address().to_string());
    for n in 0..5 {
        tasks.put(n).unwrap();
    }
    weird.put(1).unwrap();
    let doc = status_json(page);
    assert_eq!(json_depth(&doc, "get_task_queue"), 5);
    assert_eq!(
        json_depth(&doc, WEIRD),
        1,
        "the escaped name comes back whole"
    );
    let samples = metrics(page);
    let depth = |s: &[status_http::Sample], q: &str| {
        sample(s, "pythreading_queue_depth", Some(("queue", q)))
    };
    assert_eq!(depth(&samples, "get_task_queue"), 5.0);
    assert_eq!(
        depth(&samples, WEIRD),
        1.0,
        "label value escaped and parsed back"
    );
    assert_eq!(depth(&samples, "idle"), 0.0);

    assert_eq!(tasks.get().unwrap(), 0);
    assert_eq!(tasks.get().unwrap(), 1);
    assert_eq!(json_depth(&status_json(page), "get_task_queue"), 3);
    assert_eq!(depth(&metrics(page), "get_task_queue"), 3.0);

    // The table's objects: the two proxies this test holds.
    let doc = status_json(page);
    assert_eq!(
        doc["objects"].as_u64(),
        Some(m.number_of_objects().unwrap() as u64)
    );
    assert_eq!(
        sample(&metrics(page), "pythreading_objects", None),
        m.number_of_objects().unwrap() as f64
    );
    drop((tasks, weird, m));
    running.shutdown();
}

#[test]
fn a_blocked_client_shows_what_it_waits_on() {
    let (running, page) = server();
    let address = running.address();
    let waiter = thread::spawn(move || {
        let m = Manager::connect(address, "k").expect("connect");
        let idle = m.queue::<i64>("idle").unwrap();
        idle.get_timeout(Duration::from_secs(30))
    });
    let doc = wait_json(page, "a client blocked in get on idle", |d| {
        d["clients"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["in_call"]["method"] == "get" && c["in_call"]["typeid"] == "idle")
    });
    let client = doc["clients"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["in_call"]["method"] == "get")
        .unwrap()
        .clone();
    let peer: SocketAddr = client["peer"]
        .as_str()
        .unwrap()
        .parse()
        .expect("peer address");
    assert!(peer.ip().is_loopback());
    assert!(client["in_call"]["seconds"].as_f64().unwrap() >= 0.0);
    assert!(client["in_call"]["since_unix"].as_f64().unwrap() > 1.7e9);
    assert!(sample(&metrics(page), "pythreading_clients_in_call", None) >= 1.0);
    assert!(doc["clients_connected"].as_u64().unwrap() >= 1);

    // Released: the call ends and the page says so.
    let m = Manager::connect(address, "k").unwrap();
    m.queue::<i64>("idle").unwrap().put(9).unwrap();
    assert_eq!(waiter.join().unwrap().unwrap(), 9);
    wait_json(page, "no client left inside get", |d| {
        !d["clients"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["in_call"]["method"] == "get")
    });
    drop(m);
    running.shutdown();
}

#[test]
fn refused_connections_are_counted_by_reason() {
    let (running, page) = server();
    for _ in 0..2 {
        assert!(Manager::connect(running.address(), "wrong").is_err());
    }
    let doc = wait_json(page, "two wrong-key refusals", |d| {
        d["refused"]["wrong_authkey"].as_u64() == Some(2)
    });
    assert_eq!(doc["refused"]["too_many_connections"].as_u64(), Some(0));
    let samples = metrics(page);
    assert_eq!(
        sample(
            &samples,
            "pythreading_connections_refused_total",
            Some(("reason", "wrong_authkey"))
        ),
        2.0
    );
    // Garbage instead of a handshake.
    let mut s = TcpStream::connect(running.address()).unwrap();
    s.write_all(&[0xff; 64]).unwrap();
    drop(s);
    wait_json(page, "a failed handshake counted", |d| {
        d["refused"]["handshake_failed"].as_u64() == Some(1)
    });
    running.shutdown();
}

#[test]
fn the_page_is_self_contained_and_refreshes_itself() {
    let (running, page) = server();
    let r = get(page, "/");
    assert_eq!(r.status, 200);
    assert_eq!(r.headers["content-type"], "text/html; charset=utf-8");
    assert!(r.headers["content-security-policy"].contains("default-src 'none'"));
    assert!(r.body.contains("fetch(\"/status.json\""));
    assert!(r.body.contains("setInterval(refresh, 500)"));
    for external in ["http://", "https://", "src=\"", "<link"] {
        assert!(!r.body.contains(external), "no external asset ({external})");
    }
    running.shutdown();
}

#[test]
fn hostile_requests_get_bounded_answers() {
    let (running, page) = server();
    let mut huge = b"GET / HTTP/1.1\r\nX-Big: ".to_vec();
    huge.extend(std::iter::repeat_n(b'a', 9000));
    huge.extend_from_slice(b"\r\n\r\n");
    assert_eq!(raw(page, &huge).status, 431, "a 9 KB header");
    let mut many = b"GET / HTTP/1.1\r\n".to_vec();
    for i in 0..100 {
        many.extend_from_slice(format!("X-{i}: 1\r\n").as_bytes());
    }
    many.extend_from_slice(b"\r\n");
    assert_eq!(raw(page, &many).status, 431, "100 headers");
    let post = raw(
        page,
        b"POST /status.json HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}",
    );
    assert_eq!(post.status, 405);
    assert_eq!(post.headers["allow"], "GET, HEAD");
    assert_eq!(raw(page, b"\x16\x03\x01 nonsense\r\n\r\n").status, 400);
    assert_eq!(raw(page, b"GET / HTTP/2.0\r\n\r\n").status, 505);
    assert_eq!(get(page, "/../etc/passwd").status, 404);
    let head = raw(page, b"HEAD /metrics HTTP/1.1\r\n\r\n");
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty(), "HEAD has no body");

    // Slowloris: one byte every 100 ms never finishes the head; the deadline (3 s) answers 408.
    let started = Instant::now();
    let mut slow = TcpStream::connect(page).unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut writer = slow.try_clone().unwrap();
    let trickle = thread::spawn(move || {
        for _ in 0..300 {
            if writer.write_all(b"G").is_err() {
                return;
            }
            thread::sleep(Duration::from_millis(100));
        }
    });
    let mut reply = Vec::new();
    let _ = slow.read_to_end(&mut reply);
    let elapsed = started.elapsed();
    assert!(
        String::from_utf8_lossy(&reply).starts_with("HTTP/1.1 408"),
        "slowloris answered 408, got {:?}",
        String::from_utf8_lossy(&reply)
    );
    assert!(
        elapsed >= Duration::from_millis(1800) && elapsed < Duration::from_secs(30),
        "the 3 s deadline ended it after {elapsed:?}"
    );
    drop(slow);
    trickle.join().unwrap();
    assert_eq!(get(page, "/metrics").status, 200);
    running.shutdown();
}

#[test]
fn two_hundred_silent_connections_are_bounded() {
    let _serial = server_stats::serial();
    let (running, page) = server();
    // Warm up: the page's thread exists and has served once.
    assert_eq!(get(page, "/status.json").status, 200);
    thread::sleep(Duration::from_millis(100));
    let threads_before = server_stats::threads();
    let mut conns = Vec::new();
    for _ in 0..200 {
        let s = TcpStream::connect_timeout(&page, Duration::from_secs(5)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        conns.push(s);
    }
    // Past the 16 being read, each is answered 503 at once and closed.
    let mut busy = 0;
    for s in conns.iter_mut().skip(16) {
        let mut reply = Vec::new();
        let _ = s.read_to_end(&mut reply);
        if reply.starts_with(b"HTTP/1.1 503") {
            busy += 1;
        }
    }
    assert!(
        busy >= 180,
        "only {busy} of 184 over the limit were refused at once"
    );
    let threads_during = server_stats::threads();
    assert!(
        threads_during <= threads_before + 16 + 2,
        "threads grew from {threads_before} to {threads_during}"
    );
    // The manager server itself is not disturbed.
    let m = Manager::connect(running.address(), "k").unwrap();
    let q = m.queue::<i64>("get_task_queue").unwrap();
    q.put(1).unwrap();
    assert_eq!(q.get().unwrap(), 1);
    drop(conns);
    // The silent ones closed: the page answers again, within the request deadline.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        // While the slots drain, a refused request may be reset rather than answered 503.
        let r = status_http::try_raw(page, b"GET /metrics HTTP/1.1\r\n\r\n");
        if r.as_ref().is_ok_and(|r| r.status == 200) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "page still busy after 10 s: {:?}",
            r.map(|r| r.status)
        );
        thread::sleep(Duration::from_millis(50));
    }
    drop((q, m));
    running.shutdown();
}

#[test]
fn leased_and_dead_lettered_counts_follow_at_least_once_delivery() {
    let server = ServerBuilder::new("k")
        .queue("jobs")
        .config(
            pythreading_mp::managers::ServerConfig::default()
                .with_at_least_once(true)
                .with_max_deliveries(1),
        )
        .status_http("127.0.0.1:0")
        .bind("127.0.0.1:0")
        .expect("bind");
    let page = server.status_address().unwrap();
    let running = server.spawn().unwrap();
    let counts = |doc: &serde_json::Value, queue: &str| {
        let q = doc["queues"]
            .as_array()
            .unwrap()
            .iter()
            .find(|q| q["name"] == queue)
            .unwrap_or_else(|| panic!("no {queue} in {doc}"))
            .clone();
        (
            q["depth"].as_u64().unwrap(),
            q["leased"].as_u64().unwrap(),
            q["dead_lettered"].as_u64().unwrap(),
        )
    };
    let m = Manager::connect(running.address(), "k").unwrap();
    let jobs = m.queue::<i64>("jobs").unwrap();
    jobs.put(1).unwrap();
    jobs.put(2).unwrap();
    assert_eq!(counts(&status_json(page), "jobs"), (2, 0, 0));

    // A worker takes one (leased to its connection) and acknowledges it with task_done.
    assert_eq!(jobs.get().unwrap(), 1);
    assert_eq!(counts(&status_json(page), "jobs"), (1, 1, 0));
    let samples = metrics(page);
    assert_eq!(
        sample(
            &samples,
            "pythreading_queue_leased",
            Some(("queue", "jobs"))
        ),
        1.0
    );
    jobs.task_done().unwrap();
    assert_eq!(counts(&status_json(page), "jobs"), (1, 0, 0));

    // Another worker takes the second and dies before task_done: the item comes back...
    {
        let dying = Manager::connect(running.address(), "k").unwrap();
        let q = dying.queue::<i64>("jobs").unwrap();
        assert_eq!(q.get().unwrap(), 2);
        assert_eq!(counts(&status_json(page), "jobs"), (0, 1, 0));
    }
    wait_json(page, "the unacknowledged item back in its queue", |d| {
        let q = d["queues"]
            .as_array()
            .unwrap()
            .iter()
            .find(|q| q["name"] == "jobs")
            .cloned();
        q.is_some_and(|q| q["depth"] == 1 && q["leased"] == 0)
    });
    // ...and with one delivery allowed, the next take moves it to the dead-letter queue
    // instead of delivering it again.
    assert!(
        jobs.try_get().is_err(),
        "a twice-delivered item is not delivered"
    );
    let doc = status_json(page);
    assert_eq!(counts(&doc, "jobs"), (0, 0, 1));
    assert_eq!(
        counts(&doc, "jobs_dead").0,
        1,
        "the dead-letter queue holds it"
    );
    assert_eq!(
        sample(
            &metrics(page),
            "pythreading_queue_dead_lettered",
            Some(("queue", "jobs"))
        ),
        1.0
    );
    drop((jobs, m));
    running.shutdown();
}

#[test]
fn a_rust_leased_get_shows_while_it_waits_and_while_it_holds() {
    let (running, page) = server();
    let address = running.address();
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let worker = thread::spawn(move || {
        let m = Manager::connect(address, "k").expect("connect");
        let q = m.queue::<i64>("idle").unwrap();
        let lease = q
            .get_leased_timeout(Duration::from_secs(30))
            .expect("a leased item");
        let item = *lease.item();
        // Hold the lease until the test has looked at the page.
        rx.recv_timeout(Duration::from_secs(30)).expect("go-ahead");
        lease.ack().expect("ack");
        item
    });
    // A hidden lease method (dispatched by name, never in `exposed`) is shown by its name.
    wait_json(page, "a client waiting in _lease_get on idle", |d| {
        d["clients"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["in_call"]["method"] == "_lease_get" && c["in_call"]["typeid"] == "idle")
    });
    let m = Manager::connect(address, "k").unwrap();
    m.queue::<i64>("idle").unwrap().put(4).unwrap();
    let leased = |d: &serde_json::Value| {
        d["queues"]
            .as_array()
            .unwrap()
            .iter()
            .find(|q| q["name"] == "idle")
            .map(|q| (q["depth"].as_u64().unwrap(), q["leased"].as_u64().unwrap()))
    };
    wait_json(page, "the item leased", |d| leased(d) == Some((0, 1)));
    tx.send(()).unwrap();
    assert_eq!(worker.join().unwrap(), 4);
    wait_json(page, "the lease acknowledged", |d| {
        leased(d) == Some((0, 0))
    });
    drop(m);
    running.shutdown();
}

/// CPython's tutorial-style client (a connect-only `BaseManager`) blocked in `get()` is listed
/// with its call, like ours.
#[test]
fn a_cpython_client_blocked_in_get_is_shown() {
    let Some(mut python) = common::python("3.11") else {
        return;
    };
    let (running, page) = server();
    let address = running.address();
    let script = format!(
        "from multiprocessing.managers import BaseManager\n\
         class M(BaseManager): pass\n\
         M.register('idle')\n\
         m = M(address=('127.0.0.1', {port}), authkey=b'k')\n\
         m.connect()\n\
         print(m.idle().get(timeout=30), flush=True)\n",
        port = address.port()
    );
    python
        .args(["-c", &script])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = common::Guard::spawn(&mut python);
    wait_json(page, "the CPython client waiting in get on idle", |d| {
        d["clients"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["in_call"]["method"] == "get" && c["in_call"]["typeid"] == "idle")
    });
    let m = Manager::connect(address, "k").unwrap();
    m.queue::<i64>("idle").unwrap().put(11).unwrap();
    let out = child.output_timeout(Duration::from_secs(60), "CPython client");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "11");
    drop(m);
    running.shutdown();
}
