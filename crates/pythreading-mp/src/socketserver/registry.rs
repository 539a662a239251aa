//! The registry of connection handlers a worker process may run, and the
//! [`register_handler!`](crate::register_handler) macro.
//!
//! The same scheme as [`register!`](crate::register) for `Process` targets: a worker is this
//! executable started again, so the parent sends only the handler's name, the
//! [`std::any::type_name`] of the function item, and the worker looks it up in a table the
//! linker builds from every `register_handler!` (a `linkme` distributed slice). A handler is
//! not a `Process` target because its argument is a live socket, not serde data.

use std::any::type_name;
use std::collections::HashMap;
use std::io;
use std::sync::OnceLock;

use pythreading::socketserver::Connection;

/// One registered handler. Built only by [`register_handler!`](crate::register_handler).
#[doc(hidden)]
#[derive(Debug)]
pub struct HandlerEntry {
    name: fn() -> &'static str,
    handle: fn(&mut Connection) -> io::Result<()>,
}

impl HandlerEntry {
    /// Used by [`register_handler!`](crate::register_handler).
    #[doc(hidden)]
    pub const fn new(
        name: fn() -> &'static str,
        handle: fn(&mut Connection) -> io::Result<()>,
    ) -> HandlerEntry {
        HandlerEntry { name, handle }
    }

    /// Serves one connection with the registered function.
    pub(crate) fn handle(&self, conn: &mut Connection) -> io::Result<()> {
        (self.handle)(conn)
    }
}

/// The table the linker fills from every `register_handler!` in the program.
#[doc(hidden)]
#[linkme::distributed_slice]
pub static HANDLERS: [HandlerEntry];

/// How a handler name resolved.
pub(crate) enum HandlerLookup {
    Found(&'static HandlerEntry),
    Missing,
    /// Two entries share the name: not a named `fn`.
    Ambiguous,
}

fn table() -> &'static HashMap<&'static str, Option<&'static HandlerEntry>> {
    static TABLE: OnceLock<HashMap<&'static str, Option<&'static HandlerEntry>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut map: HashMap<&'static str, Option<&'static HandlerEntry>> = HashMap::new();
        for e in HANDLERS.iter() {
            map.entry((e.name)())
                .and_modify(|slot| *slot = None)
                .or_insert(Some(e));
        }
        map
    })
}

pub(crate) fn lookup_handler(name: &str) -> HandlerLookup {
    match table().get(name) {
        Some(Some(e)) => HandlerLookup::Found(e),
        Some(None) => HandlerLookup::Ambiguous,
        None => HandlerLookup::Missing,
    }
}

/// The registry name of the handler `F` (the parent sends it, the worker looks it up).
pub(crate) fn handler_name<F>() -> &'static str {
    type_name::<F>()
}

/// Whether `handler` was passed to [`register_handler!`](crate::register_handler), so a worker
/// process of a [`ForkingTcpServer`](super::ForkingTcpServer) can run it.
///
/// # Examples
///
/// ```
/// use pythreading::socketserver::Connection;
///
/// fn served(_: &mut Connection) -> std::io::Result<()> { Ok(()) }
/// fn not_served(_: &mut Connection) -> std::io::Result<()> { Ok(()) }
/// pythreading_mp::register_handler!(served);
///
/// assert!(pythreading_mp::socketserver::is_handler_registered(&served));
/// assert!(!pythreading_mp::socketserver::is_handler_registered(&not_served));
/// ```
pub fn is_handler_registered<F>(handler: &F) -> bool
where
    F: Fn(&mut Connection) -> io::Result<()>,
{
    let _ = handler;
    matches!(lookup_handler(handler_name::<F>()), HandlerLookup::Found(_))
}

/// Registers connection handlers that the worker processes of a
/// [`ForkingTcpServer`](crate::socketserver::ForkingTcpServer) may run:
/// `register_handler!(echo, upper);`.
///
/// Each argument is a path to a named `fn(&mut Connection) -> std::io::Result<()>` (the same
/// functions a threaded [`TcpServer`](pythreading::socketserver::TcpServer) takes). Put it at
/// module level; [`ForkingTcpServerBuilder::build`](crate::socketserver::ForkingTcpServerBuilder::build)
/// refuses an unregistered handler with an error naming the line to add.
///
/// # Examples
///
/// ```
/// use std::io::{Read, Write};
/// use pythreading::socketserver::Connection;
///
/// fn echo(conn: &mut Connection) -> std::io::Result<()> {
///     let mut buf = [0u8; 1024];
///     loop {
///         let n = conn.read(&mut buf)?;
///         if n == 0 {
///             return Ok(());
///         }
///         conn.write_all(&buf[..n])?;
///     }
/// }
/// pythreading_mp::register_handler!(echo);
///
/// assert!(pythreading_mp::socketserver::is_handler_registered(&echo));
/// ```
#[macro_export]
macro_rules! register_handler {
    ($($f:path),+ $(,)?) => {
        $(
            const _: () = {
                #[$crate::socketserver::__private::linkme::distributed_slice(
                    $crate::socketserver::__private::HANDLERS
                )]
                #[linkme(crate = $crate::socketserver::__private::linkme)]
                static ENTRY: $crate::socketserver::__private::HandlerEntry =
                    $crate::socketserver::__private::HandlerEntry::new(
                        || $crate::process::__private::name_of(&$f),
                        |conn| $f(conn),
                    );
            };
        )+
    };
}
