//! The mutual HMAC challenge/response of `multiprocessing.connection`, with CPython 3.12+'s rules.
//!
//! A server runs [`server_handshake`] (challenge the client, then answer its challenge); a client
//! runs [`client_handshake`] (the same halves in the other order). We always send
//! `{sha256}`-prefixed challenges and accept every digest CPython allows in a response, including
//! the raw 16-byte HMAC-MD5 that 3.11 peers send, so we work with 3.8–3.14 in both roles.

use std::io::{self, Read, Write};

use subtle::ConstantTimeEq;

use super::digest::{DigestName, parse_digest_prefix};
use super::error::{AuthErrorKind, AuthenticationError, FrameError, HandshakeError};
use super::frame::{read_frame, write_frame};

/// The prefix of every challenge frame.
///
/// # Examples
///
/// ```
/// assert_eq!(pythreading_mp::wire::CHALLENGE, b"#CHALLENGE#");
/// ```
pub const CHALLENGE: &[u8] = b"#CHALLENGE#";
/// The verdict sent after a correct digest.
///
/// # Examples
///
/// ```
/// assert_eq!(pythreading_mp::wire::WELCOME, b"#WELCOME#");
/// ```
pub const WELCOME: &[u8] = b"#WELCOME#";
/// The verdict sent after a wrong digest.
///
/// # Examples
///
/// ```
/// assert_eq!(pythreading_mp::wire::FAILURE, b"#FAILURE#");
/// ```
pub const FAILURE: &[u8] = b"#FAILURE#";
/// Every handshake frame is read with this cap, as CPython's `recv_bytes(256)`.
///
/// # Examples
///
/// ```
/// assert_eq!(pythreading_mp::wire::HANDSHAKE_FRAME_MAX, 256);
/// ```
pub const HANDSHAKE_FRAME_MAX: usize = 256;
/// Random bytes in a 3.12+ challenge (after the `{sha256}` prefix).
const MESSAGE_LENGTH: usize = 40;
/// The shortest challenge body a responder accepts (the legacy length).
const MIN_CHALLENGE_BODY: usize = 20;

/// A fresh challenge payload: `#CHALLENGE#{sha256}` followed by 40 random bytes (59 bytes).
///
/// # Errors
///
/// An [`io::Error`] if the operating system's random source fails.
///
/// # Examples
///
/// ```
/// use pythreading_mp::wire::new_challenge;
/// let c = new_challenge().unwrap();
/// assert_eq!(c.len(), 59);
/// assert!(c.starts_with(b"#CHALLENGE#{sha256}"));
/// ```
pub fn new_challenge() -> io::Result<Vec<u8>> {
    let mut random = [0u8; MESSAGE_LENGTH];
    getrandom::fill(&mut random).map_err(|e| io::Error::other(e.to_string()))?;
    let mut out = Vec::with_capacity(CHALLENGE.len() + 8 + MESSAGE_LENGTH);
    out.extend_from_slice(CHALLENGE);
    out.extend_from_slice(b"{sha256}");
    out.extend_from_slice(&random);
    Ok(out)
}

/// The response to a challenge payload (`#CHALLENGE#` + body), as CPython 3.12+ computes it: a raw
/// 16-byte HMAC-MD5 for a legacy 20-byte body, `{name}` + HMAC-name over the whole body otherwise.
///
/// # Errors
///
/// [`AuthErrorKind::NotAChallenge`], [`AuthErrorKind::ChallengeTooShort`] or
/// [`AuthErrorKind::UnsupportedDigest`]; nothing should be sent then.
///
/// # Examples
///
/// ```
/// use pythreading_mp::wire::answer;
/// let r = answer(b"#CHALLENGE#{sha256}0123456789012345678901234567890123456789", b"key").unwrap();
/// assert!(r.starts_with(b"{sha256}"));
/// assert_eq!(r.len(), 40);
/// assert_eq!(answer(b"#CHALLENGE#01234567890123456789", b"key").unwrap().len(), 16);
/// ```
pub fn answer(challenge: &[u8], authkey: &[u8]) -> Result<Vec<u8>, AuthenticationError> {
    let body = challenge
        .strip_prefix(CHALLENGE)
        .ok_or(AuthenticationError::new(AuthErrorKind::NotAChallenge))?;
    if body.len() < MIN_CHALLENGE_BODY {
        return Err(AuthenticationError::new(AuthErrorKind::ChallengeTooShort));
    }
    if body.len() == 16 || body.len() == 20 {
        return Ok(DigestName::Md5.hmac(authkey, body));
    }
    let (digest, _) = parse_digest_prefix(body)?;
    let mut out = Vec::with_capacity(12 + 64);
    out.push(b'{');
    out.extend_from_slice(digest.name().as_bytes());
    out.push(b'}');
    out.extend_from_slice(&digest.hmac(authkey, body));
    Ok(out)
}

/// Checks a response against the challenge body we sent (prefix included), accepting any allowed
/// digest the responder chose; the comparison is constant-time.
///
/// # Errors
///
/// [`AuthErrorKind::UnsupportedDigest`] for an unparsable response,
/// [`AuthErrorKind::DigestReceivedWrong`] for a wrong or wrongly sized MAC.
///
/// # Examples
///
/// ```
/// use pythreading_mp::wire::{answer, verify};
/// let challenge = b"#CHALLENGE#{sha256}0123456789012345678901234567890123456789";
/// let response = answer(challenge, b"key").unwrap();
/// assert!(verify(&challenge[11..], &response, b"key").is_ok());
/// assert!(verify(&challenge[11..], &response, b"other").is_err());
/// ```
pub fn verify(body: &[u8], response: &[u8], authkey: &[u8]) -> Result<(), AuthenticationError> {
    let (digest, mac) = parse_digest_prefix(response)?;
    let expected = digest.hmac(authkey, body);
    if expected.len() == mac.len() && bool::from(expected.ct_eq(mac)) {
        Ok(())
    } else {
        Err(AuthenticationError::new(AuthErrorKind::DigestReceivedWrong))
    }
}

/// Challenges the peer: sends a challenge, checks the response, sends the verdict.
///
/// # Errors
///
/// [`HandshakeError::Auth`] with [`AuthErrorKind::DigestReceivedWrong`] (after sending `#FAILURE#`)
/// when the peer does not know the key; [`HandshakeError::Frame`] when the transport fails or a
/// frame exceeds 256 bytes.
///
/// # Examples
///
/// ```no_run
/// # fn f(stream: &mut std::net::TcpStream) -> Result<(), pythreading_mp::wire::HandshakeError> {
/// pythreading_mp::wire::deliver_challenge(stream, b"hello world")?;
/// # Ok(()) }
/// ```
pub fn deliver_challenge<S: Read + Write + ?Sized>(
    stream: &mut S,
    authkey: &[u8],
) -> Result<(), HandshakeError> {
    let challenge = new_challenge().map_err(FrameError::Io)?;
    write_frame(stream, &challenge).map_err(FrameError::Io)?;
    let response = read_frame(stream, HANDSHAKE_FRAME_MAX)?;
    match verify(&challenge[CHALLENGE.len()..], &response, authkey) {
        Ok(()) => {
            write_frame(stream, WELCOME).map_err(FrameError::Io)?;
            Ok(())
        }
        Err(e) => {
            // The verdict is best effort: the peer may already be gone.
            let _ = write_frame(stream, FAILURE);
            Err(e.into())
        }
    }
}

/// Answers the peer's challenge and reads its verdict.
///
/// # Errors
///
/// [`HandshakeError::Auth`] with [`AuthErrorKind::DigestSentRejected`] when the peer does not
/// welcome us (frames after `#FAILURE#` are never read), or a challenge-format kind;
/// [`HandshakeError::Frame`] when the transport fails.
///
/// # Examples
///
/// ```no_run
/// # fn f(stream: &mut std::net::TcpStream) -> Result<(), pythreading_mp::wire::HandshakeError> {
/// pythreading_mp::wire::answer_challenge(stream, b"hello world")?;
/// # Ok(()) }
/// ```
pub fn answer_challenge<S: Read + Write + ?Sized>(
    stream: &mut S,
    authkey: &[u8],
) -> Result<(), HandshakeError> {
    let challenge = read_frame(stream, HANDSHAKE_FRAME_MAX)?;
    let response = answer(&challenge, authkey)?;
    write_frame(stream, &response).map_err(FrameError::Io)?;
    let verdict = read_frame(stream, HANDSHAKE_FRAME_MAX)?;
    if verdict == WELCOME {
        Ok(())
    } else {
        Err(AuthenticationError::new(AuthErrorKind::DigestSentRejected).into())
    }
}

/// The server's side of a connection's handshake: challenge the client, then answer it.
///
/// # Errors
///
/// As [`deliver_challenge`] and [`answer_challenge`].
///
/// # Examples
///
/// ```no_run
/// # fn f(stream: &mut std::net::TcpStream) -> Result<(), pythreading_mp::wire::HandshakeError> {
/// pythreading_mp::wire::server_handshake(stream, b"hello world")?;
/// # Ok(()) }
/// ```
pub fn server_handshake<S: Read + Write + ?Sized>(
    stream: &mut S,
    authkey: &[u8],
) -> Result<(), HandshakeError> {
    deliver_challenge(stream, authkey)?;
    answer_challenge(stream, authkey)
}

/// The client's side of a connection's handshake: answer the server, then challenge it.
///
/// # Errors
///
/// As [`answer_challenge`] and [`deliver_challenge`].
///
/// # Examples
///
/// ```no_run
/// # fn f(stream: &mut std::net::TcpStream) -> Result<(), pythreading_mp::wire::HandshakeError> {
/// pythreading_mp::wire::client_handshake(stream, b"hello world")?;
/// # Ok(()) }
/// ```
pub fn client_handshake<S: Read + Write + ?Sized>(
    stream: &mut S,
    authkey: &[u8],
) -> Result<(), HandshakeError> {
    answer_challenge(stream, authkey)?;
    deliver_challenge(stream, authkey)
}
