//! Shared by the durable store's kill -9 tests: the server a child process runs, and the temp
//! directory that holds its database.
// Each test crate includes this module and uses a subset of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use pythreading_mp::managers::ServerBuilder;
use pythreading_mp::managers::store::{DurableBackend, SyncPolicy};

/// Serves a durable `jobs` queue in `dir` with `sync` and authkey `key`, after writing its port
/// to `dir/port` (through a rename, so the parent never reads half a number). Runs until killed.
pub(crate) fn serve_jobs(dir: &str, sync: SyncPolicy, key: &str) {
    let backend = DurableBackend::open_with(dir, sync).unwrap();
    let server = ServerBuilder::new(key)
        .queue("jobs")
        .backend(Arc::new(backend))
        .bind("127.0.0.1:0")
        .unwrap();
    let port = Path::new(dir).join("port");
    let tmp = Path::new(dir).join("port.tmp");
    std::fs::write(&tmp, server.local_addr().port().to_string()).unwrap();
    std::fs::rename(&tmp, &port).unwrap();
    server.serve_forever().unwrap();
}

/// A directory removed with everything in it when dropped.
pub(crate) struct TempDir(pub(crate) PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
