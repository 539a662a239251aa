//! Value and Array: the shared numbers, read and written as 8-byte words.

use super::super::protocol::{ErrorCode, Op, Reply, Request};
use super::{Object, State, bits, wrong};

impl Object {
    pub(super) fn numbers(&self, r: &Request) -> Reply {
        let mut g = self.lock();
        let State::Numbers { typecode, data } = &mut *g else {
            return wrong();
        };
        let index = |len: usize| -> Result<usize, Reply> {
            usize::try_from(r.arg)
                .ok()
                .filter(|&i| i < len)
                .ok_or_else(|| {
                    Reply::refused(
                        ErrorCode::IndexOutOfRange,
                        format!("index {} out of range for length {len}", r.arg),
                    )
                })
        };
        match r.op {
            Op::NumLen => Reply {
                status: super::super::protocol::Status::Ok,
                value: data.len() as i64,
                payload: vec![*typecode],
            },
            Op::NumGet => match index(data.len()) {
                Ok(i) => Reply::ok(data[i] as i64),
                Err(e) => e,
            },
            Op::NumSet => match index(data.len()) {
                Ok(i) => match bits(&r.payload) {
                    Some(v) => {
                        data[i] = v;
                        Reply::ok(0)
                    }
                    None => Reply::refused(ErrorCode::BadRequest, "a value is 8 bytes"),
                },
                Err(e) => e,
            },
            Op::NumGetAll => Reply::data(data.iter().flat_map(|v| v.to_be_bytes()).collect()),
            Op::NumSetAll => {
                if r.payload.len() != data.len() * 8 {
                    return Reply::refused(
                        ErrorCode::LengthMismatch,
                        "Can only assign sequence of same size",
                    );
                }
                for (d, chunk) in data.iter_mut().zip(r.payload.chunks_exact(8)) {
                    *d = bits(chunk).unwrap_or(0);
                }
                Reply::ok(0)
            }
            _ => wrong(),
        }
    }
}
