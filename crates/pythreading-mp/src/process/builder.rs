//! [`ProcessBuilder`]: a process's name, daemon flag and arguments.

use std::fmt;
use std::marker::PhantomData;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::handle::Process;
use super::init::{self, next_child_identity};
use super::registry::{Target, target_name};
use crate::pickle::{self, Value};

/// Builds a [`Process`]: name, daemon flag and arguments (Python's `Process(target, args, name, daemon)`).
///
/// # Examples
///
/// ```
/// use pythreading_mp::process::Process;
///
/// fn add(a: i32, b: i32) -> i32 { a + b }
/// pythreading_mp::register!(add);
///
/// let p = Process::builder(add).name("adder").daemon(true).args((1, 2)).build();
/// assert_eq!(p.name(), "adder");
/// assert!(p.daemon());
/// ```
#[must_use = "a builder does nothing until `build()`"]
pub struct ProcessBuilder<F, Args> {
    name: Option<String>,
    daemon: Option<bool>,
    args: Option<Result<Value, String>>,
    check_args: fn(&Value) -> bool,
    _f: PhantomData<fn(F, Args)>,
}

impl<F, Args> fmt::Debug for ProcessBuilder<F, Args> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessBuilder")
            .field("target", &target_name::<F>())
            .field("name", &self.name)
            .field("daemon", &self.daemon)
            .finish_non_exhaustive()
    }
}

impl<F, Args> ProcessBuilder<F, Args>
where
    F: Target<Args>,
    Args: Serialize + DeserializeOwned,
{
    /// Nothing set yet: the default name and daemon flag, no arguments.
    pub(super) fn new() -> Self {
        ProcessBuilder {
            name: None,
            daemon: None,
            args: None,
            check_args: decodes_as::<Args>,
            _f: PhantomData,
        }
    }

    /// Sets the name (default `Process-N`; `Process-N:M` in a child), as Python's `name=`.
    ///
    /// # Examples
    ///
    /// ```
    /// fn work() {}
    /// pythreading_mp::register!(work);
    /// let p = pythreading_mp::process::Process::builder(work).name("worker").build();
    /// assert_eq!(p.name(), "worker");
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the daemon flag (default: this process's own flag), as Python's `daemon=`.
    /// A daemonic child is killed when its handle is dropped and may not start children.
    ///
    /// # Examples
    ///
    /// ```
    /// fn work() {}
    /// pythreading_mp::register!(work);
    /// assert!(pythreading_mp::process::Process::builder(work).daemon(true).build().daemon());
    /// ```
    pub fn daemon(mut self, daemon: bool) -> Self {
        self.daemon = Some(daemon);
        self
    }

    /// Sets the arguments as a tuple: `(x,)` for one, `(a, b)` for two (Python's `args=`).
    /// An argument that cannot be encoded makes [`start`](Process::start) fail with
    /// [`ProcessError::Encode`](super::ProcessError::Encode).
    ///
    /// # Examples
    ///
    /// ```
    /// fn greet(who: String) { println!("hello {who}"); }
    /// pythreading_mp::register!(greet);
    /// let p = pythreading_mp::process::Process::builder(greet).args(("bob".to_string(),)).build();
    /// # let _ = p;
    /// ```
    pub fn args(mut self, args: Args) -> Self {
        self.args = Some(pickle::to_value(&args).map_err(|e| e.to_string()));
        self
    }

    /// Builds the (not yet started) process.
    ///
    /// # Examples
    ///
    /// ```
    /// fn work() {}
    /// pythreading_mp::register!(work);
    /// let p = pythreading_mp::process::Process::builder(work).build();
    /// assert!(!p.is_alive().unwrap());
    /// ```
    pub fn build(self) -> Process {
        let (identity, default_name) = next_child_identity("Process");
        let args = match self.args {
            Some(a) => a,
            // No `.args(..)`: fine for a function without parameters, refused at start otherwise.
            None => {
                let unit = Value::None;
                if (self.check_args)(&unit) {
                    Ok(unit)
                } else {
                    Err(format!(
                        "`{}` takes parameters but no `.args(..)` were given",
                        target_name::<F>()
                    ))
                }
            }
        };
        Process::unstarted(
            self.name.unwrap_or(default_name),
            self.daemon.unwrap_or(init::current().daemon),
            identity,
            target_name::<F>(),
            args,
        )
    }
}

fn decodes_as<Args: DeserializeOwned>(v: &Value) -> bool {
    pickle::from_value::<Args>(v).is_ok()
}
