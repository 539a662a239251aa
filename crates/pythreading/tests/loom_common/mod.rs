//! The set-up the loom models of the async faces share (`loom_async_*.rs`): the model's
//! preemption bound and a `block_on` that runs a future on a loom thread.
//! Only compiled under `--cfg loom`, like the tests that include it.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Wake, Waker};

/// Checks `f` under every interleaving loom explores with at most 3 preemptions (enough for
/// the two- and three-party races these models set up, small enough to finish in seconds).
pub(crate) fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(3);
    builder.check(f);
}

/// Runs `fut` on this loom thread: poll, `loom::thread::park` until the waker unparks it.
/// (loom's own `block_on` needs its `futures` feature; this is the same thing.) A lost
/// wake-up parks forever, which loom reports as a deadlock.
pub(crate) fn block_on<F: Future>(fut: F) -> F::Output {
    struct Unparker(loom::thread::Thread);
    impl Wake for Unparker {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(std::sync::Arc::new(Unparker(loom::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut fut = pin!(fut);
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        loom::thread::park();
    }
}
