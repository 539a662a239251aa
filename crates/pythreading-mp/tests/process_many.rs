//! MP-P16: 50 concurrent processes all exit 0, and the parent's fds do not grow.
//!
//! Alone in its binary so no other test opens fds meanwhile.

mod process_common;

use process_common::{Guard, join_or_fail};
use pythreading_mp::process::{Process, active_children};

fn short(i: u32) -> u32 {
    i * 2
}
pythreading_mp::register!(short);

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

#[test]
fn fifty_concurrent_processes_no_fd_growth() {
    pythreading_mp::init();
    // Warm up once: the spawner thread and lazily opened files exist before the count.
    let warm = Guard(Process::builder(short).args((0,)).build());
    warm.start().unwrap();
    join_or_fail(&warm, "warm-up");
    drop(warm);
    let before = open_fds();
    for round in 0..2 {
        let ps: Vec<Guard> = (0..50)
            .map(|i| Guard(Process::builder(short).args((i,)).build()))
            .collect();
        for p in &ps {
            p.start().unwrap();
        }
        for p in &ps {
            join_or_fail(p, "many");
            assert_eq!(p.exitcode().unwrap(), Some(0), "round {round} {}", p.name());
        }
        assert!(active_children().is_empty());
        drop(ps);
        assert_eq!(open_fds(), before, "fd count grew after round {round}");
    }
}
