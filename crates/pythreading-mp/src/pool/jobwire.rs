//! The pool's job and reply frames: one `wire` frame per job each way.
//!
//! * job: `u32` name length, the function's registry name, `u32` item count, then per item a
//!   `u32` length and the pickle of its argument tuple;
//! * reply: per item, in order, a status byte, a `u32` length and the payload (the value's
//!   pickle, or a UTF-8 message).
//!
//! All integers are little-endian. Every length is checked against what remains of the frame,
//! so a truncated or garbled frame is an error, never a panic or an over-read.

/// A job or reply frame that does not parse.
#[derive(Debug)]
pub(crate) struct Malformed;

pub(crate) fn put_u32(buf: &mut Vec<u8>, n: usize) {
    let n = u32::try_from(n).expect("a pool item over 4 GiB");
    buf.extend_from_slice(&n.to_le_bytes());
}

pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(frame: &'a [u8]) -> Self {
        Reader { rest: frame }
    }

    pub(crate) fn u8(&mut self) -> Result<u8, Malformed> {
        let (&b, rest) = self.rest.split_first().ok_or(Malformed)?;
        self.rest = rest;
        Ok(b)
    }

    pub(crate) fn u32(&mut self) -> Result<usize, Malformed> {
        let (head, rest) = self.rest.split_first_chunk::<4>().ok_or(Malformed)?;
        self.rest = rest;
        Ok(u32::from_le_bytes(*head) as usize)
    }

    pub(crate) fn bytes(&mut self) -> Result<&'a [u8], Malformed> {
        let n = self.u32()?;
        if n > self.rest.len() {
            return Err(Malformed);
        }
        let (b, rest) = self.rest.split_at(n);
        self.rest = rest;
        Ok(b)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }
}

/// Encodes a job.
pub(crate) fn encode_job<'a>(
    buf: &mut Vec<u8>,
    target: &str,
    items: impl ExactSizeIterator<Item = &'a [u8]>,
) {
    put_u32(buf, target.len());
    buf.extend_from_slice(target.as_bytes());
    put_u32(buf, items.len());
    for item in items {
        put_u32(buf, item.len());
        buf.extend_from_slice(item);
    }
}

/// Decodes a job into its target name and items.
pub(crate) fn decode_job(frame: &[u8]) -> Result<(&str, Vec<&[u8]>), Malformed> {
    let mut r = Reader::new(frame);
    let name = std::str::from_utf8(r.bytes()?).map_err(|_| Malformed)?;
    let count = r.u32()?;
    let mut items = Vec::with_capacity(count.min(frame.len() / 4 + 1));
    for _ in 0..count {
        items.push(r.bytes()?);
    }
    if !r.is_empty() {
        return Err(Malformed);
    }
    Ok((name, items))
}
