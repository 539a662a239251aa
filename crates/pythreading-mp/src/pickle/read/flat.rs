//! The fast path for the pickles the manager protocol sends most: trees of scalars, strings,
//! bytes, tuples, lists and dicts with no memo reads (a request `(ident, method, args, kwds)`,
//! a reply `('#RETURN', value)`).
//!
//! Without a memo read or `DUP` no object is referenced twice, so values can be built directly
//! on the stack: no node arena, no copy-out pass. Anything else (any other opcode, a memo read,
//! malformed input, a limit reached) makes this path give up *before* deciding anything, and
//! the general machine reads the pickle from the start: every error, and every value of a pickle
//! that is not flat, comes from the one general reader.

use super::super::bigint::BigInt;
use super::super::limits::Limits;
use super::super::opcodes::*;
use super::super::value::Value;
use super::NODE_COST;

/// A value on the stack with its container height (0 for a scalar, 1 for a flat tuple), for
/// the same depth limit the general reader's copy-out enforces.
struct Slot {
    value: Value,
    height: usize,
}

struct Flat<'a> {
    input: &'a [u8],
    pos: usize,
    stack: Vec<Slot>,
    marks: Vec<usize>,
    /// Values made so far, held to the general reader's node budget.
    made: usize,
    max_made: usize,
    max_depth: usize,
}

/// The value of `input` if it is a flat pickle the general reader would accept; `None` to let
/// the general reader decide.
pub(super) fn loads(input: &[u8], limits: &Limits) -> Option<Value> {
    let mut f = Flat {
        input,
        pos: 0,
        stack: Vec::with_capacity(8),
        marks: Vec::new(),
        made: 0,
        max_made: limits.max_decoded().saturating_sub(input.len()) / NODE_COST,
        max_depth: limits.max_depth(),
    };
    f.run()
}

impl<'a> Flat<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let s = self.input.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    fn u8(&mut self) -> Option<u8> {
        Some(self.array::<1>()?[0])
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.array()?))
    }

    /// Pushes a value; gives up past the node budget or the depth limit (checked here, not at
    /// the end: a hostile nesting must never be built, nor dropped, deeper than the limit).
    fn push(&mut self, value: Value, height: usize) -> Option<()> {
        self.made += 1;
        if self.made > self.max_made || height > self.max_depth {
            return None;
        }
        self.stack.push(Slot { value, height });
        Some(())
    }

    fn floor(&self) -> usize {
        self.marks.last().copied().unwrap_or(0)
    }

    fn pop(&mut self) -> Option<Slot> {
        if self.stack.len() > self.floor() {
            self.stack.pop()
        } else {
            None
        }
    }

    fn top(&mut self) -> Option<&mut Slot> {
        if self.stack.len() > self.floor() {
            self.stack.last_mut()
        } else {
            None
        }
    }

    /// The values above the innermost mark, and their greatest height.
    fn pop_mark(&mut self) -> Option<(Vec<Value>, usize)> {
        let mark = self.marks.pop()?;
        Some(self.split_at(mark))
    }

    fn split_at(&mut self, at: usize) -> (Vec<Value>, usize) {
        let mut height = 0;
        let values = self
            .stack
            .drain(at..)
            .map(|s| {
                height = height.max(s.height);
                s.value
            })
            .collect();
        (values, height)
    }

    fn str(&mut self, n: usize) -> Option<()> {
        let b = self.take(n)?;
        let v = Value::from_surrogatepass_utf8(b.to_vec())?;
        self.push(v, 0)
    }

    fn bytes(&mut self, n: usize) -> Option<()> {
        let b = self.take(n)?;
        self.push(Value::Bytes(b.to_vec()), 0)
    }

    /// Adds `items` (flat key, value order) to the dict on top.
    fn set_items(&mut self, items: Vec<Value>, height: usize) -> Option<()> {
        if !items.len().is_multiple_of(2) {
            return None;
        }
        let target = self.top()?;
        let Value::Dict(d) = &mut target.value else {
            return None;
        };
        let mut it = items.into_iter();
        while let (Some(k), Some(v)) = (it.next(), it.next()) {
            d.push((k, v));
        }
        target.height = target.height.max(height + 1);
        (target.height <= self.max_depth).then_some(())
    }

    fn append(&mut self, items: Vec<Value>, height: usize) -> Option<()> {
        let target = self.top()?;
        let Value::List(l) = &mut target.value else {
            return None;
        };
        l.extend(items);
        target.height = target.height.max(height + 1);
        (target.height <= self.max_depth).then_some(())
    }

    fn run(&mut self) -> Option<Value> {
        loop {
            match self.u8()? {
                PROTO => {
                    if self.u8()? > HIGHEST_PROTOCOL {
                        return None;
                    }
                }
                FRAME => {
                    let n = u64::from_le_bytes(self.array()?);
                    if usize::try_from(n).map_or(true, |n| n > self.input.len() - self.pos) {
                        return None;
                    }
                }
                STOP => {
                    return self.stack.pop().map(|root| root.value);
                }
                MARK => self.marks.push(self.stack.len()),
                // The memo is only read by opcodes this path refuses: writes need no record.
                MEMOIZE => {
                    self.top()?;
                }
                BINPUT => {
                    self.u8()?;
                    self.top()?;
                }
                LONG_BINPUT => {
                    self.u32()?;
                    self.top()?;
                }
                NONE => self.push(Value::None, 0)?,
                NEWTRUE => self.push(Value::Bool(true), 0)?,
                NEWFALSE => self.push(Value::Bool(false), 0)?,
                BININT => {
                    let v = i32::from_le_bytes(self.array()?);
                    self.push(Value::Int(v.into()), 0)?;
                }
                BININT1 => {
                    let v = self.u8()?;
                    self.push(Value::Int(v.into()), 0)?;
                }
                BININT2 => {
                    let v = u16::from_le_bytes(self.array()?);
                    self.push(Value::Int(v.into()), 0)?;
                }
                LONG1 => {
                    let n = self.u8()?;
                    let b = self.take(n.into())?;
                    self.push(BigInt::value_from_signed_le_bytes(b), 0)?;
                }
                BINFLOAT => {
                    let v = f64::from_be_bytes(self.array()?);
                    self.push(Value::Float(v), 0)?;
                }
                SHORT_BINUNICODE => {
                    let n = self.u8()?;
                    self.str(n.into())?;
                }
                BINUNICODE => {
                    let n = self.u32()?;
                    self.str(usize::try_from(n).ok()?)?;
                }
                SHORT_BINBYTES => {
                    let n = self.u8()?;
                    self.bytes(n.into())?;
                }
                BINBYTES => {
                    let n = self.u32()?;
                    self.bytes(usize::try_from(n).ok()?)?;
                }
                EMPTY_TUPLE => self.push(Value::Tuple(Vec::new()), 1)?,
                op @ (TUPLE1 | TUPLE2 | TUPLE3) => {
                    let n = usize::from(op - TUPLE1 + 1);
                    if self.stack.len() < self.floor() + n {
                        return None;
                    }
                    let (items, height) = self.split_at(self.stack.len() - n);
                    self.push(Value::Tuple(items), height + 1)?;
                }
                TUPLE => {
                    let (items, height) = self.pop_mark()?;
                    self.push(Value::Tuple(items), height + 1)?;
                }
                EMPTY_LIST => self.push(Value::List(Vec::new()), 1)?,
                EMPTY_DICT => self.push(Value::Dict(Vec::new()), 1)?,
                APPEND => {
                    let v = self.pop()?;
                    self.append(vec![v.value], v.height)?;
                }
                APPENDS => {
                    let (items, height) = self.pop_mark()?;
                    self.append(items, height)?;
                }
                SETITEM => {
                    let v = self.pop()?;
                    let k = self.pop()?;
                    self.set_items(vec![k.value, v.value], k.height.max(v.height))?;
                }
                SETITEMS => {
                    let (items, height) = self.pop_mark()?;
                    self.set_items(items, height)?;
                }
                _ => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    //! Differential tests: wherever the fast path answers, the general machine gives the same
    //! value; on CPython's own pickles (the fixtures) and on our writer's, whole, truncated and
    //! with bytes changed.

    use std::path::Path;

    use super::super::general;
    use super::*;
    use crate::pickle::dumps;

    /// Checks one input; returns whether the fast path answered.
    fn agrees(input: &[u8], limits: &Limits) -> bool {
        let Some(fast) = loads(input, limits) else {
            return false;
        };
        match general(input, limits) {
            Ok(v) => assert_eq!(fast, v, "fast and general values differ on {input:02x?}"),
            Err(e) => {
                panic!("the fast path accepted what the general reader refuses ({e}): {input:02x?}")
            }
        }
        true
    }

    /// Every prefix, and each byte replaced by a few others (none for inputs over 400 bytes:
    /// the test would grow with the square of their length).
    fn mutations(input: &[u8], rng: &mut fastrand::Rng) -> Vec<Vec<u8>> {
        if input.len() > 400 {
            return Vec::new();
        }
        let mut out: Vec<Vec<u8>> = (0..input.len()).map(|n| input[..n].to_vec()).collect();
        for i in 0..input.len() {
            for _ in 0..3 {
                let mut m = input.to_vec();
                m[i] = rng.u8(..);
                out.push(m);
            }
        }
        out
    }

    fn fixture_pickles() -> Vec<Vec<u8>> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let mut files = Vec::new();
        for dir in [
            "pickles/py311",
            "pickles/py312",
            "pickles/py313",
            "pickle_frames",
        ] {
            let entries = std::fs::read_dir(root.join(dir)).expect("the fixtures are in the crate");
            for e in entries {
                let path = e.expect("a fixture").path();
                if path.extension().is_some_and(|x| x == "bin") {
                    files.push(std::fs::read(&path).expect("a readable fixture"));
                }
            }
        }
        files
    }

    fn random_value(rng: &mut fastrand::Rng, depth: usize) -> Value {
        let scalar = depth == 0 || rng.u8(..3) != 0;
        if scalar {
            return match rng.u8(..9) {
                0 => Value::None,
                1 => Value::Bool(rng.bool()),
                2 => Value::Int(rng.i64(-300..300)),
                3 => Value::Int(rng.i64(..)),
                4 => Value::Float(rng.f64()),
                5 => Value::from("put"),
                6 => Value::from("é∂ ünïcode ✓".repeat(rng.usize(0..8))),
                7 => Value::Bytes((0..rng.usize(0..40)).map(|_| rng.u8(..)).collect()),
                _ => Value::from("7f3e2a10"),
            };
        }
        let n = rng.usize(0..6);
        let kind = rng.u8(..3);
        let items: Vec<Value> = (0..n).map(|_| random_value(rng, depth - 1)).collect();
        match kind {
            0 => Value::Tuple(items),
            1 => Value::List(items),
            _ => Value::Dict(
                items
                    .into_iter()
                    .map(|v| (Value::from(format!("{v:?}").len() as i64), v))
                    .collect(),
            ),
        }
    }

    #[test]
    fn cpython_pickles_read_the_same_on_both_paths() {
        let limits = Limits::default();
        let mut rng = fastrand::Rng::with_seed(12);
        let files = fixture_pickles();
        let mut fast = 0;
        for f in &files {
            fast += usize::from(agrees(f, &limits));
            for m in mutations(f, &mut rng) {
                agrees(&m, &limits);
            }
        }
        // The manager frames are mostly flat: the fast path must be taken for many of them.
        assert!(
            fast * 3 > files.len(),
            "fast path taken for {fast} of {} fixtures",
            files.len()
        );
    }

    #[test]
    fn our_pickles_read_the_same_on_both_paths() {
        let limits = Limits::default();
        let mut rng = fastrand::Rng::with_seed(7);
        for i in 0..400 {
            let v = random_value(&mut rng, 3);
            let bytes = dumps(&v);
            assert!(
                agrees(&bytes, &limits),
                "value {i} not read by the fast path: {v:?}"
            );
            if i % 10 == 0 {
                for m in mutations(&bytes, &mut rng) {
                    agrees(&m, &limits);
                }
            }
        }
    }

    #[test]
    fn a_request_and_a_reply_take_the_fast_path() {
        let limits = Limits::default();
        let request = Value::tuple([
            Value::from("7f3e2a10"),
            Value::from("put"),
            Value::tuple([Value::Int(5)]),
            Value::Dict(vec![(Value::from("block"), Value::Bool(false))]),
        ]);
        assert_eq!(loads(&dumps(&request), &limits), Some(request));
        let reply = Value::tuple([Value::from("#RETURN"), Value::None]);
        assert_eq!(loads(&dumps(&reply), &limits), Some(reply));
    }

    #[test]
    fn limits_and_memo_reads_are_left_to_the_general_reader() {
        let nested = dumps(&Value::tuple([Value::tuple([Value::tuple([Value::None])])]));
        let shallow = Limits::new().with_max_depth(2);
        assert_eq!(loads(&nested, &shallow), None);
        assert!(general(&nested, &shallow).is_err());
        assert!(loads(&nested, &Limits::new().with_max_depth(3)).is_some());
        let many = dumps(&Value::List((0..100).map(Value::Int).collect()));
        let small = Limits::new().with_max_decoded(many.len() + 10 * NODE_COST);
        assert_eq!(loads(&many, &small), None);
        assert!(general(&many, &small).is_err());
        // `[x, x]` with the second a memo read: shared, so not flat.
        let shared = b"\x80\x04]\x94(\x8c\x01x\x94h\x01e.";
        assert_eq!(loads(shared, &Limits::default()), None);
        assert_eq!(
            general(shared, &Limits::default()).unwrap(),
            Value::List(vec![Value::from("x"), Value::from("x")])
        );
    }
}
