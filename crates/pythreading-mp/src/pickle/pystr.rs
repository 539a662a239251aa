//! Python `str` values that are not valid Unicode (they contain lone surrogates).
//!
//! CPython's pickler encodes `str` as UTF-8 with the `surrogatepass` error handler: a lone
//! surrogate U+D800..U+DFFF becomes the 3-byte sequence UTF-8 would give it (`'\ud800'` →
//! `ed a0 80`), and every code point is encoded on its own (a surrogate *pair* in a Python str is
//! two code points and stays two 3-byte sequences). We keep exactly those bytes: lossless, and
//! equal strings have equal bytes.

use std::fmt;

/// A Python `str` holding lone surrogates, which a Rust [`String`] cannot hold.
///
/// Stored as the `surrogatepass` UTF-8 bytes CPython's pickler writes. [`loads`](super::loads),
/// [`Value::from_code_points`](super::Value::from_code_points) and
/// [`Value::from_surrogatepass_utf8`](super::Value::from_surrogatepass_utf8) use
/// [`Value::Str`](super::Value::Str) whenever the text is valid Unicode, so a `SurrogateStr`
/// they produce always contains a surrogate (`Str("a")` and `SurrogateStr("a")` compare unequal).
///
/// # Examples
///
/// ```
/// use pythreading_mp::pickle::{self, Value};
///
/// // '\ud800' as CPython pickles it
/// let v = pickle::loads(b"\x80\x04\x95\x06\0\0\0\0\0\0\0\x8c\x03\xed\xa0\x80\x94.").unwrap();
/// let Value::SurrogateStr(s) = &v else { panic!() };
/// assert_eq!(s.code_points().collect::<Vec<_>>(), [0xd800]);
/// assert_eq!(s.to_string_lossy(), "\u{fffd}");
/// assert_eq!(Value::from_code_points(&[0xd800]), Some(v));
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SurrogateStr {
    bytes: Vec<u8>,
}

/// Decodes one code point of generalized UTF-8 (surrogates allowed) at the start of `b`.
/// Returns the code point and its length, or `None` if the bytes are not well formed.
fn decode_one(b: &[u8]) -> Option<(u32, usize)> {
    let b0 = *b.first()?;
    let cont = |i: usize| {
        b.get(i)
            .filter(|&&x| x & 0xc0 == 0x80)
            .map(|&x| u32::from(x & 0x3f))
    };
    match b0 {
        0x00..=0x7f => Some((u32::from(b0), 1)),
        0xc2..=0xdf => Some(((u32::from(b0 & 0x1f) << 6) | cont(1)?, 2)),
        0xe0..=0xef => {
            let c = (u32::from(b0 & 0x0f) << 12) | (cont(1)? << 6) | cont(2)?;
            (c >= 0x800).then_some((c, 3))
        }
        0xf0..=0xf4 => {
            let c = (u32::from(b0 & 0x07) << 18) | (cont(1)? << 12) | (cont(2)? << 6) | cont(3)?;
            (0x10000..=0x10ffff).contains(&c).then_some((c, 4))
        }
        _ => None,
    }
}

/// Whether `bytes` is UTF-8 in which surrogate code points may also appear.
pub(crate) fn is_surrogatepass_utf8(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        match decode_one(&bytes[i..]) {
            Some((_, n)) => i += n,
            None => return false,
        }
    }
    true
}

/// Appends the `surrogatepass` UTF-8 encoding of code point `c` (which must be ≤ 0x10FFFF).
pub(crate) fn push_code_point(out: &mut Vec<u8>, c: u32) {
    match c {
        0..=0x7f => out.push(c as u8),
        0x80..=0x7ff => out.extend([0xc0 | (c >> 6) as u8, 0x80 | (c & 0x3f) as u8]),
        0x800..=0xffff => out.extend([
            0xe0 | (c >> 12) as u8,
            0x80 | ((c >> 6) & 0x3f) as u8,
            0x80 | (c & 0x3f) as u8,
        ]),
        _ => out.extend([
            0xf0 | (c >> 18) as u8,
            0x80 | ((c >> 12) & 0x3f) as u8,
            0x80 | ((c >> 6) & 0x3f) as u8,
            0x80 | (c & 0x3f) as u8,
        ]),
    }
}

impl SurrogateStr {
    /// Wraps `surrogatepass` UTF-8 bytes, or hands them back if they are not well formed.
    ///
    /// Valid UTF-8 is accepted too (it is a subset), but [`Value::from_surrogatepass_utf8`](super::Value::from_surrogatepass_utf8)
    /// is the constructor that picks [`Value::Str`](super::Value::Str) for it.
    ///
    /// # Errors
    ///
    /// Returns the bytes if they are not UTF-8 with surrogates allowed (bad sequences,
    /// overlong forms, code points above U+10FFFF).
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::SurrogateStr;
    ///
    /// assert!(SurrogateStr::from_surrogatepass_utf8(vec![0xed, 0xb0, 0x80]).is_ok());
    /// assert_eq!(SurrogateStr::from_surrogatepass_utf8(vec![0xff]), Err(vec![0xff]));
    /// ```
    pub fn from_surrogatepass_utf8(bytes: Vec<u8>) -> Result<SurrogateStr, Vec<u8>> {
        if is_surrogatepass_utf8(&bytes) {
            Ok(SurrogateStr { bytes })
        } else {
            Err(bytes)
        }
    }

    /// The `surrogatepass` UTF-8 bytes (what the pickle carries).
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::SurrogateStr;
    ///
    /// let s = SurrogateStr::from_surrogatepass_utf8(vec![b'a', 0xed, 0xa0, 0x80]).unwrap();
    /// assert_eq!(s.as_bytes(), b"a\xed\xa0\x80");
    /// ```
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The Python code points, in order (`[ord(c) for c in s]`).
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::SurrogateStr;
    ///
    /// let s = SurrogateStr::from_surrogatepass_utf8(vec![b'a', 0xed, 0xa0, 0x80]).unwrap();
    /// assert_eq!(s.code_points().collect::<Vec<_>>(), [0x61, 0xd800]);
    /// ```
    pub fn code_points(&self) -> impl Iterator<Item = u32> + '_ {
        let mut i = 0;
        std::iter::from_fn(move || {
            let (c, n) = decode_one(&self.bytes[i..])?;
            i += n;
            Some(c)
        })
    }

    /// The text with each surrogate replaced by U+FFFD.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::SurrogateStr;
    ///
    /// let s = SurrogateStr::from_surrogatepass_utf8(vec![b'a', 0xed, 0xa0, 0x80]).unwrap();
    /// assert_eq!(s.to_string_lossy(), "a\u{fffd}");
    /// ```
    pub fn to_string_lossy(&self) -> String {
        self.code_points()
            .map(|c| char::from_u32(c).unwrap_or('\u{fffd}'))
            .collect()
    }
}

impl fmt::Debug for SurrogateStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Python's repr style: surrogates as \udXXX escapes.
        f.write_str("SurrogateStr(\"")?;
        for c in self.code_points() {
            match char::from_u32(c) {
                Some(ch) => write!(f, "{}", ch.escape_debug())?,
                None => write!(f, "\\u{c:04x}")?,
            }
        }
        f.write_str("\")")
    }
}
