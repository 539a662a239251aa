//! Fairness of the contended `Lock`: 4 threads take it in a tight loop for 2 seconds, and no
//! thread may starve: none may wait more than 100 ms (the bound) for the lock while the
//! others keep taking it. C-13, C-14 (the lock is still a plain `Lock`: any thread may release it).
//!
//! # Lock starvation, not scheduler starvation
//!
//! On a loaded machine (CI on 2 cores shared with builds) a thread can go far longer than
//! 100 ms without the lock through no fault of the lock, in two ways, and the test takes both
//! out of every gap between two acquisitions of a thread before it applies the bound:
//!
//! * **The thread waited for a CPU.** Linux counts, per thread, the time it spent runnable but
//!   waiting on a run queue (the second field of `/proc/self/task/TID/schedstat`). A monitor
//!   thread samples every contender's count about every millisecond. The kernel adds a wait to
//!   the count when the wait ends, so each wait is placed just before the sample that first
//!   shows it (at most one monitor interval late): that gives, per 1 ms tick of the run, how
//!   long each contender waited for a CPU in it.
//! * **Nobody took the lock.** Only ticks in which some *other* thread took the lock count
//!   towards a thread's wait. In a tick with no acquisition at all, every contender was either
//!   off a CPU (the holder preempted, or all of them waiting for one: the scheduler) or asleep
//!   in the lock with nobody left to wake it: a lost wake-up, which never ends and so fails the
//!   run's time limit instead.
//!
//! So a thread's *starved* time in a gap is, summed over the ticks in which others took the
//! lock, the part of each tick it did not spend waiting for a CPU; that must stay within
//! 100 ms. Matching the two tick by tick matters: subtracting a whole gap's CPU wait from the
//! whole gap's busy ticks would let the CPU wait of one stretch (when nobody got the lock
//! anyway) excuse the lock's favouritism in another. A lock that starves a thread still fails:
//! while the others keep taking it, the starved thread sleeps in the lock, not on a run queue,
//! so its wait counts. Checked with a deliberately unfair lock in a scratch copy of this test
//! (the first thread takes the lock only when no other wants it, polling every millisecond):
//! at a load average of 13 to 15 on 2 cores it failed 5 runs out of 5, with 180 to 410 ms
//! starved, while this test passed 5 out of 5 with at most 13 ms starved and the former
//! check here (raw gaps against 100 ms plus a probe thread's longest gap) failed 4 out of 5.
//!
//! Linux only (`schedstat`, like the tests' parked-thread handshakes); elsewhere it fails with a
//! message rather than pass without checking.
//!
//! Run in release: `cargo test --release -p pythreading --test stress_lock_fairness`.

mod timing;

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use pythreading::threading::Lock;

const THREADS: usize = 4;
const RUN: Duration = Duration::from_secs(2);
const WINDOW: Duration = Duration::from_millis(100);
/// The grain of the "others took the lock" grid, and how often the monitor samples.
const TICK: Duration = Duration::from_millis(1);

/// One thread's total time runnable but not running (waiting for a CPU), from
/// `/proc/self/task/TID/schedstat`, kept open so that a sample is one `pread`.
struct RunQueueClock(File);

impl RunQueueClock {
    fn of(tid: u32) -> RunQueueClock {
        let path = format!("/proc/self/task/{tid}/schedstat");
        RunQueueClock(File::open(&path).unwrap_or_else(|e| {
            panic!("{path}: {e} (this test needs Linux's per-thread scheduler statistics)")
        }))
    }

    fn waited(&self) -> Duration {
        let mut buf = [0u8; 128];
        let n = self.0.read_at(&mut buf, 0).expect("reading schedstat");
        let text = std::str::from_utf8(&buf[..n]).expect("schedstat is text");
        // "<ns on a CPU> <ns waiting on a run queue> <timeslices>"
        let ns: u64 = text
            .split_whitespace()
            .nth(1)
            .and_then(|f| f.parse().ok())
            .unwrap_or_else(|| panic!("unexpected schedstat: {text:?}"));
        Duration::from_nanos(ns)
    }
}

/// The monitor's sample: when, and each contender's run-queue time so far.
struct Sample {
    at: Duration,
    waited: [Duration; THREADS],
}

/// The start line, and the finish line at which the contenders wait, still alive, until the
/// monitor has taken its last sample of them.
struct Lines {
    start: Barrier,
    finished: AtomicUsize,
    finish: Barrier,
}

/// Samples every contender's run-queue time about every tick until all have finished.
fn monitor(tids: &[u32], epoch: Instant, lines: &Lines) -> Vec<Sample> {
    let clocks: Vec<RunQueueClock> = tids.iter().map(|&t| RunQueueClock::of(t)).collect();
    lines.start.wait();
    let mut samples = Vec::new();
    loop {
        let finished = lines.finished.load(Ordering::Acquire) == THREADS;
        let at = epoch.elapsed();
        samples.push(Sample {
            at,
            waited: std::array::from_fn(|i| clocks[i].waited()),
        });
        if finished {
            lines.finish.wait();
            return samples;
        }
        thread::sleep(TICK);
    }
}

/// What a contender saw, in times since the epoch.
struct Contender {
    /// When it began (after the start line), then the first and the last of its acquisitions
    /// in each tick: the ends of every gap that spans a tick, and every tick in which it took
    /// the lock, without keeping millions of acquisitions.
    took: Vec<Duration>,
    acquisitions: u64,
}

fn contend(lock: &Lock, epoch: Instant, lines: &Lines) -> Contender {
    lines.start.wait();
    let began = epoch.elapsed();
    let mut seen = Contender {
        took: vec![began],
        acquisitions: 0,
    };
    let mut last = began;
    loop {
        let guard = lock.lock();
        let at = epoch.elapsed();
        drop(guard);
        seen.acquisitions += 1;
        if tick(at) != tick(last) {
            if *seen.took.last().unwrap() != last {
                seen.took.push(last);
            }
            seen.took.push(at);
        }
        last = at;
        if at >= RUN {
            if *seen.took.last().unwrap() != last {
                seen.took.push(last);
            }
            lines.finished.fetch_add(1, Ordering::Release);
            lines.finish.wait();
            return seen;
        }
    }
}

fn tick(at: Duration) -> usize {
    (at.as_nanos() / TICK.as_nanos()) as usize
}

/// Per tick, how long thread `me` spent waiting for a CPU in it. The kernel adds a wait to the
/// count only when it ends (the thread gets a CPU), so a wait first seen in a sample ended since
/// the previous one: it is laid back from its sample's time, as late as possible and clear of
/// the waits laid after it (one thread's waits are disjoint). Each lands at most one monitor
/// interval later than it happened.
fn cpu_wait_per_tick(me: usize, samples: &[Sample], ticks: usize) -> Vec<u64> {
    let mut per_tick = vec![0u64; ticks];
    let mut clear_before = u64::MAX;
    for pair in samples.windows(2).rev() {
        let waited = (pair[1].waited[me] - pair[0].waited[me]).as_nanos() as u64;
        let end = (pair[1].at.as_nanos() as u64).min(clear_before);
        let start = end.saturating_sub(waited);
        lay(&mut per_tick, start, end);
        clear_before = start;
    }
    per_tick
}

/// Adds the span `start..end` (nanoseconds since the epoch) to the ticks it covers.
fn lay(per_tick: &mut [u64], start: u64, end: u64) {
    let tick_ns = TICK.as_nanos() as u64;
    let mut at = start;
    while at < end {
        let t = (at / tick_ns) as usize;
        let tick_end = (t as u64 + 1) * tick_ns;
        per_tick[t] += tick_end.min(end) - at;
        at = tick_end;
    }
}

/// `starved[i]`: thread `me`'s starved time (ns) in ticks `0..i`: the part of each tick in which
/// another thread took the lock that `me` did not spend waiting for a CPU.
fn starved_prefix(seen: &[Contender], me: usize, cpu_wait: &[u64]) -> Vec<u64> {
    let mut others_took = vec![false; cpu_wait.len()];
    for (_, other) in seen.iter().enumerate().filter(|(o, _)| *o != me) {
        for &at in &other.took[1..] {
            others_took[tick(at)] = true;
        }
    }
    let tick_ns = TICK.as_nanos() as u64;
    let mut starved = vec![0; cpu_wait.len() + 1];
    for (i, (&busy, &waited)) in others_took.iter().zip(cpu_wait).enumerate() {
        let here = if busy {
            tick_ns.saturating_sub(waited)
        } else {
            0
        };
        starved[i + 1] = starved[i] + here;
    }
    starved
}

/// A thread's longest wait for the lock while the others took it, and the gap it was in.
#[derive(Default)]
struct Worst {
    starved: Duration,
    gap: (Duration, Duration),
    cpu_wait: Duration,
}

/// Sums `prefix` over the ticks wholly inside `from..to` (the two end ticks are left out).
fn over_gap(prefix: &[u64], (from, to): (Duration, Duration)) -> Duration {
    let (first, end) = (tick(from) + 1, tick(to).max(tick(from) + 1));
    Duration::from_nanos(prefix[end] - prefix[first])
}

#[test]
fn four_contending_threads_each_get_the_lock_in_every_window() {
    // A lost wake-up would leave every contender asleep: fail instead of hanging.
    let (seen, samples) = timing::within(Duration::from_secs(60), "the contended run", || {
        let lock = Arc::new(Lock::new());
        let lines = Arc::new(Lines {
            start: Barrier::new(THREADS + 1),
            finished: AtomicUsize::new(0),
            finish: Barrier::new(THREADS + 1),
        });
        let epoch = Instant::now();
        let (handles, tids): (Vec<_>, Vec<_>) = (0..THREADS)
            .map(|_| {
                let (lock, lines) = (Arc::clone(&lock), Arc::clone(&lines));
                timing::spawn_with_tid(move || contend(&lock, epoch, &lines))
            })
            .unzip();
        let monitor = thread::spawn(move || monitor(&tids, epoch, &lines));
        let seen: Vec<Contender> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        (seen, monitor.join().unwrap())
    });
    let last = samples.last().unwrap().at;
    let ticks = 1 + tick(last).max(
        seen.iter()
            .map(|c| tick(*c.took.last().unwrap()))
            .max()
            .unwrap(),
    );
    let longest_interval = samples.windows(2).map(|p| p[1].at - p[0].at).max().unwrap();
    eprintln!(
        "{} monitor samples, longest interval {longest_interval:?}",
        samples.len()
    );
    for (t, mine) in seen.iter().enumerate() {
        let cpu_wait = cpu_wait_per_tick(t, &samples, ticks);
        let starved = starved_prefix(&seen, t, &cpu_wait);
        let mut waited = vec![0; ticks + 1];
        for (i, &w) in cpu_wait.iter().enumerate() {
            waited[i + 1] = waited[i] + w;
        }
        let mut worst = Worst::default();
        for pair in mine.took.windows(2) {
            let gap = (pair[0], pair[1]);
            let starved = over_gap(&starved, gap);
            if starved > worst.starved {
                worst = Worst {
                    starved,
                    gap,
                    cpu_wait: over_gap(&waited, gap),
                };
            }
        }
        let longest = mine.took.windows(2).map(|p| p[1] - p[0]).max().unwrap();
        eprintln!(
            "thread {t}: {} acquisitions, longest gap {longest:?}, longest starved {:?} \
             (gap {:?}..{:?}, {:?} of it waiting for a CPU)",
            mine.acquisitions, worst.starved, worst.gap.0, worst.gap.1, worst.cpu_wait
        );
        assert!(
            worst.starved <= WINDOW,
            "thread {t} waited {:?} for the lock while the others took it (gap {:?}..{:?}, in \
             which it also waited {:?} for a CPU); the bound is {WINDOW:?}",
            worst.starved,
            worst.gap.0,
            worst.gap.1,
            worst.cpu_wait
        );
    }
}
