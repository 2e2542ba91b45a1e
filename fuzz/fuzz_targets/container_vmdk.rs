// SPDX-License-Identifier: GPL-3.0-or-later
//! VMDK: sparse header, grain directories and tables, stream-optimized markers, text descriptors.
//! The input (after an optional 4-byte length prefix splitting off a second file, offered
//! as `parent.vmdk` beside it) is opened as a vmdk container; a few ranges of the virtual
//! disk are read, then its partitions and filesystems are walked.
#![no_main]

#[path = "../common/mod.rs"]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (top, other) = common::split(data);
    // Either a text descriptor or a binary sparse extent.
    let top = if top.starts_with(b"# Disk DescriptorFile") { top.to_vec() } else { common::with_magic(top, 0, b"KDMV") };
    let others = if other.is_empty() { vec![] } else { vec![common::source("parent.vmdk", other)] };
    common::open_container(common::source("fuzz.vmdk", &top), others, true);
});
