//! The async face of [`JoinHandle::join`]: a `JoinHandle` is [`IntoFuture`], so a task can
//! `.await` a thread and get what its body returned.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};

use super::JoinHandle;
use crate::threading::thread_error::{JoinError, Panicked};
use crate::threading::thread_handle::ThreadJoin;

/// Awaiting a `JoinHandle` waits for the thread without blocking the task's thread, then
/// returns what [`join`](JoinHandle::join) returns.
///
/// # Examples
///
/// ```
/// use pythreading::threading;
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let waker = std::task::Waker::noop();
/// #     let mut cx = std::task::Context::from_waker(waker);
/// #     let mut f = std::pin::pin!(f);
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } std::thread::yield_now(); }
/// # }
///
/// let handle = threading::spawn(|| 6 * 7);
/// let answer = block_on(async move { handle.await.unwrap() });
/// assert_eq!(answer, 42);
/// ```
impl<T> IntoFuture for JoinHandle<T> {
    type Output = Result<T, Panicked>;
    type IntoFuture = JoinHandleFuture<T>;

    fn into_future(self) -> JoinHandleFuture<T> {
        JoinHandleFuture {
            finished: self.thread.join_async(),
            handle: Some(self),
        }
    }
}

/// The future of `.await` on a [`JoinHandle`]: the thread's result once it has finished.
///
/// # Cancel safety
///
/// Dropping it before it completes leaves nothing behind; the thread runs on, detached, as
/// when a `JoinHandle` is dropped.
///
/// # Examples
///
/// ```
/// use std::future::IntoFuture;
/// # use pythreading::threading;
/// let fut = threading::spawn(|| ()).into_future();
/// # drop(fut);
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct JoinHandleFuture<T> {
    finished: ThreadJoin,
    handle: Option<JoinHandle<T>>,
}

impl<T> Future for JoinHandleFuture<T> {
    type Output = Result<T, Panicked>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let outcome = match Pin::new(&mut self.finished).poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(outcome) => outcome,
        };
        let handle = self
            .handle
            .take()
            .expect("a JoinHandle future was polled after it completed");
        Poll::Ready(match outcome {
            // Finished: the native join only waits for the OS thread's last instructions.
            Ok(()) => handle.join(),
            Err(error @ (JoinError::CurrentThread | JoinError::DummyThread)) => {
                Err(Panicked::new(Box::new(error)))
            }
        })
    }
}

impl<T> fmt::Debug for JoinHandleFuture<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandleFuture")
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}
