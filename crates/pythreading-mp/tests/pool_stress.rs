//! Stress with invariants: every result exactly once (a bitmap), and workers replaced after
//! every task with exact results (MP-L08, MP-L14).

use std::collections::HashSet;
use std::time::Duration;

use pythreading_mp::pool::Pool;

fn tag(x: u32) -> (u32, u64) {
    (x, u64::from(x) * 7 + 1)
}

fn with_pid(x: u32) -> (u32, u32) {
    (x * 2, std::process::id())
}

pythreading_mp::register!(tag, with_pid);

#[test]
fn imap_unordered_100k_each_result_exactly_once() {
    pythreading_mp::init();
    const N: u32 = 100_000;
    let pool = Pool::new(2).unwrap();
    let mut seen = vec![false; N as usize];
    let mut it = pool.imap_unordered(tag, 0..N).unwrap();
    let mut count = 0;
    while let Some(r) = it
        .next_timeout(Duration::from_secs(60))
        .expect("no result within 60 s")
    {
        let (x, v) = r.unwrap();
        assert_eq!(v, u64::from(x) * 7 + 1, "wrong value for {x}");
        assert!(!seen[x as usize], "result {x} delivered twice");
        seen[x as usize] = true;
        count += 1;
    }
    assert_eq!(count, N);
    assert!(seen.iter().all(|&b| b), "a result is missing");
}

#[test]
fn max_tasks_per_child_one_over_200_tasks() {
    pythreading_mp::init();
    let pool = Pool::builder()
        .processes(2)
        .max_tasks_per_child(1)
        .build()
        .unwrap();
    let out = pool.map(with_pid, 0..200).unwrap();
    let mut pids = HashSet::new();
    for (i, (v, pid)) in out.iter().enumerate() {
        assert_eq!(*v, 2 * i as u32);
        assert!(pids.insert(*pid), "pid {pid} ran two tasks");
    }
    assert_eq!(pids.len(), 200, "every task ran in a fresh worker");
    pool.close();
    pool.join().unwrap();
}
