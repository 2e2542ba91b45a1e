// SPDX-License-Identifier: GPL-3.0-or-later
//! Peer-profile decoding (binary and JSON): strict, bounded, never panicking; what decodes
//! must re-encode to the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use peerpressure::PeerProfile;

fuzz_target!(|data: &[u8]| {
    if let Ok(profile) = PeerProfile::from_bytes(data) {
        assert_eq!(profile.to_bytes(), data);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = PeerProfile::from_json(text);
    }
});
