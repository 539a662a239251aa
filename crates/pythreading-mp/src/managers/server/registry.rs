//! Typeids a server can `create`: shared named objects and the served types' constructors.

use std::collections::HashMap;
use std::sync::Arc;

use super::served::{
    RefusedPool, Served, SharedArray, SharedBarrier, SharedBoundedSemaphore, SharedCondition,
    SharedDict, SharedEvent, SharedIterator, SharedList, SharedLock, SharedNamespace, SharedObject,
    SharedQueue, SharedRLock, SharedSemaphore, SharedValue,
};
use crate::managers::protocol::CallArgs;
use crate::pickle::PyException;

/// A closure, not a `fn`: a Rust type registered by a program ([`ServedType`](super::ServedType))
/// brings its constructor with it.
pub(crate) type Constructor =
    Arc<dyn Fn(CallArgs) -> Result<Arc<dyn SharedObject>, PyException> + Send + Sync>;

pub(crate) enum Factory {
    /// The same object on every `create` (the tutorials' `get_task_queue`).
    Shared(Arc<dyn SharedObject>),
    /// A new object per `create`, from the constructor arguments.
    Construct(Constructor),
}

fn construct<T: Served>(args: CallArgs) -> Result<Arc<dyn SharedObject>, PyException> {
    Ok(Arc::new(T::construct(args)?))
}

pub(crate) struct Registry {
    typeids: HashMap<String, Factory>,
}

impl Registry {
    /// A registry that knows `Iterator` (the typeid of `#PROXY` results), as every server does.
    pub(crate) fn new() -> Self {
        let mut r = Registry {
            typeids: HashMap::new(),
        };
        r.register::<SharedIterator>();
        r
    }

    /// Serves `T` under each of its [`Served::TYPEIDS`]: the one line a new type needs.
    pub(crate) fn register<T: Served>(&mut self) {
        for typeid in T::TYPEIDS {
            self.typeids.insert(
                (*typeid).to_owned(),
                Factory::Construct(Arc::new(construct::<T>)),
            );
        }
    }

    /// Serves a program's own type under `typeid` (replacing what was registered there).
    pub(crate) fn register_constructor(&mut self, typeid: &str, constructor: Constructor) {
        self.typeids
            .insert(typeid.to_owned(), Factory::Construct(constructor));
    }

    /// SyncManager's typeids (those this server implements).
    pub(crate) fn add_sync_manager_types(&mut self) {
        self.register::<SharedQueue>();
        self.register::<SharedEvent>();
        self.register::<SharedLock>();
        self.register::<SharedRLock>();
        self.register::<SharedDict>();
        self.register::<SharedList>();
        self.register::<SharedValue>();
        self.register::<SharedArray>();
        self.register::<SharedNamespace>();
        self.register::<SharedSemaphore>();
        self.register::<SharedBoundedSemaphore>();
        self.register::<SharedCondition>();
        self.register::<SharedBarrier>();
        self.register::<RefusedPool>();
    }

    /// The objects shared by every `create` of their typeid (the named queues).
    pub(crate) fn shared_objects(&self) -> impl Iterator<Item = &Arc<dyn SharedObject>> {
        self.typeids.values().filter_map(|f| match f {
            Factory::Shared(o) => Some(o),
            Factory::Construct(_) => None,
        })
    }

    /// The shared objects with their typeids (the status page's named queues).
    pub(crate) fn named_objects(&self) -> impl Iterator<Item = (&str, &Arc<dyn SharedObject>)> {
        self.typeids.iter().filter_map(|(typeid, f)| match f {
            Factory::Shared(o) => Some((typeid.as_str(), o)),
            Factory::Construct(_) => None,
        })
    }

    /// One queue returned by every `create` of `typeid`
    /// (`register('get_task_queue', callable=lambda: task_queue)`).
    pub(crate) fn add_named_queue(&mut self, typeid: &str, maxsize: i64) {
        let q = Arc::new(SharedQueue::new(maxsize));
        self.typeids.insert(typeid.to_owned(), Factory::Shared(q));
    }

    pub(crate) fn get(&self, typeid: &str) -> Option<&Factory> {
        self.typeids.get(typeid)
    }
}
