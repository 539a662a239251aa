//! The loom harness itself: a model of the facade's mutex, so `--cfg loom` builds always run
//! at least one model. Each area's models live in `loom_<area>.rs`.
//! Run: `RUSTFLAGS="--cfg loom" cargo test --release -p pythreading --test 'loom_*'`.
#![cfg(loom)]

use loom::sync::{Arc, Mutex};

#[test]
fn two_threads_increment_under_a_mutex() {
    loom::model(|| {
        let n = Arc::new(Mutex::new(0));
        let n2 = n.clone();
        let t = loom::thread::spawn(move || *n2.lock().unwrap() += 1);
        *n.lock().unwrap() += 1;
        t.join().unwrap();
        assert_eq!(*n.lock().unwrap(), 2);
    });
}
