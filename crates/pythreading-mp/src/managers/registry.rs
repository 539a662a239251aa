//! Typeids a server can `create`: named shared objects and constructors.

use std::collections::HashMap;
use std::sync::Arc;

use super::objects::{
    CallArgs, SharedDict, SharedEvent, SharedList, SharedLock, SharedObject, SharedQueue,
    SharedRLock,
};
use crate::pickle::Value;

type Constructor = fn(CallArgs) -> Result<Arc<dyn SharedObject>, Value>;

pub(crate) enum Factory {
    /// The same object on every `create` (the tutorial's `get_task_queue`).
    Shared(Arc<dyn SharedObject>),
    /// A new object per `create`, from the constructor arguments.
    Construct(Constructor),
    /// Registered for `#PROXY` results only (`create_method=False`, no callable).
    NoCallable,
}

pub(crate) struct Registry {
    typeids: HashMap<String, Factory>,
}

impl Registry {
    pub(crate) fn new() -> Self {
        let mut typeids = HashMap::new();
        typeids.insert("Iterator".to_owned(), Factory::NoCallable);
        Registry { typeids }
    }

    /// The objects shared by every `create` of their typeid (the named queues).
    pub(crate) fn shared_objects(&self) -> impl Iterator<Item = &Arc<dyn SharedObject>> {
        self.typeids.values().filter_map(|f| match f {
            Factory::Shared(o) => Some(o),
            _ => None,
        })
    }

    pub(crate) fn add_named_queue(&mut self, typeid: &str, maxsize: i64) {
        let q = Arc::new(SharedQueue::new(maxsize));
        self.typeids.insert(typeid.to_owned(), Factory::Shared(q));
    }

    /// SyncManager's typeids (those this server implements).
    pub(crate) fn add_sync_manager_types(&mut self) {
        fn queue(a: CallArgs) -> Result<Arc<dyn SharedObject>, Value> {
            Ok(Arc::new(SharedQueue::from_args(a)?))
        }
        fn event(a: CallArgs) -> Result<Arc<dyn SharedObject>, Value> {
            a.none("Event")?;
            Ok(Arc::new(SharedEvent::new()))
        }
        fn lock(a: CallArgs) -> Result<Arc<dyn SharedObject>, Value> {
            a.none("Lock")?;
            Ok(Arc::new(SharedLock::new()))
        }
        fn rlock(a: CallArgs) -> Result<Arc<dyn SharedObject>, Value> {
            a.none("RLock")?;
            Ok(Arc::new(SharedRLock::new()))
        }
        fn dict(a: CallArgs) -> Result<Arc<dyn SharedObject>, Value> {
            Ok(Arc::new(SharedDict::from_args(a)?))
        }
        fn list(a: CallArgs) -> Result<Arc<dyn SharedObject>, Value> {
            Ok(Arc::new(SharedList::from_args(a)?))
        }
        let table: [(&str, Constructor); 7] = [
            ("Queue", queue),
            ("JoinableQueue", queue),
            ("Event", event),
            ("Lock", lock),
            ("RLock", rlock),
            ("dict", dict),
            ("list", list),
        ];
        for (name, ctor) in table {
            self.typeids
                .insert(name.to_owned(), Factory::Construct(ctor));
        }
    }

    pub(crate) fn get(&self, typeid: &str) -> Option<&Factory> {
        self.typeids.get(typeid)
    }
}
