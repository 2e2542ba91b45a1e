// SPDX-License-Identifier: GPL-3.0-or-later
//! The varint of the binary profile and of share links: unsigned LEB128 of a `u32`, at
//! most 5 bytes, minimally encoded. One codec for both formats.

/// Longest varint of a `u32`.
pub(crate) const MAX_LEN: usize = 5;

/// Why a varint could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VarintError {
    /// The bytes end inside the number.
    Truncated,
    /// A last byte of 0 after the first: the number has a shorter encoding.
    NotMinimal,
    /// More than [`MAX_LEN`] bytes.
    TooLong,
    /// The number does not fit in 32 bits.
    Overflow(u64),
}

impl std::fmt::Display for VarintError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Truncated => f.write_str("truncated inside a number"),
            Self::NotMinimal => f.write_str("number is not minimally encoded"),
            Self::TooLong => write!(f, "number longer than {MAX_LEN} bytes"),
            Self::Overflow(v) => write!(f, "number {v} exceeds 32 bits"),
        }
    }
}

/// Appends `v`.
pub(crate) fn put(out: &mut Vec<u8>, mut v: u32) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Reads the varint at `bytes[at..]`: the number and the offset after it.
pub(crate) fn get(bytes: &[u8], at: usize) -> Result<(u32, usize), VarintError> {
    let mut value: u64 = 0;
    for i in 0..MAX_LEN {
        let &byte = bytes.get(at + i).ok_or(VarintError::Truncated)?;
        if i > 0 && byte == 0 {
            return Err(VarintError::NotMinimal);
        }
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            let v = u32::try_from(value).map_err(|_| VarintError::Overflow(value))?;
            return Ok((v, at + i + 1));
        }
    }
    Err(VarintError::TooLong)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_strictness() {
        for v in [0, 1, 127, 128, 300, 16_383, 16_384, u32::MAX - 1, u32::MAX] {
            let mut out = vec![9];
            put(&mut out, v);
            assert_eq!(get(&out, 1), Ok((v, out.len())), "{v}");
            assert_eq!(get(&out[..out.len() - 1], 1), Err(VarintError::Truncated), "{v}");
        }
        assert_eq!(get(&[0x80, 0x00], 0), Err(VarintError::NotMinimal));
        assert_eq!(get(&[0xff, 0xff, 0xff, 0xff, 0x1f], 0), Err(VarintError::Overflow(0x1_ffff_ffff)));
        assert_eq!(get(&[0x80, 0x80, 0x80, 0x80, 0x80, 0x01], 0), Err(VarintError::TooLong));
    }
}
