//! The digests a 3.12+ handshake may name, and HMAC over each.

use hmac::{KeyInit, Mac, SimpleHmac};
use md5::Md5;
use sha2::{Sha256, Sha384};
use sha3::{Sha3_256, Sha3_384};

use super::error::{AuthErrorKind, AuthenticationError};

/// A digest allowed in `{name}` prefixes (CPython's `_ALLOWED_DIGESTS`).
///
/// # Examples
///
/// ```
/// use pythreading_mp::wire::DigestName;
///
/// assert!(DigestName::ALL.contains(&DigestName::Sha256));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DigestName {
    /// `md5`: also what a bare 16- or 20-byte legacy message means.
    Md5,
    /// `sha256`: what 3.12+ challenges name.
    Sha256,
    /// `sha384`.
    Sha384,
    /// `sha3_256`.
    Sha3_256,
    /// `sha3_384`.
    Sha3_384,
}

impl DigestName {
    /// Every allowed digest.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(pythreading_mp::wire::DigestName::ALL.len(), 5);
    /// ```
    pub const ALL: [DigestName; 5] = [
        DigestName::Md5,
        DigestName::Sha256,
        DigestName::Sha384,
        DigestName::Sha3_256,
        DigestName::Sha3_384,
    ];

    /// The name as it appears between braces.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::wire::DigestName;
    /// assert_eq!(DigestName::Sha3_256.name(), "sha3_256");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            DigestName::Md5 => "md5",
            DigestName::Sha256 => "sha256",
            DigestName::Sha384 => "sha384",
            DigestName::Sha3_256 => "sha3_256",
            DigestName::Sha3_384 => "sha3_384",
        }
    }

    /// The digest named `name`, if it is allowed.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::wire::DigestName;
    /// assert_eq!(DigestName::from_name(b"sha256"), Some(DigestName::Sha256));
    /// assert_eq!(DigestName::from_name(b"sha1"), None);
    /// ```
    pub fn from_name(name: &[u8]) -> Option<DigestName> {
        DigestName::ALL
            .into_iter()
            .find(|d| d.name().as_bytes() == name)
    }

    /// HMAC of `msg` under `key` with this digest.
    ///
    /// # Examples
    ///
    /// ```
    /// use pythreading_mp::wire::DigestName;
    /// assert_eq!(DigestName::Md5.hmac(b"k", b"m").len(), 16);
    /// assert_eq!(DigestName::Sha384.hmac(b"k", b"m").len(), 48);
    /// ```
    pub fn hmac(self, key: &[u8], msg: &[u8]) -> Vec<u8> {
        fn run<M: Mac + KeyInit>(key: &[u8], msg: &[u8]) -> Vec<u8> {
            // HMAC accepts keys of any length; `new_from_slice` cannot fail for it.
            match <M as KeyInit>::new_from_slice(key) {
                Ok(mut mac) => {
                    mac.update(msg);
                    mac.finalize().into_bytes().to_vec()
                }
                Err(_) => Vec::new(),
            }
        }
        match self {
            DigestName::Md5 => run::<SimpleHmac<Md5>>(key, msg),
            DigestName::Sha256 => run::<SimpleHmac<Sha256>>(key, msg),
            DigestName::Sha384 => run::<SimpleHmac<Sha384>>(key, msg),
            DigestName::Sha3_256 => run::<SimpleHmac<Sha3_256>>(key, msg),
            DigestName::Sha3_384 => run::<SimpleHmac<Sha3_384>>(key, msg),
        }
    }
}

/// Splits a challenge body or a response into its digest and payload (CPython's
/// `_get_digest_name_and_payload`): exactly 16 or 20 bytes is legacy md5 with no prefix;
/// otherwise `{name}` must close within the first 10 bytes and name an allowed digest.
///
/// # Errors
///
/// [`AuthErrorKind::UnsupportedDigest`] for anything else.
///
/// # Examples
///
/// ```
/// use pythreading_mp::wire::{parse_digest_prefix, DigestName};
/// let (d, rest) = parse_digest_prefix(b"{sha256}abc").unwrap();
/// assert_eq!((d, rest), (DigestName::Sha256, &b"abc"[..]));
/// assert_eq!(parse_digest_prefix(&[7; 16]).unwrap().0, DigestName::Md5);
/// ```
pub fn parse_digest_prefix(body: &[u8]) -> Result<(DigestName, &[u8]), AuthenticationError> {
    if body.len() == 16 || body.len() == 20 {
        return Ok((DigestName::Md5, body));
    }
    let unsupported = || AuthenticationError::new(AuthErrorKind::UnsupportedDigest);
    if body.first() != Some(&b'{') {
        return Err(unsupported());
    }
    let end = body
        .iter()
        .take(10)
        .skip(1)
        .position(|&b| b == b'}')
        .map(|p| p + 1)
        .ok_or_else(unsupported)?;
    let digest = DigestName::from_name(&body[1..end]).ok_or_else(unsupported)?;
    Ok((digest, &body[end + 1..]))
}
