//! Length-prefixed frames: a big-endian `i32` length (or `-1` then a big-endian `u64`), then the payload.

use std::io::{Read, Write};

use super::error::FrameError;

/// The largest payload written with the 4-byte header; CPython uses the `-1` + `u64` form only above it.
const MAX_SHORT: usize = 0x7FFF_FFFF;

/// Reads a whole frame whose payload may not exceed `max` bytes.
///
/// Accepts both header forms. The payload buffer grows as bytes arrive, so a peer that declares a
/// huge length but sends little never makes us allocate what it declared.
///
/// # Errors
///
/// [`FrameError::Eof`] when the stream ends before the header, [`FrameError::EofInFrame`] inside a
/// frame, [`FrameError::BadLength`] for a negative length other than `-1`, [`FrameError::TooLarge`]
/// above `max`, and [`FrameError::Io`] for anything else.
///
/// # Examples
///
/// ```
/// use pythreading_mp::wire::read_frame;
/// let bytes = [0, 0, 0, 2, b'h', b'i'];
/// assert_eq!(read_frame(&mut &bytes[..], 256).unwrap(), b"hi");
/// ```
pub fn read_frame<R: Read + ?Sized>(r: &mut R, max: usize) -> Result<Vec<u8>, FrameError> {
    let mut out = Vec::new();
    read_frame_into(r, max, &mut out)?;
    Ok(out)
}

/// Like [`read_frame`], into a reused buffer (cleared first).
///
/// # Errors
///
/// As [`read_frame`].
///
/// # Examples
///
/// ```
/// use pythreading_mp::wire::read_frame_into;
/// let bytes = [0, 0, 0, 1, b'x'];
/// let mut buf = Vec::new();
/// read_frame_into(&mut &bytes[..], 16, &mut buf).unwrap();
/// assert_eq!(buf, b"x");
/// ```
pub fn read_frame_into<R: Read + ?Sized>(
    r: &mut R,
    max: usize,
    out: &mut Vec<u8>,
) -> Result<(), FrameError> {
    out.clear();
    let mut header = [0u8; 4];
    read_header(r, &mut header)?;
    let short = i32::from_be_bytes(header);
    let len: u64 = if short == -1 {
        let mut long = [0u8; 8];
        r.read_exact(&mut long)?;
        u64::from_be_bytes(long)
    } else if short < 0 {
        return Err(FrameError::BadLength(short));
    } else {
        short as u64
    };
    if len > max as u64 {
        return Err(FrameError::TooLarge { len, max });
    }
    let len_usize = len as usize;
    if len_usize <= EXACT_READ_MAX {
        // A small frame (every manager request and most replies): sized once and filled by
        // `read_exact`, which a buffered reader serves by copying. `read_to_end` would probe
        // past the end and grow the buffer a second time for a frame under 32 bytes.
        out.resize(len_usize, 0);
        r.read_exact(out)?;
        return Ok(());
    }
    // `take` + `read_to_end` grows the buffer only as data arrives.
    out.reserve(EXACT_READ_MAX);
    let got = r.take(len).read_to_end(out)?;
    if got != len_usize {
        return Err(FrameError::EofInFrame);
    }
    Ok(())
}

/// Frames up to this size are allocated whole before their bytes arrive; larger ones grow as
/// data comes, so a peer that declares a huge length but sends little costs at most this much.
const EXACT_READ_MAX: usize = 64 * 1024;

/// Reads the 4-byte header, telling a clean EOF (no byte at all) from a truncated one.
fn read_header<R: Read + ?Sized>(r: &mut R, header: &mut [u8; 4]) -> Result<(), FrameError> {
    let mut filled = 0;
    while filled < header.len() {
        match r.read(&mut header[filled..]) {
            Ok(0) if filled == 0 => return Err(FrameError::Eof),
            Ok(0) => return Err(FrameError::EofInFrame),
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(FrameError::Io(e)),
        }
    }
    Ok(())
}

/// Appends the header and payload of one frame to `buf`.
///
/// # Examples
///
/// ```
/// use pythreading_mp::wire::encode_frame;
/// let mut buf = Vec::new();
/// encode_frame(&mut buf, b"hi");
/// assert_eq!(buf, [0, 0, 0, 2, b'h', b'i']);
/// ```
pub fn encode_frame(buf: &mut Vec<u8>, payload: &[u8]) {
    if payload.len() <= MAX_SHORT {
        buf.extend_from_slice(&(payload.len() as i32).to_be_bytes());
    } else {
        buf.extend_from_slice(&(-1i32).to_be_bytes());
        buf.extend_from_slice(&(payload.len() as u64).to_be_bytes());
    }
    buf.extend_from_slice(payload);
}

/// Writes one frame with a single `write_all`, so header and payload leave in one segment
/// (no Nagle/delayed-ACK stall between them).
///
/// # Errors
///
/// Any error of the underlying writer.
///
/// # Examples
///
/// ```
/// use pythreading_mp::wire::write_frame;
/// let mut out = Vec::new();
/// write_frame(&mut out, b"#WELCOME#").unwrap();
/// assert_eq!(&out[..4], &[0, 0, 0, 9]);
/// ```
pub fn write_frame<W: Write + ?Sized>(w: &mut W, payload: &[u8]) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(payload.len() + 12);
    encode_frame(&mut buf, payload);
    w.write_all(&buf)?;
    w.flush()
}
