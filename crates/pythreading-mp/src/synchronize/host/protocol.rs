//! The request and reply of one operation on a hosted object, and their byte layout on the
//! host's connections (one frame each, fixed header then payload; decoding is bounded by the
//! frame cap and checks every length).

use std::time::Duration;

/// Who asks: a random number per process and a number per thread of that process. An `RLock`
/// (and the lock under a `Condition`) belongs to one owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Owner {
    pub(crate) process: u64,
    pub(crate) thread: u64,
}

/// What to do. The numbers are the wire codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Op {
    Acquire = 1,
    Release = 2,
    Locked = 3,
    SemValue = 4,
    EventSet = 10,
    EventClear = 11,
    EventIsSet = 12,
    EventWait = 13,
    CondWait = 20,
    CondNotify = 21,
    BarrierWait = 30,
    BarrierAbort = 31,
    BarrierReset = 32,
    BarrierParties = 33,
    BarrierWaiting = 34,
    BarrierBroken = 35,
    Put = 40,
    Get = 41,
    QSize = 42,
    TaskDone = 43,
    Join = 44,
    NumGet = 50,
    NumSet = 51,
    NumGetAll = 52,
    NumSetAll = 53,
    NumLen = 54,
    Kind = 60,
}

impl Op {
    fn from_u8(b: u8) -> Option<Op> {
        use Op::*;
        Some(match b {
            1 => Acquire,
            2 => Release,
            3 => Locked,
            4 => SemValue,
            10 => EventSet,
            11 => EventClear,
            12 => EventIsSet,
            13 => EventWait,
            20 => CondWait,
            21 => CondNotify,
            30 => BarrierWait,
            31 => BarrierAbort,
            32 => BarrierReset,
            33 => BarrierParties,
            34 => BarrierWaiting,
            35 => BarrierBroken,
            40 => Put,
            41 => Get,
            42 => QSize,
            43 => TaskDone,
            44 => Join,
            50 => NumGet,
            51 => NumSet,
            52 => NumGetAll,
            53 => NumSetAll,
            54 => NumLen,
            60 => Kind,
            _ => return None,
        })
    }
}

/// One operation on object `id`.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) op: Op,
    pub(crate) id: u64,
    pub(crate) owner: Owner,
    /// `None` waits forever; `Some(ZERO)` does not wait.
    pub(crate) timeout: Option<Duration>,
    pub(crate) arg: i64,
    pub(crate) payload: Vec<u8>,
}

/// How an operation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Status {
    /// Done; `value`/`payload` carry the result.
    Ok = 0,
    /// Not done within the timeout (or at once when not blocking): False / Empty / Full.
    NotNow = 1,
    /// Refused; `value` holds an [`ErrorCode`] and `payload` a message.
    Refused = 2,
}

/// Why an operation was refused (the wire codes of [`Status::Refused`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i64)]
pub(crate) enum ErrorCode {
    NotHeld = 1,
    NotOwner = 2,
    TooManyReleases = 3,
    BrokenBarrier = 4,
    TaskDoneTooManyTimes = 5,
    IndexOutOfRange = 6,
    LengthMismatch = 7,
    NoSuchObject = 8,
    WrongKind = 9,
    BadRequest = 10,
}

impl ErrorCode {
    pub(crate) fn from_i64(v: i64) -> ErrorCode {
        use ErrorCode::*;
        match v {
            1 => NotHeld,
            2 => NotOwner,
            3 => TooManyReleases,
            4 => BrokenBarrier,
            5 => TaskDoneTooManyTimes,
            6 => IndexOutOfRange,
            7 => LengthMismatch,
            8 => NoSuchObject,
            9 => WrongKind,
            _ => BadRequest,
        }
    }
}

/// The answer to a [`Request`].
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub(crate) status: Status,
    pub(crate) value: i64,
    pub(crate) payload: Vec<u8>,
}

impl Reply {
    pub(crate) fn ok(value: i64) -> Reply {
        Reply {
            status: Status::Ok,
            value,
            payload: Vec::new(),
        }
    }
    pub(crate) fn data(payload: Vec<u8>) -> Reply {
        Reply {
            status: Status::Ok,
            value: 0,
            payload,
        }
    }
    pub(crate) fn not_now() -> Reply {
        Reply {
            status: Status::NotNow,
            value: 0,
            payload: Vec::new(),
        }
    }
    pub(crate) fn refused(code: ErrorCode, message: impl Into<String>) -> Reply {
        Reply {
            status: Status::Refused,
            value: code as i64,
            payload: message.into().into_bytes(),
        }
    }
}

const NO_TIMEOUT: u64 = u64::MAX;
const REQUEST_HEADER: usize = 1 + 8 * 5;
const REPLY_HEADER: usize = 1 + 8;

pub(crate) fn encode_request(r: &Request, out: &mut Vec<u8>) {
    out.clear();
    out.push(r.op as u8);
    out.extend_from_slice(&r.id.to_be_bytes());
    out.extend_from_slice(&r.owner.process.to_be_bytes());
    out.extend_from_slice(&r.owner.thread.to_be_bytes());
    let t = match r.timeout {
        None => NO_TIMEOUT,
        Some(d) => u64::try_from(d.as_nanos()).unwrap_or(NO_TIMEOUT - 1),
    };
    out.extend_from_slice(&t.to_be_bytes());
    out.extend_from_slice(&r.arg.to_be_bytes());
    out.extend_from_slice(&r.payload);
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_be_bytes(a)
}

pub(crate) fn decode_request(mut b: Vec<u8>) -> Option<Request> {
    if b.len() < REQUEST_HEADER {
        return None;
    }
    let op = Op::from_u8(b[0])?;
    let t = u64_at(&b, 25);
    let r = Request {
        op,
        id: u64_at(&b, 1),
        owner: Owner {
            process: u64_at(&b, 9),
            thread: u64_at(&b, 17),
        },
        timeout: (t != NO_TIMEOUT).then(|| Duration::from_nanos(t)),
        arg: u64_at(&b, 33) as i64,
        payload: b.split_off(REQUEST_HEADER),
    };
    Some(r)
}

pub(crate) fn encode_reply(r: &Reply, out: &mut Vec<u8>) {
    out.clear();
    out.push(r.status as u8);
    out.extend_from_slice(&r.value.to_be_bytes());
    out.extend_from_slice(&r.payload);
}

pub(crate) fn decode_reply(mut b: Vec<u8>) -> Option<Reply> {
    if b.len() < REPLY_HEADER {
        return None;
    }
    let status = match b[0] {
        0 => Status::Ok,
        1 => Status::NotNow,
        2 => Status::Refused,
        _ => return None,
    };
    Some(Reply {
        status,
        value: u64_at(&b, 1) as i64,
        payload: b.split_off(REPLY_HEADER),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_round_trip() {
        let r = Request {
            op: Op::Put,
            id: 7,
            owner: Owner {
                process: 1,
                thread: 2,
            },
            timeout: Some(Duration::from_millis(1500)),
            arg: -3,
            payload: b"item".to_vec(),
        };
        let mut buf = Vec::new();
        encode_request(&r, &mut buf);
        let back = decode_request(buf).unwrap();
        assert_eq!(back.op, Op::Put);
        assert_eq!((back.id, back.arg), (7, -3));
        assert_eq!(back.owner, r.owner);
        assert_eq!(back.timeout, r.timeout);
        assert_eq!(back.payload, b"item");
        assert!(decode_request(vec![1; 10]).is_none());
        assert!(decode_request(vec![99; 64]).is_none());
    }
}
