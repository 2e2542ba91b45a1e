// SPDX-License-Identifier: GPL-3.0-or-later
//! Registry hive base block, cells and the full walk on arbitrary bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use settings::registry::{load_hive, walk_hive};

fuzz_target!(|data: &[u8]| {
    let mut warnings = Vec::new();
    let Ok(loaded) = load_hive("FUZZ", data.to_vec(), &[], &mut warnings) else { return };
    if let Ok(hive) = loaded.hive() {
        let _ = walk_hive(&hive);
    }
});
