//! Process-shared primitives across real child processes: MP-S01 (`locked()` true in the
//! parent while a child holds the lock), MP-S02 (a parent cannot release a child's `RLock`),
//! MP-S05, MP-S07 (`notify_all` and `wait_for` across processes), MP-S08 (`Event`, `Barrier`),
//! and the documented rule for a holder that dies: its lock is released.
//!
//! Every test calls `pythreading_mp::init()` first (a child re-runs this binary and is
//! dispatched there); every child is held by a kill-on-drop guard.

mod process_common;

use std::time::{Duration, Instant};

use process_common::{Guard, join_or_fail};
use pythreading_mp::process::Process;
use pythreading_mp::queues::Queue;
use pythreading_mp::synchronize::{Barrier, Condition, Event, Lock, RLock, Semaphore, SharedError};

const LONG: Duration = Duration::from_secs(60);

fn hold_lock(lock: Lock, held: Event, release: Event) {
    lock.acquire().unwrap();
    held.set().unwrap();
    assert!(release.wait_timeout(LONG).unwrap());
    lock.release().unwrap();
}

fn hold_rlock(lock: RLock, held: Event, release: Event) {
    for _ in 0..3 {
        lock.acquire().unwrap();
    }
    held.set().unwrap();
    assert!(release.wait_timeout(LONG).unwrap());
    for _ in 0..3 {
        lock.release().unwrap();
    }
}

/// Takes the lock and never lets go: the parent kills it.
fn hold_and_hang(lock: Lock, rlock: RLock, held: Event) {
    lock.acquire().unwrap();
    rlock.acquire().unwrap();
    rlock.acquire().unwrap();
    held.set().unwrap();
    std::thread::sleep(LONG);
}

fn cond_waiter(c: Condition, ready: Semaphore, out: Queue<bool>) {
    c.acquire().unwrap();
    ready.release().unwrap();
    let r = c.wait_timeout(LONG).unwrap();
    c.release().unwrap();
    out.put(&r).unwrap();
}

fn cond_wait_for(c: Condition, flag: Event, out: Queue<bool>) {
    c.acquire().unwrap();
    let r = c.wait_for(|| flag.is_set().unwrap(), LONG).unwrap();
    c.release().unwrap();
    out.put(&r).unwrap();
}

fn barrier_party(b: Barrier, out: Queue<u64>) {
    for _ in 0..50 {
        out.put(&b.wait_timeout(LONG).unwrap()).unwrap();
    }
}

fn sem_taker(s: Semaphore, out: Queue<bool>) {
    out.put(&s.acquire_timeout(LONG).unwrap()).unwrap();
}

pythreading_mp::register!(
    hold_lock,
    hold_rlock,
    hold_and_hang,
    cond_waiter,
    cond_wait_for,
    barrier_party,
    sem_taker
);

fn start<P: std::ops::Deref<Target = Process>>(p: &P) {
    p.start().expect("start the child");
}

// MP-S01
#[test]
fn lock_held_by_a_child() {
    pythreading_mp::init();
    let (lock, held, release) = (
        Lock::new().unwrap(),
        Event::new().unwrap(),
        Event::new().unwrap(),
    );
    let p = Guard(
        Process::builder(hold_lock)
            .args((lock.clone(), held.clone(), release.clone()))
            .build(),
    );
    start(&p);
    assert!(
        held.wait_timeout(LONG).unwrap(),
        "the child never took the lock"
    );
    assert!(lock.locked().unwrap());
    assert!(!lock.try_acquire().unwrap());
    release.set().unwrap();
    assert!(lock.acquire_timeout(LONG).unwrap());
    lock.release().unwrap();
    join_or_fail(&p, "hold_lock");
    assert_eq!(p.exitcode().unwrap(), Some(0));
}

// MP-S02
#[test]
fn rlock_held_by_a_child_is_not_ours_to_release() {
    pythreading_mp::init();
    let (lock, held, release) = (
        RLock::new().unwrap(),
        Event::new().unwrap(),
        Event::new().unwrap(),
    );
    let p = Guard(
        Process::builder(hold_rlock)
            .args((lock.clone(), held.clone(), release.clone()))
            .build(),
    );
    start(&p);
    assert!(held.wait_timeout(LONG).unwrap());
    assert!(lock.locked().unwrap());
    assert!(matches!(lock.release(), Err(SharedError::NotOwner)));
    assert!(!lock.try_acquire().unwrap());
    release.set().unwrap();
    join_or_fail(&p, "hold_rlock");
    assert_eq!(p.exitcode().unwrap(), Some(0));
    assert!(!lock.locked().unwrap(), "three acquires, three releases");
}

// The documented rule: a lock held by a process that dies is released.
#[test]
fn lock_of_a_killed_holder_is_released() {
    pythreading_mp::init();
    let (lock, rlock, held) = (
        Lock::new().unwrap(),
        RLock::new().unwrap(),
        Event::new().unwrap(),
    );
    let p = Guard(
        Process::builder(hold_and_hang)
            .args((lock.clone(), rlock.clone(), held.clone()))
            .build(),
    );
    start(&p);
    assert!(held.wait_timeout(LONG).unwrap());
    assert!(lock.locked().unwrap() && rlock.locked().unwrap());
    p.kill().unwrap();
    join_or_fail(&p, "hold_and_hang");
    assert_eq!(p.exitcode().unwrap(), Some(-9));
    let t = Instant::now();
    assert!(
        lock.acquire_timeout(Duration::from_secs(10)).unwrap(),
        "the dead child's lock was never released"
    );
    assert!(rlock.acquire_timeout(Duration::from_secs(10)).unwrap());
    assert!(t.elapsed() < Duration::from_secs(10));
    lock.release().unwrap();
    rlock.release().unwrap();
    assert!(
        !rlock.locked().unwrap(),
        "the dead child's two levels are gone too"
    );
}

// MP-S07: notify_all wakes every waiting process; notify(n) wakes n.
#[test]
fn condition_across_processes() {
    pythreading_mp::init();
    let c = Condition::new().unwrap();
    let ready = Semaphore::new(0).unwrap();
    let out = Queue::<bool>::new().unwrap();
    let kids: Vec<Guard> = (0..4)
        .map(|_| {
            Guard(
                Process::builder(cond_waiter)
                    .args((c.clone(), ready.clone(), out.clone()))
                    .build(),
            )
        })
        .collect();
    for k in &kids {
        start(k);
    }
    for _ in 0..4 {
        assert!(
            ready.acquire_timeout(LONG).unwrap(),
            "a waiter never started"
        );
    }
    // Taking the lock proves every waiter is inside wait (each let it go there).
    c.acquire().unwrap();
    assert_eq!(c.notify_n(1).unwrap(), 1);
    c.release().unwrap();
    assert!(out.get_timeout(LONG).unwrap());
    assert!(matches!(
        out.get_timeout(Duration::from_millis(200)),
        Err(SharedError::Empty)
    ));
    c.acquire().unwrap();
    assert_eq!(c.notify_all().unwrap(), 3);
    c.release().unwrap();
    for _ in 0..3 {
        assert!(out.get_timeout(LONG).unwrap());
    }
    for k in &kids {
        join_or_fail(k, "cond_waiter");
        assert_eq!(k.exitcode().unwrap(), Some(0));
    }
}

// MP-S07: wait_for across processes, the predicate reading another shared object.
#[test]
fn condition_wait_for_across_processes() {
    pythreading_mp::init();
    let c = Condition::new().unwrap();
    let flag = Event::new().unwrap();
    let out = Queue::<bool>::new().unwrap();
    let p = Guard(
        Process::builder(cond_wait_for)
            .args((c.clone(), flag.clone(), out.clone()))
            .build(),
    );
    start(&p);
    std::thread::sleep(Duration::from_millis(100));
    c.acquire().unwrap();
    c.notify_all().unwrap(); // a wakeup with the predicate still false
    c.release().unwrap();
    c.acquire().unwrap();
    flag.set().unwrap();
    c.notify_all().unwrap();
    c.release().unwrap();
    assert!(out.get_timeout(LONG).unwrap());
    join_or_fail(&p, "cond_wait_for");
    assert_eq!(p.exitcode().unwrap(), Some(0));
}

// MP-S08: a barrier of the parent and two children, 50 passes.
#[test]
fn barrier_across_processes() {
    pythreading_mp::init();
    let b = Barrier::new(3).unwrap();
    let out = Queue::<u64>::new().unwrap();
    let kids: Vec<Guard> = (0..2)
        .map(|_| {
            Guard(
                Process::builder(barrier_party)
                    .args((b.clone(), out.clone()))
                    .build(),
            )
        })
        .collect();
    for k in &kids {
        start(k);
    }
    let mut counts = [0u32; 3];
    for _ in 0..50 {
        counts[b.wait_timeout(LONG).unwrap() as usize] += 1;
    }
    for _ in 0..100 {
        counts[out.get_timeout(LONG).unwrap() as usize] += 1;
    }
    assert_eq!(
        counts,
        [50, 50, 50],
        "each pass hands out indices 0, 1 and 2 once"
    );
    for k in &kids {
        join_or_fail(k, "barrier_party");
    }
}

// MP-S05: units released by the parent reach waiting children, one each.
#[test]
fn semaphore_across_processes() {
    pythreading_mp::init();
    let s = Semaphore::new(0).unwrap();
    let out = Queue::<bool>::new().unwrap();
    let kids: Vec<Guard> = (0..3)
        .map(|_| {
            Guard(
                Process::builder(sem_taker)
                    .args((s.clone(), out.clone()))
                    .build(),
            )
        })
        .collect();
    for k in &kids {
        start(k);
    }
    for _ in 0..3 {
        s.release().unwrap();
    }
    for _ in 0..3 {
        assert!(out.get_timeout(LONG).unwrap());
    }
    for k in &kids {
        join_or_fail(k, "sem_taker");
    }
    assert_eq!(s.get_value().unwrap(), 0);
}
