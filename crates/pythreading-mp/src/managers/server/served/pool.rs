//! SyncManager's `Pool`: refused with an error that names what is missing.
//!
//! CPython's server runs `multiprocessing.pool.Pool` in the manager process, whose workers are
//! processes running the caller's Python functions. A pythreading server runs no Python code
//! and has no process pool yet, so `create('Pool')` fails with a `NotImplementedError` that
//! says so (a CPython client sees a `RemoteError` naming it) instead of CPython's `KeyError`
//! for an unknown typeid. `AsyncResult`, the typeid of `Pool`'s async results, is known for the
//! same reason.

use super::{Method, Served};
use crate::managers::protocol::CallArgs;
use crate::pickle::{PyException, Value};

/// Never constructed: `construct` always refuses.
pub(crate) struct RefusedPool;

impl Served for RefusedPool {
    const TYPEIDS: &'static [&'static str] = &["Pool", "AsyncResult"];
    const CLASS: &'static str = "multiprocessing.pool.Pool";
    const METHODS: &'static [Method<Self>] = &[];

    fn construct(_args: CallArgs) -> Result<Self, PyException> {
        Err(PyException::builtin(
            "NotImplementedError",
            vec![Value::from(
                "SyncManager.Pool is not served by this pythreading server: a Pool needs \
                 worker processes that run Python functions, and this server runs no Python \
                 code and has no process pool yet",
            )],
        ))
    }
}
