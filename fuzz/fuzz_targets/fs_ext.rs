// SPDX-License-Identifier: GPL-3.0-or-later
//! ext2/3/4 adapter (ext4-view): superblock, group descriptors, inodes, extent trees, htree directories, symlinks.
//! The input is a whole volume (no partition table): open it, walk the tree within fixed
//! bounds, read the start and end of files and their metadata.
#![no_main]

#[path = "../common/mod.rs"]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let volume = common::with_magic(data, 1080, &[0x53, 0xef]);
    if let Ok(Some(fs)) = imagefs::fs::open_filesystem(common::source("fuzz.vol", &volume)) {
        common::walk(&*fs);
    }
});
