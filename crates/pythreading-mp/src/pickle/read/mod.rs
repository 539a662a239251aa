//! The unpickler: protocols 0 to 5, without executing anything.
//!
//! The pickle machine runs over an arena of nodes rather than over `Value`s directly, because a
//! pickle may memoize a list or dict *before* filling it (`EMPTY_LIST MEMOIZE MARK ... APPENDS`)
//! and refer to it later (`BINGET`): the memo must name the object, not a snapshot. When `STOP`
//! is reached, the node on top of the stack is copied out into a `Value` tree; that step
//! enforces the depth limit, refuses cycles and charges every copy of a shared node against the
//! expansion budget.
//!
//! Most pickles need none of that: a flat one (no memo read, no `DUP`, only plain data) is read
//! first by `flat.rs` straight into values; whatever it does not accept, this machine reads.

mod expand;
mod flat;
mod text;

use std::collections::HashMap;

use self::expand::Expander;
use self::text::{fix_import, raw_unicode_escape, string_escape};
use super::bigint::BigInt;
use super::error::{ErrorKind, Limit, PickleError};
use super::limits::Limits;
use super::opcodes::*;
use super::value::Value;

type Id = usize;

/// A node of the object graph the pickle builds.
#[derive(Debug)]
enum Node {
    /// A value with no children: scalars, strings, bytes, bytearray, globals.
    Leaf(Value),
    Tuple(Vec<Id>),
    List(Vec<Id>),
    Dict(Vec<(Id, Id)>),
    Set(Vec<Id>),
    FrozenSet(Vec<Id>),
    Reduce {
        callable: Id,
        args: Id,
        state: Option<Id>,
        list: Vec<Id>,
        dict: Vec<(Id, Id)>,
    },
    Object {
        class: Id,
        args: Id,
        kwargs: Option<Id>,
        state: Option<Id>,
        list: Vec<Id>,
        dict: Vec<(Id, Id)>,
    },
}

pub(crate) fn loads_with(input: &[u8], limits: &Limits) -> Result<Value, PickleError> {
    if input.len() > limits.max_input_len() {
        return Err(PickleError::new(
            0,
            ErrorKind::LimitExceeded(Limit::InputLen),
        ));
    }
    // Most manager messages are flat trees: built without the arena when they are.
    if let Some(v) = flat::loads(input, limits) {
        return Ok(v);
    }
    general(input, limits)
}

/// The general machine: any pickle, every error.
fn general(input: &[u8], limits: &Limits) -> Result<Value, PickleError> {
    let mut m = Machine {
        input,
        pos: 0,
        op_start: 0,
        proto: 0,
        // Most opcodes make one node; a guess from the input size saves regrowing.
        nodes: Vec::with_capacity((input.len() / 4).min(1 << 16)),
        stack: Vec::with_capacity(16),
        marks: Vec::new(),
        memo: Memo::default(),
        shared: false,
        max_nodes: limits.max_decoded().saturating_sub(input.len()) / NODE_COST,
    };
    let root = m.run()?;
    Expander::new(
        m.nodes,
        !m.shared,
        limits.max_expansion(),
        limits.max_depth(),
        m.op_start,
    )
    .expand(root)
}

struct Machine<'a> {
    input: &'a [u8],
    pos: usize,
    op_start: usize,
    proto: u8,
    nodes: Vec<Node>,
    stack: Vec<Id>,
    /// Stack lengths at each `MARK`.
    marks: Vec<usize>,
    memo: Memo,
    /// Whether a node may be referenced twice (a memo read or `DUP` happened).
    shared: bool,
    /// The most nodes `max_decoded` allows (payloads are charged as the input's length).
    max_nodes: usize,
}

/// What one decoded object costs while decoding: its node, then its `Value`, then its place in
/// the parent and on the stack.
const NODE_COST: usize =
    std::mem::size_of::<Node>() + std::mem::size_of::<Value>() + 2 * std::mem::size_of::<Id>();

/// The unpickler's memo. `MEMOIZE` (protocol 4+) and CPython's `BINPUT`s use consecutive
/// indexes, kept in a vector; any other index (a hostile `LONG_BINPUT 0xffffffff`) goes to a
/// map, so nothing is ever allocated from an index value.
#[derive(Debug, Default)]
struct Memo {
    dense: Vec<Id>,
    sparse: HashMap<u64, Id>,
}

impl Memo {
    /// The number of entries: the index `MEMOIZE` uses next (as CPython's `memo_len`).
    fn len(&self) -> u64 {
        (self.dense.len() + self.sparse.len()) as u64
    }

    fn get(&self, index: u64) -> Option<Id> {
        match usize::try_from(index) {
            Ok(i) if i < self.dense.len() => Some(self.dense[i]),
            _ => self.sparse.get(&index).copied(),
        }
    }

    fn put(&mut self, index: u64, id: Id) {
        match usize::try_from(index) {
            Ok(i) if i < self.dense.len() => self.dense[i] = id,
            Ok(i) if i == self.dense.len() => {
                // Almost every pickle has no sparse entry: skip hashing the index (a SipHash
                // per memoized object, 5% of a manager round trip's instructions).
                if !self.sparse.is_empty() {
                    self.sparse.remove(&index);
                }
                self.dense.push(id);
            }
            _ => {
                self.sparse.insert(index, id);
            }
        }
    }
}

impl<'a> Machine<'a> {
    fn err(&self, kind: ErrorKind) -> PickleError {
        PickleError::new(self.op_start, kind)
    }

    fn invalid(&self, why: &'static str) -> PickleError {
        self.err(ErrorKind::Invalid(why))
    }

    /// Takes `n` bytes, refusing (without allocating) lengths beyond the input.
    fn take(&mut self, n: u64) -> Result<&'a [u8], PickleError> {
        let remaining = self.input.len() - self.pos;
        match usize::try_from(n) {
            Ok(n) if n <= remaining => {
                let s = &self.input[self.pos..self.pos + n];
                self.pos += n;
                Ok(s)
            }
            _ => Err(PickleError::new(self.input.len(), ErrorKind::Truncated)),
        }
    }

    fn take_array<const N: usize>(&mut self) -> Result<[u8; N], PickleError> {
        let s = self.take(N as u64)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    fn u8(&mut self) -> Result<u8, PickleError> {
        Ok(self.take_array::<1>()?[0])
    }

    fn u16(&mut self) -> Result<u16, PickleError> {
        Ok(u16::from_le_bytes(self.take_array()?))
    }

    fn u32(&mut self) -> Result<u32, PickleError> {
        Ok(u32::from_le_bytes(self.take_array()?))
    }

    fn i32(&mut self) -> Result<i32, PickleError> {
        Ok(i32::from_le_bytes(self.take_array()?))
    }

    fn u64(&mut self) -> Result<u64, PickleError> {
        Ok(u64::from_le_bytes(self.take_array()?))
    }

    /// A signed 32-bit length (`BINSTRING`, `LONG4`): negative is an error.
    fn i32_len(&mut self) -> Result<u64, PickleError> {
        let n = self.i32()?;
        u64::try_from(n).map_err(|_| self.err(ErrorKind::BadLength))
    }

    /// A protocol-0 text argument, without its `\n`.
    fn line(&mut self) -> Result<&'a [u8], PickleError> {
        let rest = &self.input[self.pos..];
        match rest.iter().position(|&b| b == b'\n') {
            Some(i) => {
                self.pos += i + 1;
                Ok(&rest[..i])
            }
            None => Err(PickleError::new(self.input.len(), ErrorKind::Truncated)),
        }
    }

    fn text_line(&mut self) -> Result<&'a str, PickleError> {
        let line = self.line()?;
        std::str::from_utf8(line).map_err(|_| self.err(ErrorKind::InvalidText))
    }

    fn node(&mut self, node: Node) -> Id {
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    fn push(&mut self, node: Node) {
        let id = self.node(node);
        self.stack.push(id);
    }

    fn push_leaf(&mut self, v: Value) {
        self.push(Node::Leaf(v));
    }

    /// The lowest stack index the current opcode may touch (above the innermost mark).
    fn floor(&self) -> usize {
        self.marks.last().copied().unwrap_or(0)
    }

    fn pop(&mut self) -> Result<Id, PickleError> {
        if self.stack.len() > self.floor() {
            Ok(self.stack.pop().unwrap_or_default())
        } else {
            Err(self.err(ErrorKind::StackUnderflow))
        }
    }

    fn top(&self) -> Result<Id, PickleError> {
        if self.stack.len() > self.floor() {
            Ok(self.stack[self.stack.len() - 1])
        } else {
            Err(self.err(ErrorKind::StackUnderflow))
        }
    }

    /// Pops everything above the innermost mark, and the mark.
    fn pop_mark(&mut self) -> Result<Vec<Id>, PickleError> {
        let mark = self
            .marks
            .pop()
            .ok_or_else(|| self.err(ErrorKind::MissingMark))?;
        Ok(self.stack.split_off(mark))
    }

    fn leaf_str(&self, id: Id) -> Option<&str> {
        match &self.nodes[id] {
            Node::Leaf(Value::Str(s)) => Some(s),
            _ => None,
        }
    }

    fn unicode(&mut self, bytes: &[u8]) -> Result<(), PickleError> {
        let v = Value::from_surrogatepass_utf8(bytes.to_vec())
            .ok_or_else(|| self.err(ErrorKind::InvalidString))?;
        self.push_leaf(v);
        Ok(())
    }

    /// Python 2 `str`: decoded as ASCII, like `pickle.loads`' default `encoding="ASCII"`.
    fn py2_string(&mut self, bytes: &[u8]) -> Result<(), PickleError> {
        if !bytes.is_ascii() {
            return Err(self.err(ErrorKind::InvalidString));
        }
        self.push_leaf(Value::Str(String::from_utf8_lossy(bytes).into_owned()));
        Ok(())
    }

    fn global(&mut self, module: &str, name: &str) {
        let module = if self.proto < 3 {
            fix_import(module)
        } else {
            module
        };
        self.push_leaf(Value::global(module, name));
    }

    fn memo_get(&mut self, index: u64) -> Result<(), PickleError> {
        let id = self
            .memo
            .get(index)
            .ok_or_else(|| self.err(ErrorKind::MemoMissing(index)))?;
        self.shared = true;
        self.stack.push(id);
        Ok(())
    }

    fn memo_put(&mut self, index: u64) -> Result<(), PickleError> {
        let top = self.top()?;
        self.memo.put(index, top);
        Ok(())
    }

    fn append(&mut self, target: Id, items: Vec<Id>) -> Result<(), PickleError> {
        match &mut self.nodes[target] {
            Node::List(l) | Node::Reduce { list: l, .. } | Node::Object { list: l, .. } => {
                l.extend(items);
                Ok(())
            }
            _ => Err(self.invalid("APPEND on a value that is not a list")),
        }
    }

    fn set_items(&mut self, target: Id, items: Vec<Id>) -> Result<(), PickleError> {
        if !items.len().is_multiple_of(2) {
            return Err(self.invalid("odd number of items for SETITEMS"));
        }
        let pairs = items.chunks_exact(2).map(|p| (p[0], p[1]));
        match &mut self.nodes[target] {
            Node::Dict(d) | Node::Reduce { dict: d, .. } | Node::Object { dict: d, .. } => {
                d.extend(pairs);
                Ok(())
            }
            _ => Err(self.invalid("SETITEM on a value that is not a dict")),
        }
    }

    fn is_tuple(&self, id: Id) -> bool {
        matches!(self.nodes[id], Node::Tuple(_))
    }

    fn run(&mut self) -> Result<Id, PickleError> {
        loop {
            self.op_start = self.pos;
            if self.nodes.len() > self.max_nodes {
                return Err(self.err(ErrorKind::LimitExceeded(Limit::Decoded)));
            }
            let op = self.u8()?;
            match op {
                PROTO => {
                    let v = self.u8()?;
                    if v > HIGHEST_PROTOCOL {
                        return Err(self.err(ErrorKind::UnsupportedProtocol(v)));
                    }
                    self.proto = v;
                }
                FRAME => {
                    // Frames only help buffering; the length must still fit in the input.
                    let n = self.u64()?;
                    if usize::try_from(n).map_or(true, |n| n > self.input.len() - self.pos) {
                        return Err(PickleError::new(self.input.len(), ErrorKind::Truncated));
                    }
                }
                STOP => {
                    return self
                        .stack
                        .pop()
                        .ok_or_else(|| self.err(ErrorKind::EmptyStack));
                }
                MARK => self.marks.push(self.stack.len()),
                POP => {
                    if self.stack.len() > self.floor() {
                        self.stack.pop();
                    } else {
                        self.pop_mark()?;
                    }
                }
                POP_MARK => {
                    self.pop_mark()?;
                }
                DUP => {
                    self.shared = true;
                    let top = self.top()?;
                    self.stack.push(top);
                }
                NONE => self.push_leaf(Value::None),
                NEWTRUE => self.push_leaf(Value::Bool(true)),
                NEWFALSE => self.push_leaf(Value::Bool(false)),
                BININT => {
                    let v = self.i32()?;
                    self.push_leaf(Value::Int(v.into()));
                }
                BININT1 => {
                    let v = self.u8()?;
                    self.push_leaf(Value::Int(v.into()));
                }
                BININT2 => {
                    let v = self.u16()?;
                    self.push_leaf(Value::Int(v.into()));
                }
                LONG1 => {
                    let n = self.u8()?;
                    let b = self.take(n.into())?;
                    self.push_leaf(BigInt::value_from_signed_le_bytes(b));
                }
                LONG4 => {
                    let n = self.i32_len()?;
                    let b = self.take(n)?;
                    self.push_leaf(BigInt::value_from_signed_le_bytes(b));
                }
                INT => {
                    let t = self.text_line()?;
                    let v = match t {
                        "00" => Value::Bool(false),
                        "01" => Value::Bool(true),
                        _ => BigInt::value_from_decimal(t.trim())
                            .ok_or_else(|| self.err(ErrorKind::InvalidText))?,
                    };
                    self.push_leaf(v);
                }
                LONG => {
                    let t = self.text_line()?;
                    let t = t.trim();
                    let t = t.strip_suffix('L').unwrap_or(t);
                    let v = BigInt::value_from_decimal(t)
                        .ok_or_else(|| self.err(ErrorKind::InvalidText))?;
                    self.push_leaf(v);
                }
                FLOAT => {
                    let t = self.text_line()?;
                    let v: f64 = t
                        .trim()
                        .parse()
                        .map_err(|_| self.err(ErrorKind::InvalidText))?;
                    self.push_leaf(Value::Float(v));
                }
                BINFLOAT => {
                    let v = f64::from_be_bytes(self.take_array()?);
                    self.push_leaf(Value::Float(v));
                }
                SHORT_BINUNICODE => {
                    let n = self.u8()?;
                    let b = self.take(n.into())?;
                    self.unicode(b)?;
                }
                BINUNICODE => {
                    let n = self.u32()?;
                    let b = self.take(n.into())?;
                    self.unicode(b)?;
                }
                BINUNICODE8 => {
                    let n = self.u64()?;
                    let b = self.take(n)?;
                    self.unicode(b)?;
                }
                UNICODE => {
                    let line = self.line()?;
                    let v = raw_unicode_escape(line)
                        .ok_or_else(|| self.err(ErrorKind::InvalidString))?;
                    self.push_leaf(v);
                }
                SHORT_BINSTRING => {
                    let n = self.u8()?;
                    let b = self.take(n.into())?;
                    self.py2_string(b)?;
                }
                BINSTRING => {
                    let n = self.i32_len()?;
                    let b = self.take(n)?;
                    self.py2_string(b)?;
                }
                STRING => {
                    let line = self.line()?;
                    let b = string_escape(line).ok_or_else(|| self.err(ErrorKind::InvalidText))?;
                    self.py2_string(&b)?;
                }
                SHORT_BINBYTES => {
                    let n = self.u8()?;
                    let b = self.take(n.into())?;
                    self.push_leaf(Value::Bytes(b.to_vec()));
                }
                BINBYTES => {
                    let n = self.u32()?;
                    let b = self.take(n.into())?;
                    self.push_leaf(Value::Bytes(b.to_vec()));
                }
                BINBYTES8 => {
                    let n = self.u64()?;
                    let b = self.take(n)?;
                    self.push_leaf(Value::Bytes(b.to_vec()));
                }
                BYTEARRAY8 => {
                    let n = self.u64()?;
                    let b = self.take(n)?;
                    self.push_leaf(Value::ByteArray(b.to_vec()));
                }
                NEXT_BUFFER | READONLY_BUFFER => return Err(self.err(ErrorKind::OutOfBandBuffer)),
                PERSID | BINPERSID => return Err(self.err(ErrorKind::PersistentId)),
                EXT1 => {
                    let c = self.u8()?;
                    return Err(self.err(ErrorKind::Extension(c.into())));
                }
                EXT2 => {
                    let c = self.u16()?;
                    return Err(self.err(ErrorKind::Extension(c.into())));
                }
                EXT4 => {
                    let c = self.u32()?;
                    return Err(self.err(ErrorKind::Extension(c)));
                }
                EMPTY_TUPLE => self.push(Node::Tuple(Vec::new())),
                TUPLE1 | TUPLE2 | TUPLE3 => {
                    let n = usize::from(op - TUPLE1 + 1);
                    if self.stack.len() < self.floor() + n {
                        return Err(self.err(ErrorKind::StackUnderflow));
                    }
                    let items = self.stack.split_off(self.stack.len() - n);
                    self.push(Node::Tuple(items));
                }
                TUPLE => {
                    let items = self.pop_mark()?;
                    self.push(Node::Tuple(items));
                }
                EMPTY_LIST => self.push(Node::List(Vec::new())),
                LIST => {
                    let items = self.pop_mark()?;
                    self.push(Node::List(items));
                }
                EMPTY_DICT => self.push(Node::Dict(Vec::new())),
                DICT => {
                    let items = self.pop_mark()?;
                    let id = self.node(Node::Dict(Vec::new()));
                    self.set_items(id, items)?;
                    self.stack.push(id);
                }
                EMPTY_SET => self.push(Node::Set(Vec::new())),
                FROZENSET => {
                    let items = self.pop_mark()?;
                    self.push(Node::FrozenSet(items));
                }
                APPEND => {
                    let v = self.pop()?;
                    let target = self.top()?;
                    self.append(target, vec![v])?;
                }
                APPENDS => {
                    let items = self.pop_mark()?;
                    let target = self.top()?;
                    self.append(target, items)?;
                }
                SETITEM => {
                    let v = self.pop()?;
                    let k = self.pop()?;
                    let target = self.top()?;
                    self.set_items(target, vec![k, v])?;
                }
                SETITEMS => {
                    let items = self.pop_mark()?;
                    let target = self.top()?;
                    self.set_items(target, items)?;
                }
                ADDITEMS => {
                    let items = self.pop_mark()?;
                    let target = self.top()?;
                    match &mut self.nodes[target] {
                        Node::Set(s) => s.extend(items),
                        _ => return Err(self.invalid("ADDITEMS on a value that is not a set")),
                    }
                }
                GLOBAL => {
                    let module = self.text_line()?;
                    let name = self.text_line()?;
                    self.global(module, name);
                }
                STACK_GLOBAL => {
                    let name = self.pop()?;
                    let module = self.pop()?;
                    match (self.leaf_str(module), self.leaf_str(name)) {
                        (Some(m), Some(n)) => {
                            let v = Value::global(m, n);
                            self.push_leaf(v);
                        }
                        _ => return Err(self.invalid("STACK_GLOBAL requires str")),
                    }
                }
                REDUCE => {
                    let args = self.pop()?;
                    let callable = self.pop()?;
                    if !self.is_tuple(args) {
                        return Err(self.invalid("REDUCE arguments must be a tuple"));
                    }
                    self.push(Node::Reduce {
                        callable,
                        args,
                        state: None,
                        list: Vec::new(),
                        dict: Vec::new(),
                    });
                }
                NEWOBJ => {
                    let args = self.pop()?;
                    let class = self.pop()?;
                    if !self.is_tuple(args) {
                        return Err(self.invalid("NEWOBJ expected an argument tuple"));
                    }
                    self.push(Node::Object {
                        class,
                        args,
                        kwargs: None,
                        state: None,
                        list: Vec::new(),
                        dict: Vec::new(),
                    });
                }
                NEWOBJ_EX => {
                    let kwargs = self.pop()?;
                    let args = self.pop()?;
                    let class = self.pop()?;
                    if !self.is_tuple(args) || !matches!(self.nodes[kwargs], Node::Dict(_)) {
                        return Err(self.invalid("NEWOBJ_EX expected an argument tuple and a dict"));
                    }
                    self.push(Node::Object {
                        class,
                        args,
                        kwargs: Some(kwargs),
                        state: None,
                        list: Vec::new(),
                        dict: Vec::new(),
                    });
                }
                INST => {
                    let items = self.pop_mark()?;
                    let module = self.text_line()?;
                    let name = self.text_line()?;
                    self.global(module, name);
                    let callable = self.pop()?;
                    let args = self.node(Node::Tuple(items));
                    self.push(Node::Reduce {
                        callable,
                        args,
                        state: None,
                        list: Vec::new(),
                        dict: Vec::new(),
                    });
                }
                OBJ => {
                    let mut items = self.pop_mark()?;
                    if items.is_empty() {
                        return Err(self.err(ErrorKind::StackUnderflow));
                    }
                    let callable = items.remove(0);
                    let args = self.node(Node::Tuple(items));
                    self.push(Node::Reduce {
                        callable,
                        args,
                        state: None,
                        list: Vec::new(),
                        dict: Vec::new(),
                    });
                }
                BUILD => {
                    let state = self.pop()?;
                    let target = self.top()?;
                    match &mut self.nodes[target] {
                        Node::Reduce {
                            state: s @ None, ..
                        }
                        | Node::Object {
                            state: s @ None, ..
                        } => {
                            *s = Some(state);
                        }
                        _ => return Err(self.invalid("BUILD on a value that cannot take state")),
                    }
                }
                GET => {
                    let t = self.text_line()?;
                    let i = t
                        .trim()
                        .parse()
                        .map_err(|_| self.err(ErrorKind::InvalidText))?;
                    self.memo_get(i)?;
                }
                BINGET => {
                    let i = self.u8()?;
                    self.memo_get(i.into())?;
                }
                LONG_BINGET => {
                    let i = self.u32()?;
                    self.memo_get(i.into())?;
                }
                PUT => {
                    let t = self.text_line()?;
                    let i = t
                        .trim()
                        .parse()
                        .map_err(|_| self.err(ErrorKind::InvalidText))?;
                    self.memo_put(i)?;
                }
                BINPUT => {
                    let i = self.u8()?;
                    self.memo_put(i.into())?;
                }
                LONG_BINPUT => {
                    let i = self.u32()?;
                    self.memo_put(i.into())?;
                }
                MEMOIZE => {
                    let i = self.memo.len();
                    self.memo_put(i)?;
                }
                other => return Err(self.err(ErrorKind::UnknownOpcode(other))),
            }
        }
    }
}
