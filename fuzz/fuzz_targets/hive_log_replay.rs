// SPDX-License-Identifier: GPL-3.0-or-later
//! Registry transaction-log replay (old-format and HvLE logs): the input is split by a
//! 4-byte length prefix into a hive and a log; the hive is loaded with the log replayed
//! (a dirty base block is forced so that the replay runs), then walked.
#![no_main]

#[path = "../common/mod.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use settings::registry::log::LogFile;
use settings::registry::{load_hive, walk_hive};

fuzz_target!(|data: &[u8]| {
    let (hive, log) = common::split(data);
    let mut hive = hive.to_vec();
    // Sequence numbers at 4 and 8 differ in a dirty hive.
    if let Some(seq) = hive.get_mut(4) {
        *seq = seq.wrapping_add(1);
    }
    let logs = [LogFile { name: "FUZZ.LOG1", bytes: log }];
    let mut warnings = Vec::new();
    let Ok(loaded) = load_hive("FUZZ", hive, &logs, &mut warnings) else { return };
    if let Ok(h) = loaded.hive() {
        let _ = walk_hive(&h);
    }
});
