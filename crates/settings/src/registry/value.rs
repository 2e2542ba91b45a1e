// SPDX-License-Identifier: GPL-3.0-or-later
//! Registry value data → text.
//!
//! | type | text |
//! |---|---|
//! | `REG_SZ` (1), `REG_EXPAND_SZ` (2), `REG_LINK` (6) | UTF-16LE up to the first NUL |
//! | `REG_MULTI_SZ` (7) | the strings joined with [`MULTI_SZ_SEPARATOR`] (`\n`), empty trailing strings dropped |
//! | `REG_DWORD` (4), `REG_DWORD_BIG_ENDIAN` (5), `REG_QWORD` (11) | decimal |
//! | `REG_BINARY` (3) | lowercase hex, at most [`MAX_HEX_BYTES`] bytes then `…(N bytes)` |
//! | `REG_NONE` (0), resource lists (8–10), unknown types, numbers of the wrong size | `hex(T):` + hex as above |

/// Separator between the strings of a `REG_MULTI_SZ` value.
pub const MULTI_SZ_SEPARATOR: &str = "\n";
/// Binary data is shown up to this many bytes: enough to compare flags and small structures,
/// small enough that a 1 MiB blob does not become a 2 MiB setting.
pub const MAX_HEX_BYTES: usize = 256;

/// `REG_NONE`.
pub const REG_NONE: u32 = 0;
/// `REG_SZ`.
pub const REG_SZ: u32 = 1;
/// `REG_EXPAND_SZ`.
pub const REG_EXPAND_SZ: u32 = 2;
/// `REG_BINARY`.
pub const REG_BINARY: u32 = 3;
/// `REG_DWORD`.
pub const REG_DWORD: u32 = 4;
/// `REG_DWORD_BIG_ENDIAN`.
pub const REG_DWORD_BIG_ENDIAN: u32 = 5;
/// `REG_LINK`.
pub const REG_LINK: u32 = 6;
/// `REG_MULTI_SZ`.
pub const REG_MULTI_SZ: u32 = 7;
/// `REG_QWORD`.
pub const REG_QWORD: u32 = 11;

/// Whether a value type holds a number.
pub fn is_numeric(kind: u32) -> bool {
    matches!(kind, REG_DWORD | REG_DWORD_BIG_ENDIAN | REG_QWORD)
}

/// Decodes UTF-16LE up to the first NUL (an odd trailing byte is ignored).
pub fn utf16_until_nul(data: &[u8]) -> String {
    let units = data.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).take_while(|&u| u != 0);
    // One allocation of the right size for ASCII text (most registry strings).
    let mut out = String::with_capacity(data.len() / 2);
    for c in char::decode_utf16(units) {
        out.push(c.unwrap_or(char::REPLACEMENT_CHARACTER));
    }
    out
}

/// Lowercase hex of at most [`MAX_HEX_BYTES`] bytes, with a `…(N bytes)` suffix when cut.
pub fn hex(data: &[u8]) -> String {
    let shown = data.get(..MAX_HEX_BYTES).unwrap_or(data);
    let mut s = String::with_capacity(shown.len() * 2 + 16);
    for b in shown {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    if data.len() > shown.len() {
        s.push_str(&format!("…({} bytes)", data.len()));
    }
    s
}

/// The text of a value of type `kind` holding `data` (see the module table).
pub fn format_value(kind: u32, data: &[u8]) -> String {
    match kind {
        REG_SZ | REG_EXPAND_SZ | REG_LINK => utf16_until_nul(data),
        REG_MULTI_SZ => {
            let units: Vec<u16> = data.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
            let mut parts: Vec<String> = units
                .split(|&u| u == 0)
                .map(|s| {
                    char::decode_utf16(s.iter().copied()).map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER)).collect()
                })
                .collect();
            while parts.last().is_some_and(String::is_empty) {
                parts.pop();
            }
            parts.join(MULTI_SZ_SEPARATOR)
        }
        REG_DWORD if data.len() == 4 => u32::from_le_bytes([data[0], data[1], data[2], data[3]]).to_string(),
        REG_DWORD_BIG_ENDIAN if data.len() == 4 => u32::from_be_bytes([data[0], data[1], data[2], data[3]]).to_string(),
        REG_QWORD if data.len() == 8 => {
            let mut b = [0u8; 8];
            b.copy_from_slice(data);
            u64::from_le_bytes(b).to_string()
        }
        REG_BINARY => hex(data),
        other => format!("hex({other:x}):{}", hex(data)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    #[test]
    fn strings_stop_at_nul() {
        assert_eq!(format_value(REG_SZ, &utf16("abc\0garbage")), "abc");
        assert_eq!(format_value(REG_EXPAND_SZ, &utf16("%SystemRoot%\0")), "%SystemRoot%");
        assert_eq!(format_value(REG_SZ, &[0x41, 0, 0x42]), "A");
    }

    #[test]
    fn multi_sz_joins_with_newline() {
        assert_eq!(format_value(REG_MULTI_SZ, &utf16("a\0b\0\0")), "a\nb");
        assert_eq!(format_value(REG_MULTI_SZ, &utf16("a\0\0b\0\0")), "a\n\nb");
    }

    #[test]
    fn numbers_and_fallbacks() {
        assert_eq!(format_value(REG_DWORD, &[1, 0, 0, 0]), "1");
        assert_eq!(format_value(REG_DWORD_BIG_ENDIAN, &[0, 0, 1, 0]), "256");
        assert_eq!(format_value(REG_QWORD, &u64::MAX.to_le_bytes()), "18446744073709551615");
        assert_eq!(format_value(REG_DWORD, &[1, 0]), "hex(4):0100");
        assert_eq!(format_value(REG_NONE, &[0xab]), "hex(0):ab");
        assert_eq!(format_value(0x3e8, &[]), "hex(3e8):");
    }

    #[test]
    fn binary_is_capped() {
        assert_eq!(format_value(REG_BINARY, &[0xde, 0xad]), "dead");
        let big = vec![0u8; 300];
        let text = format_value(REG_BINARY, &big);
        assert!(text.ends_with("…(300 bytes)"));
        assert_eq!(text.len(), 512 + "…(300 bytes)".len());
    }
}
