//! Typeids a server can `create`: shared named objects and the served types' constructors.

use std::collections::HashMap;
use std::sync::Arc;

use super::served::LeasePolicy;
use super::served::{
    RefusedPool, Served, SharedArray, SharedBarrier, SharedBoundedSemaphore, SharedCondition,
    SharedDict, SharedEvent, SharedIterator, SharedList, SharedLock, SharedNamespace, SharedObject,
    SharedQueue, SharedRLock, SharedSemaphore, SharedValue,
};
use super::store::{QueueBackend, StoreError};
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
    /// Named queues to open when the server binds (typeid, maxsize): their store and lease
    /// policy come from the finished configuration.
    named_queues: Vec<(String, usize)>,
    /// SyncManager's `Queue`/`JoinableQueue` are served (their constructors take the policy at
    /// bind).
    sync_queues: bool,
}

/// The typeid of a named queue's dead-letter queue: `get_task_queue` → `get_task_queue_dead`
/// (a Python identifier, so `QueueManager.register('get_task_queue_dead')` works).
pub(crate) fn dead_letter_typeid(typeid: &str) -> String {
    format!("{typeid}_dead")
}

impl Registry {
    /// A registry that knows `Iterator` (the typeid of `#PROXY` results), as every server does.
    pub(crate) fn new() -> Self {
        let mut r = Registry {
            typeids: HashMap::new(),
            named_queues: Vec::new(),
            sync_queues: false,
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
        self.sync_queues = true;
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

    /// One queue returned by every `create` of `typeid`
    /// (`register('get_task_queue', callable=lambda: task_queue)`), opened at bind.
    pub(crate) fn add_named_queue(&mut self, typeid: &str, maxsize: usize) {
        self.named_queues.retain(|(t, _)| t != typeid);
        self.named_queues.push((typeid.to_owned(), maxsize));
    }

    /// Opens the named queues in `backend` (each with its dead-letter queue, served as
    /// `<typeid>_dead`) and gives every queue `policy`.
    pub(crate) fn finish(
        &mut self,
        backend: &dyn QueueBackend,
        policy: LeasePolicy,
    ) -> Result<(), StoreError> {
        for (typeid, maxsize) in std::mem::take(&mut self.named_queues) {
            let dead_typeid = dead_letter_typeid(&typeid);
            let store = backend.open(&typeid, maxsize)?;
            let dead = backend.open(&dead_typeid, 0)?;
            let queue = SharedQueue::over(store, Some(Arc::clone(&dead)), policy);
            self.typeids
                .insert(typeid, Factory::Shared(Arc::new(queue)));
            // The dead-letter queue's own items are never dead-lettered again.
            let dead_queue = SharedQueue::over(dead, None, policy);
            self.typeids
                .insert(dead_typeid, Factory::Shared(Arc::new(dead_queue)));
        }
        if self.sync_queues {
            for typeid in SharedQueue::TYPEIDS {
                self.typeids.entry((*typeid).to_owned()).or_insert_with(|| {
                    Factory::Construct(Arc::new(move |args| {
                        Ok(Arc::new(SharedQueue::construct_with(args, policy)?)
                            as Arc<dyn SharedObject>)
                    }))
                });
            }
        }
        Ok(())
    }

    /// The shared objects with their typeids (for the queues' counts).
    pub(crate) fn named_objects(&self) -> impl Iterator<Item = (&str, &Arc<dyn SharedObject>)> {
        self.typeids.iter().filter_map(|(t, f)| match f {
            Factory::Shared(o) => Some((t.as_str(), o)),
            Factory::Construct(_) => None,
        })
    }

    pub(crate) fn get(&self, typeid: &str) -> Option<&Factory> {
        self.typeids.get(typeid)
    }
}
