//! The registry of functions a child may run, and the [`register!`](crate::register) macro.
//!
//! A child is the same executable, so the parent only has to tell it *which* function to run.
//! It sends a name, and the child looks the name up in a table that the linker builds from every
//! `register!(f)` in the program (a [`linkme`] distributed slice: the `unsafe` of collecting
//! link sections stays inside that crate). The name is [`std::any::type_name`] of the function
//! item's own type, which is unique per function in one binary, so the parent computes it from
//! the value it was handed and never from a string the user typed.

use std::any::type_name;
use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::pickle::{self, Value};

/// A function a child process can run: a registered `fn` taking up to six serde arguments.
///
/// `Args` is the tuple of its parameters (`()` for none, `(A,)` for one). It is implemented for
/// every `Fn` of up to six parameters; [`register!`](crate::register) checks at compile time that
/// the parameters are `Deserialize` and the return value is `Serialize`.
///
/// # Examples
///
/// ```
/// use pythreading_mp::process::Target;
///
/// fn add(a: u32, b: u32) -> u32 { a + b }
/// assert_eq!(Target::call(&add, (2, 3)), 5);
/// ```
pub trait Target<Args>: Send + Sync + 'static {
    /// What the function returns.
    type Output;
    /// Calls the function with the arguments unpacked (Python's `f(*args)`).
    fn call(&self, args: Args) -> Self::Output;
}

macro_rules! impl_target {
    ($($a:ident),*) => {
        impl<Func, Ret, $($a,)*> Target<($($a,)*)> for Func
        where
            Func: Fn($($a),*) -> Ret + Send + Sync + 'static,
        {
            type Output = Ret;
            #[allow(non_snake_case)]
            fn call(&self, ($($a,)*): ($($a,)*)) -> Ret {
                self($($a),*)
            }
        }
    };
}
impl_target!();
impl_target!(A);
impl_target!(A, B);
impl_target!(A, B, C);
impl_target!(A, B, C, D);
impl_target!(A, B, C, D, E);
impl_target!(A, B, C, D, E, G);

/// Why a registered function could not produce a value in the child.
#[derive(Debug)]
pub(crate) enum CallError {
    /// The arguments did not decode as the function's parameter types.
    Args(String),
    /// The function's value could not be encoded.
    Result(String),
}

/// One registered function: how to name it and how to call it on encoded arguments.
///
/// Built only by [`register!`](crate::register).
#[doc(hidden)]
#[derive(Debug)]
pub struct Entry {
    name: fn() -> &'static str,
    call: fn(&Value) -> Result<Value, CallErrorOpaque>,
}

/// [`CallError`] behind a public-but-hidden type so the macro's closures can name it.
#[doc(hidden)]
#[derive(Debug)]
pub struct CallErrorOpaque(pub(crate) CallError);

impl Entry {
    /// Used by [`register!`](crate::register).
    #[doc(hidden)]
    pub const fn new(
        name: fn() -> &'static str,
        call: fn(&Value) -> Result<Value, CallErrorOpaque>,
    ) -> Entry {
        Entry { name, call }
    }
}

/// The table the linker fills from every `register!` in the program.
#[doc(hidden)]
#[linkme::distributed_slice]
pub static REGISTRY: [Entry];

/// The registry name of the function item `f`, as [`register!`](crate::register) records it.
#[doc(hidden)]
pub fn name_of<F>(_: &F) -> &'static str {
    type_name::<F>()
}

/// Decodes `args`, calls `f`, encodes its value: the body of every registered entry.
#[doc(hidden)]
pub fn call_encoded<F, Args>(f: &F, args: &Value) -> Result<Value, CallErrorOpaque>
where
    F: Target<Args>,
    Args: DeserializeOwned,
    F::Output: Serialize,
{
    let args: Args =
        pickle::from_value(args).map_err(|e| CallErrorOpaque(CallError::Args(e.to_string())))?;
    let out = f.call(args);
    pickle::to_value(&out).map_err(|e| CallErrorOpaque(CallError::Result(e.to_string())))
}

/// How a name resolved in the registry.
pub(crate) enum Lookup {
    Found(&'static Entry),
    Missing,
    /// Two entries share the name: not a named `fn` (a closure or `fn` pointer in a static).
    Ambiguous,
}

fn table() -> &'static HashMap<&'static str, Option<&'static Entry>> {
    static TABLE: OnceLock<HashMap<&'static str, Option<&'static Entry>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut map: HashMap<&'static str, Option<&'static Entry>> = HashMap::new();
        for e in REGISTRY.iter() {
            map.entry((e.name)())
                .and_modify(|slot| *slot = None)
                .or_insert(Some(e));
        }
        map
    })
}

pub(crate) fn lookup(name: &str) -> Lookup {
    match table().get(name) {
        Some(Some(e)) => Lookup::Found(e),
        Some(None) => Lookup::Ambiguous,
        None => Lookup::Missing,
    }
}

/// Calls a registered entry (in the child).
pub(crate) fn call_entry(entry: &Entry, args: &Value) -> Result<Value, CallError> {
    (entry.call)(args).map_err(|e| e.0)
}

/// The registry name the parent sends for `f`.
pub(crate) fn target_name<F>() -> &'static str {
    type_name::<F>()
}

/// Registers functions that child processes may run: `register!(square, countdown);`.
///
/// Put it anywhere at module level (next to the functions is clearest). Each argument is a path
/// to a named `fn` whose parameters are `serde::Deserialize` and whose return value is
/// `serde::Serialize`; the compiler checks both. [`Process`](crate::process::Process),
/// [`Pool`](crate::pool::Pool) and [`ProcessPoolExecutor`](crate::pool::ProcessPoolExecutor)
/// refuse an unregistered function at the call with
/// [`ProcessError::NotRegistered`](crate::process::ProcessError::NotRegistered), which names the
/// line to add.
///
/// # Examples
///
/// ```
/// fn square(x: u64) -> u64 { x * x }
/// fn greet(name: String, times: u32) { for _ in 0..times { println!("hello {name}"); } }
/// pythreading_mp::register!(square, greet);
///
/// assert!(pythreading_mp::process::is_registered(&square));
/// ```
#[macro_export]
macro_rules! register {
    ($($f:path),+ $(,)?) => {
        $(
            const _: () = {
                #[$crate::process::__private::linkme::distributed_slice(
                    $crate::process::__private::REGISTRY
                )]
                #[linkme(crate = $crate::process::__private::linkme)]
                static ENTRY: $crate::process::__private::Entry =
                    $crate::process::__private::Entry::new(
                        || $crate::process::__private::name_of(&$f),
                        |args| $crate::process::__private::call_encoded(&$f, args),
                    );
            };
        )+
    };
}
