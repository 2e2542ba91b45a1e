// SPDX-License-Identifier: GPL-3.0-or-later
//! VHDX: file identifier, headers, region table, metadata, log replay, BAT.
//! The input (after an optional 4-byte length prefix splitting off a second file, offered
//! as `parent.vhdx` beside it) is opened as a vhdx container; a few ranges of the virtual
//! disk are read, then its partitions and filesystems are walked.
#![no_main]

#[path = "../common/mod.rs"]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (top, other) = common::split(data);
    let top = common::with_magic(top, 0, b"vhdxfile");
    let others = if other.is_empty() { vec![] } else { vec![common::source("parent.vhdx", other)] };
    common::open_container(common::source("fuzz.vhdx", &top), others, true);
});
