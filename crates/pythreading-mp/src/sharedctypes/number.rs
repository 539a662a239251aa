//! [`SharedNumber`]: the plain number types a [`Value`](super::Value) or
//! [`Array`](super::Array) holds, with their `array`-module type codes.

mod sealed {
    // Sealed on purpose: unnameable so no other crate can implement `SharedNumber`.
    #[allow(unnameable_types)]
    pub trait Sealed {}
}

/// A plain number that fits a shared [`Value`](super::Value) / [`Array`](super::Array)
/// (Python's ctypes type codes: `'b' 'h' 'i' 'q' 'B' 'H' 'I' 'Q' 'f' 'd'`).
///
/// Sealed: implemented for `i8`, `i16`, `i32`, `i64`, `u8`, `u16`, `u32`, `u64`, `f32`, `f64`.
///
/// # Examples
///
/// ```
/// use pythreading_mp::sharedctypes::SharedNumber;
/// assert_eq!(i32::TYPECODE, 'i');
/// assert_eq!(f64::from_bits64(2.5f64.to_bits64()), 2.5);
/// ```
pub trait SharedNumber: Copy + Send + Sync + 'static + sealed::Sealed {
    /// The Python type code (`'i'` for a C int, `'d'` for a double, ...).
    const TYPECODE: char;
    /// The value's bits, widened to 64.
    fn to_bits64(self) -> u64;
    /// The value back from [`to_bits64`](SharedNumber::to_bits64).
    fn from_bits64(bits: u64) -> Self;
}

macro_rules! int {
    ($t:ty, $code:literal) => {
        impl sealed::Sealed for $t {}
        impl SharedNumber for $t {
            const TYPECODE: char = $code;
            fn to_bits64(self) -> u64 {
                self as u64
            }
            fn from_bits64(bits: u64) -> Self {
                bits as $t
            }
        }
    };
}

int!(i8, 'b');
int!(i16, 'h');
int!(i32, 'i');
int!(i64, 'q');
int!(u8, 'B');
int!(u16, 'H');
int!(u32, 'I');
int!(u64, 'Q');

impl sealed::Sealed for f32 {}
impl SharedNumber for f32 {
    const TYPECODE: char = 'f';
    fn to_bits64(self) -> u64 {
        u64::from(self.to_bits())
    }
    fn from_bits64(bits: u64) -> Self {
        f32::from_bits(bits as u32)
    }
}

impl sealed::Sealed for f64 {}
impl SharedNumber for f64 {
    const TYPECODE: char = 'd';
    fn to_bits64(self) -> u64 {
        self.to_bits()
    }
    fn from_bits64(bits: u64) -> Self {
        f64::from_bits(bits)
    }
}
