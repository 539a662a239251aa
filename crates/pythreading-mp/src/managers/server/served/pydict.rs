//! An insertion-ordered hash map keyed by Python equality: the storage of a served `dict`.
//!
//! CPython dicts keep insertion order and find keys by hash, so `update` with 20,000 keys is
//! linear, not quadratic. Keys hash with [`py_hash`] (consistent with [`py_eq`]: `1`, `1.0` and
//! `True` are one key) through a randomly seeded SipHash, so a client cannot choose colliding keys.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

use crate::managers::protocol::{py_eq, py_hash};
use crate::pickle::Value;

/// Entries in insertion order (removed ones leave a hole until the next compaction) and, per
/// hash, the positions of the entries with that hash.
#[derive(Default)]
pub(crate) struct PyDict {
    entries: Vec<Option<(Value, Value)>>,
    buckets: HashMap<u64, Vec<usize>>,
    len: usize,
    seed: RandomState,
}

impl PyDict {
    fn hash(&self, key: &Value) -> u64 {
        let mut h = self.seed.build_hasher();
        py_hash(key, &mut h);
        h.finish()
    }

    fn position(&self, hash: u64, key: &Value) -> Option<usize> {
        self.buckets
            .get(&hash)?
            .iter()
            .copied()
            .find(|&i| self.entries[i].as_ref().is_some_and(|(k, _)| py_eq(k, key)))
    }

    /// The number of keys.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The value stored under `key`.
    pub(crate) fn get(&self, key: &Value) -> Option<&Value> {
        let i = self.position(self.hash(key), key)?;
        self.entries[i].as_ref().map(|(_, v)| v)
    }

    /// Whether `key` is present.
    pub(crate) fn contains(&self, key: &Value) -> bool {
        self.position(self.hash(key), key).is_some()
    }

    /// Sets `key` to `value`; an existing key keeps its place (and its first spelling: `d[1.0]
    /// = x` on a dict holding `1` keeps the key `1`, as CPython does).
    pub(crate) fn insert(&mut self, key: Value, value: Value) {
        let hash = self.hash(&key);
        match self.position(hash, &key) {
            Some(i) => {
                if let Some((_, v)) = &mut self.entries[i] {
                    *v = value;
                }
            }
            None => {
                self.buckets
                    .entry(hash)
                    .or_default()
                    .push(self.entries.len());
                self.entries.push(Some((key, value)));
                self.len += 1;
            }
        }
    }

    /// `setdefault`: the value under `key`, inserting `default` first if it is absent.
    pub(crate) fn get_or_insert(&mut self, key: Value, default: Value) -> Value {
        let hash = self.hash(&key);
        if let Some(i) = self.position(hash, &key) {
            return self.entries[i]
                .as_ref()
                .map_or(Value::None, |(_, v)| v.clone());
        }
        self.buckets
            .entry(hash)
            .or_default()
            .push(self.entries.len());
        self.entries.push(Some((key, default.clone())));
        self.len += 1;
        default
    }

    /// Removes `key`, returning its pair.
    pub(crate) fn remove(&mut self, key: &Value) -> Option<(Value, Value)> {
        let hash = self.hash(key);
        let i = self.position(hash, key)?;
        self.remove_at(hash, i)
    }

    fn remove_at(&mut self, hash: u64, i: usize) -> Option<(Value, Value)> {
        if let Some(bucket) = self.buckets.get_mut(&hash) {
            bucket.retain(|&j| j != i);
            if bucket.is_empty() {
                self.buckets.remove(&hash);
            }
        }
        let pair = self.entries[i].take();
        self.len -= 1;
        // Holes cost memory and iteration time: compact once they outnumber the live entries.
        if self.entries.len() > 32 && self.entries.len() > 2 * self.len {
            self.compact();
        }
        pair
    }

    /// Removes and returns the last pair inserted (`popitem`).
    pub(crate) fn pop_last(&mut self) -> Option<(Value, Value)> {
        while let Some(None) = self.entries.last() {
            self.entries.pop();
        }
        let i = self.entries.len().checked_sub(1)?;
        let hash = self.entries[i].as_ref().map(|(k, _)| self.hash(k))?;
        self.remove_at(hash, i)
    }

    /// Removes every pair.
    pub(crate) fn clear(&mut self) {
        self.entries.clear();
        self.buckets.clear();
        self.len = 0;
    }

    /// The pairs, in insertion order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&Value, &Value)> {
        self.entries.iter().flatten().map(|(k, v)| (k, v))
    }

    /// A copy of the pairs, in insertion order.
    pub(crate) fn to_pairs(&self) -> Vec<(Value, Value)> {
        self.entries.iter().flatten().cloned().collect()
    }

    fn compact(&mut self) {
        let live: Vec<(Value, Value)> = self.entries.drain(..).flatten().collect();
        self.buckets.clear();
        self.len = 0;
        for (k, v) in live {
            self.insert(k, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_insertion_order_through_removals() {
        let mut d = PyDict::default();
        for i in 0..100 {
            d.insert(Value::Int(i), Value::Int(i * 2));
        }
        for i in (0..100).step_by(2) {
            assert!(d.remove(&Value::Int(i)).is_some());
        }
        assert_eq!(d.len(), 50);
        let keys: Vec<i64> = d.iter().map(|(k, _)| k.as_int().unwrap()).collect();
        assert_eq!(keys, (1..100).step_by(2).collect::<Vec<_>>());
        assert_eq!(d.get(&Value::Float(3.0)), Some(&Value::Int(6)));
        assert_eq!(d.pop_last(), Some((Value::Int(99), Value::Int(198))));
    }

    #[test]
    fn equal_numbers_are_one_key() {
        let mut d = PyDict::default();
        d.insert(Value::Int(1), Value::from("a"));
        d.insert(Value::Float(1.0), Value::from("b"));
        d.insert(Value::Bool(true), Value::from("c"));
        assert_eq!(d.len(), 1);
        assert_eq!(d.to_pairs(), vec![(Value::Int(1), Value::from("c"))]);
    }
}
