// SPDX-License-Identifier: GPL-3.0-or-later
//! FAT12/16/32 adapter (fatfs): boot sector, FATs, directories, long names.
//! The input is a whole volume (no partition table): open it, walk the tree within fixed
//! bounds, read the start and end of files and their metadata.
#![no_main]

#[path = "../common/mod.rs"]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let volume = data.to_vec();
    if let Ok(Some(fs)) = imagefs::fs::open_filesystem(common::source("fuzz.vol", &volume)) {
        common::walk(&*fs);
    }
});
