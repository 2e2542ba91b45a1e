// SPDX-License-Identifier: GPL-3.0-or-later
//! Share-link decoding (`#report=v1.<base64url of version, flags, deflated rows>`): the
//! input as the raw payload (base64url-encoded here, so that the fuzzer works on the bytes
//! under the text layer), and as text: a fragment and a data part. What decodes must encode
//! to a link that decodes to the same report.
#![no_main]

use libfuzzer_sys::fuzz_target;
use peerpressure::share::SharedReport;

/// base64url without padding (RFC 4648 §5), as share links use.
fn base64url(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    if let Ok(report) = SharedReport::decode(&base64url(data)) {
        let again = SharedReport::decode(&report.encode()).expect("an encoded report decodes");
        assert_eq!(format!("{again:?}"), format!("{report:?}"));
    }
    let text = String::from_utf8_lossy(data);
    let _ = SharedReport::from_fragment(&text);
    let _ = SharedReport::decode(&text);
});
