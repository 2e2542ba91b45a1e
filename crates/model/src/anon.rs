// SPDX-License-Identifier: GPL-3.0-or-later
//! Identifiers: recognizing the values that name one machine rather than configure it.

/// Whether `v` is a MAC address written with `-` or `:` separators (`00-15-5D-01-02-03`).
pub fn is_mac(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 17
        && (b[2] == b'-' || b[2] == b':')
        && b.iter().enumerate().all(|(i, &c)| if i % 3 == 2 { c == b[2] } else { c.is_ascii_hexdigit() })
}
