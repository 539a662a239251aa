//! The pickler: protocol 4, shaped like CPython's C pickler.
//!
//! Output follows `_pickle.c` closely so that, for values without shared references, the bytes
//! are usually identical to `ForkingPickler.dumps(value)` on CPython 3.8 to 3.13 (byte identity
//! is checked against the golden vectors in the tests, but nothing relies on it):
//!
//! * `PROTO 4`, then the body in frames of about 64 KiB (`FRAME` + u64 LE length); a frame
//!   whose body is under 4 bytes has no `FRAME` header; a `str`/`bytes` payload of 64 KiB or
//!   more is written outside any frame.
//! * `MEMOIZE` after each str, bytes, non-empty tuple, list, dict, set, frozenset, global and
//!   constructed object, as CPython does. The only memo *reads* we emit are for repeated
//!   globals and their module/name strings (CPython finds those by identity because the
//!   strings are interned); `Value` is a tree, so nothing else is shared.

use std::collections::HashMap;

use super::bigint::i64_to_le;
use super::opcodes::*;
use super::value::{Object, Reduce, Value};

/// Frames are closed once they reach this size (CPython's `_FRAME_SIZE_TARGET`).
const FRAME_SIZE_TARGET: usize = 64 * 1024;
/// A frame with a shorter body is written without a `FRAME` header (`_FRAME_SIZE_MIN`).
const FRAME_SIZE_MIN: usize = 4;
/// Items per `APPENDS`/`SETITEMS`/`ADDITEMS` batch (CPython's `BATCHSIZE`).
const BATCH_SIZE: usize = 1000;
const FRAME_HEADER_LEN: usize = 9;

/// Room for a typical manager message: the output is written without regrowing.
const INITIAL_CAPACITY: usize = 128;

impl Writer<'_> {
    fn new() -> Self {
        let mut out = Vec::with_capacity(INITIAL_CAPACITY);
        out.extend_from_slice(&[PROTO, 4]);
        Writer {
            out,
            frame_start: None,
            memo_len: 0,
            names: HashMap::new(),
            globals: HashMap::new(),
        }
    }

    fn finish(mut self) -> Vec<u8> {
        self.write(&[STOP]);
        self.commit_frame();
        self.out
    }
}

pub(crate) fn dumps(value: &Value) -> Vec<u8> {
    let mut w = Writer::new();
    w.save(value);
    w.finish()
}

/// `(kind, value)`, byte for byte as `dumps` writes the tuple, without building it: a reply
/// (`('#RETURN', value)`) costs no copy of its value and no allocation besides its bytes.
pub(crate) fn dumps_pair(kind: &str, value: &Value) -> Vec<u8> {
    let mut w = Writer::new();
    w.save_str(kind.as_bytes());
    w.boundary();
    w.save(value);
    w.write(&[TUPLE2]);
    w.memoize();
    w.boundary();
    w.finish()
}

/// A request `(ident, method, args, kwds)`, byte for byte as `dumps` writes the 4-tuple, from
/// borrowed parts (the client's call builds no tuple and copies no string).
pub(crate) fn dumps_request(
    ident: Option<&str>,
    method: &str,
    args: &[Value],
    kwargs: &[(Value, Value)],
) -> Vec<u8> {
    let mut w = Writer::new();
    w.write(&[MARK]);
    match ident {
        Some(id) => w.save_str(id.as_bytes()),
        None => w.write(&[NONE]),
    }
    w.boundary();
    w.save_str(method.as_bytes());
    w.boundary();
    w.save_tuple(args);
    w.boundary();
    w.write(&[EMPTY_DICT]);
    w.memoize();
    w.save_dict_items(kwargs);
    w.boundary();
    w.write(&[TUPLE]);
    w.memoize();
    w.boundary();
    w.finish()
}

/// `(kind, [items...])` with each distinct item (by address) written once and referred to by
/// memo afterwards, as CPython's pickler shares an object that a list holds many times: a
/// `[big] * 1000` reply costs one `big` and 999 memo reads, not 1000 copies.
pub(crate) fn dumps_pair_of_shared_list(kind: &str, items: &[std::sync::Arc<Value>]) -> Vec<u8> {
    let mut w = Writer::new();
    let mut seen: HashMap<*const Value, u32> = HashMap::new();
    w.save_str(kind.as_bytes());
    w.boundary();
    w.write(&[EMPTY_LIST]);
    w.memoize();
    for batch in items.chunks(BATCH_SIZE) {
        w.write(&[MARK]);
        for item in batch {
            let key = std::sync::Arc::as_ptr(item);
            match seen.get(&key) {
                Some(&i) => w.memo_get(i),
                None => {
                    w.save_inner(item);
                    // One more MEMOIZE names this item whatever its type (a repeated memo
                    // entry is harmless to any unpickler).
                    let i = w.memoize();
                    seen.insert(key, i);
                }
            }
            w.boundary();
        }
        w.write(&[APPENDS]);
    }
    w.write(&[TUPLE2]);
    w.memoize();
    w.finish()
}

struct Writer<'v> {
    out: Vec<u8>,
    /// Where the current frame's 9 reserved header bytes start, if a frame is open.
    frame_start: Option<usize>,
    memo_len: u32,
    /// Memo indexes of module/name strings written for globals.
    names: HashMap<&'v str, u32>,
    /// Memo indexes of globals already written.
    globals: HashMap<(&'v str, &'v str), u32>,
}

impl<'v> Writer<'v> {
    fn write(&mut self, bytes: &[u8]) {
        if self.frame_start.is_none() {
            self.frame_start = Some(self.out.len());
            self.out.extend_from_slice(&[0; FRAME_HEADER_LEN]);
        }
        self.out.extend_from_slice(bytes);
    }

    fn commit_frame(&mut self) {
        let Some(start) = self.frame_start.take() else {
            return;
        };
        let body = self.out.len() - start - FRAME_HEADER_LEN;
        if body >= FRAME_SIZE_MIN {
            self.out[start] = FRAME;
            self.out[start + 1..start + FRAME_HEADER_LEN]
                .copy_from_slice(&(body as u64).to_le_bytes());
        } else {
            self.out.drain(start..start + FRAME_HEADER_LEN);
        }
    }

    /// Called after each object, as `_Pickler_OpcodeBoundary`.
    fn boundary(&mut self) {
        if let Some(start) = self.frame_start
            && self.out.len() - start - FRAME_HEADER_LEN >= FRAME_SIZE_TARGET
        {
            self.commit_frame();
        }
    }

    /// An opcode with a length header and a payload; large payloads bypass framing.
    fn write_sized(&mut self, header: &[u8], data: &[u8]) {
        if data.len() >= FRAME_SIZE_TARGET {
            self.commit_frame();
            self.out.extend_from_slice(header);
            self.out.extend_from_slice(data);
        } else {
            self.write(header);
            self.write(data);
        }
    }

    fn memoize(&mut self) -> u32 {
        self.write(&[MEMOIZE]);
        self.memo_len += 1;
        self.memo_len - 1
    }

    fn memo_get(&mut self, index: u32) {
        match u8::try_from(index) {
            Ok(i) => self.write(&[BINGET, i]),
            Err(_) => {
                self.write(&[LONG_BINGET]);
                self.write(&index.to_le_bytes());
            }
        }
    }

    fn save(&mut self, v: &'v Value) {
        self.save_inner(v);
        self.boundary();
    }

    fn save_inner(&mut self, v: &'v Value) {
        match v {
            Value::None => self.write(&[NONE]),
            Value::Bool(true) => self.write(&[NEWTRUE]),
            Value::Bool(false) => self.write(&[NEWFALSE]),
            Value::Int(i) => self.save_int(*i),
            Value::BigInt(b) => self.save_long_bytes(b.to_signed_le_bytes()),
            Value::Float(f) => {
                self.write(&[BINFLOAT]);
                self.write(&f.to_be_bytes());
            }
            Value::Str(s) => self.save_str(s.as_bytes()),
            Value::SurrogateStr(s) => self.save_str(s.as_bytes()),
            Value::Bytes(b) => {
                self.save_bytes(b);
                self.memoize();
            }
            Value::ByteArray(b) => {
                // Protocol 4 has no BYTEARRAY8: CPython writes REDUCE(builtins.bytearray, (bytes,)).
                self.save_global("builtins", "bytearray");
                self.boundary();
                if b.is_empty() {
                    self.write(&[EMPTY_TUPLE]);
                } else {
                    self.save_bytes(b);
                    self.memoize();
                    self.boundary();
                    self.write(&[TUPLE1]);
                    self.memoize();
                }
                self.write(&[REDUCE]);
                self.memoize();
            }
            Value::Tuple(items) => self.save_tuple(items),
            Value::List(items) => {
                self.write(&[EMPTY_LIST]);
                self.memoize();
                self.save_list_items(items);
            }
            Value::Dict(pairs) => {
                self.write(&[EMPTY_DICT]);
                self.memoize();
                self.save_dict_items(pairs);
            }
            Value::Set(items) => {
                self.write(&[EMPTY_SET]);
                self.memoize();
                for batch in items.chunks(BATCH_SIZE) {
                    self.write(&[MARK]);
                    for item in batch {
                        self.save(item);
                    }
                    self.write(&[ADDITEMS]);
                }
            }
            Value::FrozenSet(items) => {
                self.write(&[MARK]);
                for item in items {
                    self.save(item);
                }
                self.write(&[FROZENSET]);
                self.memoize();
            }
            Value::Global { module, name } => self.save_global(module, name),
            Value::Reduce(r) => self.save_reduce(r),
            Value::Object(o) => self.save_object(o),
        }
    }

    fn save_int(&mut self, i: i64) {
        match i {
            0..=0xff => self.write(&[BININT1, i as u8]),
            0x100..=0xffff => {
                self.write(&[BININT2]);
                self.write(&(i as u16).to_le_bytes());
            }
            _ => match i32::try_from(i) {
                Ok(i) => {
                    self.write(&[BININT]);
                    self.write(&i.to_le_bytes());
                }
                Err(_) => {
                    // `LONG1` with the minimal two's-complement bytes, built on the stack.
                    let (bytes, n) = i64_to_le(i);
                    self.save_long_bytes(&bytes[..n]);
                }
            },
        }
    }

    fn save_long_bytes(&mut self, b: &[u8]) {
        match u8::try_from(b.len()) {
            Ok(n) => self.write(&[LONG1, n]),
            Err(_) => {
                self.write(&[LONG4]);
                // A Python int with 2**31 bytes is beyond any realistic input; saturate.
                self.write(&u32::try_from(b.len()).unwrap_or(u32::MAX).to_le_bytes());
            }
        }
        self.write(b);
    }

    fn save_str(&mut self, utf8: &[u8]) {
        let (header, n) = sized_header([SHORT_BINUNICODE, BINUNICODE, BINUNICODE8], utf8.len());
        self.write_sized(&header[..n], utf8);
        self.memoize();
    }

    fn save_bytes(&mut self, b: &[u8]) {
        let (header, n) = sized_header([SHORT_BINBYTES, BINBYTES, BINBYTES8], b.len());
        self.write_sized(&header[..n], b);
    }

    fn save_tuple(&mut self, items: &'v [Value]) {
        match items.len() {
            0 => self.write(&[EMPTY_TUPLE]),
            n @ 1..=3 => {
                for item in items {
                    self.save(item);
                }
                self.write(&[TUPLE1 + (n as u8 - 1)]);
                self.memoize();
            }
            _ => {
                self.write(&[MARK]);
                for item in items {
                    self.save(item);
                }
                self.write(&[TUPLE]);
                self.memoize();
            }
        }
    }

    /// `batch_list_exact`: one `APPEND` for a single item, else `MARK ... APPENDS` batches.
    fn save_list_items(&mut self, items: &'v [Value]) {
        if let [item] = items {
            self.save(item);
            self.write(&[APPEND]);
            return;
        }
        for batch in items.chunks(BATCH_SIZE) {
            self.write(&[MARK]);
            for item in batch {
                self.save(item);
            }
            self.write(&[APPENDS]);
        }
    }

    /// `batch_dict_exact`: one `SETITEM` for a single pair, else `MARK ... SETITEMS` batches.
    fn save_dict_items(&mut self, pairs: &'v [(Value, Value)]) {
        if let [(k, v)] = pairs {
            self.save(k);
            self.save(v);
            self.write(&[SETITEM]);
            return;
        }
        for batch in pairs.chunks(BATCH_SIZE) {
            self.write(&[MARK]);
            for (k, v) in batch {
                self.save(k);
                self.save(v);
            }
            self.write(&[SETITEMS]);
        }
    }

    /// A module or qualified name inside a global: shared by memo like CPython's interned strings.
    fn save_name(&mut self, s: &'v str) {
        if let Some(&i) = self.names.get(s) {
            self.memo_get(i);
        } else {
            self.save_str(s.as_bytes());
            self.names.insert(s, self.memo_len - 1);
        }
        self.boundary();
    }

    fn save_global(&mut self, module: &'v str, name: &'v str) {
        let key = (module, name);
        if let Some(&i) = self.globals.get(&key) {
            self.memo_get(i);
            return;
        }
        self.save_name(module);
        self.save_name(name);
        self.write(&[STACK_GLOBAL]);
        let i = self.memoize();
        self.globals.insert(key, i);
    }

    fn save_extras(
        &mut self,
        list: &'v [Value],
        dict: &'v [(Value, Value)],
        state: Option<&'v Value>,
    ) {
        // `save_reduce` order: list items, dict items, then state.
        for batch in list.chunks(BATCH_SIZE) {
            if let [item] = batch {
                self.save(item);
                self.write(&[APPEND]);
            } else {
                self.write(&[MARK]);
                for item in batch {
                    self.save(item);
                }
                self.write(&[APPENDS]);
            }
        }
        for batch in dict.chunks(BATCH_SIZE) {
            if let [(k, v)] = batch {
                self.save(k);
                self.save(v);
                self.write(&[SETITEM]);
            } else {
                self.write(&[MARK]);
                for (k, v) in batch {
                    self.save(k);
                    self.save(v);
                }
                self.write(&[SETITEMS]);
            }
        }
        if let Some(state) = state {
            self.save(state);
            self.write(&[BUILD]);
        }
    }

    fn save_reduce(&mut self, r: &'v Reduce) {
        self.save(&r.callable);
        self.save(&r.args);
        self.write(&[REDUCE]);
        self.memoize();
        self.save_extras(&r.list_items, &r.dict_items, r.state.as_ref());
    }

    fn save_object(&mut self, o: &'v Object) {
        self.save(&o.class);
        self.save(&o.args);
        match &o.kwargs {
            Some(kwargs) => {
                self.save(kwargs);
                self.write(&[NEWOBJ_EX]);
            }
            None => self.write(&[NEWOBJ]),
        }
        self.memoize();
        self.save_extras(&o.list_items, &o.dict_items, o.state.as_ref());
    }
}

/// The opcode and length of a sized `str` or `bytes`: `opcodes` are the 1-, 4- and 8-byte length
/// forms. Returned as a stack buffer and its used length (one is written per string: no
/// allocation for it).
fn sized_header(opcodes: [u8; 3], len: usize) -> ([u8; 9], usize) {
    let mut header = [0u8; 9];
    match u8::try_from(len) {
        Ok(n) => {
            header[..2].copy_from_slice(&[opcodes[0], n]);
            (header, 2)
        }
        Err(_) => match u32::try_from(len) {
            Ok(n) => {
                header[0] = opcodes[1];
                header[1..5].copy_from_slice(&n.to_le_bytes());
                (header, 5)
            }
            Err(_) => {
                header[0] = opcodes[2];
                header[1..9].copy_from_slice(&(len as u64).to_le_bytes());
                (header, 9)
            }
        },
    }
}
