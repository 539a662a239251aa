//! `threading::dump()` (issue 10): a thread parked on each blocking primitive is shown waiting
//! for that primitive, by name (or `Kind#n` id), with the holder of a lock, the site and the
//! JSON form. No checklist id: CPython has no thread dump (jstack and Go's SIGQUIT are the model).
//! The dump itself is the handshake: each test polls it (at most 10 s) until the thread shows up
//! as waiting, then releases the thread and joins it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use pythreading::diagnostics::{Dump, Kind};
use pythreading::futures::ThreadPoolExecutor;
use pythreading::queue::{LifoQueue, PriorityQueue, Queue, SimpleQueue};
use pythreading::threading::{
    self, Barrier, BoundedSemaphore, Condition, Event, Lock, RLock, Semaphore,
};

/// Polls the dump until thread `name` waits for a `kind`; returns that dump.
fn dump_when_waiting(name: &str, kind: Kind) -> Dump {
    let start = Instant::now();
    loop {
        let dump = threading::dump();
        let parked = dump
            .threads()
            .iter()
            .any(|t| t.name() == name && t.waiting().is_some_and(|w| w.resource().kind() == kind));
        if parked {
            return dump;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{name} not shown waiting for a {kind} within 10 s:\n{dump}"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Spawns `name` running `park`, checks the dump names `expect` for it, runs `release`, joins.
fn check(
    name: &str,
    kind: Kind,
    expect: &str,
    park: impl FnOnce() + Send + 'static,
    release: impl FnOnce(),
) {
    let t = threading::Builder::new().name(name).spawn(park).unwrap();
    let dump = dump_when_waiting(name, kind);
    let text = dump.to_string();
    let line = text
        .split("\n\n")
        .find(|block| block.starts_with(&format!("{name:?}")))
        .unwrap_or_else(|| panic!("no block for {name}:\n{text}"));
    assert!(line.contains(&format!("waiting for {expect}")), "{line}");
    assert!(
        line.contains("diag_dump.rs:"),
        "the site is the test's call: {line}"
    );
    let json = dump.to_json();
    assert!(json.contains(&format!("\"name\":\"{name}\"")), "{json}");
    release();
    t.join_timeout(Duration::from_secs(10)).unwrap();
    assert!(
        !t.thread().is_alive(),
        "{name} did not finish after its release"
    );
}

#[test]
fn lock_shows_its_name_and_holder() {
    let lock = Arc::new(Lock::named("accounts"));
    lock.acquire();
    let l = Arc::clone(&lock);
    // The test thread is a foreign thread to the registry: Python names it `Dummy-N`.
    let me = threading::current_thread();
    check(
        "d-lock",
        Kind::Lock,
        &format!(
            "Lock \"accounts\" held by {:?} (ident {})",
            me.name(),
            me.ident()
        ),
        move || l.acquire(),
        || lock.release().unwrap(),
    );
}

#[test]
fn main_thread_holds_the_lock_in_the_dump() {
    let lock = Arc::new(Lock::named("ledger"));
    let _held = lock.lock();
    let l = Arc::clone(&lock);
    let t = threading::Builder::new()
        .name("d-ledger")
        .spawn(move || drop(l.lock()))
        .unwrap();
    let dump = dump_when_waiting("d-ledger", Kind::Lock);
    let me = threading::get_ident();
    let main = dump.threads().iter().find(|t| t.ident() == me).unwrap();
    assert!(
        main.holds().iter().any(|r| r.name() == Some("ledger")),
        "{dump}"
    );
    assert!(dump.to_string().contains("holds Lock \"ledger\""), "{dump}");
    drop(_held);
    t.join_timeout(Duration::from_secs(10)).unwrap();
}

#[test]
fn rlock() {
    let lock = Arc::new(RLock::named("tree"));
    let guard = lock.lock();
    let l = Arc::clone(&lock);
    check(
        "d-rlock",
        Kind::RLock,
        "RLock \"tree\"",
        move || drop(l.lock()),
        move || drop(guard),
    );
}

#[test]
fn condition() {
    let cond = Arc::new(Condition::named("not-empty"));
    let c = Arc::clone(&cond);
    check(
        "d-cond",
        Kind::Condition,
        "Condition \"not-empty\"",
        move || {
            let mut g = c.lock();
            c.wait(&mut g);
        },
        || {
            let _g = cond.lock();
            cond.notify_all();
        },
    );
}

#[test]
fn semaphores() {
    let sem = Arc::new(Semaphore::new(0));
    let s = Arc::clone(&sem);
    check(
        "d-sem",
        Kind::Semaphore,
        "Semaphore#",
        move || s.acquire(),
        || sem.release(1),
    );
    let bsem = Arc::new(BoundedSemaphore::new(1));
    bsem.acquire();
    let b = Arc::clone(&bsem);
    check(
        "d-bsem",
        Kind::BoundedSemaphore,
        "BoundedSemaphore#",
        move || b.acquire(),
        || bsem.release(1).unwrap(),
    );
}

#[test]
fn event() {
    let ev = Arc::new(Event::named("ready"));
    let e = Arc::clone(&ev);
    check(
        "d-event",
        Kind::Event,
        "Event \"ready\"",
        move || e.wait(),
        || ev.set(),
    );
}

#[test]
fn barrier() {
    let barrier = Arc::new(Barrier::new(2).unwrap());
    let b = Arc::clone(&barrier);
    check(
        "d-barrier",
        Kind::Barrier,
        "Barrier#",
        move || {
            let _ = b.wait();
        },
        || {
            let _ = barrier.wait();
        },
    );
}

#[test]
fn queues() {
    // Unnamed: a stable `Queue#n` id.
    let q = Arc::new(Queue::<u32>::unbounded());
    let q2 = Arc::clone(&q);
    check(
        "d-queue",
        Kind::Queue,
        "Queue#",
        move || {
            let _ = q2.get();
        },
        || q.put(1).unwrap(),
    );
    let sq = Arc::new(SimpleQueue::<u32>::new());
    let sq2 = Arc::clone(&sq);
    check(
        "d-simple",
        Kind::Queue,
        "Queue#",
        move || {
            let _ = sq2.get();
        },
        || sq.put(1),
    );
}

#[test]
fn named_queues_of_every_kind() {
    // Each of the four kinds, and each machinery of `Queue` (ring, list, locked), by name.
    let ring = Arc::new(Queue::<u32>::bounded(1).with_name("q-ring"));
    ring.put(0).unwrap();
    let r2 = Arc::clone(&ring);
    check(
        "d-ring-put",
        Kind::Queue,
        "Queue \"q-ring\"",
        move || r2.put(1).unwrap(),
        || assert_eq!(ring.get(), Ok(0)),
    );
    let list = Arc::new(Queue::<u32>::unbounded().with_name("q-list"));
    let l2 = Arc::clone(&list);
    check(
        "d-list-get",
        Kind::Queue,
        "Queue \"q-list\"",
        move || assert_eq!(l2.get(), Ok(1)),
        || list.put(1).unwrap(),
    );
    let locked = Arc::new(Queue::<u32>::bounded(0).with_name("q-locked"));
    let k2 = Arc::clone(&locked);
    check(
        "d-locked-put",
        Kind::Queue,
        "Queue \"q-locked\"",
        move || assert!(k2.put(1).is_err()),
        || locked.shutdown(),
    );
    let lifo = Arc::new(LifoQueue::<u32>::unbounded().with_name("q-lifo"));
    let f2 = Arc::clone(&lifo);
    check(
        "d-lifo-get",
        Kind::Queue,
        "Queue \"q-lifo\"",
        move || assert_eq!(f2.get(), Ok(1)),
        || lifo.put(1).unwrap(),
    );
    let prio = Arc::new(PriorityQueue::<u32>::unbounded().with_name("q-prio"));
    let p2 = Arc::clone(&prio);
    check(
        "d-prio-get",
        Kind::Queue,
        "Queue \"q-prio\"",
        move || assert_eq!(p2.get(), Ok(1)),
        || prio.put(1).unwrap(),
    );
    let simple = Arc::new(SimpleQueue::<u32>::new().with_name("q-simple"));
    let s2 = Arc::clone(&simple);
    check(
        "d-simple-get",
        Kind::Queue,
        "Queue \"q-simple\"",
        move || assert_eq!(s2.get(), 1),
        || simple.put(1),
    );
    // `join` waits on the queue too.
    let joined = Arc::new(Queue::<u32>::unbounded().with_name("q-join"));
    joined.put(1).unwrap();
    let j2 = Arc::clone(&joined);
    check(
        "d-join",
        Kind::Queue,
        "Queue \"q-join\"",
        move || j2.join(),
        || {
            assert_eq!(joined.get(), Ok(1));
            joined.task_done().unwrap();
        },
    );
}

#[test]
fn join_names_the_joined_thread() {
    let ev = Arc::new(Event::new());
    let e = Arc::clone(&ev);
    let target = threading::Builder::new()
        .name("d-target")
        .spawn(move || e.wait())
        .unwrap();
    let joined = target.thread().clone();
    check(
        "d-joiner",
        Kind::Thread,
        "Thread \"d-target\" to finish",
        move || joined.join().unwrap(),
        || ev.set(),
    );
    target.join().unwrap();
}

#[test]
fn task_future_result() {
    let pool = ThreadPoolExecutor::new(1).unwrap();
    let ev = Arc::new(Event::new());
    let e = Arc::clone(&ev);
    let fut = pool.submit(move || e.wait()).unwrap();
    // Sets the event even if a check fails, so the pool's drop does not wait forever.
    struct SetOnDrop(Arc<Event>);
    impl Drop for SetOnDrop {
        fn drop(&mut self) {
            self.0.set();
        }
    }
    let _unblock = SetOnDrop(Arc::clone(&ev));
    check(
        "d-future",
        Kind::Future,
        "TaskFuture",
        move || fut.result().unwrap(),
        || ev.set(),
    );
    pool.shutdown();
}

#[test]
fn running_threads_are_shown_running() {
    threading::current_thread(); // registers this foreign test thread, as Python does
    let dump = threading::dump();
    let me = threading::get_ident();
    let mine = dump.threads().iter().find(|t| t.ident() == me).unwrap();
    assert!(mine.waiting().is_none());
    assert!(dump.to_json().contains("\"state\":\"running\""));
}
