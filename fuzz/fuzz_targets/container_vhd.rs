// SPDX-License-Identifier: GPL-3.0-or-later
//! VHD (fixed, dynamic, differencing): footer, dynamic header, BAT, parent locators.
//! The input (after an optional 4-byte length prefix splitting off a second file, offered
//! as `parent.vhd` beside it) is opened as a vhd container; a few ranges of the virtual
//! disk are read, then its partitions and filesystems are walked.
#![no_main]

#[path = "../common/mod.rs"]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (top, other) = common::split(data);
    // A dynamic VHD starts with a copy of its footer; a fixed one has it only at the end.
    let tail = top.len().checked_sub(512).and_then(|at| top.get(at..));
    let top = if top.starts_with(b"conectix") || tail.is_some_and(|t| t.starts_with(b"conectix")) {
        top.to_vec()
    } else {
        common::with_magic(top, 0, b"conectix")
    };
    let others = if other.is_empty() { vec![] } else { vec![common::source("parent.vhd", other)] };
    common::open_container(common::source("fuzz.vhd", &top), others, true);
});
