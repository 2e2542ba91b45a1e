// SPDX-License-Identifier: GPL-3.0-or-later
//! Keyed hashing of setting values, so that a shared profile reveals no raw peer values.
//!
//! A value becomes HMAC-SHA-256(salt, kind ‖ 0 ‖ path ‖ 0 ‖ name ‖ 0 ‖ value), truncated to
//! 128 bits and written as 32 lowercase hex digits. The setting's identity is part of the
//! message so that equal values of different settings do not hash alike (that would reveal
//! which settings share values). Without the salt, neither the values nor guesses of them
//! can be checked; the salt stays with whoever ranks, and the profile only carries a
//! [`salt check`](SaltCheck) that tells a wrong salt from a right one.

use hmac::{Hmac, Mac};
use model::Kind;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Bytes of the HMAC kept per value (128 bits: collisions are out of reach for any fleet).
const HASH_BYTES: usize = 16;

/// What a hashed profile stores about its salt: HMAC(salt, a fixed label), truncated.
pub type SaltCheck = [u8; 16];

/// The label hashed to make a [`SaltCheck`]; distinct from any setting message because
/// those contain NUL separators.
const SALT_CHECK_LABEL: &[u8] = b"vmsift peer profile salt check v1";

/// A salt ready to hash values (the HMAC key schedule is done once).
#[derive(Clone)]
pub struct ValueHasher {
    mac: HmacSha256,
}

impl std::fmt::Debug for ValueHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        f.write_str("ValueHasher(..)")
    }
}

impl ValueHasher {
    /// A hasher keyed by `salt` (any length; HMAC hashes long keys first).
    pub fn new(salt: &[u8]) -> Self {
        // HMAC accepts keys of every length, so this never fails; keep a clear fallback anyway.
        let mac = <HmacSha256 as Mac>::new_from_slice(salt).unwrap_or_else(|_| {
            <HmacSha256 as Mac>::new_from_slice(&[]).unwrap_or_else(|_| unreachable!("HMAC takes any key length"))
        });
        Self { mac }
    }

    /// The check value a profile hashed with this salt carries.
    pub fn salt_check(&self) -> SaltCheck {
        let mut mac = self.mac.clone();
        mac.update(SALT_CHECK_LABEL);
        truncate(&mac.finalize().into_bytes())
    }

    /// The hashed form of `value` of the setting (`kind`, `path`, `name`).
    pub fn hash(&self, kind: Kind, path: &str, name: &str, value: &str) -> String {
        let mut mac = self.mac.clone();
        for part in [kind.as_str().as_bytes(), b"\0", path.as_bytes(), b"\0", name.as_bytes(), b"\0", value.as_bytes()]
        {
            mac.update(part);
        }
        hex(&truncate(&mac.finalize().into_bytes()))
    }
}

fn truncate(bytes: &[u8]) -> [u8; HASH_BYTES] {
    let mut out = [0u8; HASH_BYTES];
    for (o, b) in out.iter_mut().zip(bytes) {
        *o = *b;
    }
    out
}

/// Lowercase hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    s
}

/// Parses 32 hex digits into a [`SaltCheck`].
pub(crate) fn parse_salt_check(text: &str) -> Option<SaltCheck> {
    let bytes = text.as_bytes();
    if bytes.len() != 2 * HASH_BYTES {
        return None;
    }
    let digit = |c: u8| char::from(c).to_digit(16).and_then(|d| u8::try_from(d).ok());
    let mut out = [0u8; HASH_BYTES];
    for (o, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
        let (hi, lo) = (digit(*pair.first()?)?, digit(*pair.get(1)?)?);
        *o = hi << 4 | lo;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc4231_test_case_2() {
        // RFC 4231 §4.3: key "Jefe", data "what do ya want for nothing?".
        let mut mac = <HmacSha256 as Mac>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            hex(&mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn hashes_depend_on_salt_and_setting_identity() {
        let a = ValueHasher::new(b"salt-a");
        let b = ValueHasher::new(b"salt-b");
        let h = a.hash(Kind::Config, "/etc/x", "k", "1");
        assert_eq!(h.len(), 32);
        assert_eq!(h, a.hash(Kind::Config, "/etc/x", "k", "1"));
        assert_ne!(h, b.hash(Kind::Config, "/etc/x", "k", "1"));
        assert_ne!(h, a.hash(Kind::Config, "/etc/x", "j", "1"));
        assert_ne!(h, a.hash(Kind::Registry, "/etc/x", "k", "1"));
        // The separators keep "a"+"bc" apart from "ab"+"c".
        assert_ne!(a.hash(Kind::Config, "/p", "a", "bc"), a.hash(Kind::Config, "/p", "ab", "c"));
        assert_ne!(a.salt_check(), b.salt_check());
        assert_eq!(parse_salt_check(&hex(&a.salt_check())), Some(a.salt_check()));
        assert_eq!(parse_salt_check("zz"), None);
    }
}
