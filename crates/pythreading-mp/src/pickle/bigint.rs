//! Python ints that do not fit in an `i64`.
//!
//! Stored as the minimal little-endian two's-complement bytes, exactly what `LONG1`/`LONG4` carry,
//! so reading and writing need no arithmetic and equality is byte equality.

use std::fmt;

/// A Python `int` outside the `i64` range.
///
/// [`Value`](super::Value) keeps every int that fits in an `i64` as [`Value::Int`](super::Value::Int),
/// so a `BigInt` is always outside that range (the constructors normalize).
///
/// # Examples
///
/// ```
/// use pythreading_mp::pickle::{BigInt, Value};
///
/// let big = Value::from(1u128 << 64);
/// let Value::BigInt(b) = &big else { panic!() };
/// assert_eq!(b.to_string(), "18446744073709551616");
/// assert_eq!(b.to_i128(), Some(1 << 64));
/// assert_eq!(BigInt::value_from_signed_le_bytes(&[0x2a]), Value::Int(42));
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct BigInt {
    // Minimal two's-complement, little-endian; never representable as i64.
    bytes: Vec<u8>,
}

/// CPython's default limit on decimal digits in `int(str)` (3.11+).
const MAX_STR_DIGITS: usize = 4300;

/// Drops redundant sign-extension bytes (what CPython's `encode_long` does).
pub(crate) fn minimize(bytes: &mut Vec<u8>) {
    while bytes.len() > 1 {
        let last = bytes[bytes.len() - 1];
        let prev = bytes[bytes.len() - 2];
        if (last == 0 && prev & 0x80 == 0) || (last == 0xff && prev & 0x80 != 0) {
            bytes.pop();
        } else {
            break;
        }
    }
    if bytes == &[0] {
        bytes.clear();
    }
}

/// The minimal two's-complement encoding of an `i64` (empty for 0), as `LONG1` wants it: the
/// bytes and how many of them are used (as [`minimize`] would leave them, without allocating).
pub(crate) fn i64_to_le(v: i64) -> ([u8; 8], usize) {
    let b = v.to_le_bytes();
    let mut n = b.len();
    while n > 1 {
        let (last, prev) = (b[n - 1], b[n - 2]);
        if (last == 0 && prev & 0x80 == 0) || (last == 0xff && prev & 0x80 != 0) {
            n -= 1;
        } else {
            break;
        }
    }
    if n == 1 && b[0] == 0 {
        n = 0;
    }
    (b, n)
}

impl BigInt {
    /// Decodes little-endian two's-complement bytes (the `LONG1`/`LONG4` payload) into an
    /// [`Value::Int`](super::Value::Int) if the number fits in an `i64`, else a
    /// [`Value::BigInt`](super::Value::BigInt). Empty input is 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::{BigInt, Value};
    ///
    /// assert_eq!(BigInt::value_from_signed_le_bytes(&[]), Value::Int(0));
    /// assert_eq!(BigInt::value_from_signed_le_bytes(&[0xff, 0xff]), Value::Int(-1));
    /// assert!(matches!(
    ///     BigInt::value_from_signed_le_bytes(&[0, 0, 0, 0, 0, 0, 0, 0x80, 0]),
    ///     Value::BigInt(_)
    /// ));
    /// ```
    pub fn value_from_signed_le_bytes(bytes: &[u8]) -> super::Value {
        // Most integers fit an `i64`: sign-extend them in place, with no allocation (a pool's
        // `map` over 100,000 `u64`s decodes 100,000 of them).
        if bytes.len() <= 8 {
            let fill = if bytes.last().is_some_and(|&x| x & 0x80 != 0) {
                0xff
            } else {
                0
            };
            let mut full = [fill; 8];
            full[..bytes.len()].copy_from_slice(bytes);
            return super::Value::Int(i64::from_le_bytes(full));
        }
        let mut b = bytes.to_vec();
        minimize(&mut b);
        if b.len() <= 8 {
            let fill = if b.last().is_some_and(|&x| x & 0x80 != 0) {
                0xff
            } else {
                0
            };
            let mut full = [fill; 8];
            full[..b.len()].copy_from_slice(&b);
            super::Value::Int(i64::from_le_bytes(full))
        } else {
            super::Value::BigInt(BigInt { bytes: b })
        }
    }

    /// The minimal little-endian two's-complement bytes (what `LONG1`/`LONG4` carry).
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::Value;
    ///
    /// let Value::BigInt(b) = Value::from(1u64 << 63) else { panic!() };
    /// assert_eq!(b.to_signed_le_bytes(), &[0, 0, 0, 0, 0, 0, 0, 0x80, 0]);
    /// ```
    pub fn to_signed_le_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Whether the number is negative.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::Value;
    ///
    /// let Value::BigInt(b) = Value::from(i128::MIN) else { panic!() };
    /// assert!(b.is_negative());
    /// ```
    pub fn is_negative(&self) -> bool {
        self.bytes.last().is_some_and(|&x| x & 0x80 != 0)
    }

    /// The number as an `i128`, if it fits.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::Value;
    ///
    /// let Value::BigInt(b) = Value::from(-(1i128 << 100)) else { panic!() };
    /// assert_eq!(b.to_i128(), Some(-(1 << 100)));
    /// ```
    pub fn to_i128(&self) -> Option<i128> {
        if self.bytes.len() > 16 {
            return None;
        }
        let mut full = [if self.is_negative() { 0xff } else { 0 }; 16];
        full[..self.bytes.len()].copy_from_slice(&self.bytes);
        Some(i128::from_le_bytes(full))
    }

    /// The number as a `u128`, if it is non-negative and fits.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::Value;
    ///
    /// let Value::BigInt(b) = Value::from(u128::MAX) else { panic!() };
    /// assert_eq!(b.to_u128(), Some(u128::MAX));
    /// ```
    pub fn to_u128(&self) -> Option<u128> {
        if self.is_negative() {
            return None;
        }
        let b = &self.bytes;
        let n = if b.len() == 17 && b[16] == 0 {
            16
        } else {
            b.len()
        };
        if n > 16 {
            return None;
        }
        let mut full = [0u8; 16];
        full[..n].copy_from_slice(&b[..n]);
        Some(u128::from_le_bytes(full))
    }

    /// Parses a decimal integer (an optional sign, then ASCII digits), as protocol 0's `LONG`
    /// and `INT` carry them.
    pub(crate) fn value_from_decimal(text: &str) -> Option<super::Value> {
        let (neg, digits) = match text.as_bytes().first()? {
            b'-' => (true, &text[1..]),
            b'+' => (false, &text[1..]),
            _ => (false, text),
        };
        if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit() || c == b'_') {
            return None;
        }
        // Decimal conversion is quadratic; CPython 3.11+ refuses more than 4300 digits
        // (`sys.int_info.default_max_str_digits`) for the same reason.
        if digits.len() > MAX_STR_DIGITS {
            return None;
        }
        // Magnitude in base 2^32 limbs, little-endian.
        let mut limbs: Vec<u32> = Vec::new();
        for c in digits.bytes().filter(|&c| c != b'_') {
            let mut carry = u64::from(c - b'0');
            for limb in &mut limbs {
                let x = u64::from(*limb) * 10 + carry;
                *limb = x as u32;
                carry = x >> 32;
            }
            if carry != 0 {
                limbs.push(carry as u32);
            }
        }
        let mut mag: Vec<u8> = limbs.iter().flat_map(|l| l.to_le_bytes()).collect();
        mag.push(0); // room for the sign bit
        if neg {
            // two's complement: invert and add one
            let mut carry = true;
            for b in &mut mag {
                *b = !*b;
                if carry {
                    let (v, c) = b.overflowing_add(1);
                    *b = v;
                    carry = c;
                }
            }
        }
        Some(BigInt::value_from_signed_le_bytes(&mag))
    }

    /// The magnitude as base-2^32 limbs, little-endian.
    fn magnitude_limbs(&self) -> Vec<u32> {
        let mut mag = self.bytes.clone();
        if self.is_negative() {
            let mut carry = true;
            for b in &mut mag {
                *b = !*b;
                if carry {
                    let (v, c) = b.overflowing_add(1);
                    *b = v;
                    carry = c;
                }
            }
        }
        mag.chunks(4)
            .map(|c| {
                let mut w = [0u8; 4];
                w[..c.len()].copy_from_slice(c);
                u32::from_le_bytes(w)
            })
            .collect()
    }
}

impl fmt::Display for BigInt {
    /// Decimal, like `str(n)`; above 4300 digits (where CPython's `str()` refuses, because the
    /// conversion is quadratic) it switches to hexadecimal, `0x...` / `-0x...`, which is linear.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut limbs = self.magnitude_limbs();
        // 4300 decimal digits need at most 14,285 bits.
        if limbs.len() * 32 > 14_285 {
            let mut s = String::from("0x");
            let mut iter = limbs.iter().rev().skip_while(|&&l| l == 0);
            if let Some(first) = iter.next() {
                s.push_str(&format!("{first:x}"));
            }
            for l in iter {
                s.push_str(&format!("{l:08x}"));
            }
            return f.pad_integral(!self.is_negative(), "", &s);
        }
        // Repeated division by 10^9 gives base-10^9 digits, least significant first.
        let mut chunks = Vec::new();
        while limbs.iter().any(|&l| l != 0) {
            let mut rem = 0u64;
            for limb in limbs.iter_mut().rev() {
                let x = (rem << 32) | u64::from(*limb);
                *limb = (x / 1_000_000_000) as u32;
                rem = x % 1_000_000_000;
            }
            chunks.push(rem as u32);
        }
        let mut s = String::new();
        match chunks.split_last() {
            None => s.push('0'),
            Some((first, rest)) => {
                s.push_str(&first.to_string());
                for c in rest.iter().rev() {
                    s.push_str(&format!("{c:09}"));
                }
            }
        }
        f.pad_integral(!self.is_negative(), "", &s)
    }
}

impl fmt::Debug for BigInt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BigInt({self})")
    }
}

impl From<i128> for super::Value {
    fn from(v: i128) -> super::Value {
        if let Ok(i) = i64::try_from(v) {
            return super::Value::Int(i);
        }
        BigInt::value_from_signed_le_bytes(&v.to_le_bytes())
    }
}

impl From<u128> for super::Value {
    fn from(v: u128) -> super::Value {
        if let Ok(i) = i64::try_from(v) {
            return super::Value::Int(i);
        }
        let mut b = v.to_le_bytes().to_vec();
        b.push(0);
        BigInt::value_from_signed_le_bytes(&b)
    }
}

impl From<u64> for super::Value {
    fn from(v: u64) -> super::Value {
        super::Value::from(u128::from(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pickle::Value;

    /// The edges where the minimal encoding changes length or sign.
    const EDGES: [i64; 16] = [
        0,
        1,
        -1,
        127,
        128,
        -128,
        -129,
        255,
        256,
        0x7fff_ffff,
        0x8000_0000,
        -0x8000_0001,
        i64::MAX,
        i64::MIN,
        i64::MAX - 1,
        i64::MIN + 1,
    ];

    #[test]
    fn i64_to_le_is_the_minimized_encoding() {
        for v in EDGES {
            let mut expected = v.to_le_bytes().to_vec();
            minimize(&mut expected);
            let (bytes, n) = i64_to_le(v);
            assert_eq!(&bytes[..n], &expected[..], "{v}");
        }
    }

    #[test]
    fn short_long_bytes_and_wide_ints_decode_to_the_same_value() {
        for v in EDGES {
            let (bytes, n) = i64_to_le(v);
            assert_eq!(
                BigInt::value_from_signed_le_bytes(&bytes[..n]),
                Value::Int(v)
            );
            // A non-minimal encoding (sign-extended to 12 bytes) means the same number.
            let mut wide = v.to_le_bytes().to_vec();
            wide.extend([if v < 0 { 0xff } else { 0 }; 4]);
            assert_eq!(BigInt::value_from_signed_le_bytes(&wide), Value::Int(v));
            assert_eq!(Value::from(i128::from(v)), Value::Int(v));
        }
        assert_eq!(Value::from(u64::MAX >> 1), Value::Int(i64::MAX));
        assert_eq!(Value::from(u128::from(u64::MAX >> 1)), Value::Int(i64::MAX));
        let Value::BigInt(b) = Value::from(1u64 << 63) else {
            panic!("2**63 is not an i64")
        };
        assert_eq!(b.to_signed_le_bytes(), &[0, 0, 0, 0, 0, 0, 0, 0x80, 0]);
    }
}
