// SPDX-License-Identifier: GPL-3.0-or-later
//! Share-link decoding (`#report=v1.<base64url of version, flags, deflated rows>`): the
//! input as a fragment, as the base64 data part, and as the raw payload under it. What
//! decodes must encode to a link that decodes to the same report.
#![no_main]

use libfuzzer_sys::fuzz_target;
use peerpressure::share::SharedReport;

fuzz_target!(|data: &[u8]| {
    if let Ok(report) = SharedReport::decode_payload(data) {
        let again = SharedReport::decode(&report.encode()).expect("an encoded report decodes");
        assert_eq!(format!("{again:?}"), format!("{report:?}"));
    }
    let text = String::from_utf8_lossy(data);
    let _ = SharedReport::from_fragment(&text);
    let _ = SharedReport::decode(&text);
});
