//! Scenario `local` from the tutorials: one `Local` holds a different student in each thread, so
//! `process_student` needs no parameter and no shared dict.
//!
//! `cargo run -p pythreading --example local` or `pythreading demo local`.

use std::sync::{Arc, Barrier};

use pythreading::threading::{self, Builder, Local};

fn process_student(local_school: &Local<String>) {
    let student = local_school.get();
    println!(
        "Hello, {student} (in {})",
        threading::current_thread().name()
    );
}

/// Runs the scenario.
pub(crate) fn run() {
    let local_school = Arc::new(Local::new(String::new));
    // Both threads set their value before either reads: with one shared variable the first
    // reader would see the second writer's name.
    let both_set = Arc::new(Barrier::new(2));
    let handles: Vec<_> = [("Alice", "Thread-A"), ("Bob", "Thread-B")]
        .into_iter()
        .map(|(student, thread_name)| {
            let local_school = local_school.clone();
            let both_set = both_set.clone();
            Builder::new()
                .name(thread_name)
                .spawn(move || {
                    local_school.set(student.to_owned());
                    both_set.wait();
                    process_student(&local_school);
                })
                .expect("spawn")
        })
        .collect();
    for h in handles {
        h.join().expect("student thread");
    }
    // Each thread's value was dropped when the thread ended.
    let left = local_school.thread_count();
    println!(
        "values left after the threads ended: {left}; the main thread's own value: {:?} (never set)",
        local_school.get()
    );
}

#[allow(dead_code)]
fn main() {
    run();
}
