//! The manager protocol as messages: what a client sends, what a server replies, and the Python
//! values both sides speak in.
//!
//! Both directions live here so the client and the server cannot drift apart: [`Request`] is
//! encoded by the client and decoded by the server, [`Reply`] the other way round. Python
//! objects have one model each, from [`crate::pickle`]: exceptions are
//! [`PyException`](crate::pickle::PyException), tokens [`Token`](crate::pickle::Token).
//!
//! | file | what |
//! |---|---|
//! | `request.rs` | `(ident, methodname, args, kwds)` |
//! | `reply.rs` | `(kind, result)`: `#RETURN`, `#ERROR`, `#TRACEBACK`, `#PROXY`, `#UNSERIALIZABLE` |
//! | `args.rs` | binding a call's arguments to parameters; the one `block`/`timeout` parser |
//! | `exceptions.rs` | the exceptions served methods raise |
//! | `python.rs` | `repr`, `==`, `<`, truthiness and hashability of Python values |
//! | `sequence.rs` | iterable, index and slice arguments |
//! | `pyarray.rs` | `array.array` values (SyncManager's `Array`) |
//! | `size.rs` | what a value costs to send, estimated before pickling |
//! | `walk.rs` | every value inside a value, without recursion (for `size.rs` and plain-data mode) |

mod args;
mod exceptions;
mod pyarray;
mod python;
mod reply;
mod request;
mod sequence;
mod size;
mod walk;

pub(crate) use args::{CallArgs, ClientWatch, WATCH_SLICE, Wait};
pub(crate) use exceptions::{
    attribute_error, index_error, memory_error, queue_shut_down, runtime_error, type_error,
    value_error,
};
pub(crate) use pyarray::{
    BAD_TYPECODE, Item, Kind, as_array, decode_array, encode_array, item_value, kind_of,
};
pub(crate) use python::{check_hashable, py_cmp, py_eq, py_hash, repr, truthy};
pub(crate) use reply::{Reply, ReplyError};
pub(crate) use request::Request;
pub(crate) use sequence::{as_slice, int_arg, iter_items, slice_positions};
pub(crate) use size::encoded_size_over;
pub(crate) use walk::walk;
