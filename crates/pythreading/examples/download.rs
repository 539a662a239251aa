//! Scenario `download` from the tutorials: two "downloads" (sleeps) run in two threads, so the whole
//! takes about the longer one, not the sum. The first is a closure; the second is the tutorials'
//! `class DownloadTask(Thread)` with its own `run` — a type implementing [`Run`].
//!
//! `cargo run -p pythreading --example download` or `pythreading demo download`.

use std::time::{Duration, Instant};

use pythreading::threading::{self, Run};

fn download(filename: &str, took: Duration) -> Duration {
    println!("start downloading {filename}...");
    std::thread::sleep(took);
    println!("{filename} finished, took {:.1}s", took.as_secs_f64());
    took
}

/// The tutorials' `Thread` subclass, as a type with a `run` method.
struct DownloadTask {
    filename: String,
    took: Duration,
}

impl Run for DownloadTask {
    type Output = Duration;
    fn run(self) -> Duration {
        download(&self.filename, self.took)
    }
}

/// Runs the scenario.
pub(crate) fn run() {
    let start = Instant::now();
    let t1 = threading::spawn(|| download("Python从入门到精通.pdf", Duration::from_millis(500)));
    let t2 = threading::spawn(DownloadTask {
        filename: "Peking Hot.avi".to_owned(),
        took: Duration::from_millis(800),
    });
    let a = t1.join().expect("download 1");
    let b = t2.join().expect("download 2");
    let total = start.elapsed();
    println!(
        "both done in {:.2}s: about the longer download ({:.1}s), not the sum ({:.1}s)",
        total.as_secs_f64(),
        a.max(b).as_secs_f64(),
        (a + b).as_secs_f64()
    );
}

#[allow(dead_code)]
fn main() {
    run();
}
