//! `Local<T>`: Python's `threading.local()` — a value per instance and per thread.
//!
//! Unlike `thread_local!` (one static per program), any number of `Local`s can be created at run
//! time, shared by `Arc` like any other value. Each thread sees its own value, made by the
//! initializer the first time that thread touches it (Python re-runs a `local` subclass's
//! `__init__` in each new thread, O-04).
//!
//! Values are dropped when their thread ends (O-07) or when the `Local` is dropped (O-08),
//! whichever comes first. Works in every thread, including ones this library did not start. A
//! spawned thread drops its values before `join` returns; a `Timer` callback's values are
//! dropped when it returns (it runs on a shared pool thread, where Python gives it a thread).
//!
//! Implementation: the values live in the `Local` itself (a map from thread ident to value);
//! each thread keeps a list of the `Local`s it touched, and its thread-local destructor removes
//! its entries from the ones still alive. A value is taken out of the map while the caller's
//! closure runs, so no lock is held during user code.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use super::registry;

type Init<T> = Box<dyn Fn() -> T + Send + Sync + 'static>;

struct Slots<T> {
    /// `None` while the owning thread has the value out in `with_mut`.
    values: Mutex<HashMap<u64, Option<T>>>,
}

trait Forget: Send + Sync {
    fn forget_thread(&self, ident: u64);
}

impl<T: Send> Forget for Slots<T> {
    fn forget_thread(&self, ident: u64) {
        let value = lock(&self.values).remove(&ident);
        drop(value); // outside the lock: the value's Drop may touch this Local again
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Per-thread list of the `Local`s holding a value for this thread.
struct Touched {
    ident: u64,
    locals: Vec<Weak<dyn Forget>>,
}

impl Drop for Touched {
    fn drop(&mut self) {
        for local in self.locals.drain(..) {
            if let Some(local) = local.upgrade() {
                local.forget_thread(self.ident);
            }
        }
    }
}

thread_local! {
    static TOUCHED: RefCell<Touched> = const { RefCell::new(Touched { ident: 0, locals: Vec::new() }) };
}

/// Drops the calling thread's values in every live `Local` now.
///
/// A spawned thread calls this at the end of its body, before it is marked finished: thread-local
/// destructors run only after that, so without it `Thread::join` (Python's `t.join()`) could
/// return while the finished thread's values were still alive (O-07). Anything the thread
/// touches afterwards is still dropped by the thread-local destructor.
pub(crate) fn forget_current_thread() {
    // One at a time, so a value whose Drop touches a `Local` again is caught by the same loop.
    loop {
        let next = TOUCHED.try_with(|t| {
            let mut t = t.borrow_mut();
            let ident = t.ident;
            t.locals.pop().map(|weak| (ident, weak))
        });
        let Ok(Some((ident, weak))) = next else {
            break;
        };
        if let Some(local) = weak.upgrade() {
            // A panicking Drop must neither stop the other values from being dropped nor the
            // thread from finishing (its joiners would hang); the panic hook has reported it,
            // as Python reports an exception raised in `__del__`. `local` may be the last
            // reference, so its own drop happens inside too.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
                local.forget_thread(ident);
                drop(local);
            }));
        }
    }
}

/// A value per thread, per instance: Python's `threading.local()`.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use pythreading::threading::{self, Local};
///
/// let student = Arc::new(Local::new(String::new));
/// let handles: Vec<_> = ["Alice", "Bob"]
///     .into_iter()
///     .map(|name| {
///         let student = student.clone();
///         threading::spawn(move || {
///             student.set(name.to_owned());
///             std::thread::yield_now();
///             student.get() // each thread reads back its own name
///         })
///     })
///     .collect();
/// let names: Vec<String> = handles.into_iter().map(|h| h.join().unwrap()).collect();
/// assert_eq!(names, ["Alice", "Bob"]);
/// assert_eq!(student.get(), ""); // this thread never set one
/// ```
#[doc(alias = "threading.local")]
#[doc(alias = "local")]
#[doc(alias = "_threading_local")]
#[doc(alias = "_thread._local")]
pub struct Local<T: Send + 'static> {
    slots: Arc<Slots<T>>,
    init: Init<T>,
}

impl<T: Send + 'static> Local<T> {
    /// A `Local` whose value in each thread starts as `init()`, run the first time that thread
    /// touches it.
    ///
    /// # Examples
    ///
    /// ```
    /// let counter = pythreading::threading::Local::new(|| 0_u32);
    /// counter.with_mut(|n| *n += 1);
    /// assert_eq!(counter.get(), 1);
    /// ```
    pub fn new<F>(init: F) -> Self
    where
        F: Fn() -> T + Send + Sync + 'static,
    {
        Local {
            slots: Arc::new(Slots {
                values: Mutex::new(HashMap::new()),
            }),
            init: Box::new(init),
        }
    }

    /// Runs `f` with a shared reference to this thread's value.
    ///
    /// # Panics
    ///
    /// When called from inside [`with_mut`](Self::with_mut) (or `with`) on the same `Local` in the
    /// same thread, as `RefCell` does for a double borrow.
    ///
    /// # Examples
    ///
    /// ```
    /// let name = pythreading::threading::Local::new(|| String::from("anon"));
    /// assert_eq!(name.with(|s| s.len()), 4);
    /// ```
    pub fn with<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        self.with_mut(|v| f(v))
    }

    /// Runs `f` with a mutable reference to this thread's value.
    ///
    /// # Panics
    ///
    /// When nested inside another `with`/`with_mut` on the same `Local` in the same thread.
    ///
    /// # Examples
    ///
    /// ```
    /// let items = pythreading::threading::Local::new(Vec::new);
    /// items.with_mut(|v| v.push(1));
    /// assert_eq!(items.with(|v| v.clone()), [1]);
    /// ```
    pub fn with_mut<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let ident = registry::get_ident();
        let taken = {
            let mut values = lock(&self.slots.values);
            match values.get_mut(&ident) {
                Some(slot) => match slot.take() {
                    Some(v) => Some(v),
                    None => {
                        drop(values);
                        panic!("Local value already borrowed in this thread");
                    }
                },
                None => None,
            }
        };
        let value = match taken {
            Some(v) => v,
            None => {
                // Run the initializer without the lock, then mark the slot as lent out.
                let v = (self.init)();
                lock(&self.slots.values).insert(ident, None);
                self.track();
                v
            }
        };
        // Put the value back even if `f` panics.
        struct PutBack<'a, T: Send + 'static> {
            local: &'a Local<T>,
            ident: u64,
            value: Option<T>,
        }
        impl<T: Send + 'static> Drop for PutBack<'_, T> {
            fn drop(&mut self) {
                let mut values = lock(&self.local.slots.values);
                if let Some(slot) = values.get_mut(&self.ident) {
                    *slot = self.value.take();
                }
            }
        }
        let mut back = PutBack {
            local: self,
            ident,
            value: None,
        };
        f(back.value.insert(value))
    }

    /// Remembers, in this thread, to drop its value when the thread ends.
    fn track(&self) {
        let weak: Weak<dyn Forget> = Arc::downgrade(&self.slots) as Weak<dyn Forget>;
        let ident = registry::get_ident();
        let _ = TOUCHED.try_with(|t| {
            let mut t = t.borrow_mut();
            t.ident = ident;
            // Drop records of Locals that are gone, so a long-lived thread does not accumulate them.
            t.locals.retain(|w| w.strong_count() > 0);
            t.locals.push(weak);
        });
    }

    /// Replaces this thread's value (Python's `local.x = v`).
    ///
    /// # Examples
    ///
    /// ```
    /// let v = pythreading::threading::Local::new(|| 1);
    /// v.set(5);
    /// assert_eq!(v.get(), 5);
    /// ```
    pub fn set(&self, value: T) {
        self.with_mut(move |v| *v = value);
    }

    /// Replaces this thread's value and returns the old one.
    ///
    /// # Examples
    ///
    /// ```
    /// let v = pythreading::threading::Local::new(|| 1);
    /// assert_eq!(v.replace(2), 1);
    /// ```
    pub fn replace(&self, value: T) -> T {
        self.with_mut(move |v| std::mem::replace(v, value))
    }

    /// Removes this thread's value and returns it, if the thread had one (Python's `del local.x`);
    /// the next access starts again from the initializer.
    ///
    /// # Examples
    ///
    /// ```
    /// let v = pythreading::threading::Local::new(|| 1);
    /// v.set(9);
    /// assert_eq!(v.take(), Some(9));
    /// assert_eq!(v.take(), None);
    /// assert_eq!(v.get(), 1);
    /// ```
    pub fn take(&self) -> Option<T> {
        let ident = registry::get_ident();
        let removed = lock(&self.slots.values).remove(&ident);
        removed.flatten()
    }

    /// Whether this thread has a value (the initializer has run and it was not taken).
    ///
    /// # Examples
    ///
    /// ```
    /// let v = pythreading::threading::Local::new(|| 1);
    /// assert!(!v.is_set());
    /// v.get();
    /// assert!(v.is_set());
    /// ```
    pub fn is_set(&self) -> bool {
        let ident = registry::get_ident();
        lock(&self.slots.values).contains_key(&ident)
    }

    /// How many threads hold a value in this `Local`.
    ///
    /// # Examples
    ///
    /// ```
    /// let v = pythreading::threading::Local::new(|| 1);
    /// v.get();
    /// assert_eq!(v.thread_count(), 1);
    /// ```
    pub fn thread_count(&self) -> usize {
        lock(&self.slots.values).len()
    }
}

impl<T: Send + Clone + 'static> Local<T> {
    /// A clone of this thread's value.
    ///
    /// # Examples
    ///
    /// ```
    /// let v = pythreading::threading::Local::new(|| String::from("x"));
    /// assert_eq!(v.get(), "x");
    /// ```
    pub fn get(&self) -> T {
        self.with(T::clone)
    }
}

impl<T: Send + Default + 'static> Default for Local<T> {
    /// A `Local` starting from `T::default()` in each thread.
    fn default() -> Self {
        Local::new(T::default)
    }
}

impl<T: Send + 'static> fmt::Debug for Local<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Local")
            .field("threads", &self.thread_count())
            .finish_non_exhaustive()
    }
}
