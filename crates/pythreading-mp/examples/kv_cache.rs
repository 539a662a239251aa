//! A shared key-value cache with least-recently-used eviction: a Rust type served to Python
//! (`BaseManager.register('Cache', ...)`), and used from Rust through a typed proxy.
//!
//! Run it with `cargo run -p pythreading-mp --example kv_cache -- --serve 127.0.0.1:50000` and
//! use it from an unmodified CPython:
//!
//! ```python
//! from multiprocessing.managers import BaseManager
//! class RustTypes(BaseManager): pass
//! RustTypes.register('Cache')
//! m = RustTypes(address=('127.0.0.1', 50000), authkey=b'hello world')
//! m.connect()
//! kv = m.Cache(1000)
//! kv.set('user:1', {'name': 'Ada', 'langs': ['en', 'fr']})
//! kv.get('user:1')     # {'name': 'Ada', 'langs': ['en', 'fr']}
//! len(kv), 'user:1' in kv, kv.stats()
//! ```
//!
//! Without `--serve` it starts a server on a free port, uses the cache from Rust, and exits.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};

use pythreading_mp::managers::{Manager, ManagerError, RemoteObject, ServedType, ServerBuilder};
use pythreading_mp::pickle::PyException;
use serde::{Deserialize, Serialize};

/// A cached value: what JSON-like Python data maps to through serde (`None`, bools, ints,
/// floats, strs, lists or tuples, dicts with str keys). Tuples come back as lists.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(untagged)]
pub(crate) enum Item {
    /// `None`.
    None,
    /// `bool` (before `Int`: Python's `True` is also an int).
    Bool(bool),
    /// `int` within `i64`.
    Int(i64),
    /// `float`.
    Float(f64),
    /// `str`.
    Str(String),
    /// `list` or `tuple`.
    List(Vec<Item>),
    /// `dict` with `str` keys.
    Dict(BTreeMap<String, Item>),
}

/// Hit, miss and eviction counts: a struct, so Python receives a dict.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Stats {
    /// `get`s that found their key.
    pub(crate) hits: u64,
    /// `get`s that did not.
    pub(crate) misses: u64,
    /// Keys dropped to make room.
    pub(crate) evictions: u64,
}

#[derive(Debug)]
struct State {
    /// key → (value, last use).
    entries: HashMap<String, (Item, u64)>,
    clock: u64,
    stats: Stats,
}

/// The served cache: at most `capacity` keys; the least recently used one makes room.
#[derive(Debug)]
pub(crate) struct Cache {
    capacity: usize,
    state: Mutex<State>,
}

impl Cache {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl State {
    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }
}

/// The typeid, its constructor `Cache(capacity)` and its exposed methods (`__len__` and
/// `__contains__` make `len(kv)` and `key in kv` work on a CPython `AutoProxy`).
pub(crate) fn cache_type() -> ServedType<Cache> {
    ServedType::new("Cache", |capacity: usize| {
        if capacity == 0 {
            return Err(PyException::builtin(
                "ValueError",
                vec!["capacity must be at least 1".into()],
            ));
        }
        Ok(Cache {
            capacity,
            state: Mutex::new(State {
                entries: HashMap::new(),
                clock: 0,
                stats: Stats::default(),
            }),
        })
    })
    .method("get", |c: &Cache, key: String| {
        let mut s = c.state();
        let now = s.tick();
        let found = s.entries.get_mut(&key).map(|(item, used)| {
            *used = now;
            item.clone()
        });
        match found {
            Some(_) => s.stats.hits += 1,
            None => s.stats.misses += 1,
        }
        Ok(found)
    })
    .method("set", |c: &Cache, (key, item): (String, Item)| {
        let mut s = c.state();
        let now = s.tick();
        if !s.entries.contains_key(&key) && s.entries.len() >= c.capacity {
            let oldest = s
                .entries
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                s.entries.remove(&oldest);
                s.stats.evictions += 1;
            }
        }
        s.entries.insert(key, (item, now));
        Ok(())
    })
    .method("pop", |c: &Cache, key: String| {
        match c.state().entries.remove(&key) {
            Some((item, _)) => Ok(item),
            None => Err(PyException::key_error(key.into())),
        }
    })
    .method("keys", |c: &Cache, ()| {
        let mut keys: Vec<String> = c.state().entries.keys().cloned().collect();
        keys.sort();
        Ok(keys)
    })
    .method("stats", |c: &Cache, ()| Ok(c.state().stats))
    .method("__len__", |c: &Cache, ()| Ok(c.state().entries.len()))
    .method("__contains__", |c: &Cache, key: String| {
        Ok(c.state().entries.contains_key(&key))
    })
}

/// The Rust client's typed proxy.
#[derive(Debug)]
pub(crate) struct CacheProxy(RemoteObject);

#[allow(dead_code)] // each example or test uses part of it
impl CacheProxy {
    /// `manager.Cache(capacity)`.
    pub(crate) fn new(manager: &Manager, capacity: usize) -> Result<Self, ManagerError> {
        manager.create_object("Cache", (capacity,)).map(CacheProxy)
    }

    /// The value under `key`, if cached.
    pub(crate) fn get(&self, key: &str) -> Result<Option<Item>, ManagerError> {
        self.0.call("get", (key,))
    }

    /// Caches `item` under `key`.
    pub(crate) fn set(&self, key: &str, item: Item) -> Result<(), ManagerError> {
        self.0.call("set", (key, item))
    }

    /// Removes `key` and returns its value (`KeyError` if absent).
    pub(crate) fn pop(&self, key: &str) -> Result<Item, ManagerError> {
        self.0.call("pop", (key,))
    }

    /// How many keys are cached.
    pub(crate) fn len(&self) -> Result<usize, ManagerError> {
        self.0.call("__len__", ())
    }

    /// The counters.
    pub(crate) fn stats(&self) -> Result<Stats, ManagerError> {
        self.0.call("stats", ())
    }
}

#[allow(dead_code)] // tests include this file for `cache_type` and `CacheProxy`
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, address] = args.as_slice()
        && flag == "--serve"
    {
        let server = ServerBuilder::new("hello world")
            .register(cache_type())
            .bind(address.as_str())?;
        println!("serving Cache on {}", server.local_addr());
        server.serve_forever()?;
        return Ok(());
    }
    let server = ServerBuilder::new("hello world")
        .register(cache_type())
        .bind("127.0.0.1:0")?
        .spawn()?;
    let m = Manager::connect(server.address(), "hello world")?;
    let kv = CacheProxy::new(&m, 2)?;
    kv.set("a", Item::Int(1))?;
    kv.set("b", Item::List(vec![Item::Str("x".into()), Item::None]))?;
    assert_eq!(kv.get("a")?, Some(Item::Int(1)));
    kv.set("c", Item::Bool(true))?; // evicts "b", the least recently used
    assert_eq!(kv.get("b")?, None);
    assert_eq!(kv.len()?, 2);
    println!("pop('a') -> {:?}", kv.pop("a")?);
    match kv.pop("a") {
        Err(e) => println!("pop('a') again -> {e}"),
        Ok(v) => println!("pop('a') again -> {v:?}?"),
    }
    println!("stats() -> {:?}", kv.stats()?);
    Ok(())
}
