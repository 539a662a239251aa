//! The `wire` layer: framing and the HMAC handshake of `multiprocessing.connection`.
//!
//! Every message is one frame: a big-endian `i32` length then the payload (`-1` then a `u64`
//! length for payloads over 2 GiB). Every connection starts with a mutual challenge/response
//! keyed by the authkey ([`server_handshake`] / [`client_handshake`]), after which frames carry
//! pickles.
//!
//! # Examples
//!
//! ```
//! use pythreading_mp::wire::{answer, verify};
//! // The 3.11 legacy exchange from the captured session `canonical_311`:
//! let body = [0x45, 0x2f, 0xc2, 0x84, 0xa3, 0x3a, 0x80, 0x07, 0x2f, 0x55,
//!             0xc7, 0x59, 0x32, 0x52, 0x63, 0x9c, 0x68, 0x9f, 0xa2, 0x86];
//! let mut challenge = b"#CHALLENGE#".to_vec();
//! challenge.extend_from_slice(&body);
//! let response = answer(&challenge, b"hello world").unwrap();
//! assert_eq!(response[..4], [0x93, 0xad, 0x87, 0xc5]);
//! assert!(verify(&body, &response, b"hello world").is_ok());
//! ```

mod connection;
mod digest;
mod error;
mod frame;
mod handshake;

pub use connection::Connection;
pub use digest::{DigestName, parse_digest_prefix};
pub use error::{AuthErrorKind, AuthenticationError, FrameError, HandshakeError};
pub use frame::{encode_frame, read_frame, read_frame_into, write_frame};
pub use handshake::{
    CHALLENGE, FAILURE, HANDSHAKE_FRAME_MAX, WELCOME, answer, answer_challenge, client_handshake,
    deliver_challenge, new_challenge, server_handshake, verify,
};
