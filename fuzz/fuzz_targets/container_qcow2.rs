// SPDX-License-Identifier: GPL-3.0-or-later
//! QCOW2 v2/v3: header, extensions, L1/L2 tables, compressed clusters, backing files.
//! The input (after an optional 4-byte length prefix splitting off a second file, offered
//! as `parent.qcow2` beside it) is opened as a qcow2 container; a few ranges of the virtual
//! disk are read, then its partitions and filesystems are walked.
#![no_main]

#[path = "../common/mod.rs"]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (top, other) = common::split(data);
    let top = common::with_magic(top, 0, b"QFI\xfb");
    let others = if other.is_empty() { vec![] } else { vec![common::source("parent.qcow2", other)] };
    common::open_container(common::source("fuzz.qcow2", &top), others, true);
});
