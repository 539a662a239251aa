//! Copying the arena graph out into a `Value` tree.

use super::Node;
use crate::pickle::error::{ErrorKind, Limit, PickleError};
use crate::pickle::value::{Object, Reduce, Value};

/// Estimated bytes per decoded value, for the expansion budget.
const VALUE_COST: usize = std::mem::size_of::<Value>();

/// Turns the node graph into a tree, iteratively (hostile nesting cannot overflow the thread's
/// stack; the depth limit bounds the tree for its later users). Enforces the depth limit,
/// refuses cycles and charges every *second* copy of a node against the expansion budget.
pub(super) struct Expander {
    nodes: Vec<Node>,
    visiting: Vec<bool>,
    expanded: Vec<bool>,
    /// No node is referenced twice (no memo read, no `DUP`): leaves can be moved, not cloned.
    unshared: bool,
    /// What is left of the allowance for copies of shared nodes.
    budget: usize,
    max_depth: usize,
    position: usize,
}

enum Task {
    /// Expand node `.0`, which has `.1` containers around it.
    Enter(usize, usize),
    /// All children of node `.0` are on the output stack: build it.
    Exit(usize),
}

/// Calls `f` on the children of a node, in the order their values are pushed to the output.
fn for_children(node: &Node, mut f: impl FnMut(usize)) {
    let mut pairs = |d: &[(usize, usize)]| {
        for &(k, v) in d {
            f(k);
            f(v);
        }
    };
    match node {
        Node::Leaf(_) => {}
        Node::Tuple(ids) | Node::List(ids) | Node::Set(ids) | Node::FrozenSet(ids) => {
            ids.iter().for_each(|&c| f(c))
        }
        Node::Dict(d) => pairs(d),
        Node::Reduce {
            callable,
            args,
            state,
            list,
            dict,
        } => {
            f(*callable);
            f(*args);
            state.iter().for_each(|&c| f(c));
            list.iter().for_each(|&c| f(c));
            for &(k, v) in dict {
                f(k);
                f(v);
            }
        }
        Node::Object {
            class,
            args,
            kwargs,
            state,
            list,
            dict,
        } => {
            f(*class);
            f(*args);
            kwargs.iter().for_each(|&c| f(c));
            state.iter().for_each(|&c| f(c));
            list.iter().for_each(|&c| f(c));
            for &(k, v) in dict {
                f(k);
                f(v);
            }
        }
    }
}

fn child_count(node: &Node) -> usize {
    let mut n = 0;
    for_children(node, |_| n += 1);
    n
}

fn into_pairs(values: impl Iterator<Item = Value>) -> Vec<(Value, Value)> {
    let mut out = Vec::with_capacity(values.size_hint().0 / 2);
    let mut it = values;
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        out.push((k, v));
    }
    out
}

impl Expander {
    pub(super) fn new(
        nodes: Vec<Node>,
        unshared: bool,
        budget: usize,
        max_depth: usize,
        position: usize,
    ) -> Expander {
        // Without sharing, no node is reached twice: no cycle and no copy is possible, so the
        // bookkeeping vectors are not needed.
        let flags = if unshared { 0 } else { nodes.len() };
        Expander {
            visiting: vec![false; flags],
            expanded: vec![false; flags],
            nodes,
            unshared,
            budget,
            max_depth,
            position,
        }
    }

    fn err(&self, kind: ErrorKind) -> PickleError {
        PickleError::new(self.position, kind)
    }

    pub(super) fn expand(mut self, root: usize) -> Result<Value, PickleError> {
        let mut tasks = vec![Task::Enter(root, 0)];
        let mut out: Vec<Value> = Vec::new();
        let mut children = Vec::new();
        while let Some(task) = tasks.pop() {
            match task {
                Task::Enter(id, level) => {
                    if self.unshared {
                        if let Node::Leaf(v) = &mut self.nodes[id] {
                            out.push(std::mem::replace(v, Value::None));
                            continue;
                        }
                        if level >= self.max_depth {
                            return Err(self.err(ErrorKind::DepthExceeded));
                        }
                        tasks.push(Task::Exit(id));
                        children.clear();
                        for_children(&self.nodes[id], |c| children.push(c));
                        tasks.extend(children.iter().rev().map(|&c| Task::Enter(c, level + 1)));
                        continue;
                    }
                    if self.expanded[id] {
                        // A second copy of a shared node: charge it.
                        let cost = VALUE_COST
                            + match &self.nodes[id] {
                                Node::Leaf(v) => leaf_payload(v),
                                _ => 0,
                            };
                        self.budget = self
                            .budget
                            .checked_sub(cost)
                            .ok_or_else(|| self.err(ErrorKind::LimitExceeded(Limit::Expansion)))?;
                    }
                    self.expanded[id] = true;
                    if let Node::Leaf(v) = &mut self.nodes[id] {
                        out.push(if self.unshared {
                            std::mem::replace(v, Value::None)
                        } else {
                            v.clone()
                        });
                        continue;
                    }
                    if level >= self.max_depth {
                        return Err(self.err(ErrorKind::DepthExceeded));
                    }
                    if self.visiting[id] {
                        return Err(self.err(ErrorKind::Recursive));
                    }
                    self.visiting[id] = true;
                    tasks.push(Task::Exit(id));
                    children.clear();
                    for_children(&self.nodes[id], |c| children.push(c));
                    tasks.extend(children.iter().rev().map(|&c| Task::Enter(c, level + 1)));
                }
                Task::Exit(id) => {
                    if !self.unshared {
                        self.visiting[id] = false;
                    }
                    let value = self.build(id, &mut out);
                    out.push(value);
                }
            }
        }
        out.pop().ok_or_else(|| self.err(ErrorKind::EmptyStack))
    }

    /// Builds node `id` from its children's values, the last ones on `out`.
    fn build(&self, id: usize, out: &mut Vec<Value>) -> Value {
        let node = &self.nodes[id];
        let n = child_count(node);
        let mut vals = out.split_off(out.len() - n).into_iter();
        match node {
            Node::Leaf(v) => v.clone(),
            Node::Tuple(_) => Value::Tuple(vals.collect()),
            Node::List(_) => Value::List(vals.collect()),
            Node::Set(_) => Value::Set(vals.collect()),
            Node::FrozenSet(_) => Value::FrozenSet(vals.collect()),
            Node::Dict(_) => Value::Dict(into_pairs(vals)),
            Node::Reduce { state, list, .. } => {
                let callable = vals.next().unwrap_or(Value::None);
                let args = vals.next().unwrap_or(Value::None);
                let state = state.and_then(|_| vals.next());
                let list_items = vals.by_ref().take(list.len()).collect();
                let r = Reduce {
                    callable,
                    args,
                    state,
                    list_items,
                    dict_items: into_pairs(vals),
                };
                fold_builtin(&r).unwrap_or_else(|| Value::Reduce(Box::new(r)))
            }
            Node::Object {
                kwargs,
                state,
                list,
                ..
            } => {
                let class = vals.next().unwrap_or(Value::None);
                let args = vals.next().unwrap_or(Value::None);
                let kwargs = kwargs.and_then(|_| vals.next());
                let state = state.and_then(|_| vals.next());
                let list_items = vals.by_ref().take(list.len()).collect();
                Value::Object(Box::new(Object {
                    class,
                    args,
                    kwargs,
                    state,
                    list_items,
                    dict_items: into_pairs(vals),
                }))
            }
        }
    }
}

fn leaf_payload(v: &Value) -> usize {
    match v {
        Value::Str(s) => s.len(),
        Value::SurrogateStr(s) => s.as_bytes().len(),
        Value::Bytes(b) | Value::ByteArray(b) => b.len(),
        Value::BigInt(b) => b.to_signed_le_bytes().len(),
        Value::Global { module, name } => module.len() + name.len(),
        _ => 0,
    }
}

/// Recognizes the `REDUCE` forms older protocols use for plain data, so a value reads the same
/// whatever protocol wrote it. Nothing is called: these are fixed shapes.
///
/// * `bytes` (protocols 0-2): `_codecs.encode(str, 'latin1')`, or `builtins.bytes()` when empty;
/// * `bytearray` (protocols 0-4): `builtins.bytearray(bytes)`, `builtins.bytearray(str, 'latin-1')`,
///   `builtins.bytearray()`;
/// * `set` / `frozenset` (protocols 0-3): `builtins.set(list)`, `builtins.frozenset(list)`.
fn fold_builtin(r: &Reduce) -> Option<Value> {
    if r.state.is_some() || !r.list_items.is_empty() || !r.dict_items.is_empty() {
        return None;
    }
    let latin1 = |s: &str| -> Option<Vec<u8>> {
        s.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect()
    };
    let args = r.args.as_tuple()?;
    match (r.callable.as_global()?, args) {
        (("builtins", "bytes"), []) => Some(Value::Bytes(Vec::new())),
        (("_codecs", "encode"), [Value::Str(s), Value::Str(enc)]) if enc == "latin1" => {
            latin1(s).map(Value::Bytes)
        }
        (("builtins", "bytearray"), []) => Some(Value::ByteArray(Vec::new())),
        (("builtins", "bytearray"), [Value::Bytes(b)]) => Some(Value::ByteArray(b.clone())),
        (("builtins", "bytearray"), [Value::Str(s), Value::Str(enc)]) if enc == "latin-1" => {
            latin1(s).map(Value::ByteArray)
        }
        (("builtins", "set"), []) => Some(Value::Set(Vec::new())),
        (("builtins", "set"), [Value::List(items)]) => Some(Value::Set(items.clone())),
        (("builtins", "frozenset"), []) => Some(Value::FrozenSet(Vec::new())),
        (("builtins", "frozenset"), [Value::List(items)]) => Some(Value::FrozenSet(items.clone())),
        _ => None,
    }
}
