//! The durable backend of `serve --data DIR`: every named queue's items, delivery counts and
//! order in one SQLite database (`DIR/queues.sqlite3`, WAL journal).
//!
//! The queue itself runs in memory ([`MemoryStore`]); each change is queued for the database
//! inside the queue's lock, in the order the changes are made, and its caller is answered only
//! once the transaction holding it is committed: a put is in the database before its caller
//! hears `None`. Changes from several connections that arrive while a commit runs share the
//! next transaction (group commit, one `fsync` for all of them under [`SyncPolicy::Full`]; see
//! `group_commit.rs`). When the server starts again on the same
//! directory, each queue holds what the database holds, in order; items that were out on a
//! lease are back in their queue (they never left the database), their delivery counts kept.
//!
//! If a commit fails (disk full, an I/O error), every caller whose change it held hears
//! [`StoreError::Backend`]. A put's item is in the queue already (it may be delivered) and its
//! record is written by the next commit that succeeds; a take that failed so puts its item back
//! at the head. An error means "not known to be on disk", never "lost".
//!
//! # What survives what ([`SyncPolicy`])
//!
//! | policy | SQLite | an acknowledged put survives | cost per commit (one change alone; all that arrived during the last commit, together) |
//! |---|---|---|---|
//! | [`SyncPolicy::Full`] (default) | WAL, `synchronous=FULL` | the server killed (`SIGKILL`), the machine crashing or losing power | one `fsync` |
//! | [`SyncPolicy::Normal`] | WAL, `synchronous=NORMAL` | the server killed (`SIGKILL`, a panic); **not** a power loss or kernel crash (the last changes may be lost, the database stays consistent) | a `write`, no `fsync` |
//!
//! Chosen over redb by measurement (put + get round trips with a sync per change, both in the
//! same run): the two were level with `fsync` per change (the disk's flush rate bounds both),
//! and only SQLite has a mode that survives the process being killed without an `fsync` per
//! change (WAL + `NORMAL`), tens of times faster.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rusqlite::{Connection, OptionalExtension as _, params};

use super::group_commit::{Change, GroupCommit};
use super::journal::{Journal, Position, Recovered, Ticket};
use super::{MemoryStore, QueueBackend, QueueStore, StoreError};
use crate::pickle::{self, Value};

/// How hard each change is pushed to disk.
///
/// | policy | SQLite | an acknowledged put survives | cost per commit (changes arriving together share one) |
/// |---|---|---|---|
/// | [`SyncPolicy::Full`] (default) | WAL, `synchronous=FULL` | the server killed (`SIGKILL`), the machine crashing or losing power | one `fsync` |
/// | [`SyncPolicy::Normal`] | WAL, `synchronous=NORMAL` | the server killed (`SIGKILL`, a panic); **not** a power loss or kernel crash (the last changes may be lost; the database stays consistent) | a `write`, no `fsync` |
///
/// # Examples
///
/// ```
/// use pythreading_mp::managers::store::SyncPolicy;
/// assert_eq!(SyncPolicy::default(), SyncPolicy::Full);
/// assert_eq!("normal".parse::<SyncPolicy>().unwrap(), SyncPolicy::Normal);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SyncPolicy {
    /// An `fsync` per commit (changes arriving together share one): survives power loss.
    #[default]
    Full,
    /// No `fsync` per commit: survives the server process dying, not the machine.
    Normal,
}

impl std::str::FromStr for SyncPolicy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "full" => Ok(SyncPolicy::Full),
            "normal" => Ok(SyncPolicy::Normal),
            other => Err(format!("expected full or normal, not {other:?}")),
        }
    }
}

/// Named queues kept in a SQLite database in a directory (`serve --data DIR`).
///
/// The queue itself runs in memory; each change (put, delivery, ack, return to the head) is
/// queued for `DIR/queues.sqlite3` inside the queue's lock, and its caller is answered only
/// once the transaction holding it is committed: a put is in the database before its caller
/// hears `None`. Changes from connections arriving together share one transaction (group
/// commit): one `fsync` for all of them under [`SyncPolicy::Full`]. A server
/// started again on the same directory finds each queue as the database holds it, in order;
/// items that were out on a lease are back at the head, their delivery counts kept. How hard
/// each change is pushed to disk: [`SyncPolicy`].
///
/// # Examples
///
/// ```
/// use pythreading_mp::managers::store::{Block, DurableBackend, QueueBackend, Waiter};
/// use pythreading_mp::pickle::Value;
///
/// let dir = std::env::temp_dir().join(format!("pythreading-doc-{}", std::process::id()));
/// let backend = DurableBackend::open(&dir).unwrap();
/// let q = backend.open("jobs", 0).unwrap();
/// q.put(Value::from("job 1"), Waiter::new(Block::Poll)).unwrap();
/// drop((q, backend));
/// // A new server on the same directory finds the item.
/// let q = DurableBackend::open(&dir).unwrap().open("jobs", 0).unwrap();
/// assert_eq!(q.take(None, Waiter::new(Block::Poll)).unwrap().item, Value::from("job 1"));
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub struct DurableBackend {
    commits: Arc<GroupCommit>,
    path: PathBuf,
    sync: SyncPolicy,
}

impl fmt::Debug for DurableBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DurableBackend")
            .field("path", &self.path)
            .field("sync", &self.sync)
            .finish()
    }
}

fn backend_error(e: impl fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

impl DurableBackend {
    /// Opens (or creates) `dir/queues.sqlite3` with [`SyncPolicy::Full`].
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] if the directory or the database cannot be made or read.
    ///
    /// # Examples
    ///
    /// ```
    /// let dir = std::env::temp_dir().join(format!("pythreading-doc-open-{}", std::process::id()));
    /// let b = pythreading_mp::managers::store::DurableBackend::open(&dir).unwrap();
    /// assert!(b.path().ends_with("queues.sqlite3"));
    /// # drop(b); std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_with(dir, SyncPolicy::Full)
    }

    /// Opens (or creates) `dir/queues.sqlite3` with `sync`.
    ///
    /// # Errors
    ///
    /// As [`open`](DurableBackend::open).
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::managers::store::{DurableBackend, SyncPolicy};
    /// let dir = std::env::temp_dir().join(format!("pythreading-doc-with-{}", std::process::id()));
    /// let b = DurableBackend::open_with(&dir, SyncPolicy::Normal).unwrap();
    /// assert_eq!(b.sync(), SyncPolicy::Normal);
    /// # drop(b); std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    pub fn open_with(dir: impl AsRef<Path>, sync: SyncPolicy) -> Result<Self, StoreError> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Backend(format!("cannot create {}: {e}", dir.display())))?;
        let path = dir.join("queues.sqlite3");
        let db = Connection::open(&path).map_err(backend_error)?;
        db.pragma_update(None, "journal_mode", "WAL")
            .map_err(backend_error)?;
        let level = match sync {
            SyncPolicy::Full => "FULL",
            SyncPolicy::Normal => "NORMAL",
        };
        db.pragma_update(None, "synchronous", level)
            .map_err(backend_error)?;
        db.execute_batch(
            "CREATE TABLE IF NOT EXISTS items (
                 row INTEGER PRIMARY KEY,
                 queue TEXT NOT NULL,
                 pos INTEGER NOT NULL,
                 delivered INTEGER NOT NULL,
                 item BLOB NOT NULL
             );
             CREATE INDEX IF NOT EXISTS items_by_queue ON items (queue, pos);",
        )
        .map_err(backend_error)?;
        Ok(DurableBackend {
            commits: Arc::new(GroupCommit::new(db)?),
            path,
            sync,
        })
    }

    /// The database file.
    ///
    /// # Examples
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("pythreading-doc-path-{}", std::process::id()));
    /// let b = pythreading_mp::managers::store::DurableBackend::open(&dir).unwrap();
    /// assert!(b.path().starts_with(&dir));
    /// # drop(b); std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The sync policy.
    ///
    /// # Examples
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("pythreading-doc-sync-{}", std::process::id()));
    /// let b = pythreading_mp::managers::store::DurableBackend::open(&dir).unwrap();
    /// assert_eq!(b.sync(), pythreading_mp::managers::store::SyncPolicy::Full);
    /// # drop(b); std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    pub fn sync(&self) -> SyncPolicy {
        self.sync
    }

    fn recover(&self, name: &str) -> Result<Vec<Recovered>, StoreError> {
        let db = self.commits.db();
        let mut stmt = db
            .prepare_cached(
                "SELECT row, pos, delivered, item FROM items WHERE queue = ?1 ORDER BY pos, row",
            )
            .map_err(backend_error)?;
        let rows = stmt
            .query_map(params![name], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, Vec<u8>>(3)?,
                ))
            })
            .map_err(backend_error)?;
        let mut out = Vec::new();
        for row in rows {
            let (row, pos, delivered, bytes) = row.map_err(backend_error)?;
            let item = pickle::loads(&bytes).map_err(|e| {
                StoreError::Backend(format!("queue {name}: record {row} is unreadable: {e}"))
            })?;
            out.push((
                row as u64,
                pos,
                u32::try_from(delivered).unwrap_or(u32::MAX),
                item,
            ));
        }
        Ok(out)
    }
}

impl QueueBackend for DurableBackend {
    fn open(&self, name: &str, maxsize: usize) -> Result<Arc<dyn QueueStore>, StoreError> {
        let recovered = self.recover(name)?;
        let journal = SqliteJournal {
            commits: Arc::clone(&self.commits),
            queue: name.into(),
        };
        Ok(Arc::new(MemoryStore::with_journal(
            maxsize,
            Some(Box::new(journal)),
            recovered,
        )))
    }

    fn describe(&self) -> String {
        format!("sqlite:{}", self.path.display())
    }
}

/// One queue's records in the shared database, written through its group commit.
struct SqliteJournal {
    commits: Arc<GroupCommit>,
    queue: Arc<str>,
}

impl Journal for SqliteJournal {
    fn appended(&self, pos: Position, item: &Value) -> (u64, Ticket) {
        let row = self.commits.new_row();
        let ticket = self.commits.queue(Change::Append {
            row,
            queue: Arc::clone(&self.queue),
            pos,
            item: pickle::dumps(item),
        });
        (row, ticket)
    }

    fn delivered(&self, row: u64, delivered: u32) -> Ticket {
        self.commits.queue(Change::Delivered { row, delivered })
    }

    fn removed(&self, row: u64) -> Ticket {
        self.commits.queue(Change::Removed { row })
    }

    fn moved(&self, row: u64, pos: Position) -> Ticket {
        self.commits.queue(Change::Moved { row, pos })
    }

    fn durable(&self, ticket: Ticket) -> Result<(), StoreError> {
        self.commits.durable(ticket)
    }
}

/// The number of records of `queue` in the database at `dir` (for tests and tools: what a
/// restart would find).
///
/// # Errors
///
/// [`StoreError::Backend`] if the database cannot be read.
///
/// # Examples
///
/// ```
/// use pythreading_mp::managers::store::{DurableBackend, durable_count};
/// # let dir = std::env::temp_dir().join(format!("pythreading-doc-count-{}", std::process::id()));
/// drop(DurableBackend::open(&dir).unwrap());
/// assert_eq!(durable_count(&dir, "jobs").unwrap(), 0);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn durable_count(dir: impl AsRef<Path>, queue: &str) -> Result<usize, StoreError> {
    let db = Connection::open(dir.as_ref().join("queues.sqlite3")).map_err(backend_error)?;
    let n: Option<i64> = db
        .query_row(
            "SELECT count(*) FROM items WHERE queue = ?1",
            params![queue],
            |r| r.get(0),
        )
        .optional()
        .map_err(backend_error)?;
    Ok(n.unwrap_or(0) as usize)
}
