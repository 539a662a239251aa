//! Bounds on what one `loads` may cost, so hostile input cannot exhaust memory or the stack.

/// Limits applied by [`loads_with`](super::loads_with); [`loads`](super::loads) uses
/// [`Limits::default()`].
///
/// * `max_input_len` (default 256 MiB): longer input is refused before any work.
/// * `max_depth` (default 1000, CPython's default recursion limit): deeper nesting is refused.
/// * `max_expansion` (default 16 MiB): the decoded [`Value`](super::Value) is a tree, so a memo
///   reference (`BINGET`, `DUP`) to an object already decoded copies it. Those extra copies may
///   add at most this many estimated bytes (payload plus a fixed cost per value). This stops
///   "billion laughs" inputs (a tuple of two references to a tuple of two references to ...)
///   while costing nothing to pickles without shared references, whose size is bounded by
///   the input.
///
/// * `max_decoded` (default 1 GiB): what decoding may hold at once, estimated as a fixed cost
///   per object the pickle builds (about 170 bytes: the decoder's node plus the [`Value`](super::Value))
///   plus payloads. Every opcode of a pickle can build an object, so a pickle of `n` bytes
///   can cost up to ~170·`n` bytes; this caps it, whatever the input length allows.
///
/// Declared lengths are always checked against the remaining input before anything is
/// allocated, whatever the limits.
///
/// # Examples
///
/// ```
/// use pythreading_mp::pickle::{self, Limits};
///
/// let limits = Limits::new().with_max_depth(2);
/// assert!(pickle::loads_with(b"\x80\x04]]\x85.", &limits).is_ok()); // ([],)
/// assert!(pickle::loads_with(b"\x80\x04]]\x85\x85.", &limits).is_err()); // (([],),)
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    max_input_len: usize,
    max_depth: usize,
    max_expansion: usize,
    max_decoded: usize,
}

impl Limits {
    /// The default limits (see the type docs).
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::Limits;
    ///
    /// assert_eq!(Limits::new().max_depth(), 1000);
    /// ```
    pub const fn new() -> Limits {
        Limits {
            max_input_len: 256 << 20,
            max_depth: 1000,
            max_expansion: 16 << 20,
            max_decoded: 1 << 30,
        }
    }

    /// Sets the longest input accepted, in bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::Limits;
    ///
    /// assert_eq!(Limits::new().with_max_input_len(10).max_input_len(), 10);
    /// ```
    pub const fn with_max_input_len(mut self, len: usize) -> Limits {
        self.max_input_len = len;
        self
    }

    /// Sets the deepest nesting accepted (a scalar at top level is depth 0, `[1]` is depth 1).
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::Limits;
    ///
    /// assert_eq!(Limits::new().with_max_depth(10).max_depth(), 10);
    /// ```
    pub const fn with_max_depth(mut self, depth: usize) -> Limits {
        self.max_depth = depth;
        self
    }

    /// Sets the expansion allowance, in estimated bytes (see the type docs).
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::Limits;
    ///
    /// assert_eq!(Limits::new().with_max_expansion(0).max_expansion(), 0);
    /// ```
    pub const fn with_max_expansion(mut self, bytes: usize) -> Limits {
        self.max_expansion = bytes;
        self
    }

    /// Sets the most a decode may hold at once, in estimated bytes (see the type docs).
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::{self, ErrorKind, Limit, Limits};
    ///
    /// let many_nones = [&b"\x80\x04]("[..], &[b'N'; 10_000], b"e."].concat();
    /// let err = pickle::loads_with(&many_nones, &Limits::new().with_max_decoded(100_000)).unwrap_err();
    /// assert_eq!(err.kind(), &ErrorKind::LimitExceeded(Limit::Decoded));
    /// assert!(pickle::loads(&many_nones).is_ok());
    /// ```
    pub const fn with_max_decoded(mut self, bytes: usize) -> Limits {
        self.max_decoded = bytes;
        self
    }

    /// The most a decode may hold at once, in estimated bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::Limits;
    ///
    /// assert_eq!(Limits::default().max_decoded(), 1 << 30);
    /// ```
    pub const fn max_decoded(&self) -> usize {
        self.max_decoded
    }

    /// The longest input accepted, in bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::Limits;
    ///
    /// assert_eq!(Limits::new().max_input_len(), 256 << 20);
    /// ```
    pub const fn max_input_len(&self) -> usize {
        self.max_input_len
    }

    /// The deepest nesting accepted.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::Limits;
    ///
    /// assert_eq!(Limits::default().max_depth(), 1000);
    /// ```
    pub const fn max_depth(&self) -> usize {
        self.max_depth
    }

    /// The expansion allowance, in estimated bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::pickle::Limits;
    ///
    /// assert_eq!(Limits::default().max_expansion(), 16 << 20);
    /// ```
    pub const fn max_expansion(&self) -> usize {
        self.max_expansion
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::new()
    }
}
