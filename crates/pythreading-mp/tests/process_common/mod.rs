//! Helpers shared by the process and pool tests: kill-on-drop guards and scratch files.
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::Duration;

use pythreading_mp::process::Process;

/// Kills the child when the test fails before joining it: no orphans left behind.
pub(crate) struct Guard(pub(crate) Process);

impl Drop for Guard {
    fn drop(&mut self) {
        if self.0.is_alive().unwrap_or(false) {
            let _ = self.0.kill();
            let _ = self.0.join_timeout(Duration::from_secs(10));
        }
    }
}

impl std::ops::Deref for Guard {
    type Target = Process;
    fn deref(&self) -> &Process {
        &self.0
    }
}

/// A fresh scratch directory for one test, removed on drop.
pub(crate) struct Scratch(pub(crate) PathBuf);

impl Scratch {
    pub(crate) fn new(tag: &str) -> Scratch {
        let mut rnd = [0u8; 6];
        getrandom::fill(&mut rnd).unwrap();
        let hex: String = rnd.iter().map(|b| format!("{b:02x}")).collect();
        let dir = std::env::temp_dir().join(format!("pythreading-mp-test-{tag}-{hex}"));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    pub(crate) fn file(&self, name: &str) -> String {
        self.0.join(name).to_string_lossy().into_owned()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Joins with a generous bound and a message instead of hanging.
pub(crate) fn join_or_fail(p: &Process, what: &str) {
    assert!(
        p.join_timeout(Duration::from_secs(60)).unwrap(),
        "{what}: child did not exit within 60 s"
    );
}
