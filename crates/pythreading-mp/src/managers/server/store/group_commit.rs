//! Group commit for the durable store: changes from many connections share one transaction
//! (one `fsync` under [`SyncPolicy::Full`](super::SyncPolicy::Full)), and each caller is
//! answered only once the transaction holding its change is committed.
//!
//! # How
//!
//! A change is not written where it is made. Inside the queue's lock it is only *queued* here
//! ([`GroupCommit::queue`], a push on a vector), and gets a [`Ticket`]: its place in one
//! sequence shared by every queue of the database. Tickets are taken in the order the changes
//! were made (each queue's lock is held while its change is queued), so the database always
//! holds a prefix of that sequence: never a take without the put before it, never an ack
//! without its delivery.
//!
//! After releasing the queue's lock the caller waits for its ticket
//! ([`GroupCommit::durable`]). If no commit is running, the caller becomes the *leader*: it
//! takes every queued change (its own and any queued since), writes them in one transaction
//! and commits. Callers arriving while a commit runs queue their changes and wait; when it
//! ends, one of them leads the next commit with all of theirs. One client alone pays one
//! commit per change, as before; `k` clients at once share commits, up to `k` changes per
//! `fsync`. No thread is started and nobody waits on a timer: a batch is whatever queued
//! while the previous commit ran.
//!
//! # When a commit fails
//!
//! The transaction is rolled back and its changes stay queued, ahead of later ones, for the
//! next commit to try again; every caller whose change was in it hears the error
//! ([`StoreError::Backend`]). The change is already visible in memory (the item put is in the
//! queue; it may be delivered; a take that failed so puts its item back at the head), so an
//! error means "not known to be on disk yet", never "lost"; once the disk works again the
//! database catches up with memory, in order.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};

use rusqlite::{Connection, params};

use super::StoreError;
use super::journal::{Position, Ticket};

/// One change to the `items` table.
#[derive(Debug, Clone)]
pub(crate) enum Change {
    /// A new record (a put, or an item given back at the head).
    Append {
        row: u64,
        queue: std::sync::Arc<str>,
        pos: Position,
        item: Vec<u8>,
    },
    /// A record was delivered (`delivered` times now).
    Delivered { row: u64, delivered: u32 },
    /// A record is finished (acked, or taken for good).
    Removed { row: u64 },
    /// A record went back to `pos` (the head).
    Moved { row: u64, pos: Position },
}

/// The changes waiting for a commit, and how far the committed sequence reaches.
struct Log<C> {
    /// Changes queued and not committed yet, in ticket order: tickets
    /// `last_queued - pending.len() + 1 ..= last_queued` (none of them in a running commit).
    pending: Vec<C>,
    /// The ticket of the change queued last.
    last_queued: Ticket,
    /// Every change up to this ticket is committed.
    committed: Ticket,
    /// A leader is writing a batch now.
    committing: bool,
    /// Commits tried so far (the number of the last one).
    attempts: u64,
    /// The last commit that failed: its number, the last ticket in it, and why.
    failure: Option<(u64, Ticket, String)>,
}

/// The group commit protocol, apart from what is written (changes of type `C`) and how (the
/// `write` each caller of [`durable`](Sequencer::durable) brings).
struct Sequencer<C> {
    log: Mutex<Log<C>>,
    /// Signalled when a commit ends (its callers may answer; a waiter may lead the next).
    ended: Condvar,
}

/// The shared database of a durable backend and its group commit. See the
/// [module documentation](self).
pub(crate) struct GroupCommit {
    db: Mutex<Connection>,
    commits: Sequencer<Change>,
    /// The next record id to give out (records are numbered here, not by SQLite, because a
    /// change is numbered when queued, before it is written).
    next_row: AtomicU64,
}

fn backend_error(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

impl GroupCommit {
    /// Group commit over `db`, whose `items` table exists; record ids continue after the
    /// largest there.
    pub(crate) fn new(db: Connection) -> Result<Self, StoreError> {
        let max_row: i64 = db
            .query_row("SELECT coalesce(max(row), 0) FROM items", [], |r| r.get(0))
            .map_err(backend_error)?;
        Ok(GroupCommit {
            db: Mutex::new(db),
            commits: Sequencer::new(),
            next_row: AtomicU64::new(u64::try_from(max_row).unwrap_or(0) + 1),
        })
    }

    /// The database, for reading (recovery at open). Not used for writes.
    pub(crate) fn db(&self) -> MutexGuard<'_, Connection> {
        self.db.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A new record id, for an [`Change::Append`] queued next (unique; the order does not
    /// matter: a record's place in its queue is its `pos`).
    pub(crate) fn new_row(&self) -> u64 {
        self.next_row.fetch_add(1, Ordering::Relaxed)
    }

    /// Queues `change` for the next commit; returns its ticket. Cheap (no I/O): called inside
    /// the queue's lock, so tickets follow the order of the changes.
    pub(crate) fn queue(&self, change: Change) -> Ticket {
        self.commits.queue(change)
    }

    /// Returns once the change with `ticket` (and every change before it) is committed,
    /// leading commits while none runs. Call it without holding a queue's lock: the changes
    /// of other callers must be able to queue meanwhile, to join the next commit.
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] if the commit that held the change failed (the change stays
    /// queued for the next commit; see the module documentation).
    pub(crate) fn durable(&self, ticket: Ticket) -> Result<(), StoreError> {
        self.commits.durable(ticket, |batch| self.write(batch))
    }

    /// Writes `batch` in one transaction (rolled back whole if any part fails).
    fn write(&self, batch: &[Change]) -> Result<(), String> {
        let db = self.db();
        if let [one] = batch {
            // One statement is a transaction by itself (SQLite's autocommit): no BEGIN and
            // COMMIT to run, the common case of one client alone.
            return apply(&db, one).map(drop).map_err(|e| e.to_string());
        }
        // BEGIN and COMMIT as cached statements (`Connection::transaction` parses them anew
        // each time).
        db.prepare_cached("BEGIN")
            .and_then(|mut s| s.execute([]))
            .map_err(|e| e.to_string())?;
        let written = batch
            .iter()
            .try_for_each(|change| apply(&db, change).map(drop))
            .and_then(|()| db.prepare_cached("COMMIT")?.execute([]).map(drop));
        if let Err(e) = written {
            // Undo the part written (a failed COMMIT may have rolled back already).
            if !db.is_autocommit() {
                let _ = db.execute_batch("ROLLBACK");
            }
            return Err(e.to_string());
        }
        Ok(())
    }
}

impl<C> Sequencer<C> {
    fn new() -> Self {
        Sequencer {
            log: Mutex::new(Log {
                pending: Vec::new(),
                last_queued: 0,
                committed: 0,
                committing: false,
                attempts: 0,
                failure: None,
            }),
            ended: Condvar::new(),
        }
    }

    fn log(&self) -> MutexGuard<'_, Log<C>> {
        self.log.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn queue(&self, change: C) -> Ticket {
        let mut log = self.log();
        log.pending.push(change);
        log.last_queued += 1;
        log.last_queued
    }

    /// Returns once the change with `ticket` (and every change before it) is committed,
    /// leading commits (with `write`) while none runs. Call it without holding a queue's lock: the changes
    /// of other callers must be able to queue meanwhile, to join the next commit.
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] if the commit that held the change failed (the change stays
    /// queued for the next commit; see the module documentation).
    fn durable(
        &self,
        ticket: Ticket,
        write: impl Fn(&[C]) -> Result<(), String>,
    ) -> Result<(), StoreError> {
        let mut log = self.log();
        // Failures of commits tried before this call are not this caller's: its own change
        // will be in a commit tried from now on.
        let seen = log.attempts;
        loop {
            if log.committed >= ticket {
                return Ok(());
            }
            if let Some((attempt, through, why)) = &log.failure
                && *attempt > seen
                && *through >= ticket
            {
                return Err(StoreError::Backend(format!(
                    "the change is in memory but its commit failed (it is tried again with the \
                     next one): {why}"
                )));
            }
            if log.committing {
                log = self.ended.wait(log).unwrap_or_else(|p| p.into_inner());
                continue;
            }
            // Lead: every queued change, ours among them (it is not committed and no commit
            // runs, so it is pending).
            let batch = std::mem::take(&mut log.pending);
            let through = log.last_queued;
            log.committing = true;
            log.attempts += 1;
            let attempt = log.attempts;
            drop(log);
            // A panicking write is a failed commit: `committing` must not stay set, or every
            // caller would wait for ever.
            let written = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| write(&batch)))
                .unwrap_or_else(|_| Err("the commit panicked".into()));
            log = self.log();
            log.committing = false;
            match written {
                Ok(()) => log.committed = through,
                Err(why) => {
                    // Kept, ahead of what queued meanwhile, for the next commit.
                    let newer = std::mem::replace(&mut log.pending, batch);
                    log.pending.extend(newer);
                    log.failure = Some((attempt, through, why));
                }
            }
            self.ended.notify_all();
        }
    }
}

fn apply(db: &Connection, change: &Change) -> rusqlite::Result<usize> {
    match change {
        Change::Append {
            row,
            queue,
            pos,
            item,
        } => db
            .prepare_cached(
                "INSERT INTO items (row, queue, pos, delivered, item) VALUES (?1, ?2, ?3, 0, ?4)",
            )?
            .execute(params![*row as i64, &**queue, pos, item]),
        Change::Delivered { row, delivered } => db
            .prepare_cached("UPDATE items SET delivered = ?2 WHERE row = ?1")?
            .execute(params![*row as i64, delivered]),
        Change::Removed { row } => db
            .prepare_cached("DELETE FROM items WHERE row = ?1")?
            .execute(params![*row as i64]),
        Change::Moved { row, pos } => db
            .prepare_cached("UPDATE items SET pos = ?2 WHERE row = ?1")?
            .execute(params![*row as i64, pos]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memory_db() -> Connection {
        let db = Connection::open_in_memory().unwrap();
        db.execute_batch(
            "CREATE TABLE items (row INTEGER PRIMARY KEY, queue TEXT NOT NULL,
                 pos INTEGER NOT NULL, delivered INTEGER NOT NULL, item BLOB NOT NULL);",
        )
        .unwrap();
        db
    }

    fn count(g: &GroupCommit) -> i64 {
        g.db()
            .query_row("SELECT count(*) FROM items", [], |r| r.get(0))
            .unwrap()
    }

    fn append(g: &GroupCommit, pos: Position) -> (u64, Ticket) {
        let row = g.new_row();
        let t = g.queue(Change::Append {
            row,
            queue: "q".into(),
            pos,
            item: vec![1],
        });
        (row, t)
    }

    #[test]
    fn one_commit_takes_every_change_queued_before_it() {
        let g = GroupCommit::new(memory_db()).unwrap();
        let (r1, t1) = append(&g, 1);
        let (_, t2) = append(&g, 2);
        let t3 = g.queue(Change::Removed { row: r1 });
        assert_eq!((t1, t2, t3), (1, 2, 3));
        assert_eq!(count(&g), 0, "nothing is written before a caller waits");
        // The last caller's wait commits all three at once.
        g.durable(t3).unwrap();
        assert_eq!(count(&g), 1);
        assert_eq!(g.commits.log().attempts, 1);
        // Earlier tickets are answered without another commit.
        g.durable(t1).unwrap();
        assert_eq!(g.commits.log().attempts, 1);
    }

    #[test]
    fn a_failed_commit_is_reported_and_retried_in_order() {
        let g = GroupCommit::new(memory_db()).unwrap();
        let (row, t1) = append(&g, 1);
        // A second record with the same id: the batch fails as a whole.
        let t2 = g.queue(Change::Append {
            row,
            queue: "q".into(),
            pos: 2,
            item: vec![2],
        });
        let err = g.durable(t2).unwrap_err();
        assert!(
            matches!(&err, StoreError::Backend(m) if m.contains("UNIQUE")),
            "{err}"
        );
        assert_eq!(count(&g), 0, "the failed batch is rolled back whole");
        assert_eq!(
            g.commits.log().pending.len(),
            2,
            "and kept for the next commit"
        );
        // Repair the queue: drop the bad change; the good one is written by the next commit.
        g.commits.log().pending.truncate(1);
        g.durable(t1).unwrap();
        assert_eq!(count(&g), 1);
    }

    /// Polls `cond` (bounded): the test's handshake with threads blocked inside `durable`.
    fn await_log(g: &GroupCommit, what: &str, cond: impl Fn(&Log<Change>) -> bool) {
        let t0 = std::time::Instant::now();
        while !cond(&g.commits.log()) {
            assert!(
                t0.elapsed() < std::time::Duration::from_secs(30),
                "timed out waiting until {what}"
            );
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }

    #[test]
    fn changes_queued_during_a_commit_share_the_next_one() {
        let g = std::sync::Arc::new(GroupCommit::new(memory_db()).unwrap());
        // Hold the database: the first caller's commit stays in flight.
        let held = g.db();
        let spawn = |g: &std::sync::Arc<GroupCommit>| {
            let g = std::sync::Arc::clone(g);
            std::thread::spawn(move || {
                let (_, t) = append(&g, 1);
                g.durable(t).unwrap();
                t
            })
        };
        let first = spawn(&g);
        await_log(&g, "the first commit runs", |l| l.committing);
        let later: Vec<_> = (0..3).map(|_| spawn(&g)).collect();
        await_log(&g, "three more changes queued", |l| l.last_queued == 4);
        assert_eq!(
            g.commits.log().pending.len(),
            3,
            "they wait for the next commit"
        );
        drop(held);
        assert_eq!(first.join().unwrap(), 1);
        for t in later {
            t.join().unwrap();
        }
        let log = g.commits.log();
        assert_eq!(log.committed, 4);
        assert_eq!(
            log.attempts, 2,
            "one commit for the first, one for the three"
        );
        drop(log);
        assert_eq!(count(&g), 4);
    }

    /// The protocol under stress, with every third commit failing: each caller that hears
    /// `Ok` finds its own change on the "disk" at its ticket's place (so the disk is always
    /// the committed prefix, in ticket order), a caller that hears an error finds its change
    /// written by a later commit, and in the end every change is there exactly once.
    #[test]
    fn stress_every_answered_change_is_on_disk_in_order_despite_failures() {
        const THREADS: u64 = 6;
        const EACH: u64 = 300;
        let seq = std::sync::Arc::new(Sequencer::<u64>::new());
        let disk = std::sync::Arc::new(Mutex::new(Vec::<u64>::new()));
        let attempts = std::sync::Arc::new(AtomicU64::new(0));
        // Stands for a queue's lock: a change is queued while holding it, as the stores do.
        let queue_lock = std::sync::Arc::new(Mutex::new(()));
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        for thread in 0..THREADS {
            let (seq, disk, attempts, queue_lock, done_tx) = (
                std::sync::Arc::clone(&seq),
                std::sync::Arc::clone(&disk),
                std::sync::Arc::clone(&attempts),
                std::sync::Arc::clone(&queue_lock),
                done_tx.clone(),
            );
            std::thread::spawn(move || {
                let write = |batch: &[u64]| {
                    if attempts.fetch_add(1, Ordering::Relaxed) % 3 == 2 {
                        return Err("injected failure".to_string());
                    }
                    disk.lock().unwrap().extend_from_slice(batch);
                    Ok(())
                };
                let mut errors = 0u64;
                for i in 0..EACH {
                    let change = thread * EACH + i;
                    let ticket = {
                        let _held = queue_lock.lock().unwrap();
                        seq.queue(change)
                    };
                    // An error: not on disk yet; the change stays queued, so waiting again
                    // must end with it written.
                    while seq.durable(ticket, write).is_err() {
                        errors += 1;
                    }
                    let disk = disk.lock().unwrap();
                    assert!(disk.len() as u64 >= ticket, "answered before written");
                    assert_eq!(disk[ticket as usize - 1], change, "out of order");
                }
                done_tx.send(errors).unwrap();
            });
        }
        drop(done_tx);
        let mut errors = 0;
        for _ in 0..THREADS {
            errors += done_rx
                .recv_timeout(std::time::Duration::from_secs(120))
                .expect("a thread hung or panicked");
        }
        let disk = disk.lock().unwrap();
        let mut seen = vec![false; (THREADS * EACH) as usize];
        for &c in disk.iter() {
            assert!(!std::mem::replace(&mut seen[c as usize], true), "{c} twice");
        }
        assert!(seen.iter().all(|&s| s), "a change never written");
        assert!(errors > 0, "the injected failures reached no caller");
        let log = seq.log();
        assert_eq!(log.committed, THREADS * EACH);
        assert!(log.pending.is_empty() && !log.committing);
    }

    #[test]
    fn a_panicking_write_is_a_failed_commit() {
        let seq = Sequencer::<u64>::new();
        let t = seq.queue(1);
        let err = seq.durable(t, |_| panic!("boom")).unwrap_err();
        assert!(err.to_string().contains("panicked"), "{err}");
        let written = Mutex::new(Vec::new());
        seq.durable(t, |b| {
            written.lock().unwrap().extend_from_slice(b);
            Ok(())
        })
        .unwrap();
        assert_eq!(*written.lock().unwrap(), vec![1]);
    }

    #[test]
    fn concurrent_callers_share_commits() {
        let g = std::sync::Arc::new(GroupCommit::new(memory_db()).unwrap());
        let threads = 8;
        let each = 200;
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let g = std::sync::Arc::clone(&g);
                std::thread::spawn(move || {
                    for i in 0..each {
                        let (_, t) = append(&g, i);
                        g.durable(t).unwrap();
                        assert!(g.commits.log().committed >= t);
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        let n: i64 = threads * each;
        assert_eq!(count(&g), n);
        let log = g.commits.log();
        assert_eq!(log.committed, n as u64);
        assert!(log.attempts <= n as u64);
        assert!(log.pending.is_empty());
    }
}
