// SPDX-License-Identifier: GPL-3.0-or-later
//! OVA: tar headers (ustar, pax, GNU long names), the OVF descriptor and the disks inside.
//! The input (after an optional 4-byte length prefix splitting off a second file, offered
//! as `parent.ova` beside it) is opened as a ova container; a few ranges of the virtual
//! disk are read, then its partitions and filesystems are walked.
#![no_main]

#[path = "../common/mod.rs"]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (top, other) = common::split(data);
    let mut top = common::with_magic(top, 257, b"ustar");
    // Detection reads a whole 512-byte header block.
    if top.len() < 512 {
        top.resize(512, 0);
    }
    let others = if other.is_empty() { vec![] } else { vec![common::source("parent.ova", other)] };
    common::open_container(common::source("fuzz.ova", &top), others, true);
});
