// SPDX-License-Identifier: GPL-3.0-or-later
//! The whole path on arbitrary bytes: detection of the container (raw included), partition
//! table, filesystems, listing and reading, then the settings scan with the default
//! extraction profile. A second file (after a 4-byte length prefix) is supplied beside it.
#![no_main]

#[path = "../common/mod.rs"]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (first, second) = common::split(data);
    let mut files = vec![common::source("fuzz.img", first)];
    if !second.is_empty() {
        files.push(common::source("fuzz-2.img", second));
    }
    let Ok(machine) = imagefs::open_machine(files) else { return };
    for volume in &machine.volumes {
        common::walk(&*volume.fs);
    }
    let _ = settings::scan_machine(&machine, &settings::ExtractionProfile::default());
});
