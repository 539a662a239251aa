//! The server's object table: ident → shared object, with CPython's refcount rules
//! (`create` = +1, `incref` = +1, `decref` = −1, dropped at 0).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, MutexGuard};

use super::served::SharedObject;

struct Entry {
    object: Arc<dyn SharedObject>,
    typeid: String,
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
            typeid: typeid.to_owned(),
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
            .map(|(id, e)| (e.typeid.clone(), id.clone(), Arc::clone(&e.object)))
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
