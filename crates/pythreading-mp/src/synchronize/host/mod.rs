//! The machinery behind every process-shared object: the hosted [`object`]s and their
//! semantics, the request [`protocol`], the per-process host [`server`], and the serializable
//! [`handle`] (see the parent module's docs for the design).

pub(crate) mod handle;
pub(crate) mod object;
pub(crate) mod protocol;
pub(crate) mod server;

pub(crate) use handle::{Handle, timeout};
pub(crate) use object::{Kind, State};
pub(crate) use protocol::Op;
