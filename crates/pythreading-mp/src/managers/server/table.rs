//! The server's object table: ident → shared object, with CPython's refcount rules
//! (`create` = +1, `incref` = +1, `decref` = −1, dropped at 0).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use super::served::SharedObject;

struct Entry {
    object: Arc<dyn SharedObject>,
    /// Shared with the status page's record of the calls in progress.
    typeid: Arc<str>,
    refcount: usize,
}

/// Why a refcount operation failed; sent to the client as `#TRACEBACK`.
#[derive(Debug)]
pub(crate) enum TableError {
    /// `KeyError: 'ident'`.
    UnknownIdent(String),
    /// `AssertionError: Id ... has refcount 0, not 1+`.
    NotReferenced(String),
    /// The table holds its maximum number of objects.
    Full(usize),
}

impl TableError {
    pub(crate) fn python_line(&self) -> String {
        match self {
            TableError::UnknownIdent(id) => format!("KeyError: '{id}'"),
            TableError::NotReferenced(id) => {
                format!("AssertionError: Id {id} has refcount 0, not 1+")
            }
            TableError::Full(max) => format!(
                "MemoryError: the server holds {max} objects, its limit; release some first"
            ),
        }
    }
}

#[derive(Default)]
pub(crate) struct Table {
    entries: Mutex<HashMap<String, Entry>>,
    /// Raised (under the lock) whenever an entry is removed: a [`Lookup`] cached at an earlier
    /// value may name an object that is gone.
    generation: AtomicU64,
}

/// A connection's last lookup, kept so that its next call on the same object takes neither the
/// table's lock (shared by every connection) nor a hash of the ident. It holds the object
/// weakly: a removed object is not kept alive by an idle connection.
#[derive(Default)]
pub(crate) struct Lookup {
    ident: String,
    generation: u64,
    found: Option<(Weak<dyn SharedObject>, Arc<str>)>,
}

impl Table {
    fn entries(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Stores `object` (or finds it again: a named queue keeps its ident) and increfs it; a
    /// new object is refused when the table already holds `max`.
    pub(crate) fn create(
        &self,
        typeid: &str,
        object: Arc<dyn SharedObject>,
        max: usize,
    ) -> Result<String, TableError> {
        // CPython's ident is '%x' % id(obj): the address, lowercase hex.
        let ident = format!("{:x}", Arc::as_ptr(&object) as *const () as usize);
        let mut entries = self.entries();
        if !entries.contains_key(&ident) && entries.len() >= max {
            drop(entries);
            // The refused object is dropped outside the table's lock.
            drop(object);
            return Err(TableError::Full(max));
        }
        let entry = entries.entry(ident.clone()).or_insert_with(|| Entry {
            object: Arc::clone(&object),
            typeid: Arc::from(typeid),
            refcount: 0,
        });
        entry.object = object;
        entry.refcount += 1;
        Ok(ident)
    }

    pub(crate) fn incref(&self, ident: &str) -> Result<(), TableError> {
        match self.entries().get_mut(ident) {
            Some(e) => {
                e.refcount += 1;
                Ok(())
            }
            None => Err(TableError::UnknownIdent(ident.to_owned())),
        }
    }

    pub(crate) fn decref(&self, ident: &str) -> Result<(), TableError> {
        let removed = {
            let mut entries = self.entries();
            let entry = entries
                .get_mut(ident)
                .ok_or_else(|| TableError::UnknownIdent(ident.to_owned()))?;
            if entry.refcount == 0 {
                return Err(TableError::NotReferenced(ident.to_owned()));
            }
            entry.refcount -= 1;
            if entry.refcount == 0 {
                self.generation.fetch_add(1, Ordering::Release);
                entries.remove(ident)
            } else {
                None
            }
        };
        // The object (an iterator, say) is dropped here, outside the table's lock.
        drop(removed);
        Ok(())
    }

    pub(crate) fn get(&self, ident: &str) -> Option<Arc<dyn SharedObject>> {
        self.entries().get(ident).map(|e| Arc::clone(&e.object))
    }

    /// The object and its typeid.
    pub(crate) fn get_typed(&self, ident: &str) -> Option<(Arc<dyn SharedObject>, Arc<str>)> {
        self.entries()
            .get(ident)
            .map(|e| (Arc::clone(&e.object), Arc::clone(&e.typeid)))
    }

    /// As [`Table::get_typed`], answered from `cache` while no entry has been removed since it
    /// was filled (a call racing a removal sees the object, as if it had come just before).
    pub(crate) fn get_typed_cached(
        &self,
        ident: &str,
        cache: &mut Lookup,
    ) -> Option<(Arc<dyn SharedObject>, Arc<str>)> {
        let generation = self.generation.load(Ordering::Acquire);
        if generation == cache.generation
            && cache.ident == ident
            && let Some((weak, typeid)) = &cache.found
            && let Some(object) = weak.upgrade()
        {
            return Some((object, Arc::clone(typeid)));
        }
        let found = self.get_typed(ident);
        cache.ident.clear();
        cache.ident.push_str(ident);
        cache.generation = generation;
        cache.found = found
            .as_ref()
            .map(|(o, t)| (Arc::downgrade(o), Arc::clone(t)));
        found
    }

    /// Every object in the table (for [`SharedObject::release_waiters`] on stop).
    pub(crate) fn objects(&self) -> Vec<Arc<dyn SharedObject>> {
        self.entries()
            .values()
            .map(|e| Arc::clone(&e.object))
            .collect()
    }

    /// Every entry as (typeid, ident, object) (for the queues' counts).
    pub(crate) fn entries_with_typeids(&self) -> Vec<(String, String, Arc<dyn SharedObject>)> {
        self.entries()
            .iter()
            .map(|(id, e)| (e.typeid.to_string(), id.clone(), Arc::clone(&e.object)))
            .collect()
    }

    pub(crate) fn number_of_objects(&self) -> usize {
        self.entries().len()
    }

    pub(crate) fn debug_info(&self) -> String {
        let entries = self.entries();
        let mut idents: Vec<_> = entries.keys().collect();
        idents.sort();
        let mut out = String::new();
        for id in idents {
            let e = &entries[id];
            let _ = writeln!(
                out,
                "  {id}:       refcount={}\n    {} {}",
                e.refcount,
                e.typeid,
                e.object.repr().chars().take(75).collect::<String>()
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::managers::server::served::{LeasePolicy, SharedQueue};

    fn queue() -> Arc<dyn SharedObject> {
        Arc::new(SharedQueue::new(0, LeasePolicy::default()))
    }

    #[test]
    fn a_cached_lookup_misses_once_its_object_is_removed() {
        let table = Table::default();
        let mut cache = Lookup::default();
        let a = table.create("Queue", queue(), 10).unwrap();
        let b = table.create("Queue", queue(), 10).unwrap();
        let first = table
            .get_typed_cached(&a, &mut cache)
            .expect("a is there")
            .0;
        let again = table.get_typed_cached(&a, &mut cache).expect("a, cached").0;
        assert!(Arc::ptr_eq(&first, &again));
        assert!(table.get_typed_cached(&b, &mut cache).is_some());
        assert!(table.get_typed_cached(&a, &mut cache).is_some());
        drop((first, again));
        table.decref(&a).unwrap();
        assert!(table.get_typed_cached(&a, &mut cache).is_none(), "removed");
        assert!(
            table.get_typed_cached(&a, &mut cache).is_none(),
            "still removed"
        );
        assert!(table.get_typed_cached("nope", &mut cache).is_none());
        assert_eq!(&*table.get_typed_cached(&b, &mut cache).unwrap().1, "Queue");
    }

    #[test]
    fn the_cache_does_not_keep_a_removed_object_alive() {
        let table = Table::default();
        let mut cache = Lookup::default();
        let object = queue();
        let weak = Arc::downgrade(&object);
        let a = table.create("Queue", object, 10).unwrap();
        drop(table.get_typed_cached(&a, &mut cache));
        table.decref(&a).unwrap();
        assert!(weak.upgrade().is_none(), "the object outlived its entry");
    }
}
