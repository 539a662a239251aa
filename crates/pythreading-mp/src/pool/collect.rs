//! Where task outcomes land: one [`Collector`] per call, filled by the worker threads, read by
//! the typed results ([`AsyncResult`], and [`LazyResults`] behind [`IMap`] and [`IMapUnordered`]).

use std::collections::VecDeque;
use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;

use super::error::PoolError;
use crate::pickle;

/// One task's outcome: its value's pickle, or why it has none.
pub(crate) type Outcome = Result<Vec<u8>, PoolError>;

type DoneHook = Box<dyn FnOnce(&[Option<Outcome>]) + Send>;

struct State {
    slots: Vec<Option<Outcome>>,
    /// Indices in completion order, for `imap_unordered`.
    completed: VecDeque<usize>,
    remaining: usize,
    on_done: Option<DoneHook>,
}

/// The outcomes of one call, in input order.
pub(crate) struct Collector {
    state: Mutex<State>,
    cv: Condvar,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Collector {
    pub(crate) fn new(n: usize, on_done: Option<DoneHook>) -> Arc<Collector> {
        let c = Arc::new(Collector {
            state: Mutex::new(State {
                slots: (0..n).map(|_| None).collect(),
                completed: VecDeque::new(),
                remaining: n,
                on_done,
            }),
            cv: Condvar::new(),
        });
        if n == 0 {
            c.fire_done();
        }
        c
    }

    /// Records the outcome of task `index` (the first outcome wins).
    pub(crate) fn deliver(&self, index: usize, outcome: Outcome) {
        self.deliver_many(std::iter::once((index, outcome)));
    }

    /// Records several outcomes under one lock and one wake-up (a whole job's reply: waking
    /// the readers once per item would cost a system call per item).
    pub(crate) fn deliver_many(&self, outcomes: impl IntoIterator<Item = (usize, Outcome)>) {
        let (any, finished) = {
            let mut s = lock(&self.state);
            let mut any = false;
            for (index, outcome) in outcomes {
                if index >= s.slots.len() || s.slots[index].is_some() {
                    continue;
                }
                s.slots[index] = Some(outcome);
                s.completed.push_back(index);
                s.remaining -= 1;
                any = true;
            }
            (any, any && s.remaining == 0)
        };
        if any {
            self.cv.notify_all();
        }
        if finished {
            self.fire_done();
        }
    }

    /// Runs the completion hook (callbacks) outside the lock, once.
    fn fire_done(&self) {
        let hook = lock(&self.state).on_done.take();
        if let Some(hook) = hook {
            let snapshot: Vec<Option<Outcome>> = lock(&self.state).slots.clone();
            hook(&snapshot);
        }
    }

    fn wait_until<T>(
        &self,
        timeout: Duration,
        mut ready: impl FnMut(&mut State) -> Option<T>,
    ) -> Option<T> {
        let deadline = Instant::now().checked_add(timeout);
        let mut s = lock(&self.state);
        loop {
            if let Some(v) = ready(&mut s) {
                return Some(v);
            }
            match deadline {
                None => s = self.cv.wait(s).unwrap_or_else(|e| e.into_inner()),
                Some(d) => {
                    let left = d.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return None;
                    }
                    s = self
                        .cv
                        .wait_timeout(s, left)
                        .unwrap_or_else(|e| e.into_inner())
                        .0;
                }
            }
        }
    }

    fn all_done(&self, timeout: Duration) -> bool {
        self.wait_until(timeout, |s| (s.remaining == 0).then_some(()))
            .is_some()
    }
}

pub(crate) fn decode<R: DeserializeOwned>(outcome: &Outcome) -> Result<R, PoolError> {
    let bytes = outcome.as_ref().map_err(Clone::clone)?;
    let value = pickle::loads_with(
        bytes,
        &pickle::Limits::new()
            .with_max_input_len(usize::MAX)
            .with_max_expansion(usize::MAX),
    )
    .map_err(|e| PoolError::Encode(e.to_string()))?;
    pickle::from_value(&value).map_err(|e| PoolError::Encode(e.to_string()))
}

/// Decodes every slot in order; the first failure (in input order) is the error, as Python's
/// `map` raises the first failing task's exception.
pub(crate) fn decode_all<R: DeserializeOwned>(
    slots: &[Option<Outcome>],
) -> Result<Vec<R>, PoolError> {
    slots
        .iter()
        .map(|s| match s {
            Some(o) => decode(o),
            None => Err(PoolError::Terminated),
        })
        .collect()
}

/// How an [`AsyncResult`] turns the outcomes into its value.
enum Shape {
    One,
    All,
}

/// The pending value of [`Pool::apply_async`](super::Pool::apply_async) or
/// [`Pool::map_async`](super::Pool::map_async) (Python's `AsyncResult`).
///
/// # Examples
///
/// ```
/// use pythreading_mp::pool::Pool;
///
/// fn square(x: u64) -> u64 { x * x }
/// pythreading_mp::register!(square);
///
/// fn main() {
///     pythreading_mp::init();
///     let pool = Pool::new(2).unwrap();
///     let r = pool.apply_async(square, (7,)).unwrap();
///     assert_eq!(r.get().unwrap(), 49);
///     assert!(r.ready());
///     assert!(r.successful().unwrap());
/// }
/// ```
pub struct AsyncResult<T> {
    collector: Arc<Collector>,
    shape: Shape,
    _t: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for AsyncResult<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncResult")
            .field("ready", &(lock(&self.collector.state).remaining == 0))
            .finish()
    }
}

impl<T: DeserializeOwned> AsyncResult<T> {
    pub(crate) fn one(collector: Arc<Collector>) -> Self {
        AsyncResult {
            collector,
            shape: Shape::One,
            _t: PhantomData,
        }
    }

    fn value(&self) -> Result<T, PoolError>
    where
        T: DeserializeOwned,
    {
        let s = lock(&self.collector.state);
        match self.shape {
            Shape::One => match s.slots.first() {
                Some(Some(o)) => decode(o),
                _ => Err(PoolError::Terminated),
            },
            // `T` is `Vec<R>`: decode every item's pickle into one list value, then into `T`.
            Shape::All => {
                let mut items = Vec::with_capacity(s.slots.len());
                for slot in &s.slots {
                    let bytes = match slot {
                        Some(Ok(b)) => b,
                        Some(Err(e)) => return Err(e.clone()),
                        None => return Err(PoolError::Terminated),
                    };
                    items.push(
                        pickle::loads_with(
                            bytes,
                            &pickle::Limits::new()
                                .with_max_input_len(usize::MAX)
                                .with_max_expansion(usize::MAX),
                        )
                        .map_err(|e| PoolError::Encode(e.to_string()))?,
                    );
                }
                pickle::from_value(&pickle::Value::List(items))
                    .map_err(|e| PoolError::Encode(e.to_string()))
            }
        }
    }

    /// Waits for the value (Python's `get()`); a task's failure is its [`PoolError`].
    ///
    /// # Errors
    ///
    /// The task's error; for a `map_async`, the first failing task's.
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::pool::Pool;
    /// fn double(x: i32) -> i32 { 2 * x }
    /// pythreading_mp::register!(double);
    /// # fn main() {
    /// # pythreading_mp::init();
    /// let pool = Pool::new(1).unwrap();
    /// assert_eq!(pool.map_async(double, [1, 2]).unwrap().get().unwrap(), vec![2, 4]);
    /// # }
    /// ```
    pub fn get(&self) -> Result<T, PoolError> {
        self.collector.all_done(Duration::MAX);
        self.value()
    }

    /// Waits at most `timeout` (Python's `get(timeout)`).
    ///
    /// # Errors
    ///
    /// [`PoolError::Timeout`] if not ready in time, else as [`get`](AsyncResult::get).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::pool::{Pool, PoolError};
    /// # use std::time::Duration;
    /// fn nap(ms: u64) { std::thread::sleep(Duration::from_millis(ms)); }
    /// pythreading_mp::register!(nap);
    /// # fn main() {
    /// # pythreading_mp::init();
    /// let pool = Pool::new(1).unwrap();
    /// let r = pool.apply_async(nap, (5_000,)).unwrap();
    /// assert!(matches!(r.get_timeout(Duration::from_millis(10)), Err(PoolError::Timeout)));
    /// pool.terminate();
    /// # }
    /// ```
    pub fn get_timeout(&self, timeout: Duration) -> Result<T, PoolError> {
        if !self.collector.all_done(timeout) {
            return Err(PoolError::Timeout);
        }
        self.value()
    }

    /// Waits and hands back the single task's raw outcome (for the executor).
    pub(crate) fn get_outcome(&self) -> Result<Vec<u8>, PoolError> {
        self.collector.all_done(Duration::MAX);
        match lock(&self.collector.state)
            .slots
            .first_mut()
            .and_then(Option::take)
        {
            Some(o) => o,
            None => Err(PoolError::Terminated),
        }
    }

    /// Waits until the value is ready (Python's `wait()`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::pool::Pool;
    /// fn one() -> u8 { 1 }
    /// pythreading_mp::register!(one);
    /// # fn main() {
    /// # pythreading_mp::init();
    /// let pool = Pool::new(1).unwrap();
    /// let r = pool.apply_async(one, ()).unwrap();
    /// r.wait();
    /// assert!(r.ready());
    /// # }
    /// ```
    pub fn wait(&self) {
        self.collector.all_done(Duration::MAX);
    }

    /// Waits at most `timeout`; true if the value is ready (Python's `wait(timeout)`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::pool::Pool;
    /// # use std::time::Duration;
    /// fn one() -> u8 { 1 }
    /// pythreading_mp::register!(one);
    /// # fn main() {
    /// # pythreading_mp::init();
    /// let pool = Pool::new(1).unwrap();
    /// assert!(pool.apply_async(one, ()).unwrap().wait_timeout(Duration::from_secs(60)));
    /// # }
    /// ```
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        self.collector.all_done(timeout)
    }

    /// Whether the value is ready (Python's `ready()`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::pool::Pool;
    /// fn one() -> u8 { 1 }
    /// pythreading_mp::register!(one);
    /// # fn main() {
    /// # pythreading_mp::init();
    /// let pool = Pool::new(1).unwrap();
    /// let r = pool.apply_async(one, ()).unwrap();
    /// r.wait();
    /// assert!(r.ready());
    /// # }
    /// ```
    pub fn ready(&self) -> bool {
        lock(&self.collector.state).remaining == 0
    }

    /// Whether every task succeeded (Python's `successful()`).
    ///
    /// # Errors
    ///
    /// [`PoolError::NotReady`] while pending (Python's `ValueError`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::pool::Pool;
    /// fn fail() { panic!("no") }
    /// pythreading_mp::register!(fail);
    /// # fn main() {
    /// # pythreading_mp::init();
    /// let pool = Pool::new(1).unwrap();
    /// let r = pool.apply_async(fail, ()).unwrap();
    /// r.wait();
    /// assert!(!r.successful().unwrap());
    /// # }
    /// ```
    pub fn successful(&self) -> Result<bool, PoolError> {
        let s = lock(&self.collector.state);
        if s.remaining != 0 {
            return Err(PoolError::NotReady);
        }
        Ok(s.slots.iter().all(|o| matches!(o, Some(Ok(_)))))
    }
}

impl<R: DeserializeOwned> AsyncResult<Vec<R>> {
    pub(crate) fn all(collector: Arc<Collector>) -> Self {
        AsyncResult {
            collector,
            shape: Shape::All,
            _t: PhantomData,
        }
    }
}

/// The order [`LazyResults`] come out in: [`InputOrder`] ([`IMap`]) or [`CompletionOrder`]
/// ([`IMapUnordered`]). Sealed: these two are the only orders.
///
/// # Examples
///
/// ```
/// use pythreading_mp::pool::{CompletionOrder, InputOrder, LazyResults, ResultOrder};
///
/// // Code that takes either kind of `imap` results is generic over the order.
/// fn left<O: ResultOrder>(it: &LazyResults<u64, O>) -> usize {
///     it.size_hint().0
/// }
/// # let _ = (left::<InputOrder>, left::<CompletionOrder>);
/// ```
pub trait ResultOrder: sealed::Sealed {}

mod sealed {
    /// What [`ResultOrder`](super::ResultOrder) says. Sealed on purpose: unnameable so no other
    /// crate can add an order.
    #[allow(unnameable_types)]
    pub trait Sealed {
        /// True: results in input order; false: in completion order.
        const IN_INPUT_ORDER: bool;
        /// The Python-facing name shown by `Debug`.
        const NAME: &'static str;
    }
}

/// Results in input order, each waited for in turn (Python's `imap`).
///
/// # Examples
///
/// ```
/// use pythreading_mp::pool::{IMap, InputOrder, LazyResults};
///
/// // `IMap<R>` is `LazyResults<R, InputOrder>`.
/// let it: Option<IMap<u64>> = None;
/// let same: Option<LazyResults<u64, InputOrder>> = it;
/// assert!(same.is_none());
/// ```
#[derive(Debug, Clone, Copy)]
pub struct InputOrder;

/// Results as they finish (Python's `imap_unordered`).
///
/// # Examples
///
/// ```
/// use pythreading_mp::pool::{CompletionOrder, IMapUnordered, LazyResults};
///
/// // `IMapUnordered<R>` is `LazyResults<R, CompletionOrder>`.
/// let it: Option<IMapUnordered<u64>> = None;
/// let same: Option<LazyResults<u64, CompletionOrder>> = it;
/// assert!(same.is_none());
/// ```
#[derive(Debug, Clone, Copy)]
pub struct CompletionOrder;

impl sealed::Sealed for InputOrder {
    const IN_INPUT_ORDER: bool = true;
    const NAME: &'static str = "IMap";
}
impl ResultOrder for InputOrder {}

impl sealed::Sealed for CompletionOrder {
    const IN_INPUT_ORDER: bool = false;
    const NAME: &'static str = "IMapUnordered";
}
impl ResultOrder for CompletionOrder {}

/// The lazy, ordered results of [`Pool::imap`](super::Pool::imap) (Python's `IMapIterator`).
///
/// Each item is one task's value or its [`PoolError`]; a failure does not end the iteration.
///
/// # Examples
///
/// ```
/// use pythreading_mp::pool::Pool;
/// fn square(x: u64) -> u64 { x * x }
/// pythreading_mp::register!(square);
///
/// fn main() {
///     pythreading_mp::init();
///     let pool = Pool::new(2).unwrap();
///     let squares: Vec<u64> = pool.imap(square, 0..5).unwrap().map(Result::unwrap).collect();
///     assert_eq!(squares, [0, 1, 4, 9, 16]);
/// }
/// ```
#[doc(alias = "IMapIterator")]
pub type IMap<R> = LazyResults<R, InputOrder>;

/// The results of [`Pool::imap_unordered`](super::Pool::imap_unordered) in completion order
/// (Python's `IMapUnorderedIterator`).
///
/// # Examples
///
/// ```
/// use pythreading_mp::pool::Pool;
/// fn square(x: u64) -> u64 { x * x }
/// pythreading_mp::register!(square);
///
/// fn main() {
///     pythreading_mp::init();
///     let pool = Pool::new(2).unwrap();
///     let mut got: Vec<u64> = pool.imap_unordered(square, 0..5).unwrap().map(Result::unwrap).collect();
///     got.sort();
///     assert_eq!(got, [0, 1, 4, 9, 16]);
/// }
/// ```
#[doc(alias = "IMapUnorderedIterator")]
pub type IMapUnordered<R> = LazyResults<R, CompletionOrder>;

/// The lazy results of one `imap` call, handed out in the order `O` says: the one type behind
/// [`IMap`] and [`IMapUnordered`].
///
/// # Examples
///
/// ```
/// use pythreading_mp::pool::{CompletionOrder, LazyResults, Pool};
/// fn square(x: u64) -> u64 { x * x }
/// pythreading_mp::register!(square);
///
/// fn main() {
///     pythreading_mp::init();
///     let pool = Pool::new(2).unwrap();
///     let it: LazyResults<u64, CompletionOrder> = pool.imap_unordered(square, 0..3).unwrap();
///     assert_eq!(it.map(Result::unwrap).sum::<u64>(), 5);
/// }
/// ```
pub struct LazyResults<R, O: ResultOrder> {
    collector: Arc<Collector>,
    /// How many results were handed out (in input order, also the index of the next one).
    yielded: usize,
    len: usize,
    _r: PhantomData<fn() -> (R, O)>,
}

impl<R, O: ResultOrder> fmt::Debug for LazyResults<R, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(O::NAME)
            .field("yielded", &self.yielded)
            .field("len", &self.len)
            .finish()
    }
}

impl<R: DeserializeOwned, O: ResultOrder> LazyResults<R, O> {
    pub(crate) fn new(collector: Arc<Collector>, len: usize) -> Self {
        LazyResults {
            collector,
            yielded: 0,
            len,
            _r: PhantomData,
        }
    }

    /// The next result, waiting at most `timeout` (Python's `next(timeout)`); `Ok(None)` at the
    /// end. In input order ([`IMap`]) that is the next input's result, in completion order
    /// ([`IMapUnordered`]) any finished one.
    ///
    /// # Errors
    ///
    /// [`PoolError::Timeout`] if the next result is not ready in time (in input order it stays
    /// next).
    ///
    /// # Examples
    ///
    /// ```
    /// # use pythreading_mp::pool::Pool;
    /// # use std::time::Duration;
    /// fn inc(x: u8) -> u8 { x + 1 }
    /// pythreading_mp::register!(inc);
    /// # fn main() {
    /// # pythreading_mp::init();
    /// let pool = Pool::new(1).unwrap();
    /// let mut it = pool.imap(inc, [1]).unwrap();
    /// assert_eq!(it.next_timeout(Duration::from_secs(60)).unwrap().unwrap().unwrap(), 2);
    /// assert!(it.next_timeout(Duration::from_secs(60)).unwrap().is_none());
    /// let mut it = pool.imap_unordered(inc, [1]).unwrap();
    /// assert_eq!(it.next_timeout(Duration::from_secs(60)).unwrap().unwrap().unwrap(), 2);
    /// # }
    /// ```
    pub fn next_timeout(
        &mut self,
        timeout: Duration,
    ) -> Result<Option<Result<R, PoolError>>, PoolError> {
        if self.yielded >= self.len {
            return Ok(None);
        }
        let next = self.yielded;
        let outcome = self
            .collector
            .wait_until(timeout, |s| {
                let i = if O::IN_INPUT_ORDER {
                    next
                } else {
                    s.completed.pop_front()?
                };
                s.slots[i].take()
            })
            .ok_or(PoolError::Timeout)?;
        self.yielded += 1;
        Ok(Some(decode(&outcome)))
    }
}

impl<R: DeserializeOwned, O: ResultOrder> Iterator for LazyResults<R, O> {
    type Item = Result<R, PoolError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_timeout(Duration::MAX).unwrap_or(None)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.len - self.yielded;
        (left, Some(left))
    }
}
