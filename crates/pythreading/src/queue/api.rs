//! The public methods shared by `Queue`, `LifoQueue` and `PriorityQueue`.
//!
//! The three types differ only in their store (`core::Core` with a FIFO, LIFO or priority
//! store), so their methods are written once here, as a macro, and each policy file invokes it. Each type stays a distinct, nominal type with its own
//! documentation page; the examples below name the type they are generated for.

/// Generates the inherent API, `Debug`, the iterator impls and the trait impls of a
/// `Core`-backed queue type. `$gen` is the generic parameter with its bounds, `$a`, `$b`, `$c`
/// the three items `get` returns, in order, after putting 111, 333, 222 (P-02).
macro_rules! queue_api {
    ($name:ident, $core:ty, [$($gen:tt)*], $a:literal, $b:literal, $c:literal) => {
        impl<$($gen)*> $name<T> {
            /// A queue holding at most `capacity` items: `put` waits for room beyond that.
            ///
            /// Python: `
            #[doc = stringify!($name)]
            /// (maxsize)` with `maxsize > 0`. A `capacity` of 0 is taken literally: the
            /// queue can never hold an item, so it is always full, `try_put` always fails with
            /// `Full` and `put` waits until shutdown. (Python's `maxsize=0` means *unbounded*:
            /// use [`unbounded`](Self::unbounded) for that, or
            /// [`from_maxsize`](Self::from_maxsize) to apply Python's rule.)
            ///
            /// Creating a queue starts no thread. A bounded `Queue` of modest capacity allocates
            /// its slots now (see the [module docs](crate::queue)); the other queues allocate as
            /// items arrive.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("use pythreading::queue::", stringify!($name), ";")]
            ///
            #[doc = concat!("let q = ", stringify!($name), "::bounded(2);")]
            /// q.put(1).unwrap();
            /// q.put(2).unwrap();
            /// assert!(q.is_full());
            /// assert!(q.try_put(3).unwrap_err().is_full());
            /// ```
            pub fn bounded(capacity: usize) -> Self {
                $name { core: <$core>::new(Some(capacity)) }
            }

            /// A queue with no capacity limit: `put` never waits.
            ///
            /// Python: `
            #[doc = stringify!($name)]
            /// ()` (or any `maxsize <= 0`).
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("use pythreading::queue::", stringify!($name), ";")]
            ///
            #[doc = concat!("let q = ", stringify!($name), "::unbounded();")]
            /// for i in 0..10_000 {
            ///     q.put(i).unwrap();
            /// }
            /// assert!(!q.is_full());
            /// assert_eq!(q.capacity(), None);
            /// ```
            pub fn unbounded() -> Self {
                $name { core: <$core>::new(None) }
            }

            /// Names the queue for thread dumps, deadlock reports and its timeline track
            /// (unnamed queues show as `Queue#3`): a builder step after `bounded` or
            /// `unbounded`. The name is read only when a thread parks on the queue or a
            /// recording samples its depth, never on the put/get fast path.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("use pythreading::queue::", stringify!($name), ";")]
            ///
            #[doc = concat!("let q = ", stringify!($name), "::<u8>::bounded(8).with_name(\"tasks\");")]
            /// assert_eq!(q.name(), Some("tasks"));
            /// ```
            #[must_use]
            pub fn with_name(mut self, name: impl Into<std::sync::Arc<str>>) -> Self {
                self.core.label_mut().rename(name);
                self
            }

            /// The name given with [`with_name`](Self::with_name), if any.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("use pythreading::queue::", stringify!($name), ";")]
            ///
            #[doc = concat!("assert_eq!(", stringify!($name), "::<u8>::unbounded().name(), None);")]
            /// ```
            pub fn name(&self) -> Option<&str> {
                self.core.label().name()
            }

            /// Python's constructor rule: `maxsize <= 0` is unbounded, anything else bounded.
            ///
            /// Meant for code that receives a Python `maxsize` (a manager serving
            /// `queue.Queue(maxsize)`); Rust code should say [`bounded`](Self::bounded) or
            /// [`unbounded`](Self::unbounded).
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("use pythreading::queue::", stringify!($name), ";")]
            ///
            #[doc = concat!("assert_eq!(", stringify!($name), "::<u8>::from_maxsize(0).capacity(), None);")]
            #[doc = concat!("assert_eq!(", stringify!($name), "::<u8>::from_maxsize(-3).capacity(), None);")]
            #[doc = concat!("assert_eq!(", stringify!($name), "::<u8>::from_maxsize(5).capacity(), Some(5));")]
            /// ```
            pub fn from_maxsize(maxsize: i64) -> Self {
                match usize::try_from(maxsize) {
                    Ok(0) | Err(_) => Self::unbounded(),
                    Ok(n) => Self::bounded(n),
                }
            }

            /// Adds `item`, waiting for room if the queue is full.
            ///
            /// Python: `q.put(item)`.
            ///
            /// # Errors
            ///
            /// [`PutError::ShutDown`](crate::queue::PutError::ShutDown) with the item, if the
            /// queue is shut down, before or while waiting (even when there is room: P-22, P-27).
            ///
            /// # Examples
            ///
            /// ```
            /// use std::sync::Arc;
            #[doc = concat!("use pythreading::queue::", stringify!($name), ";")]
            ///
            #[doc = concat!("let q = Arc::new(", stringify!($name), "::bounded(1));")]
            /// q.put(1).unwrap();
            /// let q2 = Arc::clone(&q);
            /// let taker = pythreading::threading::spawn(move || q2.get().unwrap());
            /// q.put(2).unwrap(); // waits until the other thread takes 1
            /// assert_eq!(taker.join().unwrap(), 1);
            /// assert_eq!(q.get(), Ok(2));
            /// ```
            #[track_caller]
            pub fn put(&self, item: T) -> Result<(), $crate::queue::PutError<T>> {
                self.core.put(item).map_err($crate::queue::PutError::ShutDown)
            }

            /// Adds `item` if there is room now; never waits.
            ///
            /// Python: `q.put_nowait(item)`, `q.put(item, block=False)`.
            ///
            /// # Errors
            ///
            /// [`TryPutError::ShutDown`](crate::queue::TryPutError::ShutDown) if the queue is
            /// shut down (checked first, as Python does), else
            /// [`TryPutError::Full`](crate::queue::TryPutError::Full) if it is full; both hand
            /// the item back.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("use pythreading::queue::{", stringify!($name), ", TryPutError};")]
            ///
            #[doc = concat!("let q = ", stringify!($name), "::bounded(1);")]
            /// assert_eq!(q.try_put("a"), Ok(()));
            /// match q.try_put("b") {
            ///     Err(TryPutError::Full(back)) => assert_eq!(back, "b"),
            ///     other => panic!("{other:?}"),
            /// }
            /// ```
            #[doc(alias = "put_nowait")]
            pub fn try_put(&self, item: T) -> Result<(), $crate::queue::TryPutError<T>> {
                self.core.try_put(item).map_err(|(item, shut)| {
                    if shut {
                        $crate::queue::TryPutError::ShutDown(item)
                    } else {
                        $crate::queue::TryPutError::Full(item)
                    }
                })
            }

            /// Adds `item`, waiting at most `timeout` for room.
            ///
            /// Python: `q.put(item, timeout=t)`. `Duration::ZERO` is a poll;
            /// `Duration::MAX` waits forever.
            ///
            /// # Errors
            ///
            /// [`PutTimeoutError::Timeout`](crate::queue::PutTimeoutError::Timeout) if the queue
            /// stayed full, [`PutTimeoutError::ShutDown`](crate::queue::PutTimeoutError::ShutDown)
            /// if it was shut down; both hand the item back.
            ///
            /// # Examples
            ///
            /// ```
            /// use std::time::Duration;
            #[doc = concat!("use pythreading::queue::", stringify!($name), ";")]
            ///
            #[doc = concat!("let q = ", stringify!($name), "::bounded(1);")]
            /// q.put_timeout(1, Duration::from_millis(10)).unwrap();
            /// let err = q.put_timeout(2, Duration::from_millis(10)).unwrap_err();
            /// assert!(err.is_timeout());
            /// assert_eq!(err.into_inner(), 2);
            /// ```
            #[track_caller]
            pub fn put_timeout(
                &self,
                item: T,
                timeout: std::time::Duration,
            ) -> Result<(), $crate::queue::PutTimeoutError<T>> {
                self.core.put_timeout(item, timeout)
            }

            /// Removes and returns the next item, waiting for one if the queue is empty.
            ///
            /// Python: `q.get()`. After a (non-immediate) shutdown the remaining items are
            /// still handed out; only then does `get` fail.
            ///
            /// # Errors
            ///
            /// [`GetError::ShutDown`](crate::queue::GetError::ShutDown) once the queue is shut
            /// down and empty, including for a thread already waiting (P-25).
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("use pythreading::queue::{", stringify!($name), ", GetError};")]
            ///
            #[doc = concat!("let q = ", stringify!($name), "::unbounded();")]
            /// for x in [111, 333, 222] {
            ///     q.put(x).unwrap();
            /// }
            #[doc = concat!("assert_eq!(q.get(), Ok(", $a, "));")]
            #[doc = concat!("assert_eq!(q.get(), Ok(", $b, "));")]
            /// q.shutdown();
            #[doc = concat!("assert_eq!(q.get(), Ok(", $c, ")); // drained after shutdown")]
            /// assert_eq!(q.get(), Err(GetError::ShutDown));
            /// ```
            #[track_caller]
            pub fn get(&self) -> Result<T, $crate::queue::GetError> {
                self.core.get().ok_or($crate::queue::GetError::ShutDown)
            }

            /// Removes and returns the next item if there is one now; never waits.
            ///
            /// Python: `q.get_nowait()`, `q.get(block=False)`.
            ///
            /// # Errors
            ///
            /// [`TryGetError::Empty`](crate::queue::TryGetError::Empty) if there is nothing,
            /// [`TryGetError::ShutDown`](crate::queue::TryGetError::ShutDown) if there is
            /// nothing and the queue is shut down (never `Empty` then: P-23).
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("use pythreading::queue::{", stringify!($name), ", TryGetError};")]
            ///
            #[doc = concat!("let q = ", stringify!($name), "::bounded(4);")]
            /// q.put('x').unwrap();
            /// assert_eq!(q.try_get(), Ok('x'));
            /// assert_eq!(q.try_get(), Err(TryGetError::Empty));
            /// ```
            #[doc(alias = "get_nowait")]
            pub fn try_get(&self) -> Result<T, $crate::queue::TryGetError> {
                self.core.try_get().map_err(|shut| {
                    if shut {
                        $crate::queue::TryGetError::ShutDown
                    } else {
                        $crate::queue::TryGetError::Empty
                    }
                })
            }

            /// Removes and returns the next item, waiting at most `timeout` for one.
            ///
            /// Python: `q.get(timeout=t)`. `Duration::ZERO` is a poll; `Duration::MAX` waits
            /// forever.
            ///
            /// # Errors
            ///
            /// [`GetTimeoutError::Timeout`](crate::queue::GetTimeoutError::Timeout) if nothing
            /// arrived in time, [`GetTimeoutError::ShutDown`](crate::queue::GetTimeoutError::ShutDown)
            /// if the queue is shut down and empty (at once, without waiting out the timeout).
            ///
            /// # Examples
            ///
            /// ```
            /// use std::time::Duration;
            #[doc = concat!("use pythreading::queue::{", stringify!($name), ", GetTimeoutError};")]
            ///
            #[doc = concat!("let q = ", stringify!($name), "::<u8>::unbounded();")]
            /// let err = q.get_timeout(Duration::from_millis(10)).unwrap_err();
            /// assert_eq!(err, GetTimeoutError::Timeout);
            /// q.shutdown();
            /// assert_eq!(q.get_timeout(Duration::from_secs(60)), Err(GetTimeoutError::ShutDown));
            /// ```
            #[track_caller]
            pub fn get_timeout(
                &self,
                timeout: std::time::Duration,
            ) -> Result<T, $crate::queue::GetTimeoutError> {
                self.core.get_timeout(timeout)
            }

            /// How many items the queue holds now (a snapshot: other threads may change it).
            ///
            /// Python: `q.qsize()`.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let q = pythreading::queue::", stringify!($name), "::unbounded();")]
            /// q.put(5).unwrap();
            /// assert_eq!(q.len(), 1);
            /// ```
            #[doc(alias = "qsize")]
            pub fn len(&self) -> usize {
                self.core.len()
            }

            /// Whether the queue holds no item now.
            ///
            /// Python: `q.empty()`.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let q = pythreading::queue::", stringify!($name), "::<u8>::unbounded();")]
            /// assert!(q.is_empty());
            /// ```
            #[doc(alias = "empty")]
            pub fn is_empty(&self) -> bool {
                self.core.len() == 0
            }

            /// Whether the queue is at capacity now; always `false` when unbounded.
            ///
            /// Python: `q.full()`.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let q = pythreading::queue::", stringify!($name), "::bounded(1);")]
            /// assert!(!q.is_full());
            /// q.put(1).unwrap();
            /// assert!(q.is_full());
            /// ```
            #[doc(alias = "full")]
            pub fn is_full(&self) -> bool {
                self.core.is_full()
            }

            /// The capacity given to [`bounded`](Self::bounded); `None` when unbounded.
            ///
            /// Python: `q.maxsize` (where 0 means unbounded). Unlike Python's attribute it is
            /// fixed at construction.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("use pythreading::queue::", stringify!($name), ";")]
            #[doc = concat!("assert_eq!(", stringify!($name), "::<u8>::bounded(5).capacity(), Some(5));")]
            #[doc = concat!("assert_eq!(", stringify!($name), "::<u8>::unbounded().capacity(), None);")]
            /// ```
            #[doc(alias = "maxsize")]
            pub fn capacity(&self) -> Option<usize> {
                self.core.capacity()
            }

            /// Marks one item taken with `get` as processed; when every put item has been
            /// marked, [`join`](Self::join) returns.
            ///
            /// Python: `q.task_done()`.
            ///
            /// # Errors
            ///
            /// [`TaskDoneError`](crate::queue::TaskDoneError) if called more times than items
            /// were put (Python's `ValueError`); the count stays at zero.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("use pythreading::queue::{", stringify!($name), ", TaskDoneError};")]
            ///
            #[doc = concat!("let q = ", stringify!($name), "::unbounded();")]
            /// q.put(1).unwrap();
            /// q.get().unwrap();
            /// assert_eq!(q.task_done(), Ok(()));
            /// assert_eq!(q.task_done(), Err(TaskDoneError));
            /// ```
            pub fn task_done(&self) -> Result<(), $crate::queue::TaskDoneError> {
                self.core.task_done()
            }

            /// Items put and not yet marked with [`task_done`](Self::task_done).
            ///
            /// Python: `q.unfinished_tasks`.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let q = pythreading::queue::", stringify!($name), "::unbounded();")]
            /// q.put(1).unwrap();
            /// q.get().unwrap();
            /// assert_eq!(q.unfinished_tasks(), 1);
            /// q.task_done().unwrap();
            /// assert_eq!(q.unfinished_tasks(), 0);
            /// ```
            pub fn unfinished_tasks(&self) -> usize {
                self.core.unfinished_tasks()
            }

            /// Waits until every item ever put has been marked with
            /// [`task_done`](Self::task_done). Never fails, shutdown or not (P-28); an
            /// immediate shutdown counts the items it discards as done.
            ///
            /// Python: `q.join()`.
            ///
            /// # Examples
            ///
            /// ```
            /// use std::sync::Arc;
            #[doc = concat!("use pythreading::queue::", stringify!($name), ";")]
            ///
            #[doc = concat!("let q = Arc::new(", stringify!($name), "::unbounded());")]
            /// for i in 0..10 {
            ///     q.put(i).unwrap();
            /// }
            /// let worker = {
            ///     let q = Arc::clone(&q);
            ///     pythreading::threading::spawn(move || {
            ///         while let Ok(_item) = q.try_get() {
            ///             q.task_done().unwrap();
            ///         }
            ///     })
            /// };
            /// q.join();
            /// assert_eq!(q.unfinished_tasks(), 0);
            /// worker.join().unwrap();
            /// ```
            #[track_caller]
            pub fn join(&self) {
                self.core.join()
            }

            /// Like [`join`](Self::join), giving up after `timeout`. Returns `true` if every
            /// task is done.
            ///
            /// # Examples
            ///
            /// ```
            /// use std::time::Duration;
            #[doc = concat!("let q = pythreading::queue::", stringify!($name), "::unbounded();")]
            /// assert!(q.join_timeout(Duration::ZERO));
            /// q.put(1).unwrap();
            /// assert!(!q.join_timeout(Duration::from_millis(10)));
            /// ```
            #[must_use = "`false` means some tasks are still unfinished"]
            #[track_caller]
            pub fn join_timeout(&self, timeout: std::time::Duration) -> bool {
                self.core.join_timeout(timeout)
            }

            /// Shuts the queue down: puts fail from now on (even with room), gets hand out what
            /// remains and then fail, and every thread waiting in `put` or `get` wakes to
            /// re-check. Calling it again, or after
            /// [`shutdown_immediate`](Self::shutdown_immediate), is allowed and changes nothing.
            ///
            /// Python 3.13: `q.shutdown()`.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("use pythreading::queue::{", stringify!($name), ", TryGetError};")]
            ///
            #[doc = concat!("let q = ", stringify!($name), "::bounded(8);")]
            /// q.put(1).unwrap();
            /// q.shutdown();
            /// assert!(q.put(2).unwrap_err().is_shut_down());
            /// assert_eq!(q.try_get(), Ok(1));
            /// assert_eq!(q.try_get(), Err(TryGetError::ShutDown));
            /// ```
            pub fn shutdown(&self) {
                self.core.shutdown()
            }

            /// Shuts the queue down and discards every item it holds: gets fail at once, the
            /// discarded items count as done (so [`join`](Self::join) returns), and every
            /// waiting thread wakes.
            ///
            /// Python 3.13: `q.shutdown(immediate=True)`.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("use pythreading::queue::{", stringify!($name), ", TryGetError};")]
            ///
            #[doc = concat!("let q = ", stringify!($name), "::unbounded();")]
            /// q.put(1).unwrap();
            /// q.put(2).unwrap();
            /// q.shutdown_immediate();
            /// assert_eq!(q.len(), 0);
            /// assert_eq!(q.try_get(), Err(TryGetError::ShutDown));
            /// q.join(); // returns at once
            /// ```
            #[doc(alias = "shutdown(immediate=True)")]
            pub fn shutdown_immediate(&self) {
                self.core.shutdown_immediate()
            }

            /// Whether [`shutdown`](Self::shutdown) or
            /// [`shutdown_immediate`](Self::shutdown_immediate) was called.
            ///
            /// Python 3.13: `q.is_shutdown`.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let q = pythreading::queue::", stringify!($name), "::<u8>::unbounded();")]
            /// assert!(!q.is_shut_down());
            /// q.shutdown();
            /// assert!(q.is_shut_down());
            /// ```
            #[doc(alias = "is_shutdown")]
            pub fn is_shut_down(&self) -> bool {
                self.core.is_shut_down()
            }

            /// A blocking iterator: yields items as [`get`](Self::get) would, and ends when the
            /// queue is shut down and drained. Same as `for item in &queue`.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let q = pythreading::queue::", stringify!($name), "::unbounded();")]
            /// q.put(1).unwrap();
            /// q.put(1).unwrap();
            /// q.shutdown();
            /// let sum: i32 = q.iter().sum();
            /// assert_eq!(sum, 2);
            /// ```
            pub fn iter(&self) -> $crate::queue::Iter<'_, T>
            where
                T: Send,
            {
                $crate::queue::Iter::new(&self.core)
            }

            /// A non-blocking iterator: yields the items there are now, as
            /// [`try_get`](Self::try_get) would, and ends when the queue is empty.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let q = pythreading::queue::", stringify!($name), "::unbounded();")]
            /// q.put(1).unwrap();
            /// q.put(1).unwrap();
            /// assert_eq!(q.try_iter().count(), 2);
            /// assert!(q.is_empty());
            /// ```
            pub fn try_iter(&self) -> $crate::queue::TryIter<'_, T>
            where
                T: Send,
            {
                $crate::queue::TryIter::new(&self.core)
            }

            /// Removes and returns the next item, waiting for one as an async task: the
            /// awaitable face of [`get`](Self::get), parking the task, not the thread.
            ///
            /// Tasks wait in line with the threads blocked in `get`: first come, first served,
            /// so one queue can have threads on one side and tasks on the other. Any executor can
            /// run it (it uses only the task's `Waker`). Cancel-safe: an item is taken only by
            /// the poll that returns it, so dropping the future before it completes loses no
            /// item, and a wake-up meant for it passes to the next waiter.
            ///
            /// # Errors
            ///
            /// [`GetError::ShutDown`](crate::queue::GetError::ShutDown) once the queue is shut
            /// down and drained.
            ///
            /// # Examples
            ///
            /// ```
            /// use std::sync::Arc;
            /// use std::task::{Context, Poll, Wake, Waker};
            #[doc = concat!("use pythreading::queue::", stringify!($name), ";")]
            ///
            /// struct Noop;
            /// impl Wake for Noop {
            ///     fn wake(self: Arc<Self>) {}
            /// }
            /// let waker = Waker::from(Arc::new(Noop));
            /// let mut cx = Context::from_waker(&waker);
            ///
            #[doc = concat!("let q = ", stringify!($name), "::bounded(2);")]
            /// let mut get = Box::pin(q.get_async()); // in async code: `q.get_async().await`
            /// assert!(get.as_mut().poll(&mut cx).is_pending());
            /// q.put(7).unwrap(); // wakes the task
            /// assert_eq!(get.as_mut().poll(&mut cx), Poll::Ready(Ok(7)));
            /// ```
            pub fn get_async(&self) -> $crate::queue::GetFuture<'_, T>
            where
                T: Send,
            {
                $crate::queue::GetFuture::new(&self.core)
            }

            /// Adds `item`, waiting for room as an async task: the awaitable face of
            /// [`put`](Self::put). Waits in line with the threads blocked in `put`, first come,
            /// first served; runs on any executor.
            ///
            /// Dropping the future before it completes drops the item (it never entered the
            /// queue) and passes a wake-up meant for it to the next waiter.
            ///
            /// # Errors
            ///
            /// [`PutError::ShutDown`](crate::queue::PutError::ShutDown) with the item, if the
            /// queue is shut down before or while waiting.
            ///
            /// # Examples
            ///
            /// ```
            /// use std::sync::Arc;
            /// use std::task::{Context, Poll, Wake, Waker};
            #[doc = concat!("use pythreading::queue::", stringify!($name), ";")]
            ///
            /// struct Noop;
            /// impl Wake for Noop {
            ///     fn wake(self: Arc<Self>) {}
            /// }
            /// let waker = Waker::from(Arc::new(Noop));
            /// let mut cx = Context::from_waker(&waker);
            ///
            #[doc = concat!("let q = ", stringify!($name), "::bounded(1);")]
            /// q.put(1).unwrap();
            /// let mut put = Box::pin(q.put_async(2)); // in async code: `q.put_async(2).await`
            /// assert!(put.as_mut().poll(&mut cx).is_pending()); // full
            /// assert_eq!(q.get(), Ok(1)); // makes room, wakes the task
            /// assert_eq!(put.as_mut().poll(&mut cx), Poll::Ready(Ok(())));
            /// assert_eq!(q.len(), 1);
            /// ```
            pub fn put_async(&self, item: T) -> $crate::queue::PutFuture<'_, T>
            where
                T: Send,
            {
                $crate::queue::PutFuture::new(&self.core, item)
            }
        }

        impl<'a, $($gen)*> IntoIterator for &'a $name<T>
        where
            T: Send,
        {
            type Item = T;
            type IntoIter = $crate::queue::Iter<'a, T>;

            fn into_iter(self) -> Self::IntoIter {
                self.iter()
            }
        }

        impl<$($gen)*> Default for $name<T> {
            /// An unbounded queue.
            fn default() -> Self {
                Self::unbounded()
            }
        }

        impl<$($gen)*> std::fmt::Debug for $name<T> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("len", &self.len())
                    .field("capacity", &self.capacity())
                    .field("unfinished_tasks", &self.unfinished_tasks())
                    .field("shut_down", &self.is_shut_down())
                    .finish()
            }
        }
    };
}

pub(crate) use queue_api;
